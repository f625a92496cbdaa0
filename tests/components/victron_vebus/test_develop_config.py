"""scripts/develop's Home Assistant: reachable from this machine only unless asked, and
given what it loads (requirements_develop.txt)."""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil

from homeassistant import components
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.util.yaml import load_yaml
import pytest

ROOT = Path(__file__).parents[3]
CONFIGURATION = ROOT / "config" / "configuration.yaml"
DEVELOP_REQUIREMENTS = ROOT / "requirements_develop.txt"


def test_development_serves_on_loopback_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEBUS_DEVELOP_HOST", raising=False)
    config = develop_config(tmp_path)
    assert config["http"]["server_host"] == "127.0.0.1"  # type: ignore[index]
    assert "default_config" not in config  # its go2rtc part fails without its binary
    monkeypatch.setenv("VEBUS_DEVELOP_HOST", "0.0.0.0")
    assert develop_config(tmp_path)["http"]["server_host"] == "0.0.0.0"  # type: ignore[index]


def test_development_listens_on_8123_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VEBUS_DEVELOP_PORT", raising=False)
    assert int(develop_config(tmp_path)["http"]["server_port"]) == 8123  # type: ignore[index]
    monkeypatch.setenv("VEBUS_DEVELOP_PORT", "43210")  # scripts/screenshots: a free port
    assert int(develop_config(tmp_path)["http"]["server_port"]) == 43210  # type: ignore[index]


def develop_config(tmp_path: Path) -> dict[str, object]:
    """configuration.yaml as scripts/develop runs it: beside the files it creates."""
    shutil.copy(CONFIGURATION, tmp_path / "configuration.yaml")
    develop = (ROOT / "scripts" / "develop").read_text()
    for name, empty in (("automations.yaml", "[]"), ("scripts.yaml", "{}")):
        assert f'echo "{empty}" > config/{name}' in develop  # created when missing
        (tmp_path / name).write_text(f"{empty}\n")
    config = load_yaml(tmp_path / "configuration.yaml")
    assert isinstance(config, dict)
    return config


def test_development_loads_the_automation_and_script_editors(tmp_path: Path) -> None:
    """README's automations can be pasted into the automation editor and run."""
    config = develop_config(tmp_path)
    assert config["automation"] == []
    assert config["script"] == {}


def test_frames_are_logged_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame in hex is thousands of lines a minute: scripts/develop --debug."""
    monkeypatch.delenv("VEBUS_DEVELOP_LOG", raising=False)
    logs = develop_config(tmp_path)["logger"]["logs"]  # type: ignore[index]
    assert logs["custom_components.victron_vebus"] == "info"
    monkeypatch.setenv("VEBUS_DEVELOP_LOG", "debug")
    logs = develop_config(tmp_path)["logger"]["logs"]  # type: ignore[index]
    assert logs["custom_components.victron_vebus"] == "debug"
    assert "--debug) log=debug" in (ROOT / "scripts" / "develop").read_text()


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
