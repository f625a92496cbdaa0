"""The device page: named after the unit, never the port; model and firmware as Victron
writes them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from vebus_sim import Simulator


@pytest.mark.parametrize(
    ("model", "name", "product", "firmware", "entity_id"),
    [
        ("multiplus-12", "MultiPlus", "MultiPlus 12 V", "304", "select.multiplus_mode"),
        ("quattro-48", "Quattro", "Quattro 48 V", "465", "select.quattro_mode"),
        ("phoenix-24", "Phoenix", "Phoenix 24 V", "420", "select.phoenix_mode"),
    ],
)
async def test_the_device_is_named_after_the_unit(
    hass: HomeAssistant,
    model: str,
    name: str,
    product: str,
    firmware: str,
    entity_id: str,
) -> None:
    sim = Simulator(model, paced=False, live=False)
    try:
        port = await sim.start_pty()
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Victron VE.Bus (MK3 on {port})",  # an old title with the port in it
            unique_id=f"serial-{model}",
            data={CONF_PORT: port, CONF_INTERFACE: "MK3"},
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert device.name == name
        assert device.model == product
        assert device.sw_version == firmware
        assert device.hw_version is not None and "firmware type" in device.hw_version
        assert hass.states.get(entity_id) is not None
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
