"""Status entities beyond the basics: DC currents, the active input, RAM 10-12, F5 bits."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from custom_components.victron_vebus.vebus import RamVar
from vebus_sim import Simulator

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
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
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
