"""The entity ids the README and the guides give are those a fresh install creates.

Every ```yaml block of README.md is read (the dashboard card, the automations) and every
entity id in it must exist in a fresh install against the simulator, enabled by default and
with a value: a user who pastes the YAML sees no "Entity not available". The guides in docs/
may also name entities that start disabled (they say so) and those of a three-phase system;
those must exist too.

Which ids are this integration's: an entity id's object id starts with the name of the device
that creates it, and the test knows how to create each of these devices (FAMILIES). Any other
id in the README's YAML must be one of the examples' own stand-ins for the user's devices
(USERS_OWN); an id that is neither fails, so a misspelt or renamed entity cannot slip through.
"""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
import yaml

from vebus_sim import Simulator

from .conftest import add_entry

ROOT = Path(__file__).parents[3]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))

ENTITY_ID = re.compile(r"\b(?:sensor|binary_sensor|number|select|switch|button)\.[a-z0-9_]+\b")

# Device name prefixes of the entities a fresh install creates, and what creates them:
# "multiplus_": the VE.Bus entry against the MultiPlus 12 V simulator (setup_integration).
FAMILIES = ("multiplus_",)
# Entities of the user's own that the README's examples use.
USERS_OWN = frozenset({"switch.heat_pump"})


# Keys whose value is an action (number.set_value), not an entity.
ACTION_KEYS = frozenset({"action", "service"})


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.M | re.S)


def ids_in(text: str) -> set[str]:
    return set(ENTITY_ID.findall(text))


def ids_in_yaml(data: Any) -> set[str]:
    """Entity ids in every string of ``data`` (templates included), actions left out."""
    if isinstance(data, str):
        return ids_in(data)
    if isinstance(data, dict):
        return {
            entity_id
            for key, value in data.items()
            if key not in ACTION_KEYS
            for entity_id in ids_in_yaml(value)
        }
    if isinstance(data, list):
        return {entity_id for item in data for entity_id in ids_in_yaml(item)}
    return set()


def ours(entity_id: str) -> bool:
    return entity_id.split(".", 1)[1].startswith(FAMILIES)


def readme_ids() -> set[str]:
    blocks = yaml_blocks(README.read_text())
    return {entity_id for block in blocks for entity_id in ids_in_yaml(yaml.safe_load(block))}


def test_the_readme_yaml_names_only_entities_the_test_can_check() -> None:
    ids = readme_ids()
    # The dashboard card and the automation example are read (the extraction works).
    assert {"select.multiplus_mode", "number.multiplus_ac_input_current_limit"} <= ids
    unknown = sorted(entity_id for entity_id in ids - USERS_OWN if not ours(entity_id))
    assert not unknown, (
        f"README.md names {unknown}: neither an entity of a device this test creates "
        f"(object ids starting with {FAMILIES}) nor one of the user's own ({sorted(USERS_OWN)})"
    )


@pytest.mark.usefixtures("setup_integration")
async def test_every_entity_in_the_readme_yaml_exists_enabled_with_a_value(
    hass: HomeAssistant,
) -> None:
    registry = er.async_get(hass)
    problems = []
    for entity_id in sorted(filter(ours, readme_ids())):
        entry = registry.async_get(entity_id)
        state = hass.states.get(entity_id)
        if entry is None:
            problems.append(f"{entity_id} does not exist")
        elif entry.disabled_by is not None:
            problems.append(f"{entity_id} is disabled by default")
        elif state is None or state.state == STATE_UNAVAILABLE:
            problems.append(f"{entity_id} has no value ({state and state.state})")
    assert not problems, "README.md's YAML: " + "; ".join(problems)


async def installed_ids(hass: HomeAssistant, phases: int) -> set[str]:
    """The entity ids (enabled or not) a fresh install of one system creates."""
    sim = Simulator("multiplus-12", paced=False, live=False, seed=7, phases=phases)
    try:
        entry = await add_entry(hass, await sim.start_pty())
        ids = set(er.async_get(hass).entities)
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()
    return ids


async def test_every_entity_a_guide_names_exists(hass: HomeAssistant) -> None:
    """Guides may name entities that start disabled and those of a three-phase system."""
    named = {
        (guide.name, entity_id)
        for guide in GUIDES
        for entity_id in ids_in(guide.read_text())
        if ours(entity_id)
    }
    assert {name for name, _ in named} >= {"energy-dashboard.md", "migrating-from-victron-mk3.md"}
    existing = await installed_ids(hass, phases=1) | await installed_ids(hass, phases=3)
    missing = sorted(
        f"{name}: {entity_id}" for name, entity_id in named if entity_id not in existing
    )
    assert not missing, f"docs/ names entities a fresh install does not have: {missing}"
