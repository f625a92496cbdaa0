"""Diagnostics carry what support needs and hide the adapter's serial number."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from custom_components.victron_vebus.vebus import describe_port as redact_port
from vebus_sim import Simulator


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
