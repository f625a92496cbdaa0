"""RAM variables and settings of one unit, read and written in engineering units.

The unit's own scales (0x36 RAM variable info, 0x35 setting info, protocol.md §3.5) turn raw
words into values; they are cached per connection, since a new connection may be to another
unit. Writes are bounded by the unit's own min/max before anything is sent, and end
confirmed or raise (``confirm``). ``VEBusClient`` builds on this.
"""

from __future__ import annotations

from dataclasses import replace
import math

from .confirm import confirmed_write
from .device.states import AcInputConfig
from .device.value_checks import bit, number, whole
from .errors import VEBusOutOfRangeError, VEBusProtocolError, VEBusUnsupportedError
from .link import Link
from .protocol import (
    GetRamVarInfo,
    GetSettingInfo,
    ReadRamVars,
    ReadSetting,
    ReadSnapshot,
    TakeSnapshot,
    WriteViaId,
)
from .protocol.ids import (
    FLAG_SETTINGS,
    RAM_UNITS,
    SETTING_UNITS,
    SIGNED_RAM,
    ram_name,
    setting_name,
)
from .protocol.info import MAX_SNAPSHOT_IDS
from .protocol.scaling import SettingScale, VarScale
from .protocol.variables import WRITE_RAM_ONLY, WRITE_SETTING
from .protocol.winmon import MAX_WINMON_ARGS

INT16_MIN, INT16_MAX = -0x8000, 0x7FFF


class RamAndSettings:
    """The RAM variables and settings of the unit behind ``link``."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self._var_scales: dict[int, VarScale | None] = {}
        self._setting_scales: dict[int, SettingScale | None] = {}
        self._ac_input: AcInputConfig | None = None
        self._snapshot_supported = True
        self._cache_connects = 0

    def _cache(self) -> None:
        """Scales and bounds are per connection: a new one may be another unit."""
        if self.link.stats.connects != self._cache_connects:
            self._cache_connects = self.link.stats.connects
            self._var_scales.clear()
            self._setting_scales.clear()
            self._ac_input = None
            self._snapshot_supported = True

    # --- RAM variables ----------------------------------------------------------------------------

    async def ram_var_info(self, ram_id: int) -> VarScale | None:
        """The unit's scale of a RAM variable (cached), None when unsupported."""
        self._cache()
        if ram_id not in self._var_scales:
            try:
                info = (await self.link.exchange(GetRamVarInfo(ram_id))).info
            except VEBusUnsupportedError:
                info = None
            scale = VarScale.from_info(info) if info is not None else None
            if scale is not None and ram_id in SIGNED_RAM:
                scale = replace(scale, signed=True)
            self._var_scales[ram_id] = scale
        return self._var_scales[ram_id]

    async def _scales(self, *ram_ids: int) -> list[VarScale]:
        scales = [await self.ram_var_info(ram_id) for ram_id in ram_ids]
        for ram_id, scale in zip(ram_ids, scales, strict=True):
            if scale is None:
                raise VEBusUnsupportedError(f"{ram_name(ram_id)} is not supported")
        return [scale for scale in scales if scale is not None]

    async def read_ram_raw(
        self, ram_ids: list[int], *, address: int | None = None
    ) -> dict[int, int]:
        """Raw words; ``address``: of another unit of the system (a phase master)."""
        values: dict[int, int] = {}
        for start in range(0, len(ram_ids), MAX_WINMON_ARGS):
            chunk = tuple(ram_ids[start : start + MAX_WINMON_ARGS])
            raw = await self.link.exchange(ReadRamVars(chunk), address=address)
            if len(raw) < len(chunk):
                raise VEBusProtocolError(f"asked for {len(chunk)} RAM values, got {len(raw)}")
            values.update(zip(chunk, raw, strict=False))
        return values

    async def read_ram_vars(
        self, ram_ids: list[int], *, address: int | None = None
    ) -> dict[int, float | None]:
        """Values in engineering units; None for variables the unit does not support.

        At another ``address`` the scales are the link's own unit's: the units of one
        VE.Bus system are of one model.
        """
        scales = {i: await self.ram_var_info(i) for i in ram_ids}
        supported = [i for i in ram_ids if scales[i] is not None]
        raw = await self.read_ram_raw(supported, address=address) if supported else {}
        return {i: _scaled(scales[i], raw.get(i)) for i in ram_ids}

    async def write_ram_raw(self, ram_id: int, raw: int, *, address: int | None = None) -> None:
        """WriteViaID to a RAM variable, RAM only (flags 0x02): no EEPROM wear."""
        if not INT16_MIN <= raw <= 0xFFFF:
            raise VEBusOutOfRangeError(ram_name(ram_id), raw, INT16_MIN, 0xFFFF, bound="wire")

        async def holds() -> bool:
            return (await self.read_ram_raw([ram_id], address=address))[ram_id] == raw & 0xFFFF

        request = WriteViaId(WRITE_RAM_ONLY, ram_id, raw & 0xFFFF)
        await confirmed_write(self.link, request, holds, address=address)

    async def write_ram_var(self, ram_id: int, value: float) -> None:
        """A value the variable takes: 0 or 1 for a bit, whole steps where its scale counts
        in them (``value_checks``), and within what its word carries."""
        scale = (await self._scales(ram_id))[0]
        name = ram_name(ram_id)
        if scale.bit is not None:
            value = bit(name, value)
        elif scale.factor >= 1:
            value = whole(name, value, scale.factor)
        else:
            value = number(name, value)
        try:
            raw = scale.raw(value)
        except ValueError as exc:
            low, high = (INT16_MIN, INT16_MAX) if scale.signed else (0, 0xFFFF)
            raise VEBusOutOfRangeError(
                ram_name(ram_id),
                value,
                scale.value_wide(low),
                scale.value_wide(high),
                RAM_UNITS.get(ram_id),
                bound="wire",
            ) from exc
        await self.write_ram_raw(ram_id, raw)

    # --- settings ---------------------------------------------------------------------------------

    async def setting_info(self, setting_id: int) -> SettingScale | None:
        """Scale and bounds of a setting (cached), None when unsupported."""
        self._cache()
        if setting_id not in self._setting_scales:
            try:
                info = (await self.link.exchange(GetSettingInfo(setting_id))).info
            except VEBusUnsupportedError:
                info = None
            self._setting_scales[setting_id] = SettingScale(info) if info is not None else None
        return self._setting_scales[setting_id]

    async def _need_setting(self, setting_id: int) -> SettingScale:
        scale = await self.setting_info(setting_id)
        if scale is None:
            raise VEBusUnsupportedError(f"{setting_name(setting_id)} is not supported")
        return scale

    async def read_setting_raw(
        self, setting_id: int, *, address: int | None = None, retries: int | None = None
    ) -> int:
        """The stored (EEPROM) raw value; ``address``: of another unit of the system."""
        value = await self.link.exchange(ReadSetting(setting_id), address=address, retries=retries)
        if value is None:
            raise VEBusProtocolError("setting reply without a value")
        return value

    async def read_setting(self, setting_id: int) -> float:
        """The stored (EEPROM) value; RAM-only writes do not show here."""
        scale = await self._need_setting(setting_id)
        return scale.value(await self.read_setting_raw(setting_id))

    async def write_setting_raw(
        self, setting_id: int, raw: int, *, persist: bool = False, address: int | None = None
    ) -> bool:
        """WriteViaID to a setting: RAM only (0x03) unless ``persist`` (EEPROM, 0x01);
        ``address``: of another unit of the system.

        Returns True when the unit says the change needs a restart. An EEPROM write is
        sent once: after a lost reply it is read back, never sent blindly again. A RAM-only
        value cannot be read back (0x31 gives the EEPROM value): when its reply is lost this
        raises VEBusWriteUnconfirmedError, and the value may or may not be in force.
        """
        flags = WRITE_SETTING if persist else WRITE_SETTING | WRITE_RAM_ONLY

        async def holds() -> bool:
            return await self.read_setting_raw(setting_id, address=address) == raw & 0xFFFF

        request = WriteViaId(flags, setting_id, raw & 0xFFFF)
        if not persist:
            ack = await confirmed_write(self.link, request, None, address=address)
            return bool(ack and ack.needs_restart)
        ack = await confirmed_write(self.link, request, holds, retries=0, address=address)
        if ack is not None:
            return ack.needs_restart
        scale = self._setting_scales.get(setting_id)
        return scale is not None and scale.info.needs_reset

    async def write_setting(self, setting_id: int, value: float, *, persist: bool = False) -> bool:
        """Write a setting in engineering units, refused before sending when out of bounds.

        Flag registers are bounded by their supported-bit mask (the info's max), not
        numerically: bits outside the mask must keep the value they have.
        """
        raw = await self.checked_setting_raw(setting_id, value)
        return await self.write_setting_raw(setting_id, raw, persist=persist)

    async def checked_setting_raw(self, setting_id: int, value: float) -> int:
        """The raw value of ``value`` if the unit's bounds allow it; else out of range."""
        scale = await self._need_setting(setting_id)
        name = setting_name(setting_id)
        value = number(name, value)
        if setting_id in FLAG_SETTINGS:
            mask = scale.info.maximum
            if not math.isfinite(value) or value != int(value) or not 0 <= value <= 0xFFFF:
                raise VEBusOutOfRangeError(name, value, 0, mask)
            current = await self.read_setting_raw(setting_id)
            if (int(value) ^ current) & ~mask & 0xFFFF:
                raise VEBusOutOfRangeError(name, value, 0, mask)
            return int(value)
        if scale.whole_steps:
            whole(name, value, scale.step)
        try:
            return scale.check(value)
        except ValueError as exc:
            raise VEBusOutOfRangeError(
                name, value, scale.minimum, scale.maximum, SETTING_UNITS.get(setting_id)
            ) from exc

    # --- snapshot ----------------------------------------------------------------------------

    async def snapshot(
        self, ram_ids: list[int], *, retries: int | None = None
    ) -> dict[int, float | None]:
        """Up to six RAM variables taken at one instant ('F' 6, then 0x38)."""
        scales = {i: await self.ram_var_info(i) for i in ram_ids}
        supported = [i for i in ram_ids if scales[i] is not None][:MAX_SNAPSHOT_IDS]
        raw: dict[int, int] = {}
        if supported and self._snapshot_supported:
            try:
                raw = await self._snapshot_raw(supported, retries)
            except VEBusUnsupportedError:
                self._snapshot_supported = False  # older firmware: read the ids directly
        missing = [i for i in supported if i not in raw]
        if missing:  # a short reply (seen on real units): read the rest directly
            raw |= await self._read_what_answers(missing)
        return {i: _scaled(scales[i], raw.get(i)) for i in ram_ids}

    async def _read_what_answers(self, ram_ids: list[int]) -> dict[int, int]:
        """``read_ram_raw``, leaving out what the unit no longer answers: the state of
        charge goes when the battery monitor is switched off."""
        try:
            return await self.read_ram_raw(ram_ids)
        except VEBusUnsupportedError:
            if len(ram_ids) == 1:
                return {}
        values: dict[int, int] = {}
        for ram_id in ram_ids:
            values |= await self._read_what_answers([ram_id])
        return values

    async def _snapshot_raw(self, ram_ids: list[int], retries: int | None) -> dict[int, int]:
        # 'F' 6 has no reply; it goes out in the same write as the read, as Venus OS sends it.
        take = TakeSnapshot(tuple(ram_ids))
        values: list[int] = []
        for _ in range(2):  # an empty snapshot means it was not taken yet: take it again
            values = await self.link.exchange(ReadSnapshot(), prefix=take, retries=retries)
            if values:
                break
        return dict(zip(ram_ids, values, strict=False))


def _scaled(scale: VarScale | None, raw: int | None) -> float | None:
    if scale is None or raw is None:
        return None
    return scale.value(raw)
