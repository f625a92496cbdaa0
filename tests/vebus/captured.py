"""Frames captured on real hardware or given as worked examples: docs/vectors.md.

The table there is the one source: this module reads it, and the names below are its rows
("# 16" = row 16). These bytes are facts: a test that disagrees with them is wrong, not the
frame.
"""

from __future__ import annotations

from pathlib import Path
import re

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors.md"
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([0-9A-F ,]+?)\s*\|")


def _rows() -> dict[int, list[bytes]]:
    rows: dict[int, list[bytes]] = {}
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            frames = [bytes.fromhex(part) for part in match.group(2).split(",")]
            rows[int(match.group(1))] = frames
    return rows


ROWS = _rows()


def row(number: int, index: int = 0) -> bytes:
    """Frame ``index`` of row ``number`` of docs/vectors.md."""
    return ROWS[number][index]


VERSION_REQUEST = row(1)
VERSION_MK3_B = row(2)  # 1170212, 'B'
VERSION_MK3_ADDR0 = row(3)  # 1170216, address 0
VERSION_MK3_HEARTBEAT = row(4)
VERSION_MK2_VELIB = row(5)  # 1130132
VERSION_MK2 = row(6)  # 1130134
ADDRESS_SELECT = row(8)  # request and its echo
ADDRESS_REPLY_PADDED = row(9)
LED_REQUEST = row(10)
LED_MAINS_BULK_FLOAT_BLINK = row(11)
LED_MAINS_ABSORPTION = row(12)
DC_REQUEST = row(14)
AC_L1_REQUEST = row(15)
DC_INFO = row(16)
AC_INFO_CHARGE = row(18)
AC_INFO_FEEDING = row(20)
SNAPSHOT_TAKE = row(21)  # RAM 14, 16, 15
SNAPSHOT_READ = row(22)
SNAPSHOT_REPLY = row(23)  # -375, 5, 370
SNAPSHOT_SHORT_REPLY = row(24)  # 4 of 5 values
READ_RAM_134_0 = row(25)
READ_RAM_128_0 = row(26)
RAM_VALUES_128_0 = row(27)  # 0x0090, 0x5961
WRITE_RAM_131_370 = row(28)
RAM_WRITTEN_Z = row(29)
RAM_WRITTEN_X = row(30)
WRITE_SETTING_64_2000 = row(31)
SETTING_WRITTEN_Y = row(32)
RAM_INFO_REQUEST_Y0 = row(33)
RAM_INFO_COMBINED = row(34)  # 1/100, offset 0
RAM_INFO_UNSUPPORTED = row(35)
SETTING_INFO_COMBINED = row(36)
SETTING_INFO_UNSUPPORTED = row(37)
VERSION_PART0_X = row(38)
VERSION_COMBINED = row(39)  # 2648304
VERSION_LOW_WORD = row(40)
VERSION_PART1_Y = row(41)
VERSION_HIGH_WORD = row(42)
RAM_INFO_REQUEST_W0 = row(43)
RAM_INFO_SPLIT = row(44)
READ_RAM_W_13 = row(52)
RAM_VALUES_W = row(54)
VERSION_PART0_W = row(55)
SET_STATE_OLD_FORM = row(56)
SET_STATE_ACK = row(57)
SET_STATE_ON_12_5A = row(58)
SET_STATE_ON_NO_LIMIT = row(59)
SET_STATE_INIT = row(60)
INTERFACE_STANDBY = row(61)
HIGH_SPEED = row(62)
SLEEP = row(63)
WAKE = row(64)
RAW_VEBUS = ROWS[65]  # raw VE.Bus frames, nibble-swap checksum
AC_INPUT_CONFIG = row(66)
SETTING_INFO_FLAGS0 = row(67)
WRITE_ABSORPTION_EEPROM = row(68)
WRITE_ABSORPTION_RAM_ONLY = row(68, 1)
SETTING_VALUE_FLAGS0 = row(69)
LED_APPENDED_SETTING_VALUE = row(70)  # LED bytes appended (protocol.md §1)

ALL = [
    value for name, value in dict(globals()).items() if isinstance(value, bytes) and name.isupper()
]
ALL += RAW_VEBUS
