"""scripts/develop's entries: both simulators seeded once each, and the charger entities the
README names are those a fresh scripts/develop creates."""

from __future__ import annotations

import json
from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_PORT, DOMAIN
from scripts.develop_entries import seed
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import PREFIX, SERIAL

ROOT = Path(__file__).parents[3]
VEBUS_URL = "socket://127.0.0.1:2323"
CHARGER_URL = "socket://127.0.0.1:2324"


def entries(config: Path) -> list[dict[str, object]]:
    data = json.loads((config / ".storage" / "core.config_entries").read_text())
    found: list[dict[str, object]] = data["data"]["entries"]
    return found


def test_a_fresh_config_gets_both_entries_once(tmp_path: Path) -> None:
    assert seed(tmp_path, VEBUS_URL, CHARGER_URL) == [
        "MultiPlus (simulator)",
        "Blue Smart IP22 Charger 24|12 (simulator)",
    ]
    assert seed(tmp_path, VEBUS_URL, CHARGER_URL) == []
    charger = entries(tmp_path)[1]
    assert charger["data"] == {"port": CHARGER_URL, "family": "vedirect"}
    assert charger["unique_id"] == SERIAL


def test_an_older_config_gets_the_charger_beside_its_vebus_entry(tmp_path: Path) -> None:
    """Made before chargers were supported: its entry has no family and is VE.Bus."""
    store = tmp_path / ".storage" / "core.config_entries"
    store.parent.mkdir()
    old = {"domain": DOMAIN, "data": {"port": VEBUS_URL, "interface": "MK3"}, "title": "Mine"}
    store.write_text(json.dumps({"data": {"entries": [old]}}))
    assert seed(tmp_path, VEBUS_URL, CHARGER_URL) == ["Blue Smart IP22 Charger 24|12 (simulator)"]
    assert [entry["title"] for entry in entries(tmp_path)] == [
        "Mine",
        "Blue Smart IP22 Charger 24|12 (simulator)",
    ]


@pytest.mark.usefixtures("socket_enabled")
async def test_the_readme_names_the_charger_entities_develop_creates(
    hass: HomeAssistant, charger_sim: ChargerSimulator, tmp_path: Path
) -> None:
    seed(tmp_path, VEBUS_URL, CHARGER_URL)
    seeded = entries(tmp_path)[1]
    data = dict(seeded["data"])  # type: ignore[call-overload]
    data[CONF_PORT] = await charger_sim.start_tcp()
    entry = MockConfigEntry(
        domain=DOMAIN, title=str(seeded["title"]), unique_id=str(seeded["unique_id"]), data=data
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    created = {
        item.entity_id
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(rf"\b(?:sensor|number)\.{PREFIX}_[a-z0-9_]+", readme))
    assert len(named) >= 6
    assert named <= created
