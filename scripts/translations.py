"""Write translations/en.json from strings.json, resolving Home Assistant's [%key:...%] references.

Home Assistant's own build does this for core integrations; a custom integration ships the result.
Run after every change to strings.json (scripts/lint does): en.json is never edited by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import homeassistant

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "victron_vebus"
REFERENCE = re.compile(r"\[%key:([^%]+)%\]")


def lookup(path: str, strings: dict[str, Any], common: dict[str, Any]) -> str:
    parts = path.split("::")
    if parts[0] == "component" and parts[1] == "victron_vebus":
        node: Any = strings
        parts = parts[2:]
    elif parts[0] == "common":
        node = common["common"]
        parts = parts[1:]
    else:
        raise SystemExit(f"cannot resolve [%key:{path}%]")
    for part in parts:
        node = node[part]
    if not isinstance(node, str):
        raise SystemExit(f"[%key:{path}%] is not a string")
    return resolve(node, strings, common)


def resolve(value: Any, strings: dict[str, Any], common: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: resolve(item, strings, common) for key, item in value.items()}
    if isinstance(value, str):
        return REFERENCE.sub(lambda match: lookup(match.group(1), strings, common), value)
    return value


def main() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    common = json.loads(
        (Path(homeassistant.__file__).parent / "strings.json").read_text(encoding="utf-8")
    )
    english = resolve(strings, strings, common)
    target = INTEGRATION / "translations" / "en.json"
    target.write_text(json.dumps(english, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
