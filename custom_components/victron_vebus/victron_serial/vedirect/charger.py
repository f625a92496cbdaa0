"""One Blue Smart charger's rules, above the client: what the owner reads and writes.

- Identity and limits are learnt once (``discover``): the minimum and maximum charge current
  come from the charger itself (0xEDC8, 0xEDDF), never from a table of models.
- ``refresh`` returns the newest text block's values with the charge current limit read
  back (HEX); a charger wired for reading only (no RX) still gives its text values.
- Every write is bounded before anything is sent (``VEDirectOutOfRangeError`` names the
  bounds), skipped when the charger already holds the value to the device step, limited to
  one per register per interval (``nvm``: all settings live in non-volatile memory) and read
  back: the result is the value in force, which a charger may have clamped.
- Two ways to write the limit: ``set_charge_current_limit`` refuses a write the interval does
  not allow yet (``VEDirectRateLimitedError.retry_at``): for a person pressing a button.
  ``wish_charge_current_limit`` keeps the newest wanted value and writes it when the interval
  allows (``wish``): for automations. An explicit write supersedes a pending wish.
- Writes run one at a time (the control lock).

The volatile VE.Smart link limit (0x2015 with 0x200E) is deliberately not used: it is
unproven on Blue Smart chargers (vedirect.md §5.1).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
import contextlib
from dataclasses import asdict
import logging
import time
from typing import Any

from ..foundation.clock import Clock, SystemClock
from .client import VEDirectClient
from .errors import (
    VEDirectError,
    VEDirectOutOfRangeError,
    VEDirectPresetBatteryError,
    VEDirectTimeoutError,
    VEDirectUnknownRegisterError,
    VEDirectUnsupportedError,
)
from .models import product_name
from .nvm import NvmLimiter
from .plausible import Plausibility
from .products import BLUE_SMART
from .products.family import Choices, FromRegisters, SystemVoltage
from .protocol.text import TextBlock
from .registers import REGISTERS, Reg, Register
from .settings import LowCurrentMode, WriteResult, nominal_voltage, voltage_bounds
from .state import ChargerState, Reading, read_block
from .wish import Applied, LatestWish, Wish, WishResult

_LOGGER = logging.getLogger(__name__)

BLOCK_TIMEOUT = 3.5  # s: three blocks missed (one a second) and the charger is gone
BLOCK_FRESH = 1.5  # s: a block younger than this is the charger's present
# Read at ``discover`` (``setting()`` then knows them); a charger without one says so.
DISCOVERED_SETTINGS = BLUE_SMART.settings


LIMIT_BOUNDS = BLUE_SMART.bounds(Reg.CHARGE_CURRENT_LIMIT, FromRegisters)
LOW_CURRENT_MODES = BLUE_SMART.bounds(Reg.LOW_CURRENT_MODE, Choices)
# Voltages are written only with a user-defined battery type (0xEDF1 = 0xFF).
VOLTAGE_RULE = BLUE_SMART.requirement(Reg.ABSORPTION_VOLTAGE)


class BlueSmartCharger:
    """The charger behind ``client``: discovery, refresh, and every write."""

    def __init__(
        self,
        client: VEDirectClient,
        *,
        clock: Clock | None = None,
        nvm: NvmLimiter | None = None,
        block_timeout: float = BLOCK_TIMEOUT,
        on_wish_result: Callable[[WishResult], None] | None = None,
    ) -> None:
        self.client = client
        self._clock = clock or SystemClock()
        self._nvm = nvm or NvmLimiter(clock=self._clock)
        self.block_timeout = block_timeout
        self.plausibility = Plausibility()
        self.counters: Counter[str] = Counter()
        self.model: str | None = None
        self.minimum_current: float | None = None
        self.maximum_current: float | None = None
        self.hex_answers: bool | None = None  # None: not tried yet
        self.reading: Reading | None = None
        self._settings: dict[int, int] = {}  # register id -> raw value last read or written
        self._lock = asyncio.Lock()
        self.limit_wish = LatestWish(
            Reg.CHARGE_CURRENT_LIMIT.id,
            apply=self._apply_limit_wish,
            unchanged=self._limit_unchanged,
            limiter=self._nvm,
            clock=self._clock,
            on_result=on_wish_result,
        )

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = self.nvm.clock = self.limit_wish.clock = clock

    @property
    def nvm(self) -> NvmLimiter:
        """The record of memory writes; the owner may give its own after ``discover``
        (the command line's, kept in a state file, once the serial number is known)."""
        return self._nvm

    @nvm.setter
    def nvm(self, limiter: NvmLimiter) -> None:
        self._nvm = self.limit_wish.limiter = limiter

    # --- learning the charger ------------------------------------------------------------

    async def discover(self) -> ChargerState:
        """Identity from a text block, then (over HEX) limits, model name and settings."""
        await self.client.ensure_connected()
        self._read(await self.client.next_block(self.block_timeout))
        await self._discover_hex()
        return self.state()

    async def _discover_hex(self) -> None:
        client = self.client
        try:
            self.minimum_current = _number(await client.get(LIMIT_BOUNDS.minimum))
        except VEDirectUnknownRegisterError:
            self.minimum_current = LIMIT_BOUNDS.minimum_when_absent
        except VEDirectTimeoutError:
            self.hex_answers = False
            _LOGGER.info("%s: no HEX replies; text values only", client.url)
            return
        self.hex_answers = True
        with contextlib.suppress(VEDirectUnsupportedError):
            self.maximum_current = _number(await client.get(LIMIT_BOUNDS.maximum))
        with contextlib.suppress(VEDirectUnsupportedError):
            name = await client.get_raw(Reg.MODEL_NAME)
            if isinstance(name, str) and name.strip():
                self.model = name.strip()
        for register in DISCOVERED_SETTINGS:
            with contextlib.suppress(VEDirectUnsupportedError):
                self._settings[register.id] = await client.get_number(register)

    def _read(self, block: TextBlock) -> Reading:
        reading = read_block(block, self.plausibility)
        self.reading = reading
        if self.model is None:
            self.model = product_name(reading.product_id)
        return reading

    # --- reading ---------------------------------------------------------------------------

    async def refresh(self, *, read_limit: bool = True) -> ChargerState:
        """The newest text block's values, with the charge current limit read back.

        Raises VEDirectTimeoutError when no block came for ``block_timeout`` seconds.
        """
        client = self.client
        await client.ensure_connected()
        block = client.last_block
        at = client.link.last_block_at
        if block is None or at is None or time.monotonic() - at > BLOCK_FRESH:
            block = await client.next_block(self.block_timeout)
        self._read(block)
        if read_limit and self.hex_answers is not False:
            try:
                self._settings[Reg.CHARGE_CURRENT_LIMIT.id] = await client.get_number(
                    Reg.CHARGE_CURRENT_LIMIT
                )
            except VEDirectError as err:
                self.counters["limit_reads_failed"] += 1
                _LOGGER.debug("Charge current limit not read: %s", err)
            if Reg.BATTERY_TYPE.id in self._settings:  # chosen in VictronConnect meanwhile?
                with contextlib.suppress(VEDirectError):
                    self._settings[Reg.BATTERY_TYPE.id] = await client.get_number(Reg.BATTERY_TYPE)
        return self.state()

    def state(self) -> ChargerState:
        if self.reading is None:
            raise VEDirectTimeoutError("no text block read yet: discover or refresh first")
        limit = self.setting(Reg.CHARGE_CURRENT_LIMIT)
        internal = self.client.async_value(Reg.INTERNAL_TEMPERATURE)
        return ChargerState(
            reading=self.reading,
            model=self.model,
            charge_current_limit=self.plausibility.value(
                "charge_current_limit", "charge_current_limit", limit
            ),
            minimum_current=self.minimum_current,
            maximum_current=self.maximum_current,
            internal_temperature=self.plausibility.value(
                "internal_temperature", "temperature", _number(internal)
            ),
            received_at=self.client.link.last_block_at,
        )

    def setting(self, register: Register) -> float | None:
        """The value last read or written, in engineering units; None: not known."""
        raw = self._settings.get(register.id)
        return None if raw is None else _number(register.scaled(raw))

    # --- the charge current limit -------------------------------------------------------------

    @property
    def current_limit_bounds(self) -> tuple[float, float]:
        """(minimum, maximum) A, from the charger; VEDirectUnsupportedError if not known."""
        if self.minimum_current is None or self.maximum_current is None:
            raise VEDirectUnsupportedError(
                "the charger's minimum and maximum charge current are not known "
                "(discover first; the charger must answer HEX)"
            )
        return self.minimum_current, self.maximum_current

    def _checked_limit(self, amps: float) -> float:
        Reg.CHARGE_CURRENT_LIMIT.takes(amps)
        low, high = self.current_limit_bounds
        step = Reg.CHARGE_CURRENT_LIMIT.scale
        if not low - step / 2 <= amps <= high + step / 2:
            raise VEDirectOutOfRangeError("charge current limit", amps, low, high, "A")
        return amps

    async def set_charge_current_limit(self, amps: float) -> WriteResult:
        """Write the limit now, or raise VEDirectRateLimitedError (``retry_at``)."""
        self._checked_limit(amps)
        self.limit_wish.supersede()
        return await self._write(Reg.CHARGE_CURRENT_LIMIT, amps)

    def wish_charge_current_limit(self, amps: float) -> Wish:
        """Keep ``amps`` as the newest wanted limit; written when the interval allows."""
        return self.limit_wish.wish(self._checked_limit(amps))

    def _limit_unchanged(self, amps: float) -> bool:
        raw = self._settings.get(Reg.CHARGE_CURRENT_LIMIT.id)
        return raw is not None and raw == Reg.CHARGE_CURRENT_LIMIT.raw_for(amps)

    async def _apply_limit_wish(self, amps: float) -> Applied:
        result = await self._write(Reg.CHARGE_CURRENT_LIMIT, amps)
        return Applied(result.written, result.in_force)

    # --- other settings (all in non-volatile memory) ------------------------------------------

    async def set_absorption_voltage(self, volts: float) -> WriteResult:
        return await self._write_voltage(Reg.ABSORPTION_VOLTAGE, volts)

    async def set_float_voltage(self, volts: float) -> WriteResult:
        return await self._write_voltage(Reg.FLOAT_VOLTAGE, volts)

    async def set_low_current_mode(self, mode: LowCurrentMode | float) -> WriteResult:
        """Low current / night mode (0xE001), where the charger has it: one of its values,
        nothing rounded into one (1.5 is no mode)."""
        register = Reg.LOW_CURRENT_MODE
        register.takes(mode)
        modes = LOW_CURRENT_MODES.values
        if mode not in set(modes):
            raise VEDirectOutOfRangeError(register.name, mode, min(modes), max(modes))
        return await self._write(register, float(mode))

    @property
    def voltage_bounds(self) -> tuple[float, float]:
        """(minimum, maximum) V an absorption or float voltage may have: 1.0 to 1.33 times
        the system voltage; VEDirectUnsupportedError while that is not known."""
        nominal = nominal_voltage(self.model, self.reading.voltage if self.reading else None)
        if nominal is None:
            raise VEDirectUnsupportedError("charge voltages: the system voltage is not known")
        return voltage_bounds(nominal)

    @property
    def user_defined_battery(self) -> bool | None:
        """Whether the battery type (0xEDF1, last read) lets voltages be written; None:
        not known."""
        battery_type = self._settings.get(Reg.BATTERY_TYPE.id)
        return None if battery_type is None else battery_type == VOLTAGE_RULE.value

    async def _write_voltage(self, register: Register, volts: float) -> WriteResult:
        register.takes(volts)
        low, high = self.voltage_bounds
        if not low <= volts <= high:
            raise VEDirectOutOfRangeError(register.name, volts, low, high, "V")
        control = BLUE_SMART.control(register)
        assert control is not None, register  # only voltage controls come here
        if control.requires is not None:
            rule = control.requires
            held = await self.client.get_number(rule.register)
            self._settings[rule.register.id] = held
            if held != rule.value:
                raise VEDirectPresetBatteryError(register.name)
        if control.not_above is not None:
            ceiling = _number(await self.client.get(control.not_above))
            if ceiling is not None and volts > ceiling:
                raise VEDirectOutOfRangeError(register.name, volts, low, ceiling, "V")
        return await self._write(register, volts)

    async def write_setting(self, register: Register, value: float) -> WriteResult:
        """Any writable register by the same rules (the command line's ``set``)."""
        control = BLUE_SMART.control(register)
        if control is None:
            *others, last = (item.name for item in BLUE_SMART.controls)
            raise VEDirectUnsupportedError(
                f"{register.name}: not written by this library ({', '.join(others)} and {last} are)"
            )
        if isinstance(control.bounds, FromRegisters):
            return await self.set_charge_current_limit(value)
        if isinstance(control.bounds, SystemVoltage):
            return await self._write_voltage(register, value)
        return await self.set_low_current_mode(value)

    async def _write(self, register: Register, value: float) -> WriteResult:
        raw = register.raw_for(value)
        async with self._lock:
            self.counters["writes"] += 1
            try:
                previous = await self.client.get_number(register)
                self._settings[register.id] = previous
                if previous == raw:
                    return WriteResult(register.name, value, _number(register.scaled(raw)), False)
                in_force = await self.nvm.write(
                    register.id,
                    lambda: self.client.write_raw(register, raw, previous=previous),
                )
            except BaseException:
                self.counters["writes_failed"] += 1
                raise
            self._settings[register.id] = in_force
            self.counters["nvm_writes"] += 1
            if in_force != raw:
                self.counters["writes_clamped"] += 1
            return WriteResult(register.name, value, _number(register.scaled(in_force)), True)

    # --- the end ----------------------------------------------------------------------------------

    async def close(self) -> None:
        """Pending wishes dropped (reported), port closed for good: no later write or
        refresh opens it again (VEDirectClosedError)."""
        await self.limit_wish.close()
        await self.client.close(final=True)

    def diagnostics(self) -> dict[str, Any]:
        reading = self.reading
        pending = self.limit_wish.pending
        return {
            "device": None
            if reading is None
            else {
                "product_id": reading.product_id,
                "model": self.model,
                "firmware": reading.firmware,
                "serial": reading.serial,
            },
            "hex_answers": self.hex_answers,
            "charge_current_bounds": [self.minimum_current, self.maximum_current],
            "settings": {_register_name(k): v for k, v in sorted(self._settings.items())},
            "nvm_interval": self.nvm.interval,
            "nvm_written": {_register_name(k): v for k, v in sorted(self.nvm.saved.items())},
            "limit_wish": None
            if pending is None
            else {"value": pending.value, "apply_at": self.limit_wish.apply_at},
            "wishes": dict(sorted(self.limit_wish.counts.items())),
            "counters": dict(sorted(self.counters.items())),
            "implausible_values": dict(sorted(self.plausibility.counts.items())),
            "reader": asdict(self.client.reader_stats),
            "link": self.client.stats.as_dict(),
            "session": self.client.session,
        }


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _register_name(register_id: int) -> str:
    item = REGISTERS.get(register_id)
    return item.name if item is not None else f"0x{register_id:04X}"
