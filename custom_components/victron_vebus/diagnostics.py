"""Diagnostics: entry, device identity, last decoded state, framing and fault counters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_PORT
from .runtime import VictronConfigEntry
from .vebus import describe_port

# "serial" and "SER#": a charger's serial number in its identity and in its text block.
TO_REDACT = {"serial_number", "unique_id", "serial", "SER#"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VictronConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data
    data = dict(entry.data)
    data[CONF_PORT] = describe_port(data[CONF_PORT])
    state: dict[str, Any] | None = None
    if coordinator.data is not None:
        state = async_redact_data(asdict(coordinator.data), TO_REDACT)
    return {
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
            "last_exception": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
            **async_redact_data(coordinator.diagnostics(), TO_REDACT),
        },
        "state": state,
    }
