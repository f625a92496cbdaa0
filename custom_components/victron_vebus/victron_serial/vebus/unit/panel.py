"""The remote panel: mode, current limit, the MK3's standby line and forced charge states.

The remote switch and the current limit the unit acknowledged are the truth until a
refresh reads them back, so a second control builds on the first. The current limit is
written RAM only ('S'): it is sent again after a new session, and kept in the owner's
ledger across its restarts (``ram_only``).
"""

from __future__ import annotations

from collections.abc import Callable
import logging

from ..client import VEBusClient
from ..device.states import AcInputConfig, ChargeState, DeviceStatus, ForcedChargeState, Mode
from ..errors import (
    VEBusUnsupportedError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from .facts import UnitFacts
from .gate import WriteGate
from .ram_only import NO_LONGER_FITS, dropped
from .status_reader import StatusReader

_LOGGER = logging.getLogger(__name__)

LIMIT_TOLERANCE = 0.05  # A: the panel sends the limit in 0.1 A steps

# The charge states a unit may answer to each forced charge state.
FORCED_ANSWERS = {
    ForcedChargeState.ABSORPTION: {
        ChargeState.FORCED_ABSORPTION,
        ChargeState.ABSORPTION,
        ChargeState.REPEATED_ABSORPTION,
    },
    ForcedChargeState.FLOAT: {ChargeState.FLOAT},
    ForcedChargeState.EQUALISE: {ChargeState.EQUALISE},
}


class Panel:
    """What a remote panel does, as the unit confirmed it."""

    def __init__(
        self, client: VEBusClient, gate: WriteGate, facts: UnitFacts, reader: StatusReader
    ) -> None:
        self.client = client
        self._gate = gate
        self._facts = facts
        self._reader = reader
        self.limit: float | None = None  # A, the current limit last sent with 'S'
        self.handed_back_limit: float | None = None  # the owner's last run's, until checked
        self.on_change: Callable[[], None] | None = None  # the owner keeps the ledger
        self.standby = False
        self._lines_unsure = False
        self._standby_before: bool | None = None  # Keep awake before ``standby``, until back on
        self._confirmed_mode: Mode | None = None
        self._confirmed_limit: float | None = None
        self.writes = 0

    @property
    def ac_input_config(self) -> AcInputConfig | None:
        """The AC input configuration ('F' 5) as last read; kept while the unit sleeps."""
        last = self._reader.last
        return last.ac_input if last else None

    @property
    def remote_mode(self) -> Mode | None:
        """The remote switch position: as just confirmed by the unit, else as last read."""
        if self._confirmed_mode is not None:
            return self._confirmed_mode
        config = self.ac_input_config
        return config.remote_mode if config is not None else None

    @property
    def current_limit(self) -> float | None:
        """The AC input current limit: as just confirmed by the unit, else as last read."""
        if self._confirmed_limit is not None:
            return self._confirmed_limit
        config = self.ac_input_config
        return config.current_limit if config is not None else None

    def read_back(self) -> None:
        """A refresh read the remote switch and the limit, after every write confirmed."""
        self._confirmed_mode = self._confirmed_limit = None

    async def mode_in_force(self) -> Mode | None:
        """The mode the unit runs in: the remote switch as just confirmed, else the mode in
        force as last read ('F' 5), read now when nothing was read yet (None: a unit
        without AC input reports no mode)."""
        if self._confirmed_mode is not None:
            return self._confirmed_mode
        config = self.ac_input_config
        if config is None and self._facts.has_charger:
            config = await self.client.ac_input_config()
        return None if config is None else config.mode

    async def set_mode(self, mode: Mode, current_limit: float | None = None) -> None:
        if mode not in self._facts.modes:
            raise VEBusUnsupportedError(f"an inverter without charger has no mode {mode}")
        async with self._gate.control():
            await self._set_panel(mode, current_limit)

    async def set_current_limit(self, current_limit: float) -> None:
        """AC input current limit, RAM only ('S'); the remote switch stays where it is."""
        async with self._gate.control():
            await self._set_panel(self.remote_mode or Mode.ON, current_limit)

    async def set_charger(self, on: bool) -> None:
        """The charger half of the remote switch; the inverter half stays as it is."""
        async with self._gate.control():  # read under the lock: a racing press is not undone
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(on, mode.inverter), None)

    async def set_inverter(self, on: bool) -> None:
        async with self._gate.control():
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(mode.charger, on), None)

    async def _set_panel(self, mode: Mode, current_limit: float | None) -> None:
        await self.client.set_panel_state(mode, current_limit)
        self._confirmed_mode = mode
        if current_limit is not None:
            self._confirmed_limit = self.limit = current_limit
            self.handed_back_limit = None  # written now: an earlier run's limit is past
            self._changed()
        self.writes += 1
        if mode is not Mode.OFF and self._standby_before is not None:
            # Switched on again after ``standby``: Keep awake goes back to what it was.
            await self._send_lines(self._standby_before)
            self._standby_before = None

    async def set_standby(self, standby: bool) -> None:
        """Hold the MK3's standby line (the unit stays reachable while switched off)."""
        async with self._gate.control():
            await self._send_lines(standby)
            self._standby_before = None  # asked for: it stays as it is now

    def restore_standby(self, standby: bool) -> None:
        """Standby as it was before a restart of the owner; sent with the next refresh."""
        self.standby = standby

    async def off_in_standby(self) -> None:
        """Off, with the standby line held so the unit can be switched on again; the line
        goes back to what it was when the unit is switched on again."""
        async with self._gate.control():
            if self._standby_before is None:
                self._standby_before = self.standby
            await self._send_lines(True)
            await self._set_panel(Mode.OFF, None)

    async def repeat_lines(self) -> None:
        """The MK3 forgets its lines when the VE.Bus loses power: say them again, when held
        (or when the last write of them went unconfirmed)."""
        if self.standby or self._lines_unsure:
            await self._send_lines(self.standby)

    async def _send_lines(self, standby: bool) -> None:
        """The interface lines; a write left unconfirmed is sent again next refresh."""
        try:
            await self.client.set_interface(standby=standby)
        except VEBusWriteUnconfirmedError:
            self.standby, self._lines_unsure = standby, True  # what was asked, sent again
            raise
        self.standby, self._lines_unsure = standby, False

    async def force_charge_state(self, state: ForcedChargeState) -> DeviceStatus:
        """Force a charge state; the state the unit answered shows at once (and a unit
        that answers another one, not charging say, raises VEBusWriteNotAppliedError)."""
        async with self._gate.control():
            answered = await self.client.force_charge_state(state)
        if self._reader.last is not None:
            self._reader.last.device = answered
        if answered.charge_state not in FORCED_ANSWERS.get(state, {answered.charge_state}):
            raise VEBusWriteNotAppliedError(
                f"forced {state.name.lower()}: the unit answered "
                f"{answered.state.name.lower()}, {answered.charge_state.name.lower()}"
            )
        return answered

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @property
    def ledger_limit(self) -> float | None:
        """The limit for the owner's ledger: the one sent, else the one handed back."""
        return self.limit if self.limit is not None else self.handed_back_limit

    async def take_back_limit(self) -> None:
        """The limit handed back, checked against the unit; the caller holds the lock."""
        if self.handed_back_limit is None:
            return
        try:
            await self._take_back_limit(self.handed_back_limit)
        except NO_LONGER_FITS as err:
            dropped(self._gate.counters, "the AC input current limit", err)
        self.handed_back_limit = None
        self._changed()

    async def _take_back_limit(self, limit: float) -> None:
        """The limit shows on the unit: still in force, lost to a restart of the unit
        (sent again), or set by someone else since (theirs stands)."""
        config = await self.client.ac_input_config()
        if abs(config.current_limit - limit) < LIMIT_TOLERANCE:
            self.limit = limit
        elif self.client.interface_restarted:
            await self.client.set_panel_state(config.remote_mode, limit)
            self.limit = self._confirmed_limit = limit
            self.writes += 1
        else:
            _LOGGER.info(
                "The AC input current limit was %s A before the restart and is %s A now, "
                "set elsewhere: it stands",
                limit,
                config.current_limit,
            )
            self._gate.counters["ram_only_dropped"] += 1
            return
        self._gate.counters["ram_only_restored"] += 1

    async def resend_limit(self) -> None:
        """After a new session: the interface restarts with the unit and forgets the limit
        it was sending; the switch position goes with it, as the unit last showed it. The
        caller holds the lock."""
        limit = self.limit
        if limit is None:
            return
        try:
            await self.client.set_panel_state(self.remote_mode or Mode.ON, limit)
        except NO_LONGER_FITS as err:
            self.limit = None
            dropped(self._gate.counters, "the AC input current limit", err)
            self._changed()
            return
        self._confirmed_limit = limit
        self.writes += 1
