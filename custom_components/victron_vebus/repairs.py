"""Repair issues of an entry, and the fix flow of those about its port.

Issues: ``port_busy`` (another program holds the port), ``not_vebus`` (something else talks
on it), ``port_moved`` (the port is gone or holds another device, and the entry's adapter is
listed elsewhere: ``adapters.py``), ``vebus_error`` (the unit reports one) and
``settings_differ`` (units of a system hold a setting differently). Each stands while its cause
does and is deleted after.

The three port issues are fixable. Their fix flow offers the port where the same adapter is
listed now, when there is one (moving the entry there as a reconfigure does: its device and
entities stay, ``entry_move``), and trying the entry's own port again.
"""

from __future__ import annotations

import time
from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .adapters import Adapter, adapter_serial, async_moved_to, is_device_path
from .const import CONF_PORT, DOMAIN, LOGGER
from .entry_move import async_move_entry
from .victron_serial.vebus import UnitState, VEBusErrorCode

VEBUS_ERROR_CODES_URL = "https://www.victronenergy.com/live/ve.bus:ve.bus_error_codes"
PORT_BUSY = "port_busy"
NOT_VEBUS = "not_vebus"
PORT_MOVED = "port_moved"
PORT_ISSUES = (PORT_BUSY, NOT_VEBUS, PORT_MOVED)
# After a failure that may mean a moved adapter, the ports are listed again at most this
# often while the failures go on (the first failure of a run is always looked into).
MOVED_CHECK_INTERVAL = 60.0  # s


def issue_id(entry: ConfigEntry, kind: str) -> str:
    return f"{kind}_{entry.entry_id}"


def _port_placeholders(entry: ConfigEntry) -> dict[str, str]:
    return {"port": entry.data[CONF_PORT], "title": entry.title}


def raise_port_issue(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """``port_busy`` or ``not_vebus``, naming the entry's port; not while a ``port_moved``
    issue says more (the port holds another device, the adapter is elsewhere)."""
    if ir.async_get(hass).async_get_issue(DOMAIN, issue_id(entry, PORT_MOVED)) is not None:
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry, kind),
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key=kind,
        translation_placeholders=_port_placeholders(entry),
        data={"entry_id": entry.entry_id},
    )


def clear_port_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The device answered: whatever stood in the way of the port is gone."""
    for kind in PORT_ISSUES:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry, kind))


class MovedPortCheck:
    """Looks for the entry's adapter elsewhere after failures that may mean it moved (the
    port gone, nothing or something else answering): a ``port_moved`` issue while it is
    listed at another port and not at the entry's."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self._checked_at: float | None = None  # monotonic; None: no failure since success

    @callback
    def failed(self) -> None:
        port: str = self._entry.data[CONF_PORT]
        if not is_device_path(port) or not adapter_serial(self._entry):
            return
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < MOVED_CHECK_INTERVAL:
            return
        self._checked_at = now
        # Not the entry's own task: a set-up that failed cancels those, and the first
        # refresh of a set-up is where a moved adapter shows first.
        self._hass.async_create_background_task(
            self._async_check(), f"{DOMAIN} {self._entry.title}: moved adapter"
        )

    @callback
    def answered(self) -> None:
        self._checked_at = None

    async def _async_check(self) -> None:
        found = await async_moved_to(self._hass, self._entry)
        moved = issue_id(self._entry, PORT_MOVED)
        if not found:
            ir.async_delete_issue(self._hass, DOMAIN, moved)
            return
        LOGGER.warning(
            "%s: the adapter is not on %s but on %s",
            self._entry.title,
            self._entry.data[CONF_PORT],
            found[0].port,
        )
        for kind in (PORT_BUSY, NOT_VEBUS):  # this issue says more
            ir.async_delete_issue(self._hass, DOMAIN, issue_id(self._entry, kind))
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            moved,
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key=PORT_MOVED,
            translation_placeholders={
                **_port_placeholders(self._entry),
                "new_port": found[0].port,
                "serial": found[0].serial_number or "?",
            },
            data={"entry_id": self._entry.entry_id},
        )


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


# --- the fix flow ------------------------------------------------------------------------------


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The repairs platform: the port issues' fix flow."""
    return PortFixFlow((data or {}).get("entry_id", ""))


class PortFixFlow(RepairsFlow):
    """Move the entry to the port where its adapter is now, or try its own port again."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id
        self._moved: list[Adapter] = []

    def _entry(self) -> ConfigEntry | None:
        return self.hass.config_entries.async_get_entry(self._entry_id)

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """Where the adapter is now decides the first step (the flow starts with the issue)."""
        entry = self._entry()
        if entry is None:
            return self.async_abort(reason="entry_removed")
        self._moved = await async_moved_to(self.hass, entry)
        if self._moved:
            return await self.async_step_moved()
        return await self.async_step_retry()

    async def async_step_moved(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """The port where the same adapter is listed now, or the entry's own port again."""
        entry = self._entry()
        if entry is None:
            return self.async_abort(reason="entry_removed")
        port: str = entry.data[CONF_PORT]
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen: str = user_input[CONF_PORT]
            if chosen == port:
                return await self.async_step_retry({})
            error = await async_move_entry(self.hass, entry, chosen)
            if error is None:
                return self.async_create_entry(data={})
            errors["base"] = error
        options = [SelectOptionDict(value=a.port, label=a.label) for a in self._moved]
        options.append(SelectOptionDict(value=port, label=f"{port} (try again)"))
        schema = vol.Schema(
            {
                vol.Required(CONF_PORT, default=self._moved[0].port): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
                )
            }
        )
        return self.async_show_form(
            step_id="moved",
            data_schema=schema,
            errors=errors,
            description_placeholders=self._placeholders(entry),
        )

    async def async_step_retry(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        entry = self._entry()
        if entry is None:
            return self.async_abort(reason="entry_removed")
        placeholders = self._placeholders(entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            reason = await self._async_try_again(entry)
            if reason is None:
                return self.async_create_entry(data={})
            errors["base"] = "still_failing"
            placeholders["reason"] = reason
        return self.async_show_form(
            step_id="retry", errors=errors, description_placeholders=placeholders
        )

    async def _async_try_again(self, entry: ConfigEntry) -> str | None:
        """Set the entry up again on its port; None once it answers, else why not."""
        await self.hass.config_entries.async_reload(entry.entry_id)
        if entry.state is ConfigEntryState.LOADED:  # its first refresh answered
            return None
        return entry.reason or str(entry.state.value)

    def _placeholders(self, entry: ConfigEntry) -> dict[str, str]:
        return {
            **_port_placeholders(entry),
            "serial": adapter_serial(entry) or "?",
            "reason": "",
        }
