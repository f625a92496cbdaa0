"""Diagnostics: entry, device identity, last decoded state, framing and fault counters.

Settings and RAM variables go by name, floats are rounded to what the wire carries, and
what identifies the owner (serial numbers, a network port's host, URL credentials) is
redacted wherever it appears, error texts included.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_PORT
from .coordinator import VEBusCoordinator
from .runtime import VictronConfigEntry
from .victron_serial.vebus import describe_port, ram_name, setting_name

# "serial" and "SER#": a charger's serial number in its identity and in its text block.
TO_REDACT = {"serial_number", "unique_id", "serial", "SER#"}
DECIMALS = 4


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VictronConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data
    data = dict(entry.data)
    data[CONF_PORT] = describe_port(data[CONF_PORT])
    state: dict[str, Any] | None = None
    if coordinator.data is not None:
        state = async_redact_data(asdict(coordinator.data), TO_REDACT)
        if isinstance(coordinator, VEBusCoordinator):
            state["settings"] = {setting_name(k): v for k, v in state["settings"].items()}
            state["status"]["ram"] = {ram_name(k): v for k, v in state["status"]["ram"].items()}
    failed = not coordinator.last_update_success and coordinator.last_exception
    diagnostics = {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": data,
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            # Only while it stands: an error from before a successful refresh is history.
            "last_exception": repr(coordinator.last_exception) if failed else None,
            **async_redact_data(coordinator.diagnostics(), TO_REDACT),
        },
        "state": state,
    }
    host = urlsplit(entry.data[CONF_PORT]).hostname
    tidy: dict[str, Any] = _tidy(diagnostics, {host} if host else set())
    return tidy


def _tidy(value: Any, secrets: set[str]) -> Any:
    """Floats rounded, enums by name, ``secrets`` redacted in every string."""
    if isinstance(value, dict):
        return {_tidy(key, secrets): _tidy(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_tidy(item, secrets) for item in value]
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if hasattr(value, "name") and hasattr(value, "value"):  # an enum
        return str(value.name).lower()
    return value
