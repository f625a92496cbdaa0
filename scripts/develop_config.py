"""A Home Assistant configuration folder for development: scripts/develop and scripts/screenshots.

    .venv/bin/python scripts/develop_config.py CONFIG_DIR URL

Seeds CONFIG_DIR/.storage with a Victron VE.Bus entry for URL (the simulator) unless the
folder already has one. Home Assistant reads config/configuration.yaml; its http section
takes the address and port from VEBUS_DEVELOP_HOST and VEBUS_DEVELOP_PORT.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import sys
import uuid

REPO = Path(__file__).resolve().parent.parent
CONFIGURATION = REPO / "config" / "configuration.yaml"
DOMAIN = "victron_vebus"
TITLE = "MultiPlus (simulator)"


def seed_entry(config_dir: Path, url: str) -> bool:
    """Add an entry for ``url`` to ``config_dir`` unless one of this domain exists.

    Returns whether one was added.
    """
    store = config_dir / ".storage" / "core.config_entries"
    store.parent.mkdir(parents=True, exist_ok=True)
    if store.exists():
        data = json.loads(store.read_text())
        entries = data["data"]["entries"]
        if any(entry["domain"] == DOMAIN for entry in entries):
            return False
    else:
        # Version 1.1: Home Assistant migrates it and fills in every newer field.
        data = {
            "version": 1,
            "minor_version": 1,
            "key": "core.config_entries",
            "data": {"entries": []},
        }
        entries = data["data"]["entries"]
    entries.append(
        {
            "entry_id": uuid.uuid4().hex,
            "version": 1,
            "domain": DOMAIN,
            "title": TITLE,
            "data": {"port": url, "interface": "MK3"},
            "options": {},
            "source": "user",
            "unique_id": url,
        }
    )
    store.write_text(json.dumps(data, indent=2))
    return True


def fresh_config(config_dir: Path, url: str) -> None:
    """A new configuration folder: the development configuration.yaml and one entry."""
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIGURATION, config_dir / "configuration.yaml")
    seed_entry(config_dir, url)


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: scripts/develop_config.py CONFIG_DIR URL", file=sys.stderr)
        return 2
    url = sys.argv[2]
    if seed_entry(Path(sys.argv[1]), url):
        print(f"Added a Victron VE.Bus entry for {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
