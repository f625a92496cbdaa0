"""Repair issues of a VE.Bus entry: the port held by another program, no VE.Bus on the
port, a VE.Bus error the unit reports, units of a system that hold settings differently.
Each is raised while it stands and deleted after."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import CONF_PORT, DOMAIN
from .vebus import UnitState, VEBusErrorCode

VEBUS_ERROR_CODES_URL = "https://www.victronenergy.com/live/ve.bus:ve.bus_error_codes"


def issue_id(entry: ConfigEntry, kind: str) -> str:
    return f"{kind}_{entry.entry_id}"


def raise_port_issue(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """``port_busy`` or ``not_vebus``, naming the entry's port."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry, kind),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=kind,
        translation_placeholders={"port": entry.data[CONF_PORT]},
    )


def clear_port_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The unit answered: whatever stood in the way of the port is gone."""
    for kind in ("port_busy", "not_vebus"):
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry, kind))


def show_vebus_error(hass: HomeAssistant, entry: ConfigEntry, state: UnitState) -> None:
    """A repair issue while the unit reports a VE.Bus error, gone when it clears."""
    leds = state.status.leds
    if leds is None or state.asleep:
        return
    vebus_error = issue_id(entry, "vebus_error")
    if not leds.vebus_error:
        ir.async_delete_issue(hass, DOMAIN, vebus_error)
        return
    code = VEBusErrorCode(leds.vebus_error)
    ir.async_create_issue(
        hass,
        DOMAIN,
        vebus_error,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="vebus_error",
        translation_placeholders={
            "code": str(leds.vebus_error),
            "name": code.name.lower().replace("_", " ") if code.name != "unknown" else "?",
            "device": entry.title,
        },
        learn_more_url=VEBUS_ERROR_CODES_URL,
    )


def show_disagreements(hass: HomeAssistant, entry: ConfigEntry, state: UnitState) -> None:
    """A repair issue while the units of a system hold a setting differently (a system
    runs one configuration), naming each setting and what each unit holds."""
    if state.asleep:
        return
    settings_differ = issue_id(entry, "settings_differ")
    if not state.disagreements:
        ir.async_delete_issue(hass, DOMAIN, settings_differ)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        settings_differ,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="settings_differ",
        translation_placeholders={
            "device": entry.title,
            "settings": "; ".join(str(disagreement) for disagreement in state.disagreements),
        },
    )
