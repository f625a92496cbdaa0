"""The entity ids the README and the guides give are those a fresh install creates.

Every ```yaml block of README.md is read (the dashboard card, the automations) and every
entity id in it must exist in a fresh install against the simulator, enabled by default and
with a value: a user who pastes the YAML sees no "Entity not available". The guides in docs/
may also name entities that start disabled (they say so), those of a three-phase system and
the charger's; those must exist too.

Which ids are this integration's: an entity id's object id starts with the name of the device
that creates it, and the test knows how to create each of these devices (FAMILIES). Any other
id in the README's YAML must be one of the examples' own stand-ins for the user's devices
(USERS_OWN); an id that is neither fails, so a misspelt or renamed entity cannot slip through.
"""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import slugify
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.victron_vebus.const import CONF_GRID_CONTROL, CONF_PORT, DOMAIN
from tests.waiting import wait_for
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import NAME as CHARGER_NAME, PREFIX as CHARGER_PREFIX, SERIAL
from .conftest import CHARGER_MODEL, add_entry, set_up
from .test_config_flow import GRID_DEFAULTS

ROOT = Path(__file__).parents[3]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))

ENTITY_ID = re.compile(
    r"\b(?:sensor|binary_sensor|number|select|switch|button|event)\.[a-z0-9_]+\b"
)

# Device name prefixes of the entities a fresh install creates, and what creates them (the
# entries scripts/develop makes): "multiplus_", the VE.Bus entry against the MultiPlus 12 V
# simulator (setup_integration), with the ESS grid control set up as the README says (its
# options name the user's meter); "blue_smart_ip22_charger_24_12_", the VE.Direct entry
# against the IP22 24|12 charger simulator (charger_entry).
FAMILIES = ("multiplus_", f"{CHARGER_PREFIX}_")
# Entities of the user's own that the README's examples use; METER is the grid meter.
METER = "sensor.grid_power"
USERS_OWN = frozenset({"switch.heat_pump", METER})


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


def grid_control(hass: HomeAssistant) -> dict[str, object]:
    """Options with the grid control on the user's meter, which reads 350 W drawn."""
    hass.states.async_set(METER, "350", {"unit_of_measurement": "W"})
    return {CONF_GRID_CONTROL: {**GRID_DEFAULTS, "grid_sensor": METER}}


@pytest.fixture
def entry_options(hass: HomeAssistant) -> dict[str, object]:
    return grid_control(hass)


async def add_charger(
    hass: HomeAssistant, sim: ChargerSimulator, port: str | None = None
) -> MockConfigEntry:
    """The VE.Direct entry scripts/develop makes (develop_entries.py), on ``sim`` (or on
    ``port``, which leads to it)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{CHARGER_NAME} (simulator)",
        unique_id=SERIAL,
        data={CONF_PORT: port or await sim.start_pty(), "family": "vedirect"},
    )
    entry.add_to_hass(hass)
    await set_up(hass, entry)
    return entry


@pytest.fixture
async def charger_entry(hass: HomeAssistant, charger_sim: ChargerSimulator) -> MockConfigEntry:
    entry = await add_charger(hass, charger_sim)
    voltage = f"sensor.{CHARGER_PREFIX}_output_voltage"

    def valued() -> bool:  # the charger's values come with its text blocks
        state = hass.states.get(voltage)
        return state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)

    await wait_for(valued, f"{voltage} having a value")
    return entry


@pytest.mark.usefixtures("setup_integration", "charger_entry")
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
    """The entity ids (enabled or not) a fresh install of one system creates, its grid
    control set up as the README says."""
    sim = Simulator("multiplus-12", paced=False, live=False, seed=7, phases=phases)
    try:
        entry = await add_entry(hass, await sim.start_pty(), grid_control(hass))
        ids = set(er.async_get(hass).entities)
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()
    return ids


async def charger_ids(hass: HomeAssistant) -> set[str]:
    sim = ChargerSimulator(CHARGER_MODEL, paced=False, live=False, seed=3)
    try:
        entry = await add_charger(hass, sim)
        ids = set(er.async_get(hass).entities)
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()
    return ids


async def test_every_entity_a_guide_names_exists(hass: HomeAssistant) -> None:
    """Guides may name entities that start disabled, of a three-phase system or a charger."""
    named = {
        (guide.name, entity_id)
        for guide in GUIDES
        for entity_id in ids_in(guide.read_text())
        if ours(entity_id)
    }
    assert {name for name, _ in named} >= {"energy-dashboard.md", "migrating-from-victron-mk3.md"}
    existing = await installed_ids(hass, phases=1) | await installed_ids(hass, phases=3)
    existing |= await charger_ids(hass)
    missing = sorted(
        f"{name}: {entity_id}" for name, entity_id in named if entity_id not in existing
    )
    assert not missing, f"docs/ names entities a fresh install does not have: {missing}"


# --- the tables of flag switches and setting numbers ----------------------------------------

SIMULATED = ("multiplus-12", "multiplus-24", "multiplus2-48", "quattro-48", "phoenix-24")
CONTROL_ROW = re.compile(r"^\| `((?:switch|number)\.multiplus_[a-z0-9_]+)` \|.*\| ([^|]+) \|$")


def control_rows() -> dict[str, str]:
    """README's flag switch and setting number rows: entity id -> its "Models" cell."""
    rows = {}
    for line in README.read_text().splitlines():
        if match := CONTROL_ROW.match(line):
            rows[match[1]] = match[2].strip()
    return rows


def models_cell(models: set[str]) -> str:
    if models == set(SIMULATED):
        return "all"
    if models == set(SIMULATED) - {"phoenix-24"}:
        return "all but phoenix-24"
    return ", ".join(model for model in SIMULATED if model in models) or "none"


async def test_the_control_tables_say_which_model_has_each(hass: HomeAssistant) -> None:
    """Each row names the simulated models a fresh install creates it on (ids written with
    the MultiPlus's prefix); a control no model has says "none" and why."""
    rows = control_rows()
    assert len(rows) > 30  # both tables are read
    created: dict[str, set[str]] = {entity_id: set() for entity_id in rows}
    for model in SIMULATED:
        sim = Simulator(model, paced=False, live=False, seed=7)
        try:
            entry = MockConfigEntry(  # a unique id of its own: no entity id taken over
                domain=DOMAIN, unique_id=f"serial-{model}", data={CONF_PORT: await sim.start_pty()}
            )
            entry.add_to_hass(hass)
            await set_up(hass, entry)
            prefix = slugify(entry.runtime_data.unit.product.line)
            for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
                domain, object_id = item.entity_id.split(".", 1)
                as_multiplus = f"{domain}.multiplus_{object_id.removeprefix(prefix + '_')}"
                if as_multiplus in created:
                    created[as_multiplus].add(model)
            await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_block_till_done()
        finally:
            await sim.stop()
    wrong = {
        entity_id: f"README says {rows[entity_id]!r}, created on {models_cell(models)!r}"
        for entity_id, models in created.items()
        if not rows[entity_id].startswith(models_cell(models))
    }
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in sorted(wrong.items()))
