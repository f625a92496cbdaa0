"""A Blue Smart charger set up through the config flow against the charger simulator, over a
real pty and over TCP: the flow says what it found, the entities show the simulator's values,
the device is named after the charger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.victron_vebus import charger_coordinator
from custom_components.victron_vebus.const import (
    CONF_FAMILY,
    CONF_PORT,
    DOMAIN,
    MANUFACTURER,
)
from custom_components.victron_vebus.victron_serial.vedirect import Reg
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import (
    ABSORPTION,
    ABSORPTION_SENSOR,
    CHARGE_STATE,
    CURRENT,
    ERROR,
    FLOAT_SENSOR,
    LIMIT,
    NAME,
    PREFIX,
    SERIAL,
    TEMPERATURE,
    VOLTAGE,
    add_charger_through_flow,
    coordinator_of,
)


def value(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state.state


async def _pty(sim: ChargerSimulator, tmp_path: Path) -> str:
    return await sim.start_pty()


async def _tcp(sim: ChargerSimulator, tmp_path: Path) -> str:
    return await sim.start_tcp()


ENDPOINTS: dict[str, Callable[[ChargerSimulator, Path], Awaitable[str]]] = {
    "pty": _pty,
    "tcp": _tcp,
}


@pytest.fixture(params=list(ENDPOINTS))
async def charger_port(
    request: pytest.FixtureRequest,
    charger_sim: ChargerSimulator,
    tmp_path: Path,
    socket_enabled: None,
) -> str:
    """The simulator's port: a pty path or a socket:// URL."""
    port: str = await ENDPOINTS[request.param](charger_sim, tmp_path)
    return port


async def refresh(hass: HomeAssistant, entry: ConfigEntry) -> None:
    await coordinator_of(entry).async_refresh()
    await hass.async_block_till_done()


async def test_flow_finds_the_charger_and_entities_show_its_values(
    hass: HomeAssistant, charger_sim: ChargerSimulator, charger_port: str
) -> None:
    sim = charger_sim.charger
    sim.voltage, sim.current = 26.87, 2.0
    result, entry = await add_charger_through_flow(hass, charger_port)

    # The flow says what answered, and the entry is named after it, not the port.
    assert result["title"] == NAME
    assert result["description"] == "vedirect"
    assert result["description_placeholders"]["name"] == NAME
    assert result["description_placeholders"]["serial"] == SERIAL
    assert entry.data == {CONF_PORT: charger_port, CONF_FAMILY: "vedirect"}
    assert entry.unique_id == SERIAL

    await wait_for(lambda: value(hass, VOLTAGE) == "26.87", "the output voltage shows")
    assert value(hass, CURRENT) == "2.0"
    assert value(hass, CHARGE_STATE) == "bulk"
    assert hass.states.get(CHARGE_STATE).attributes["code"] == 3
    assert value(hass, ERROR) == "no_error"
    assert float(value(hass, LIMIT)) == sim.charge_current_limit == 12.0
    limit = hass.states.get(LIMIT)
    assert limit.attributes["min"] == 3.0
    assert limit.attributes["max"] == 12.0
    assert limit.attributes["step"] == 0.1
    # A preset battery type (the simulator's) fixes the voltages: shown read-only.
    assert float(value(hass, ABSORPTION_SENSOR)) == 28.8
    assert float(value(hass, FLOAT_SENSOR)) == 27.6

    # The values follow the charger.
    sim.voltage, sim.current = 27.5, 7.25
    await wait_for(lambda: value(hass, VOLTAGE) == "27.5", "the new voltage shows")
    assert value(hass, CURRENT) == "7.25"


async def test_device_is_named_after_the_charger(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    # async_get_device is refused from Home Assistant 2026.x on; the entry's own devices are
    # listed the same way in every release.
    device = next(
        d
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, SERIAL) in d.identifiers
    )
    assert device is not None
    assert device.name == NAME
    assert device.manufacturer == MANUFACTURER
    assert device.model == NAME
    assert device.model_id == "0xA334"
    assert device.serial_number == SERIAL
    assert device.sw_version == "3.42"

    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, entry.entry_id)
    assert all(item.unique_id.startswith(f"{SERIAL}_") for item in entities)
    assert {item.entity_id for item in entities} == {
        VOLTAGE,
        CURRENT,
        TEMPERATURE,
        CHARGE_STATE,
        ERROR,
        f"event.{PREFIX}_error_raised",
        LIMIT,
        ABSORPTION_SENSOR,
        FLOAT_SENSOR,
    }
    # The charger sends "---" (no sensor fitted): there for one, disabled until enabled.
    temperature = registry.async_get(TEMPERATURE)
    assert temperature is not None
    assert temperature.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_temperature_shows_when_the_charger_sends_one(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    charger_sim.charger.temperature = 21.0
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    assert float(value(hass, TEMPERATURE)) == 21.0


async def test_a_charger_without_a_temperature_field_has_no_temperature_entity(
    hass: HomeAssistant,
) -> None:
    sim = ChargerSimulator("ip65-12-25", paced=False, live=False, block_interval=0.25)
    try:
        result, entry = await add_charger_through_flow(hass, await sim.start_pty())
    finally:
        await sim.stop()
    assert result["title"] == "Blue Smart IP65 Charger 12|25"
    registry = er.async_get(hass)
    ids = {item.entity_id for item in er.async_entries_for_config_entry(registry, entry.entry_id)}
    assert not any(entity_id.endswith("_temperature") for entity_id in ids)
    assert "sensor.blue_smart_ip65_charger_12_25_output_voltage" in ids


async def test_each_output_of_a_three_output_charger(hass: HomeAssistant) -> None:
    sim = ChargerSimulator("ip22-24-16", paced=False, live=False, block_interval=0.25)
    sim.charger.current = 5.5
    try:
        await add_charger_through_flow(hass, await sim.start_pty())
        prefix = "sensor.blue_smart_ip22_charger_24_16_3"
        for number in (1, 2, 3):
            assert float(value(hass, f"{prefix}_output_{number}_voltage")) == sim.charger.voltage
        assert value(hass, f"{prefix}_output_1_current") == "5.5"
        assert value(hass, f"{prefix}_output_2_current") == "0.0"
        assert hass.states.get(f"{prefix}_output_voltage") is None
    finally:
        await sim.stop()


async def test_unknown_codes_show_as_other_with_the_code(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    charger_sim.charger.state = 99  # type: ignore[assignment]
    charger_sim.charger.error = 2
    await wait_for(lambda: value(hass, CHARGE_STATE) == "other", "the unknown state shows")
    assert hass.states.get(CHARGE_STATE).attributes["code"] == 99
    assert value(hass, ERROR) == "battery_voltage_too_high"

    charger_sim.charger.error = 250
    await wait_for(lambda: value(hass, ERROR) == "other", "the unknown error shows")
    assert hass.states.get(ERROR).attributes["code"] == 250

    charger_sim.charger.state = 255  # type: ignore[assignment]  # "not available"
    await wait_for(lambda: value(hass, CHARGE_STATE) == STATE_UNKNOWN, "no state shows")
    await refresh(hass, entry)


async def test_vebus_actions_refuse_a_charger_entry(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "set_mode",
            {"config_entry_id": entry.entry_id, "mode": "off"},
            blocking=True,
        )
    assert refused.value.translation_key == "not_vebus_entry"


async def test_a_charger_wired_for_reading_only_shows_its_values_and_no_numbers(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    """The header's RX wire not connected: text blocks come, HEX gets no answer."""
    charger_sim.faults.no_hex = True
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    assert value(hass, VOLTAGE) == str(charger_sim.charger.voltage)
    assert hass.states.get(LIMIT) is None
    assert hass.states.get(ABSORPTION) is None
    assert hass.states.get(ABSORPTION_SENSOR) is None
    assert coordinator_of(entry).charger.hex_answers is False


async def test_a_limit_changed_elsewhere_shows(
    hass: HomeAssistant, charger_sim: ChargerSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set in VictronConnect over Bluetooth: read back with the next limit read."""
    monkeypatch.setattr(charger_coordinator, "LIMIT_READ_INTERVAL", 0.0)
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    charger_sim.charger.settings[Reg.CHARGE_CURRENT_LIMIT.id] = 55
    await wait_for(lambda: value(hass, LIMIT) == "5.5", "the new limit shows")


async def test_home_assistant_stopping_closes_the_port(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    await wait_for(lambda: charger_sim.clients == 1, "the entry holds the port")
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_for(lambda: charger_sim.clients == 0, "the port is closed")
