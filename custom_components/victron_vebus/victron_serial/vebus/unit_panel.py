"""The remote panel: mode, current limit, the MK3's standby line, forced charge states,
sleep and wake."""

from __future__ import annotations

import logging

from .errors import (
    VEBusUnsupportedError,
    VEBusWriteNotAppliedError,
    VEBusWriteUnconfirmedError,
)
from .models import AcInputConfig, ChargeState, DeviceStatus, ForcedChargeState, Mode
from .unit_settings import UnitSettings

_LOGGER = logging.getLogger(__name__)

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


class UnitPanel(UnitSettings):
    """What a remote panel does, as the unit confirmed it."""

    @property
    def ac_input_config(self) -> AcInputConfig | None:
        """The AC input configuration ('F' 5) as last read; kept while the unit sleeps."""
        return self._last_status.ac_input if self._last_status else None

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

    async def mode_in_force(self) -> Mode | None:
        """The mode the unit runs in: the remote switch as just confirmed, else the mode in
        force as last read ('F' 5), read now when nothing was read yet (None: a unit
        without AC input reports no mode)."""
        if self._confirmed_mode is not None:
            return self._confirmed_mode
        config = self._last_status.ac_input if self._last_status else None
        if config is None and self.has_charger:
            config = await self.client.ac_input_config()
        return None if config is None else config.mode

    async def set_mode(self, mode: Mode, current_limit: float | None = None) -> None:
        if mode not in self.modes:
            raise VEBusUnsupportedError(f"an inverter without charger has no mode {mode}")
        async with self._control():
            await self._set_panel(mode, current_limit)

    async def set_current_limit(self, current_limit: float) -> None:
        """AC input current limit, RAM only ('S'); the remote switch stays where it is."""
        async with self._control():
            await self._set_panel(self.remote_mode or Mode.ON, current_limit)

    async def set_charger(self, on: bool) -> None:
        """The charger half of the remote switch; the inverter half stays as it is."""
        async with self._control():  # read under the lock: a racing press is not undone
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(on, mode.inverter), None)

    async def set_inverter(self, on: bool) -> None:
        async with self._control():
            mode = self.remote_mode or Mode.ON
            await self._set_panel(Mode.from_flags(mode.charger, on), None)

    async def _set_panel(self, mode: Mode, current_limit: float | None) -> None:
        await self.client.set_panel_state(mode, current_limit)
        self._confirmed_mode = mode
        if current_limit is not None:
            self._confirmed_limit = self._panel_limit = current_limit
            self._handed_back_limit = None  # written now: an earlier run's limit is past
            self._ram_only_changed()
        self._panel_writes += 1
        if mode is not Mode.OFF and self._standby_before is not None:
            # Switched on again after ``standby``: Keep awake goes back to what it was.
            await self._send_lines(self._standby_before)
            self._standby_before = None

    async def set_standby(self, standby: bool) -> None:
        """Hold the MK3's standby line (the unit stays reachable while switched off)."""
        async with self._control():
            await self._send_lines(standby)
            self._standby_before = None  # asked for: it stays as it is now

    def restore_standby(self, standby: bool) -> None:
        """Standby as it was before a restart of the owner; sent with the next refresh."""
        self._standby = standby

    async def standby(self) -> None:
        """Off, with the standby line held so the unit can be switched on again; the
        line goes back to what it was when the unit is switched on again. The ESS control
        ends and a standing setpoint goes to 0 W first; neither comes back when it is
        switched on again."""
        self._refuse_asleep()
        await self._end_ess()
        async with self._control():
            if self._standby_before is None:
                self._standby_before = self._standby
            await self._send_lines(True)
            await self._set_panel(Mode.OFF, None)

    async def _send_lines(self, standby: bool) -> None:
        """The interface lines; a write left unconfirmed is sent again next refresh."""
        try:
            await self.client.set_interface(standby=standby)
        except VEBusWriteUnconfirmedError:
            self._standby, self._lines_unsure = standby, True  # what was asked, sent again
            raise
        self._standby, self._lines_unsure = standby, False

    async def force_charge_state(self, state: ForcedChargeState) -> DeviceStatus:
        """Force a charge state; the state the unit answered shows at once (and a unit
        that answers another one, not charging say, raises VEBusWriteNotAppliedError)."""
        async with self._control():
            answered = await self.client.force_charge_state(state)
        if self._last_status is not None:
            self._last_status.device = answered
        if answered.charge_state not in FORCED_ANSWERS.get(state, {answered.charge_state}):
            raise VEBusWriteNotAppliedError(
                f"forced {state.name.lower()}: the unit answered "
                f"{answered.state.name.lower()}, {answered.charge_state.name.lower()}"
            )
        return answered

    async def sleep(self) -> None:
        """Low-power sleep. The ESS control ends and a standing ESS setpoint goes to 0 W
        first: nobody keeps a sleeping unit's setpoint alive, and waking brings neither
        back. From the moment the command is sent the unit counts as asleep: nothing is
        written to it (controls raise VEBusAsleepError) until it is found awake."""
        self._refuse_asleep()
        await self._end_ess(pause=True)
        try:
            async with self._control():
                await self.client.sleep()
        except BaseException:
            if self.ess is not None:
                self.ess.resume()
            raise
        self._sleep_sent_at = self.clock.time()
        self._silent_since_sleep = False
        self.asleep = True

    async def wake(self) -> None:
        """Wake the unit; returns once it answers (VEBusTimeoutError if it does not)."""
        self.counters["writes"] += 1
        try:
            async with self._lock:
                await self.client.wake()
        except BaseException:
            self.counters["writes_failed"] += 1
            raise
        if self.asleep:
            _LOGGER.info("%s woke up", self.client.url)
        self._awake()

    async def _end_ess(self, *, pause: bool = False) -> None:
        """The ESS control off and a standing setpoint back to 0 W; ``pause``: nothing is
        written after that 0 W until ``_awake`` (the unit goes to sleep)."""
        if self.ess_control is not None:
            await self.ess_control.close()
        if self.ess is not None:
            if pause:
                self.ess.pause()  # no write starts from here on; the release's 0 W still goes
            await self.ess.release()

    def _awake(self) -> None:
        """It answers again (or never went to sleep): controls and the ESS setpoint work."""
        self.asleep, self._sleep_sent_at, self._silent_since_sleep = False, None, False
        if self.ess is not None:
            self.ess.resume()
