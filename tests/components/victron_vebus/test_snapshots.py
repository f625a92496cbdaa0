"""The entity registry of each simulator model, as a snapshot (syrupy).

What a fresh install creates for each kind of unit, and how: entity id, unique id, name,
translation key, class, category, unit, whether it starts enabled, the device it is on, and
the state where it does not move with time. The registry entries themselves differ between
Home Assistant releases (new fields), so each entry is projected onto what this integration
decides; the snapshot then holds for every release the suite runs against.

After an intended change: pytest tests/components/victron_vebus/test_snapshots.py
--snapshot-update, and read the diff.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from vebus_sim import Simulator

from .conftest import set_up

MODELS = {
    "multiplus-12": {},
    "quattro-48": {},
    "phoenix-24": {},
    "multiplus2-48-three-phase": {"units": 3, "phases": 3},
}
# Their states move with time (integrated) or with the order of background work.
MOVING = ("_energy", "_energy_")


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's extension (snapshots/ beside the test), also where the plugin of
    an older release does not set it."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


def projection(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    devices = dr.async_get(hass)
    result: dict[str, Any] = {}
    for entity in sorted(entities, key=lambda e: e.entity_id):
        device = devices.async_get(entity.device_id) if entity.device_id else None
        state = hass.states.get(entity.entity_id)
        moving = any(part in entity.entity_id for part in MOVING)
        result[entity.entity_id] = {
            "unique_id": (entity.unique_id or "").removeprefix(f"{entry.unique_id}_"),
            "translation_key": entity.translation_key,
            "device_class": str(entity.device_class or entity.original_device_class or "") or None,
            "category": str(entity.entity_category) if entity.entity_category else None,
            "unit": entity.unit_of_measurement,
            "enabled": entity.disabled_by is None,
            "device": device.name if device else None,
            "name": state.attributes.get("friendly_name") if state else None,
            "state": None if state is None or moving else state.state,
            "options": state.attributes.get("options") if state else None,
        }
    return result


@pytest.mark.parametrize("model", list(MODELS))
async def test_entities_of_each_model(
    hass: HomeAssistant, snapshot: SnapshotAssertion, model: str
) -> None:
    name = model.removesuffix("-three-phase")
    sim = Simulator(name, paced=False, live=False, seed=1, heartbeat=0, **MODELS[model])
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="SERIAL",
            data={CONF_PORT: await sim.start_pty(), CONF_INTERFACE: "MK3"},
        )
        entry.add_to_hass(hass)
        await set_up(hass, entry)
        await entry.runtime_data.async_refresh()  # the plan of what the entities need
        await hass.async_block_till_done()
        assert projection(hass, entry) == snapshot
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
