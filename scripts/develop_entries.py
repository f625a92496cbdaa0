"""Seed config/.storage with scripts/develop's entries: the MultiPlus simulator and the charger
simulator, each unless an entry of its family exists (an entry without a family is VE.Bus).

    .venv/bin/python scripts/develop_entries.py CONFIG_DIR VEBUS_URL CHARGER_URL \
        [CHARGER_MODEL [VEBUS_MODEL]]

The entries are what the config flow makes for these simulators (family, interface, and as
the unique id the serial number each unit reports: a network URL has no USB serial), so a
fresh scripts/develop has the entity ids README shows, and a reconfigure keeps them
(tests/components/victron_vebus/test_develop_entries.py runs the flow to compare).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any
import uuid

from vebus_sim import get_model as get_vebus_model
from vebus_sim.vedirect import get_model
from victron_serial.vebus.device.product import family_of

DOMAIN = "victron_vebus"
CHARGER_MODEL = "ip22-24-12"  # vedirect-sim's default
VEBUS_MODEL = "multiplus-12"  # vebus-sim's default


def _entry(title: str, data: dict[str, str], unique_id: str) -> dict[str, Any]:
    return {
        "entry_id": uuid.uuid4().hex,
        "version": 1,
        "domain": DOMAIN,
        "title": title,
        "data": data,
        "options": {},
        "source": "user",
        "unique_id": unique_id,
    }


def seed(
    config: Path,
    vebus_url: str,
    charger_url: str,
    charger_model: str = CHARGER_MODEL,
    vebus_model: str = VEBUS_MODEL,
) -> list[str]:
    """Add the missing entries; returns the titles of those added."""
    charger = get_model(charger_model)
    unit = get_vebus_model(vebus_model)
    store = config / ".storage" / "core.config_entries"
    if store.exists():
        data = json.loads(store.read_text())
    else:
        # Version 1.1: Home Assistant migrates it and fills in every newer field.
        data = {
            "version": 1,
            "minor_version": 1,
            "key": "core.config_entries",
            "data": {"entries": []},
        }
    entries: list[dict[str, Any]] = data["data"]["entries"]
    families = {
        entry["data"].get("family", "vebus") for entry in entries if entry["domain"] == DOMAIN
    }
    wanted = [
        (
            "vebus",
            _entry(
                f"{family_of(unit.ac_inputs)} (simulator)",
                {"port": vebus_url, "family": "vebus", "interface": "MK3"},
                unit.serial,  # the flow knows a unit behind a URL by its serial number
            ),
        ),
        (
            "vedirect",
            _entry(
                f"{charger.name} (simulator)",
                {"port": charger_url, "family": "vedirect"},
                charger.serial,  # the flow knows a charger by its serial number
            ),
        ),
    ]
    added = [entry for family, entry in wanted if family not in families]
    if added:
        entries.extend(added)
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(data, indent=2))
    return [entry["title"] for entry in added]


if __name__ == "__main__":
    config_dir, vebus, charger, *model = sys.argv[1:]
    for title in seed(Path(config_dir), vebus, charger, *model):
        print(f"Added the entry {title!r} to {config_dir}")
