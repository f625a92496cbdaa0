"""scripts/develop's Home Assistant: reachable from this machine only unless asked."""

from __future__ import annotations

from pathlib import Path

from homeassistant.util.yaml import load_yaml
import pytest

CONFIGURATION = Path(__file__).parents[3] / "config" / "configuration.yaml"


def test_development_serves_on_loopback_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEBUS_DEVELOP_HOST", raising=False)
    config = load_yaml(CONFIGURATION)
    assert config["http"]["server_host"] == "127.0.0.1"
    assert "default_config" not in config  # its go2rtc part fails without its binary
    monkeypatch.setenv("VEBUS_DEVELOP_HOST", "0.0.0.0")
    assert load_yaml(CONFIGURATION)["http"]["server_host"] == "0.0.0.0"
