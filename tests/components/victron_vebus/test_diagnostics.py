"""Diagnostics carry what support needs and hide the adapter's serial number."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from custom_components.victron_vebus.victron_serial.vebus import describe_port as redact_port
from tests.waiting import wait_for_async
from vebus_sim import Simulator

from .conftest import add_entry, recovered


def test_port_redaction() -> None:
    by_id = "/dev/serial/by-id/usb-VictronEnergy_MK3-USB_Interface_HQ2043ABCDE-if00-port0"
    assert "HQ2043ABCDE" not in redact_port(by_id)
    assert redact_port(by_id).endswith("-if00-port0")
    assert (
        redact_port("socket://user:secret@10.0.0.2:2323") == "socket://**REDACTED**@10.0.0.2:2323"
    )
    assert redact_port("/dev/ttyUSB0") == "/dev/ttyUSB0"


async def test_diagnostics(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    vebus_sim.faults.noise = 1.0
    await setup_integration.runtime_data.async_refresh()
    diagnostics = await async_get_config_entry_diagnostics(hass, setup_integration)
    text = json.dumps(diagnostics, default=str)
    assert setup_integration.unique_id not in text
    assert vebus_sim.device.serial not in text
    coordinator = diagnostics["coordinator"]
    assert coordinator["device"]["interface"] == "MK3"
    assert coordinator["framing"]["frames"] > 0
    assert coordinator["framing"]["dropped_bytes"] > 0  # the noise was seen and dropped
    assert coordinator["client"]["requests"] > 0
    assert diagnostics["state"]["status"]["dc"]["voltage"] > 0
    assert diagnostics["entry"]["data"]["interface"] == "MK3"
    assert diagnostics["coordinator"]["last_exception"] is None
    state = diagnostics["state"]
    assert "absorption_voltage" in state["settings"]  # by name, not by id
    assert "battery_voltage" in coordinator["supported_ram"]
    assert all(not key.isdigit() for key in state["status"]["ram"])
    assert all(len(str(v).partition(".")[2]) <= 4 for v in floats(diagnostics))


def floats(value: object) -> list[float]:
    if isinstance(value, dict):
        return [f for item in value.values() for f in floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in floats(item)]
    return [value] if isinstance(value, float) else []


@pytest.mark.usefixtures("socket_enabled")
async def test_a_network_port_hides_its_host_and_a_past_error_is_not_shown(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    url = await vebus_sim.start_tcp()
    host = "localhost"
    url = url.replace("127.0.0.1", host)
    entry = await add_entry(hass, url)
    coordinator = entry.runtime_data
    await vebus_sim.unplug()
    await coordinator.async_refresh()
    failing = await async_get_config_entry_diagnostics(hass, entry)
    assert failing["coordinator"]["last_exception"] is not None
    await vebus_sim.replug()
    await wait_for_async(lambda: recovered(hass, coordinator), "a refresh after the port came back")
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    for past in (failing, diagnostics):
        assert host not in json.dumps(past, default=str)
    assert diagnostics["entry"]["data"]["port"].startswith("socket://**REDACTED**:")
    assert diagnostics["coordinator"]["last_exception"] is None
    await hass.config_entries.async_unload(entry.entry_id)
