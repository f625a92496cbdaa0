"""The integration's actions, with good and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol
import yaml

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import (
    RamVar,
    Setting,
    SwitchState,
    ram_name,
    setting_name,
)
from vebus_sim import Simulator

from .conftest import write_requests

SERVICES_YAML = Path(__file__).parents[3] / "custom_components" / "victron_vebus" / "services.yaml"


async def call(
    hass: HomeAssistant, entry: MockConfigEntry, service: str, **data: Any
) -> dict[str, Any] | None:
    return await hass.services.async_call(  # type: ignore[return-value]
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=service.startswith("read_"),
    )


async def test_set_mode_with_current_limit(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    await call(hass, setup_integration, "set_mode", mode="charger_only", current_limit=20)
    assert vebus_sim.device.switch_state == SwitchState.CHARGER_ONLY
    assert vebus_sim.device.current_limit == 20


async def test_read_setting_by_name_and_id(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    by_name = await call(hass, setup_integration, "read_setting", setting="absorption_voltage")
    by_id = await call(hass, setup_integration, "read_setting", setting=2)
    assert by_name == by_id
    assert by_name is not None
    assert by_name["value"] == pytest.approx(vebus_sim.device.setting(2))
    assert by_name["unit"] == "V"
    assert by_name["minimum"] < by_name["value"] < by_name["maximum"]


async def test_write_setting_ram_only_then_persisted_once_per_ten_minutes(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    await call(hass, setup_integration, "write_setting", setting="float_voltage", value=13.6)
    assert vebus_sim.device.setting(3) == pytest.approx(13.6)
    assert vebus_sim.device.eeprom_writes.get(3, 0) == 0
    read = await call(hass, setup_integration, "read_setting", setting="float_voltage")
    assert read is not None
    assert read["value"] == pytest.approx(13.6)  # in force
    assert read["stored_value"] == pytest.approx(vebus_sim.device.eeprom_raw(3) / 100)
    await call(
        hass, setup_integration, "write_setting", setting="float_voltage", value=13.7, persist=True
    )
    assert vebus_sim.device.eeprom_writes[3] == 1
    writes = len(write_requests(vebus_sim))
    with pytest.raises(ServiceValidationError) as caught:
        await call(
            hass,
            setup_integration,
            "write_setting",
            setting="float_voltage",
            value=13.8,
            persist=True,
        )
    assert caught.value.translation_key == "eeprom_rate_limited"
    assert vebus_sim.device.eeprom_writes[3] == 1
    assert len(write_requests(vebus_sim)) == writes


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"setting": "no_such_setting", "value": 1}, "unknown_setting"),
        ({"setting": 999, "value": 1}, "unknown_setting"),
        ({"setting": "absorption_voltage", "value": 99}, "above_unit"),
    ],
)
async def test_bad_setting_writes_change_nothing(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    writes = len(write_requests(vebus_sim))
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, "write_setting", **data)
    assert caught.value.translation_key == key
    assert len(write_requests(vebus_sim)) == writes


async def test_wrong_types_are_refused_by_the_schema(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    with pytest.raises(vol.Invalid):
        await call(hass, setup_integration, "write_setting", setting="float_voltage", value="x")
    with pytest.raises(vol.Invalid):
        await call(hass, setup_integration, "set_mode", mode="turbo")


async def test_unsupported_setting_is_reported(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """The form offers every name the library knows; one the unit lacks is refused, named."""
    for service, key, data in (
        ("read_setting", "setting", {"setting": 13}),
        ("write_setting", "setting", {"setting": "slaves_connected", "value": 1}),
        ("read_ram_var", "variable", {"variable": 99}),
        ("write_ram_var", "variable", {"variable": 99, "value": 1}),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, setup_integration, service, **data)
        assert caught.value.translation_key == f"{key}_not_on_unit"
        assert caught.value.translation_placeholders["name"] in ("slaves_connected", "ram_99")


async def test_read_and_write_ram_variables(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    read = await call(hass, setup_integration, "read_ram_var", variable="battery_voltage")
    assert read is not None
    assert read["value"] == pytest.approx(vebus_sim.device.ram_value(4), abs=0.01)
    ess = setup_integration.runtime_data.unit.ess.ram_id
    await call(hass, setup_integration, "write_ram_var", variable=ess, value=-150)
    assert vebus_sim.device.ess_setpoint == -150
    assert sum(vebus_sim.device.ram_eeprom_writes.values()) == 0
    with pytest.raises(ServiceValidationError):
        await call(hass, setup_integration, "read_ram_var", variable="nope")


async def test_access_denied_names_the_level(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    vebus_sim.faults.denied_settings[4] = 2
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, setup_integration, "write_setting", setting="charge_current", value=30)
    assert caught.value.translation_key == "access_denied"
    assert caught.value.translation_placeholders["level"] == "2"


async def test_actions_need_a_loaded_entry(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "set_mode", {"config_entry_id": "nope", "mode": "on"}, blocking=True
        )
    assert caught.value.translation_key == "unknown_entry"
    await hass.config_entries.async_unload(setup_integration.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, "set_mode", mode="on")
    assert caught.value.translation_key == "entry_not_loaded"


def control_requests(sim: Simulator) -> list[bytes]:
    """Every request that could change the unit: WriteViaID, 'S' and 'H' with lines."""
    return write_requests(sim) + [r for r in sim.requests if r[1:3] in (b"\xffS", b"\xffH")]


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("write_ram_var", {"variable": -1, "value": 1}, "unknown_variable"),
        ("write_ram_var", {"variable": 256, "value": 1}, "unknown_variable"),
        ("write_ram_var", {"variable": "no_such_variable", "value": 1}, "unknown_variable"),
        ("read_ram_var", {"variable": 300}, "unknown_variable"),
        ("read_setting", {"setting": -3}, "unknown_setting"),
        ("read_setting", {"setting": ""}, "unknown_setting"),
        ("write_setting", {"setting": "float_voltage", "value": NAN}, "out_of_range"),
        ("write_setting", {"setting": "float_voltage", "value": INF}, "above_unit"),
        ("write_setting", {"setting": "float_voltage", "value": 1e308}, "above_unit"),
        ("write_setting", {"setting": 0, "value": 1.5}, "out_of_range"),  # a flag word
        ("write_setting", {"setting": 0, "value": NAN}, "out_of_range"),
        ("write_setting", {"setting": 0, "value": -INF}, "below_unit"),
        ("write_ram_var", {"variable": "ess", "value": 1e9}, "below_ess_maximum"),
        ("write_ram_var", {"variable": "ess", "value": INF}, "below_ess_maximum"),
        ("write_ram_var", {"variable": "ess", "value": NAN}, "out_of_range"),
        ("set_mode", {"mode": "on", "current_limit": NAN}, "out_of_range"),
        ("set_mode", {"mode": "on", "current_limit": 1000}, "above_unit"),
        ("set_mode", {"mode": "off", "current_limit": -INF}, "below_unit"),
        ("set_ess_setpoint", {"power": NAN}, "out_of_range"),
        ("set_ess_setpoint", {"power": -INF}, "below_ess_maximum"),
        ("set_ess_setpoint", {"power": 1e12}, "above_ess_maximum"),
        ("write_ram_var", {"variable": "state_of_charge", "value": 1.5}, "above_physical"),
        ("write_setting", {"setting": "inverter_output_voltage", "value": 230.5}, "invalid_value"),
        ("write_ram_var", {"variable": "ignore_ac_input", "value": 0.5}, "invalid_value"),
    ],
)
async def test_bad_values_get_a_translated_error_and_change_nothing(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    if data.get("variable") == "ess":
        data = {**data, "variable": setup_integration.runtime_data.unit.ess.ram_id}
    before = len(control_requests(vebus_sim))
    state = (vebus_sim.device.switch_state, vebus_sim.device.current_limit)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, service, **data)
    assert caught.value.translation_key == key
    assert caught.value.translation_domain == DOMAIN
    assert len(control_requests(vebus_sim)) == before
    assert (vebus_sim.device.switch_state, vebus_sim.device.current_limit) == state
    assert vebus_sim.device.ess_setpoint == 0


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("write_ram_var", {"variable": "ess_setpoint", "value": "abc"}),
        ("set_ess_setpoint", {"power": "lots"}),
        ("set_ess_setpoint", {"power": 100, "duration": "-00:00:05"}),
        ("set_mode", {"mode": "on", "current_limit": "x"}),
        ("set_mode", {"mode": 3}),
        ("read_setting", {"setting": [2, 3]}),
        ("write_setting", {"setting": {"id": 2}, "value": 14}),
        ("write_setting", {"setting": 2, "value": 14, "persist": "maybe"}),
        # A boolean is no number: the ESS RAM id written with true is not 1 W.
        ("write_ram_var", {"variable": "ess", "value": True}),
        ("set_ess_setpoint", {"power": True}),
        ("write_setting", {"setting": "float_voltage", "value": False}),
        ("set_mode", {"mode": "on", "current_limit": True}),
        ("charge_to_soc", {"soc": True, "power": 500}),
        ("read_setting", {"setting": True}),  # not setting 1
    ],
)
async def test_wrong_types_are_refused_before_anything_is_sent(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    service: str,
    data: dict[str, Any],
) -> None:
    if data.get("variable") == "ess":
        data = {**data, "variable": setup_integration.runtime_data.unit.ess.ram_id}
    before = len(control_requests(vebus_sim))
    with pytest.raises(vol.Invalid):
        await call(hass, setup_integration, service, **data)
    assert len(control_requests(vebus_sim)) == before
    assert vebus_sim.device.ess_setpoint == 0


@pytest.mark.parametrize(
    ("service", "data", "message"),
    [
        (
            "set_ess_setpoint",
            {"power": 5000},
            "ESS setpoint: 5000 W is above the ESS maximum power option (3000 W)",
        ),
        (
            "write_setting",
            {"setting": "absorption_voltage", "value": 99},
            "absorption_voltage: 99 V is above the maximum the unit allows",
        ),
    ],
)
async def test_a_refusal_names_the_bound_and_its_unit(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, service, **data)
    assert message in str(caught.value)


async def test_the_unit_is_picked_as_a_device(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    """The action form's device picker gives a device id; the config entry id still works."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), setup_integration.entry_id)
    unit = next(d for d in devices if d.via_device_id is not None or len(devices) == 1)
    read = await hass.services.async_call(
        DOMAIN,
        "read_setting",
        {"device_id": unit.id, "setting": "absorption_voltage"},
        blocking=True,
        return_response=True,
    )
    assert read is not None
    assert read["value"] == pytest.approx(vebus_sim.device.setting(2))
    with pytest.raises(ServiceValidationError) as unknown:
        await hass.services.async_call(
            DOMAIN,
            "read_setting",
            {"device_id": "no-such-device", "setting": 2},
            blocking=True,
            return_response=True,
        )
    assert unknown.value.translation_key == "unknown_device"
    with pytest.raises(vol.Invalid):  # one unit, named once
        await hass.services.async_call(DOMAIN, "set_mode", {"mode": "on"}, blocking=True)


def test_the_action_form_offers_devices_and_the_names_the_library_knows() -> None:
    services = yaml.safe_load(SERVICES_YAML.read_text())
    for name, service in services.items():
        fields = service["fields"]
        assert fields["device_id"]["selector"] == {"device": {"integration": DOMAIN}}, name
        assert "config_entry_id" not in fields, name
        if "setting" in fields:
            options = fields["setting"]["selector"]["select"]["options"]
            assert options == [setting_name(item) for item in Setting], name
        if "variable" in fields:
            options = fields["variable"]["selector"]["select"]["options"]
            assert options == [ram_name(item) for item in RamVar], name
