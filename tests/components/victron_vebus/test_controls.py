"""Flag switches and setting numbers: present where the unit has them, written RAM only
unless saved permanently, re-applied after a restart, bounded by the unit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
import itertools
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import SLOW_INTERVAL
from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Simulator

from .conftest import add_entry, control, write_requests

# What a fresh install creates, by what the unit must have (written out here, not taken
# from the library's table, so a wrong entry in the table fails these tests).
CHARGER = {
    "switch.{name}_charging_allowed",
    "switch.{name}_stop_after_10_hours_of_bulk",
    "switch.{name}_storage_mode",
    "switch.{name}_tubular_plate_charge_curve",
    "number.{name}_absorption_voltage",
    "number.{name}_float_voltage",
    "number.{name}_charge_current",
    "number.{name}_repeated_absorption_time",
    "number.{name}_repeated_absorption_interval",
    "number.{name}_maximum_absorption_time",
    "number.{name}_state_of_charge_when_bulk_finished",
    "number.{name}_charge_efficiency",
}
AC_INPUT = {
    "switch.{name}_ups_function",
    "switch.{name}_powerassist",
    "switch.{name}_ground_relay",
    "switch.{name}_weak_ac_input",
    "switch.{name}_accept_wide_input_frequency",
    "switch.{name}_dynamic_current_limiter",
    "switch.{name}_remote_overrules_ac1",
    "number.{name}_ac1_input_current_limit",
    "number.{name}_ac_input_low_voltage_disconnect",
    "number.{name}_ac_input_low_voltage_hysteresis",
    "number.{name}_ac_input_high_voltage_disconnect",
    "number.{name}_ac_input_high_voltage_hysteresis",
    "number.{name}_assist_current_boost_factor",
}
SECOND_INPUT = {"switch.{name}_remote_overrules_ac2", "number.{name}_ac2_input_current_limit"}
FIRMWARE_506 = {"switch.{name}_solar_wind_priority"}
EVERY_UNIT = {
    "switch.{name}_60_hz_output",
    "switch.{name}_aes",
    "switch.{name}_low_power_shutdown_in_aes",
    "switch.{name}_virtual_switch_2_inverted",
    "switch.{name}_virtual_switch_sets_the_inverter_frequency",
    "switch.{name}_battery_monitor",
    "number.{name}_inverter_output_voltage",
    "number.{name}_low_battery_shutdown_voltage",
    "number.{name}_low_battery_restart_hysteresis",
    "number.{name}_low_battery_pre_alarm_offset",
    "number.{name}_aes_current",
    "number.{name}_aes_current_hysteresis",
    "number.{name}_battery_capacity",
}
# Supported by no simulated unit (flags2 bit 0 is outside every mask): never created.
UNSUPPORTED_BIT = "switch.{name}_virtual_switch_2_off_while_ac1_is_available"
# The entities of the remote panel, ESS and standby, not from the tables.
OTHERS = {
    "switch.{name}_charger",
    "switch.{name}_inverter",
    "switch.{name}_keep_awake",
    "number.{name}_ac_input_current_limit",
    "number.{name}_ess_setpoint",
}
ON_A_PHOENIX = {"switch.{name}_inverter", "switch.{name}_keep_awake", "number.{name}_ess_setpoint"}
# Enabled on a fresh install; every other flag switch and setting number starts disabled.
ENABLED = {
    "switch.{name}_charging_allowed",
    "switch.{name}_ups_function",
    "switch.{name}_powerassist",
    "switch.{name}_aes",
    "switch.{name}_weak_ac_input",
    "switch.{name}_solar_wind_priority",
    "switch.{name}_battery_monitor",
    "number.{name}_absorption_voltage",
    "number.{name}_float_voltage",
    "number.{name}_charge_current",
    "number.{name}_ac2_input_current_limit",
}

MODELS = {
    # model: (device name, groups of entities it has)
    "multiplus-12": ("multiplus", (CHARGER, AC_INPUT, EVERY_UNIT)),
    "multiplus2-48": ("multiplus_ii", (CHARGER, AC_INPUT, FIRMWARE_506, EVERY_UNIT)),
    "quattro-48": ("quattro", (CHARGER, AC_INPUT, SECOND_INPUT, EVERY_UNIT)),
    "phoenix-24": ("phoenix", (EVERY_UNIT,)),
}
ALL_GROUPS = (CHARGER, AC_INPUT, SECOND_INPUT, FIRMWARE_506, EVERY_UNIT)


def ids(name: str, *groups: set[str]) -> set[str]:
    return {entity_id.format(name=name) for group in groups for entity_id in group}


def control_entities(
    hass: HomeAssistant, entry: MockConfigEntry, *, tables_only: bool = True
) -> dict[str, er.RegistryEntry]:
    """The entry's switches and numbers in the entity registry (by default only those
    of the flag and setting tables)."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    others = ids(slugify(entry.runtime_data.unit.product.line), OTHERS)
    return {
        e.entity_id: e
        for e in entries
        if e.domain in ("switch", "number") and not (tables_only and e.entity_id in others)
    }


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Every entity enabled, the ones disabled by default too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
async def started() -> AsyncIterator[list[Simulator]]:
    """Simulators a test starts; stopped at the end."""
    sims: list[Simulator] = []
    yield sims
    for sim in sims:
        await sim.stop()


async def setup_model(
    hass: HomeAssistant, sims: list[Simulator], model: str, **options: Any
) -> tuple[Simulator, MockConfigEntry]:
    sim = Simulator(model, paced=False, live=False, **options)
    sims.append(sim)
    return sim, await add_entry(hass, await sim.start_pty())


# --- which entities exist --------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(MODELS))
async def test_each_model_gets_the_controls_it_has(
    hass: HomeAssistant, started: list[Simulator], model: str
) -> None:
    """The registry snapshot of every entity is test_snapshots.py's; here, what decides."""
    name, groups = MODELS[model]
    _, entry = await setup_model(hass, started, model)
    entities = control_entities(hass, entry)
    assert set(entities) == ids(name, *groups)
    assert ids(name, {UNSUPPORTED_BIT}).isdisjoint(entities)
    for entity_id, entity in entities.items():
        assert (entity.disabled_by is None) == (entity_id in ids(name, ENABLED)), entity_id
    assert all(e.entity_category is EntityCategory.CONFIG for e in entities.values())


async def test_phoenix_has_no_charger_and_no_ac_input_controls(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    _, entry = await setup_model(hass, started, "phoenix-24")
    entities = control_entities(hass, entry, tables_only=False)
    absent = ids("phoenix", CHARGER, AC_INPUT, SECOND_INPUT, FIRMWARE_506, OTHERS - ON_A_PHOENIX)
    assert absent.isdisjoint(entities)
    assert ids("phoenix", EVERY_UNIT, ON_A_PHOENIX) <= set(entities)


async def test_a_unit_with_one_input_has_no_ac2_controls(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    _, entry = await setup_model(hass, started, "multiplus2-48")
    entities = control_entities(hass, entry)
    assert ids("multiplus_ii", SECOND_INPUT).isdisjoint(entities)


async def test_solar_and_wind_priority_needs_firmware_506(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    """Bit 9 in the mask is not enough: an older firmware gets no switch."""
    sim = Simulator("multiplus2-48", paced=False, live=False)
    started.append(sim)
    sim.device.firmware = 2623504  # version 504 of the same unit, mask unchanged
    entry = await add_entry(hass, await sim.start_pty())
    assert sim.device.setting_info(60).maximum & 0x0200
    entities = control_entities(hass, entry)
    assert "switch.multiplus_ii_solar_wind_priority" not in entities
    assert "switch.multiplus_ii_aes" in entities


async def test_a_system_of_several_units_has_the_masters_controls(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, entry = await setup_model(hass, started, "multiplus2-48", phases=3)
    entities = control_entities(hass, entry)
    assert ids("multiplus_ii", CHARGER, AC_INPUT, FIRMWARE_506, EVERY_UNIT) <= set(entities)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_ii_powerassist"}, blocking=True
    )
    await set_absorption(hass, 57.0)
    # A system runs one configuration: every unit, not unit 0 alone.
    assert not any(unit.setting_raw(0) & 0x20 for unit in sim.device.units)
    assert [unit.setting(2) for unit in sim.device.units] == [57.0, 57.0, 57.0]
    assert all(sum(unit.eeprom_writes.values()) == 0 for unit in sim.device.units)


async def set_absorption(hass: HomeAssistant, volts: float) -> None:
    """On the simulated MultiPlus-II systems these tests set up."""
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.multiplus_ii_absorption_voltage", "value": volts},
        blocking=True,
    )


async def test_units_that_hold_a_setting_differently_raise_a_repair_issue(
    hass: HomeAssistant, started: list[Simulator], issue_registry: ir.IssueRegistry
) -> None:
    sim = Simulator("multiplus2-48", units=2, paced=False, live=False)
    started.append(sim)
    sim.device.units[1].set_setting(2, 57.0)  # unit 0 holds 57.6 V
    entry = await add_entry(hass, await sim.start_pty())
    issue = issue_registry.async_get_issue(DOMAIN, f"settings_differ_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {
        "device": entry.title,
        "settings": "absorption_voltage: unit 0 57.6 V, unit 1 57 V",
    }
    await set_absorption(hass, 57.2)
    await hass.async_block_till_done()
    assert [unit.setting(2) for unit in sim.device.units] == [57.2, 57.2]
    await wait_for(
        lambda: issue_registry.async_get_issue(DOMAIN, f"settings_differ_{entry.entry_id}") is None,
        "the issue gone once every unit holds one value",
    )


async def test_a_unit_that_refuses_a_setting_is_named(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim = Simulator("multiplus2-48", units=2, paced=False, live=False)
    started.append(sim)
    entry = await add_entry(hass, await sim.start_pty())
    sim.faults.denied_settings = {2: 3}  # the units refuse it: unit 0 first
    with pytest.raises(HomeAssistantError) as caught:
        await set_absorption(hass, 57.0)
    assert caught.value.translation_key == "access_denied"
    member = sim.device.units[1]
    info = member.model.setting_info[2]
    member.model = replace(
        member.model, setting_info={**member.model.setting_info, 2: replace(info, maximum=5700)}
    )
    sim.faults.denied_settings = {}
    with pytest.raises(HomeAssistantError) as caught:
        await set_absorption(hass, 58.0)
    assert caught.value.translation_key == "unit_write_failed"
    assert caught.value.translation_placeholders["address"] == "1"
    assert entry.runtime_data.unit.diagnostics()["unconfirmed_ram_only_settings"] == [
        "absorption_voltage"
    ]


# --- writes ----------------------------------------------------------------------------


def flags_written(sim: Simulator, setting: int) -> list[int]:
    """The words of the WriteViaID requests to ``setting`` that reached the simulator."""
    return [r[6] | r[7] << 8 for r in write_requests(sim) if r[4] & 0x01 and r[5] == setting]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_flag_switch_changes_its_bit_and_no_other(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim = Simulator("multiplus-12", paced=False, live=False)
    started.append(sim)
    # Reserved bits 9, 10 and 12 set and bit 15 outside the mask: none of them may move.
    before = sim.device.eeprom_raw(0) | 0x1600
    sim.device.set_setting_raw(0, before)
    await add_entry(hass, await sim.start_pty())
    for entity_id, bit in (
        ("switch.multiplus_powerassist", 0x0020),
        ("switch.multiplus_weak_ac_input", 0x4000),
        ("switch.multiplus_aes", 0x0100),
    ):
        on = hass.states.get(entity_id).state == STATE_ON
        await hass.services.async_call(
            "switch", "turn_off" if on else "turn_on", {"entity_id": entity_id}, blocking=True
        )
        assert hass.states.get(entity_id).state == (STATE_OFF if on else STATE_ON)
        word = sim.device.setting_raw(0)
        assert word ^ before == bit, entity_id
        before = word
    words = flags_written(sim, 0)
    assert len(words) == 3
    assert all(bin(a ^ b).count("1") == 1 for a, b in itertools.pairwise(words))
    assert sim.device.eeprom_writes.get(0, 0) == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_the_ups_function_keeps_bits_3_and_7_complementary(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, _ = await setup_model(hass, started, "multiplus-12")
    entity_id = "switch.multiplus_ups_function"
    assert hass.states.get(entity_id).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": entity_id}, blocking=True)
    word = sim.device.setting_raw(0)
    assert word & 0x08 and not word & 0x80  # wave check disabled, its inverse cleared
    await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    word = sim.device.setting_raw(0)
    assert not word & 0x08 and word & 0x80
    assert hass.states.get(entity_id).state == STATE_ON


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_setting_numbers_write_and_show_whole_values(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, _ = await setup_model(hass, started, "quattro-48")
    for entity_id, setting, value, shown in (
        ("number.quattro_inverter_output_voltage", 5, 235, "235"),
        ("number.quattro_repeated_absorption_time", 7, 45, "45"),
        ("number.quattro_ac2_input_current_limit", 49, 12.5, "12.5"),
        ("number.quattro_charge_efficiency", 72, 0.9, "0.898"),  # steps of 1/256
    ):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
        )
        assert sim.device.setting(setting) == pytest.approx(value, abs=1 / 256)
        assert hass.states.get(entity_id).state == shown, entity_id
    attributes = hass.states.get("number.quattro_repeated_absorption_time").attributes
    assert attributes["step"] == 15
    assert attributes["stored_value"] == 60  # RAM only: the EEPROM keeps the default
    assert sum(sim.device.eeprom_writes.values()) == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_numbers_are_bounded_by_the_unit_with_translated_errors(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, entry = await setup_model(hass, started, "multiplus-12")
    entity_id = "number.multiplus_inverter_output_voltage"
    assert hass.states.get(entity_id).attributes["max"] == 245
    sent = len(sim.requests)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 250}, blocking=True
        )
    with pytest.raises(ServiceValidationError) as caught:
        await control(entry.runtime_data, "write_setting", 5, 250)
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == "above_unit"
    assert caught.value.translation_placeholders["maximum"] == "245 V"
    with pytest.raises(ServiceValidationError) as caught:
        await control(entry.runtime_data, "write_setting", 6, 0.5)  # AC1 limit: 1 A at least
    assert caught.value.translation_key == "below_unit"
    assert caught.value.translation_placeholders["minimum"] == "1 A"
    assert len(sim.requests) == sent
    assert sim.device.rejected_writes == 0


async def test_battery_monitor_off_and_back_on(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, _ = await setup_model(hass, started, "multiplus-12")
    entity_id = "switch.multiplus_battery_monitor"
    assert hass.states.get(entity_id).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {"entity_id": entity_id}, blocking=True)
    assert sim.device.setting_raw(64) == 0
    assert hass.states.get(entity_id).state == STATE_OFF
    await hass.services.async_call("switch", "turn_on", {"entity_id": entity_id}, blocking=True)
    assert sim.device.setting_raw(64) == 200  # the capacity it had
    assert sim.device.eeprom_writes.get(64, 0) == 0


async def test_battery_monitor_without_a_known_capacity_is_refused(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim = Simulator("multiplus-12", paced=False, live=False)
    started.append(sim)
    sim.device.set_setting_raw(64, 0)  # off in EEPROM, default 0: no capacity to go back to
    await add_entry(hass, await sim.start_pty())
    sent = len(write_requests(sim))
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "switch", "turn_on", {"entity_id": "switch.multiplus_battery_monitor"}, blocking=True
        )
    assert caught.value.translation_key == "battery_capacity_needed"
    assert len(write_requests(sim)) == sent


# --- safety ----------------------------------------------------------------------------


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_toggles_and_changes_through_home_assistant_never_touch_eeprom(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    """500 of each through the entities, 1,000 writes (the library's test: 1,000 of each)."""
    sim, _ = await setup_model(hass, started, "multiplus-12")
    for i in range(500):
        await hass.services.async_call(
            "switch",
            "turn_on" if i % 2 else "turn_off",
            {"entity_id": "switch.multiplus_powerassist"},
            blocking=True,
        )
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.multiplus_inverter_output_voltage", "value": 220 + i % 20},
            blocking=True,
        )
    assert sim.device.setting_raw(0) & 0x20  # the last toggle turned it on
    assert sim.device.setting(5) == 239
    assert len(flags_written(sim, 0)) == 500
    assert sum(sim.device.eeprom_writes.values()) == 0
    assert sum(sim.device.ram_eeprom_writes.values()) == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_ram_only_controls_return_after_a_unit_restart(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim, entry = await setup_model(hass, started, "multiplus-12")
    coordinator = entry.runtime_data
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_powerassist"}, blocking=True
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.multiplus_inverter_output_voltage", "value": 240},
        blocking=True,
    )
    sim.heartbeat = 0.02
    session = coordinator.unit.client.session
    sim.device.restart()
    assert sim.device.setting_raw(0) & 0x20  # the unit forgot: PowerAssist on again
    assert sim.device.setting(5) == 230
    await wait_for(
        lambda: coordinator.unit.client.session != session,
        "the rebooted interface announces itself ('V' with 'B')",
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not sim.device.setting_raw(0) & 0x20
    assert sim.device.setting(5) == 240
    assert hass.states.get("switch.multiplus_powerassist").state == STATE_OFF
    assert hass.states.get("number.multiplus_inverter_output_voltage").state == "240"
    assert sum(sim.device.eeprom_writes.values()) == 0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_saved_permanently_only_when_asked_and_rate_limited(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    sim = Simulator("multiplus-12", paced=False, live=False)
    started.append(sim)
    entry = await add_entry(hass, await sim.start_pty(), {"persist_settings": True})
    clock = FakeClock()
    entry.runtime_data.unit.clock = clock
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_powerassist"}, blocking=True
    )
    assert sim.device.eeprom_writes[0] == 1
    assert not sim.device.eeprom_raw(0) & 0x20
    with pytest.raises(ServiceValidationError) as caught:  # the same word, 10 minutes apart
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.multiplus_aes"}, blocking=True
        )
    assert caught.value.translation_key == "eeprom_rate_limited"
    # Charging allowed changes often: RAM only even when settings are saved permanently.
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_charging_allowed"}, blocking=True
    )
    assert sim.device.setting_raw(0) & 0x40
    assert not sim.device.eeprom_raw(0) & 0x40
    assert sim.device.eeprom_writes[0] == 1
    clock.advance(601)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.multiplus_aes"}, blocking=True
    )
    assert sim.device.eeprom_writes[0] == 2
    assert sim.device.eeprom_raw(0) & 0x0100  # AES off saved...
    assert not sim.device.eeprom_raw(0) & 0x40  # ...without the RAM-only bit
    assert sim.device.setting_raw(0) & 0x40  # which stays in force
    assert sim.device.setting_raw(0) & 0x0100


async def test_a_refresh_reads_only_the_settings_of_enabled_entities(
    hass: HomeAssistant, started: list[Simulator]
) -> None:
    """Disabled flag switches and numbers cost no bytes on the 2400 baud line."""
    sim, entry = await setup_model(hass, started, "multiplus-12")
    clock = FakeClock()
    entry.runtime_data.unit.clock = clock
    await entry.runtime_data.async_refresh()
    clock.advance(SLOW_INTERVAL)  # settings may have been changed elsewhere: read them again
    sim.requests.clear()
    await entry.runtime_data.async_refresh()
    read = {r[4] | r[5] << 8 for r in sim.requests if len(r) > 5 and r[1] == 0xFF and r[3] == 0x31}
    # flags0 (charging allowed, PowerAssist...), absorption, float, charge current, capacity
    assert read == {0, 2, 3, 4, 64}
