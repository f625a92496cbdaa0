"""scripts/develop's Home Assistant: reachable from this machine only unless asked, and
given what it loads (requirements_develop.txt)."""

from __future__ import annotations

import json
from pathlib import Path
import re

from homeassistant import components
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.util.yaml import load_yaml
import pytest

ROOT = Path(__file__).parents[3]
CONFIGURATION = ROOT / "config" / "configuration.yaml"
DEVELOP_REQUIREMENTS = ROOT / "requirements_develop.txt"


def test_development_serves_on_loopback_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEBUS_DEVELOP_HOST", raising=False)
    config = load_yaml(CONFIGURATION)
    assert config["http"]["server_host"] == "127.0.0.1"
    assert "default_config" not in config  # its go2rtc part fails without its binary
    monkeypatch.setenv("VEBUS_DEVELOP_HOST", "0.0.0.0")
    assert load_yaml(CONFIGURATION)["http"]["server_host"] == "0.0.0.0"


def test_development_listens_on_8123_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEBUS_DEVELOP_PORT", raising=False)
    assert int(load_yaml(CONFIGURATION)["http"]["server_port"]) == 8123
    monkeypatch.setenv("VEBUS_DEVELOP_PORT", "43210")  # scripts/screenshots: a free port
    assert int(load_yaml(CONFIGURATION)["http"]["server_port"]) == 43210


def _pins(lines: list[str]) -> dict[str, str]:
    """``name==version`` requirements by their normalised name."""
    pins = {}
    for line in lines:
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


DEVELOP_HA = _pins((ROOT / "requirements_test.txt").read_text().splitlines())["homeassistant"]


@pytest.mark.skipif(
    HA_VERSION != DEVELOP_HA,
    reason=f"requirements_develop.txt is for Home Assistant {DEVELOP_HA}, which scripts/develop runs",
)
def test_develop_requirements_pin_what_home_assistant_asks_for() -> None:
    """The development Home Assistant would install these itself, at these versions: a
    different pin means a Home Assistant upgrade left requirements_develop.txt behind."""
    develop = _pins(DEVELOP_REQUIREMENTS.read_text().splitlines())
    asked: dict[str, str] = {}
    for manifest in Path(components.__file__).parent.glob("*/manifest.json"):
        asked |= _pins(json.loads(manifest.read_text()).get("requirements", []))
    ours = {name: version for name, version in develop.items() if name != "playwright"}
    assert ours, "requirements_develop.txt pins nothing"
    assert {name: asked.get(name) for name in ours} == ours
