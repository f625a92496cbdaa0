"""The device page: named after the unit, never the port; model and firmware as Victron
writes them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from custom_components.victron_vebus.identify import async_identify
from vebus_sim import Simulator

from .conftest import set_up


@pytest.mark.parametrize(
    ("model", "name", "product", "product_id", "firmware", "entity_id"),
    [
        # The captured firmware's product id names a Quattro 24 V: the frames tell better.
        (
            "multiplus-12",
            "MultiPlus",
            "MultiPlus 12 V",
            "2648",
            "v304 (2648304)",
            "select.multiplus_mode",
        ),
        (
            "multiplus2-48",
            "MultiPlus-II",
            "MultiPlus-II 48/5000/70-50",
            "2623",
            "v508 (2623508)",
            "select.multiplus_ii_mode",
        ),
        (
            "quattro-48",
            "Quattro",
            "Quattro 48/5000/70-2x100",
            "2658",
            "v465 (2658465)",
            "select.quattro_mode",
        ),
        # A product id no list names: the model is what the frames tell.
        ("phoenix-24", "Phoenix", "Phoenix 24 V", "2415", "v420 (2415420)", "select.phoenix_mode"),
    ],
)
async def test_the_device_is_named_after_the_unit(
    hass: HomeAssistant,
    model: str,
    name: str,
    product: str,
    product_id: str,
    firmware: str,
    entity_id: str,
) -> None:
    """Named by model line, never the port; model, product id and firmware as Victron's
    own tools show them; connected via the interface, a device of its own."""
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
        await set_up(hass, entry)
        registry = dr.async_get(hass)
        devices = dr.async_entries_for_config_entry(registry, entry.entry_id)
        (device,) = [d for d in devices if (DOMAIN, f"serial-{model}") in d.identifiers]
        assert (device.name, device.model, device.model_id) == (name, product, product_id)
        assert device.sw_version == firmware
        assert device.hw_version is None
        interface = registry.async_get(device.via_device_id)
        assert interface is not None
        assert (interface.name, interface.model_id) == ("MK3 interface", "1170")
        assert interface.sw_version == "v212 (1170212)"
        assert hass.states.get(entity_id) is not None
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


CHARGER_ENTITIES = (
    "button.{}_force_absorption",
    "button.{}_force_float",
    "button.{}_force_equalise",
    "sensor.{}_charge_state",
    "sensor.{}_ac_input_current_limit_in_force",
    "sensor.{}_ac_input_voltage",
    "sensor.{}_grid_energy_import",
)


@pytest.mark.parametrize(
    ("model", "name", "has_charger"),
    [("multiplus-12", "multiplus", True), ("phoenix-24", "phoenix", False)],
)
async def test_an_inverter_has_no_charger_entities_and_two_modes(
    hass: HomeAssistant, model: str, name: str, has_charger: bool
) -> None:
    sim = Simulator(model, paced=False, live=False)
    try:
        port = await sim.start_pty()
        entry = MockConfigEntry(
            domain=DOMAIN, unique_id=model, data={CONF_PORT: port, CONF_INTERFACE: "MK3"}
        )
        entry.add_to_hass(hass)
        await set_up(hass, entry)
        for entity_id in CHARGER_ENTITIES:
            assert (hass.states.get(entity_id.format(name)) is not None) is has_charger, entity_id
        assert hass.states.get(f"sensor.{name}_ac_output_voltage") is not None
        options = hass.states.get(f"select.{name}_mode").attributes["options"]
        modes = ["on", "charger_only", "inverter_only", "off"] if has_charger else ["on", "off"]
        assert options == modes
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    ("model", "title"), [("multiplus2-48", "MultiPlus-II"), ("multiplus-12", "MultiPlus")]
)
async def test_the_config_flow_names_the_entry_by_product_line(model: str, title: str) -> None:
    """ "Found a VE.Bus unit: MultiPlus-II", the name its device gets too."""
    sim = Simulator(model, paced=False, live=False)
    try:
        found = await async_identify(await sim.start_pty())
        assert not isinstance(found, str)
        assert found.name == title
    finally:
        await sim.stop()
