"""A settings backup: every setting the unit reports, as a versioned JSON document.

Per setting: the value in force, the stored value and the unit's setting info (0x35: scale,
offset, default, min, max). The protocol reads only the stored (EEPROM) value (0x31,
protocol.md §3.4), so "in force" is what a RAM-only write of this program put there, else
the stored value. The raw words and the info are what a restore uses; the scaled values are
there to be read (and must agree with the raw words when the file is loaded). The RAM
variables the unit supports are kept for reference with their scales; a restore never
writes them. Flag registers keep their bit word as the value: a scale means nothing there.

The unit lists no settings: each id's info is asked for from 0 up, and past the last named
id ``SCAN_GAP`` unsupported ids in a row end the search. A backup is of the unit at the
client's address (one unit of a system of several).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import math
from typing import Any

from ..client import VEBusClient
from ..device.product import Family, firmware_version_text
from ..errors import VEBusAsleepError, VEBusBackupError
from ..protocol.ids import (
    FLAG_SETTINGS,
    RAM_UNITS,
    SETTING_UNITS,
    RamVar,
    Setting,
    ram_name,
    setting_name,
)
from ..protocol.scaling import SettingScale, VarScale
from ..protocol.variables import RawSettingInfo
from ..unit import VEBusUnit

FORMAT = "victron_vebus.settings"
SCHEMA_VERSION = 1
SCAN_GAP = 16  # unsupported ids in a row, past the last named one, that end the search
MAX_SETTING_ID = 0xFF  # WriteViaID carries an 8-bit id: no restore could reach beyond
LAST_NAMED_SETTING = max(Setting)


def setting_value(setting_id: int, info: RawSettingInfo, raw: int) -> float:
    """A raw word in engineering units; a flag register's value is its bit word."""
    if setting_id in FLAG_SETTINGS:
        return float(raw)
    return SettingScale(info).value(raw)


@dataclass(frozen=True, slots=True)
class UnitIdentity:
    """What the backup is of. A restore checks family, system voltage and firmware."""

    family: Family
    nominal_voltage: float | None
    firmware: int | None
    interface: str | None = None  # "MK3" or "MK2"
    interface_version: int | None = None
    serial_number: str | None = None
    address: int = 0

    CHECKED = ("family", "nominal_voltage", "firmware")

    @classmethod
    def of(cls, unit: VEBusUnit) -> UnitIdentity:
        product, device = unit.product, unit.device
        return cls(
            family=product.family,
            nominal_voltage=product.nominal_voltage,
            firmware=product.firmware,
            interface=device.interface_model if device else None,
            interface_version=device.interface_version if device else None,
            serial_number=device.serial_number if device else None,
            address=unit.client.address,
        )

    def differences(self, unit: UnitIdentity) -> list[str]:
        """Where ``unit`` is another product or firmware (another serial number is not)."""
        return [
            f"{name}: file {getattr(self, name)}, unit {getattr(unit, name)}"
            for name in self.CHECKED
            if getattr(self, name) != getattr(unit, name)
        ]

    def to_json(self) -> dict[str, Any]:
        firmware = self.firmware
        return {
            "family": str(self.family),
            "nominal_voltage": self.nominal_voltage,
            "firmware": firmware,
            "firmware_text": None if firmware is None else firmware_version_text(firmware),
            "interface": self.interface,
            "interface_version": self.interface_version,
            "serial_number": self.serial_number,
            "address": self.address,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnitIdentity:
        try:
            family = Family(_get(data, "family", str, "unit"))
        except ValueError:
            raise VEBusBackupError(f"unit: unknown family {data['family']!r}") from None
        return cls(
            family=family,
            nominal_voltage=_get(data, "nominal_voltage", float, "unit", optional=True),
            firmware=_get(data, "firmware", int, "unit", optional=True),
            interface=_get(data, "interface", str, "unit", optional=True),
            interface_version=_get(data, "interface_version", int, "unit", optional=True),
            serial_number=_get(data, "serial_number", str, "unit", optional=True),
            address=_get(data, "address", int, "unit", optional=True) or 0,
        )


@dataclass(frozen=True, slots=True)
class SavedSetting:
    """One setting as the unit held it: raw words in force and stored, and its info."""

    setting_id: int
    raw: int
    stored_raw: int
    info: RawSettingInfo

    @property
    def name(self) -> str:
        return setting_name(self.setting_id)

    @property
    def unit(self) -> str | None:
        return SETTING_UNITS.get(self.setting_id)

    @property
    def value(self) -> float:
        return setting_value(self.setting_id, self.info, self.raw)

    @property
    def stored(self) -> float:
        return setting_value(self.setting_id, self.info, self.stored_raw)

    def to_json(self) -> dict[str, Any]:
        info, scale = self.info, SettingScale(self.info)
        flag = self.setting_id in FLAG_SETTINGS
        data: dict[str, Any] = {
            "name": self.name,
            "unit": self.unit,
            "value": self.raw if flag else self.value,
            "raw": self.raw,
            "stored_value": self.stored_raw if flag else self.stored,
            "stored_raw": self.stored_raw,
        }
        if flag:
            data["supported_bits"] = info.maximum
        else:
            data |= {
                "default": scale.default,
                "minimum": scale.minimum,
                "maximum": scale.maximum,
                "step": scale.step,
            }
        data["needs_restart"] = info.needs_reset
        data["info"] = {
            "scale": info.scale,
            "offset": info.offset,
            "default": info.default,
            "minimum": info.minimum,
            "maximum": info.maximum,
            "access": info.access,
        }
        return data

    @classmethod
    def from_json(cls, setting_id: int, data: Mapping[str, Any]) -> SavedSetting:
        where = setting_name(setting_id)
        info_data = _get(data, "info", dict, where)
        info_where = f"{where} info"
        info = RawSettingInfo(
            scale=_word(info_data, "scale", info_where, signed=True),
            offset=_word(info_data, "offset", info_where, signed=True),
            default=_word(info_data, "default", info_where),
            minimum=_word(info_data, "minimum", info_where),
            maximum=_word(info_data, "maximum", info_where),
            access=_get(info_data, "access", int, info_where, optional=True),
        )
        if not info.supported:
            raise VEBusBackupError(f"{where}: scale 0 is no setting a unit reports")
        saved = cls(setting_id, _word(data, "raw", where), _word(data, "stored_raw", where), info)
        saved._check_value(data, "value", saved.raw)
        saved._check_value(data, "stored_value", saved.stored_raw)
        return saved

    def _check_value(self, data: Mapping[str, Any], key: str, raw: int) -> None:
        """A value edited by hand without its raw word would be restored as the raw word."""
        value = _get(data, key, float, self.name, optional=True)
        if value is None:
            return
        expected = setting_value(self.setting_id, self.info, raw)
        tolerance = 0.0 if self.setting_id in FLAG_SETTINGS else SettingScale(self.info).step / 2
        if not abs(value - expected) <= tolerance:
            raise VEBusBackupError(
                f"{self.name}: {key} {value:g} and its raw word {raw} ({expected:g}) disagree;"
                " the raw word is what a restore writes, so change both"
            )


@dataclass(frozen=True, slots=True)
class SavedRamVar:
    """A RAM variable at backup time, with the unit's scale (for reference only)."""

    ram_id: int
    raw: int
    scale: VarScale

    @property
    def value(self) -> float:
        return self.scale.value(self.raw)

    def to_json(self) -> dict[str, Any]:
        scale = self.scale
        return {
            "name": ram_name(self.ram_id),
            "unit": RAM_UNITS.get(self.ram_id),
            "value": self.value,
            "raw": self.raw,
            "scale": {
                "factor": scale.factor,
                "offset": scale.offset,
                "signed": scale.signed,
                "bit": scale.bit,
            },
        }

    @classmethod
    def from_json(cls, ram_id: int, data: Mapping[str, Any]) -> SavedRamVar:
        where = ram_name(ram_id)
        scale = _get(data, "scale", dict, where)
        return cls(
            ram_id,
            _word(data, "raw", where),
            VarScale(
                factor=_get(scale, "factor", float, where),
                offset=_get(scale, "offset", int, where),
                signed=_get(scale, "signed", bool, where),
                bit=_get(scale, "bit", int, where, optional=True),
            ),
        )


@dataclass(frozen=True, slots=True)
class SettingsBackup:
    """Every setting of one unit, and what the unit is; ``dumps``/``loads`` for files."""

    unit: UnitIdentity
    created: float  # s since the epoch
    settings: dict[int, SavedSetting]
    ram: dict[int, SavedRamVar] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "created": datetime.fromtimestamp(self.created, UTC).isoformat(),
            "unit": self.unit.to_json(),
            "settings": {str(k): v.to_json() for k, v in sorted(self.settings.items())},
            "ram": {str(k): v.to_json() for k, v in sorted(self.ram.items())},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def loads(cls, text: str) -> SettingsBackup:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as err:
            raise VEBusBackupError(f"not JSON: {err}") from None
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: object) -> SettingsBackup:
        """A document as ``to_json`` writes it; VEBusBackupError saying what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VEBusBackupError(f'not a settings backup (no "format": "{FORMAT}")')
        version = _get(data, "schema_version", int, "document")
        if version > SCHEMA_VERSION:
            raise VEBusBackupError(
                f"schema version {version} is newer than this program reads ({SCHEMA_VERSION});"
                " update it"
            )
        if version < 1:
            raise VEBusBackupError(f"schema version {version} does not exist")
        created = _get(data, "created", str, "document")
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            raise VEBusBackupError(f"created: {created!r} is no ISO 8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        settings = {
            key: SavedSetting.from_json(key, entry)
            for key, entry in _entries(data, "settings", MAX_SETTING_ID)
        }
        ram = {key: SavedRamVar.from_json(key, entry) for key, entry in _entries(data, "ram", 0xFF)}
        unit = UnitIdentity.from_json(_get(data, "unit", dict, "document"))
        return cls(unit, moment.timestamp(), settings, ram)


# --- reading the unit ----------------------------------------------------------------------


async def backup_settings(unit: VEBusUnit) -> SettingsBackup:
    """Every setting ``unit`` reports, and its RAM variables (the unit learnt first if new)."""
    if unit.asleep:  # it answers nothing: say so rather than time out
        raise VEBusAsleepError(f"{unit.client.url}: the unit is asleep; wake it up first")
    if unit.device is None:
        await unit.discover()
    client = unit.client
    settings: dict[int, SavedSetting] = {}
    for setting_id, scale in (await _scan_settings(client)).items():
        stored = await client.read_setting_raw(setting_id)
        in_force = unit.setting_in_force(setting_id, stored)
        settings[setting_id] = SavedSetting(setting_id, in_force, stored, scale.info)
    created = float(int(unit.clock.time()))  # whole seconds: the file holds no more
    return SettingsBackup(UnitIdentity.of(unit), created, settings, await _ram(client))


async def _scan_settings(client: VEBusClient) -> dict[int, SettingScale]:
    found: dict[int, SettingScale] = {}
    missed = 0
    for setting_id in range(MAX_SETTING_ID + 1):
        scale = await client.setting_info(setting_id)
        if scale is None:
            missed += 1
            if setting_id > LAST_NAMED_SETTING and missed >= SCAN_GAP:
                break
        else:
            found[setting_id] = scale
            missed = 0
    return found


async def _ram(client: VEBusClient) -> dict[int, SavedRamVar]:
    scales: dict[int, VarScale] = {}
    for ram_id in RamVar:
        scale = await client.ram_var_info(ram_id)
        if scale is not None:
            scales[ram_id] = scale
    raw = await client.read_ram_raw(list(scales)) if scales else {}
    return {ram_id: SavedRamVar(ram_id, raw[ram_id], scale) for ram_id, scale in scales.items()}


# --- reading a document --------------------------------------------------------------------


def _entries(data: Mapping[str, Any], key: str, last_id: int) -> list[tuple[int, dict[str, Any]]]:
    entries: list[tuple[int, dict[str, Any]]] = []
    for text, entry in _get(data, key, dict, "document").items():
        if not (text.isdigit() and int(text) <= last_id):
            raise VEBusBackupError(f"{key}: {text!r} is no id from 0 to {last_id}")
        if not isinstance(entry, dict):
            raise VEBusBackupError(f"{key} {text}: expected an object")
        entries.append((int(text), entry))
    return entries


def _get(
    data: Mapping[str, Any], key: str, kind: type, where: str, *, optional: bool = False
) -> Any:
    """``data[key]`` if it is a ``kind`` (an int for a float; never a bool for a number)."""
    value = data.get(key)
    if value is None:
        if optional:
            return None
        raise VEBusBackupError(f"{where}: {key} is missing")
    number = kind in (int, float)
    if number and isinstance(value, bool):
        ok = False
    elif kind is float:
        ok = isinstance(value, int | float) and math.isfinite(value)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise VEBusBackupError(f"{where}: {key} must be {_KINDS[kind]}, not {value!r}")
    return value


def _word(data: Mapping[str, Any], key: str, where: str, *, signed: bool = False) -> int:
    value: int = _get(data, key, int, where)
    low, high = (-0x8000, 0x7FFF) if signed else (0, 0xFFFF)
    if not low <= value <= high:
        raise VEBusBackupError(f"{where}: {key} {value} is not a 16-bit word ({low} to {high})")
    return value


_KINDS: dict[type, str] = {
    int: "a whole number",
    float: "a number",
    str: "text",
    bool: "true or false",
    dict: "an object",
}
