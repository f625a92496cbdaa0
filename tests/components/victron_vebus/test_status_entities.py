"""Status entities beyond the basics: DC currents, the active input, RAM 10-12, F5 bits."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import ALARM_NAMES, RamVar
from vebus_sim import Simulator

from .conftest import set_up

OFF_BY_DEFAULT = (
    "binary_sensor.quattro_ignore_ac_input",
    "binary_sensor.quattro_multi_function_relay",
    "binary_sensor.quattro_remote_generator_selected",
    "binary_sensor.quattro_input_current_limit_adjustable",
    "sensor.quattro_virtual_switch_position",
    "sensor.quattro_ac_inputs",
)


@pytest.fixture
async def quattro() -> AsyncIterator[Simulator]:
    sim = Simulator("quattro-48", paced=False, live=False, seed=3)
    yield sim
    await sim.stop()


async def setup(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="quattro",
        data={CONF_PORT: await sim.start_pty(), CONF_INTERFACE: "MK3"},
    )
    entry.add_to_hass(hass)
    await set_up(hass, entry)
    return entry


async def test_dc_currents_and_the_active_input(hass: HomeAssistant, quattro: Simulator) -> None:
    entry = await setup(hass, quattro)
    dc = entry.runtime_data.data.status.dc
    charger = hass.states.get("sensor.quattro_charger_dc_current")
    inverter = hass.states.get("sensor.quattro_inverter_dc_current")
    assert charger is not None and float(charger.state) == pytest.approx(dc.charger_current)
    assert inverter is not None and float(inverter.state) == pytest.approx(dc.inverter_current)
    assert hass.states.get("sensor.quattro_active_ac_input").state == "ac_in_1"
    quattro.device.active_input = 1
    entry.runtime_data.unit.slow_tier.expire()  # the F5 frame is read on the slow tier
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.quattro_active_ac_input").state == "ac_in_2"
    registry = er.async_get(hass)
    for entity_id in OFF_BY_DEFAULT:
        entity = registry.async_get(entity_id)
        assert entity is not None, entity_id
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_ram_bits_and_input_flags_once_enabled(
    hass: HomeAssistant, quattro: Simulator
) -> None:
    registry = er.async_get(hass)
    entry = await setup(hass, quattro)
    for entity_id in OFF_BY_DEFAULT:
        registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.async_refresh()  # the first to know what the entities need
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.quattro_ignore_ac_input").state == STATE_OFF
    assert hass.states.get("binary_sensor.quattro_multi_function_relay").state == STATE_OFF
    assert hass.states.get("sensor.quattro_ac_inputs").state == "2"
    adjustable = hass.states.get("binary_sensor.quattro_input_current_limit_adjustable")
    assert adjustable.state == (STATE_ON if quattro.device.remote_limits_input else STATE_OFF)
    quattro.device.set_ram_value(RamVar.IGNORE_AC_INPUT, 1)
    quattro.device.set_ram_value(RamVar.MULTIFUNCTION_RELAY, 1)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.quattro_ignore_ac_input").state == STATE_ON
    assert hass.states.get("binary_sensor.quattro_multi_function_relay").state == STATE_ON
    await hass.config_entries.async_unload(entry.entry_id)


async def test_each_unit_of_a_three_phase_system_is_a_device_of_its_own(
    hass: HomeAssistant,
) -> None:
    sim = Simulator("multiplus2-48", units=3, phases=3, paced=False, live=False, heartbeat=0)
    volts = (229.0, 231.0, 233.0)
    for unit, voltage in zip(sim.device.units, volts, strict=True):
        unit.set_ram_value(RamVar.MAINS_VOLTAGE, voltage)
    try:
        entry = await setup(hass, sim)
        assert member_names(hass, entry) == [
            "MultiPlus-II L1",
            "MultiPlus-II L2",
            "MultiPlus-II L3",
        ]
        await entry.runtime_data.async_refresh()  # the first that knows the units are wanted
        await hass.async_block_till_done()
        for phase, voltage in enumerate(volts, start=1):
            state = hass.states.get(f"sensor.multiplus_ii_l{phase}_ac_input_voltage")
            assert state is not None and float(state.state) == pytest.approx(voltage)
        alarm = "binary_sensor.multiplus_ii_l3_overload_alarm"
        assert hass.states.get(alarm).state == STATE_OFF
        sim.device.units[2].alarms = 1 << ALARM_NAMES.index("overload_alarm")
        await entry.runtime_data.async_refresh()
        await hass.async_block_till_done()
        assert hass.states.get(alarm).state == STATE_ON
        assert hass.states.get("binary_sensor.multiplus_ii_l1_overload_alarm").state == STATE_OFF
        phases = entry.runtime_data.data.status.ac
        total = hass.states.get("sensor.multiplus_ii_ac_output_current_all_phases")
        assert total is not None
        assert float(total.state) == pytest.approx(sum(ac.output_current for ac in phases))
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


def member_names(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The units' own devices, those connected via the system's (not the interface)."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    system = next(d for d in devices if (DOMAIN, entry.unique_id) in d.identifiers)
    return sorted(d.name or "" for d in devices if d.via_device_id == system.id)


@pytest.mark.parametrize(
    ("units", "phases", "names"),
    [
        (2, 1, ["MultiPlus-II unit 1", "MultiPlus-II unit 2"]),
        (
            6,
            3,
            [f"MultiPlus-II L{p} unit {u}" for p in (1, 2, 3) for u in (1, 2)],
        ),
    ],
)
async def test_units_in_parallel_are_named_by_place(
    hass: HomeAssistant, units: int, phases: int, names: list[str]
) -> None:
    sim = Simulator("multiplus2-48", units=units, phases=phases, paced=False, live=False)
    try:
        entry = await setup(hass, sim)
        assert member_names(hass, entry) == names
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_a_single_unit_has_no_member_devices(hass: HomeAssistant, quattro: Simulator) -> None:
    entry = await setup(hass, quattro)
    assert member_names(hass, entry) == []
    assert hass.states.get("sensor.quattro_ac_output_current_all_phases") is None
