"""VEBusClient: the domain API of one VE.Bus unit behind an MK2/MK3 interface.

Each method builds a request, exchanges it over the ``Link`` and scales the reply with the
unit's own scales (protocol.md §3.5). RAM variables and settings are in
``ram_and_settings``; here: the link, identity, status, control and the ESS setpoint.
Writes take engineering units, are checked against the unit's bounds before anything is
sent, and end confirmed or raise (``confirm``).
"""

from __future__ import annotations

import asyncio
import contextlib

from ..foundation.port_client import PortClient
from .confirm import confirmed_write
from .device.states import (
    AcInfo,
    AcInputConfig,
    ChargeState,
    DcInfo,
    DeviceInfo,
    DeviceState,
    DeviceStatus,
    ForcedChargeState,
    LedStatus,
    Mode,
)
from .device.value_checks import number
from .errors import (
    VEBusOutOfRangeError,
    VEBusTimeoutError,
    VEBusUnsupportedError,
)
from .link import RETRIES, SLOW_TIMEOUT, TIMEOUT, Link, LinkStats
from .protocol import (
    AcInfoRequest,
    AcInputConfigRequest,
    DcInfoRequest,
    GetSerialNumber,
    GetSetDeviceState,
    InterfaceRequest,
    LedRequest,
    RawSwitchCommand,
    ResetRequest,
    SetStateRequest,
    VersionPart0,
    VersionPart1,
    VersionRequest,
)
from .protocol.framing import DecoderStats, FrameDecoder
from .protocol.ids import (
    ASSISTANT_START,
    ESS_ASSISTANT_ID,
    Lines,
    RamVar,
    to_signed16,
)
from .protocol.mk2 import RAW_SLEEP, RAW_WAKE, S_LIMIT_UNCHANGED
from .protocol.winmon import MAX_WINMON_ARGS
from .ram_and_settings import INT16_MAX, INT16_MIN, RamAndSettings

WAKE_TIMEOUT = 10.0
ESS_SCAN_LIMIT = 0xFF


class VEBusClient(RamAndSettings, PortClient[Link]):
    """Async client for one MK2/MK3 interface and the VE.Bus unit at ``address``."""

    def __init__(
        self,
        url: str,
        *,
        address: int = 0,
        timeout: float = TIMEOUT,
        slow_timeout: float = SLOW_TIMEOUT,
        retries: int = RETRIES,
    ) -> None:
        super().__init__(
            Link(url, address=address, timeout=timeout, slow_timeout=slow_timeout, retries=retries)
        )

    # --- the link -----------------------------------------------------------------------------

    @property
    def address(self) -> int:
        return self.link.address

    @property
    def timeout(self) -> float:
        """Seconds to wait for a reply before the request is sent again."""
        return self.link.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self.link.timeout = seconds

    @property
    def slow_timeout(self) -> float:
        """The same for 'F' 5, which real units answer slowly."""
        return self.link.slow_timeout

    @slow_timeout.setter
    def slow_timeout(self, seconds: float) -> None:
        self.link.slow_timeout = seconds

    @property
    def retries(self) -> int:
        return self.link.retries

    @property
    def session(self) -> int:
        """Bumped on every (re)connect and interface reset: RAM-only values may be gone."""
        return self.link.session

    @property
    def interface_restarted(self) -> bool | None:
        """The first 'V' frame this client saw had no address selected ('B'): the interface,
        and the unit that powers it, restarted since a host last selected one (or none
        ever did), so the unit holds no RAM-only value of an earlier run. None until a
        'V' frame was seen."""
        return self.link.found_without_address

    @property
    def interface_version(self) -> int | None:
        return self.link.interface_version

    @property
    def is_mk3(self) -> bool:
        return self.link.is_mk3

    @property
    def stats(self) -> LinkStats:
        return self.link.stats

    @property
    def framing_stats(self) -> DecoderStats:
        return self.link.framing_stats

    @property
    def decoder(self) -> FrameDecoder:
        return self.link.decoder

    # --- identity -------------------------------------------------------------------------------

    async def version(self, retries: int | None = None) -> int:
        """Interface firmware version ('V'); also proves something answers."""
        reply = await self.link.exchange(VersionRequest(), retries=retries)
        self.link.interface_version = reply.version
        return reply.version

    async def select_address(self, address: int) -> None:
        await self.link.select_address(address)

    async def probe(self) -> DeviceInfo:
        """Check that a VE.Bus interface answers and read what identifies the unit."""
        interface_version = await self.version()
        await self.select_address(self.address)
        firmware: int | None = None
        serial: str | None = None
        with contextlib.suppress(VEBusTimeoutError, VEBusUnsupportedError):
            firmware = await self.firmware_version()
        with contextlib.suppress(VEBusTimeoutError, VEBusUnsupportedError):
            serial = await self.serial_number()
        return DeviceInfo(interface_version, self.link.is_mk3, firmware, serial)

    async def firmware_version(self) -> int:
        """VE.Bus firmware of the unit (0x05, then 0x06 on units that split it)."""
        low = await self.link.exchange(VersionPart0())
        if low.complete:
            return low.value
        return low.value | await self.link.exchange(VersionPart1()) << 16

    async def serial_number(self) -> str:
        return await self.link.exchange(GetSerialNumber())

    async def reset_interface(self) -> int:
        """'R': reset the interface; it answers with its version."""
        return (await self.link.exchange(ResetRequest())).version

    # --- status ----------------------------------------------------------------------------------

    async def leds(self, *, address: int | None = None) -> LedStatus:
        """``address``: of another unit of the system (the link's own by default)."""
        reply = await self.link.exchange(LedRequest(), address=address)
        return LedStatus(reply.on, reply.blink, reply.alarms, reply.vebus_error)

    async def dc_info(self, *, address: int | None = None) -> DcInfo:
        volts, amps, period = await self._scales(
            RamVar.BATTERY_VOLTAGE, RamVar.BATTERY_CURRENT, RamVar.INVERTER_PERIOD
        )
        reply = await self.link.exchange(DcInfoRequest(), address=address)
        inverter = amps.value_wide(reply.inverter_current)
        charger = amps.value_wide(reply.charger_current)
        return DcInfo(
            voltage=volts.value(reply.voltage),
            current=charger - inverter,
            inverter_current=inverter,
            charger_current=charger,
            frequency=period.frequency(reply.period),
        )

    async def ac_info(self, phase: int = 1) -> AcInfo:
        request = AcInfoRequest(phase)
        mains_v, mains_i, inv_v, inv_i, period = await self._scales(
            RamVar.MAINS_VOLTAGE,
            RamVar.MAINS_CURRENT,
            RamVar.INVERTER_VOLTAGE,
            RamVar.INVERTER_CURRENT,
            RamVar.MAINS_PERIOD,
        )
        reply = await self.link.exchange(request)
        # Currents in AC frames are signed whatever the variable info says (VEL, J9).
        return AcInfo(
            phase=reply.phase,
            phases=reply.phase_count,
            state=DeviceState(reply.state),
            input_voltage=mains_v.value(reply.mains_voltage),
            input_current=mains_i.value_wide(reply.mains_current) * reply.bf_factor,
            input_frequency=period.frequency(reply.mains_period),
            output_voltage=inv_v.value(reply.inverter_voltage),
            output_current=inv_i.value_wide(reply.inverter_current) * reply.inverter_factor,
            units=max(1, reply.bf_factor),
        )

    async def ac_input_config(self) -> AcInputConfig:
        reply = await self.link.exchange(AcInputConfigRequest())
        config = AcInputConfig(
            current_limit=reply.actual / 10,
            minimum=reply.minimum / 10,
            maximum=reply.maximum / 10,
            active_input=reply.active_input,
            inputs=reply.input_count,
            limit_adjustable=reply.limit_adjustable,
            panel_detected=reply.panel_detected,
            switch_register=reply.switch_register,
        )
        self._cache()
        self._ac_input = config
        return config

    async def device_state(self) -> DeviceStatus:
        return await self.force_charge_state(ForcedChargeState.INQUIRE)

    async def force_charge_state(self, state: ForcedChargeState) -> DeviceStatus:
        """Force equalise, absorption or float (0x0E); the reply is the state after."""
        reply = await self.link.exchange(GetSetDeviceState(state))
        return DeviceStatus(DeviceState(reply.state), ChargeState(reply.substate))

    # --- control ----------------------------------------------------------------------------------

    async def set_panel_state(self, mode: Mode, current_limit: float | None = None) -> None:
        """Remote switch position and, optionally, the AC input current limit (RAM only)."""
        limit_raw = S_LIMIT_UNCHANGED
        if current_limit is not None:
            current_limit = number("AC input current limit", current_limit)
            self._cache()
            bounds = self._ac_input or await self.ac_input_config()
            if not bounds.minimum <= current_limit <= bounds.maximum:
                raise VEBusOutOfRangeError(
                    "AC input current limit", current_limit, bounds.minimum, bounds.maximum, "A"
                )
            limit_raw = round(current_limit * 10)

        async def holds() -> bool:
            config = await self.ac_input_config()
            limit_held = (
                limit_raw == S_LIMIT_UNCHANGED or round(config.current_limit * 10) == limit_raw
            )
            return config.remote_mode is mode and limit_held

        await confirmed_write(self.link, SetStateRequest(mode.switch_state, limit_raw), holds)

    async def set_interface(self, *, standby: bool, panel_detect: bool = True) -> int:
        """'H' (MK3 only): hold the standby line so the unit stays reachable while off."""
        if not self.is_mk3:
            raise VEBusUnsupportedError("an MK2 interface has no standby line")
        lines = (Lines.PANEL_DETECT if panel_detect else 0) | (Lines.STANDBY if standby else 0)
        held: list[int] = []

        async def holds() -> bool:
            held.append((await self.link.exchange(InterfaceRequest())).lines)
            return held[-1] & (Lines.PANEL_DETECT | Lines.STANDBY) == lines

        reply = await confirmed_write(self.link, InterfaceRequest(lines), holds)
        return reply.lines if reply is not None else held[-1]

    async def sleep(self) -> None:
        """Send the unit to its low-power sleep; the interface goes quiet with it."""
        await self.link.send(RawSwitchCommand(RAW_SLEEP))

    async def wake(self, timeout: float = WAKE_TIMEOUT) -> None:
        """Wake a sleeping unit; returns once it answers again, else VEBusTimeoutError."""
        await self.link.send(RawSwitchCommand(RAW_WAKE), needs_address=False)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await self.version()
                return
            except VEBusTimeoutError:
                if loop.time() >= deadline:
                    raise

    # --- ESS ---------------------------------------------------------------------------------

    async def find_ess_setpoint(self, *, address: int | None = None) -> int | None:
        """RAM id of the ESS setpoint: walk the assistant chain from RAM 128 (§8).

        ``address``: of another unit of the system; in a system of several phases each
        phase master has its own ESS assistant and setpoint (protocol.md §8).
        """
        header_id = ASSISTANT_START
        known: dict[int, int] = {}
        while header_id <= ESS_SCAN_LIMIT:
            if header_id not in known:
                chunk = list(range(header_id, min(header_id + MAX_WINMON_ARGS, 0x100)))
                known |= await self.read_ram_raw(chunk, address=address)
            header = known[header_id]
            if header == 0:
                return None
            assistant, count = header >> 4, header & 0x0F
            if assistant == ESS_ASSISTANT_ID:
                return header_id + 1
            header_id += count + 1
        return None

    async def write_ess_setpoint(
        self, ram_id: int, watts: int, *, address: int | None = None
    ) -> None:
        """Write the ESS setpoint, ``watts`` > 0 charging the battery from AC-in.

        The unit counts the other way (+ = feed into AC-in), so the sign is flipped.
        Written RAM only; the unit drops it about 15 s after the last write. ``address``:
        another phase master's (one write per phase master, protocol.md §8).
        """
        device_value = -int(watts)
        if not INT16_MIN <= device_value <= INT16_MAX:
            raise VEBusOutOfRangeError(
                "ESS setpoint", watts, -INT16_MAX, -INT16_MIN, "W", bound="wire"
            )
        await self.write_ram_raw(ram_id, device_value & 0xFFFF, address=address)

    async def read_ess_setpoint(self, ram_id: int, *, address: int | None = None) -> int:
        """The setpoint in force, + = charging from AC-in."""
        return -to_signed16((await self.read_ram_raw([ram_id], address=address))[ram_id])
