"""Frames captured on real hardware or given as worked examples (../shared/vectors.md).

Numbers are the rows of vectors.md. These bytes are facts: a test that disagrees
with them is wrong, not the frame.
"""

from __future__ import annotations


def frame(text: str) -> bytes:
    return bytes.fromhex(text)


VERSION_REQUEST = frame("02 FF 56 A9")  # 1
VERSION_MK3_B = frame("07 FF 56 24 DB 11 00 42 52")  # 2: 1170212, 'B'
VERSION_MK3_ADDR0 = frame("07 FF 56 28 DB 11 00 00 90")  # 3: 1170216, address 0
VERSION_MK3_HEARTBEAT = frame("07 FF 56 28 DB 11 00 42 4E")  # 4
VERSION_MK2_VELIB = frame("07 FF 56 94 3E 11 00 00 C1")  # 5: 1130132
VERSION_MK2 = frame("07 FF 56 96 3E 11 00 00 BF")  # 6: 1130134
ADDRESS_SELECT = frame("04 FF 41 01 00 BB")  # 8: request and its echo
ADDRESS_REPLY_PADDED = frame("05 FF 41 01 00 00 BA")  # 9
LED_REQUEST = frame("02 FF 4C B3")  # 10
LED_MAINS_BULK_FLOAT_BLINK = frame("08 FF 4C 01 0C 00 00 80 00 20")  # 11
LED_MAINS_ABSORPTION = frame("06 FF 4C 03 00 00 00 AC")  # 12
DC_REQUEST = frame("03 FF 46 00 B8")  # 14
AC_L1_REQUEST = frame("03 FF 46 01 B7")  # 15
DC_INFO = frame("0F 20 F3 00 C8 02 0C A1 05 00 00 00 28 00 00 88 B2")  # 16
AC_INFO_CHARGE = frame("0F 20 01 01 CA 09 08 AA 58 AB 00 AA 58 9A 00 C3 E8")  # 18
AC_INFO_FEEDING = frame("0F 20 01 01 01 09 08 EC 5A 5F FF EC 5A 08 00 C3 08")  # 20
SNAPSHOT_TAKE = frame("06 FF 46 06 0E 10 0F 82")  # 21: RAM 14, 16, 15
SNAPSHOT_READ = frame("03 FF 58 38 6E")  # 22
SNAPSHOT_REPLY = frame("09 FF 58 99 89 FE 05 00 72 01 08")  # 23: -375, 5, 370
SNAPSHOT_SHORT_REPLY = frame("0B FF 58 99 FF FF FF FF 1C 13 00 00 DA")  # 24: 4 of 5 values
READ_RAM_134_0 = frame("05 FF 59 30 86 00 ED")  # 25
READ_RAM_128_0 = frame("05 FF 58 30 80 00 F4")  # 26
RAM_VALUES_128_0 = frame("07 FF 58 85 90 00 61 59 D3")  # 27: 0x0090, 0x5961
WRITE_RAM_131_370 = frame("07 FF 5A 37 00 83 72 01 73")  # 28
RAM_WRITTEN_Z = frame("03 FF 5A 87 1D")  # 29
RAM_WRITTEN_X = frame("03 FF 58 87 1F")  # 30
WRITE_SETTING_64_2000 = frame("07 FF 59 37 01 40 D0 07 52")  # 31
SETTING_WRITTEN_Y = frame("03 FF 59 88 1D")  # 32
RAM_INFO_REQUEST_Y0 = frame("05 FF 59 36 00 00 6D")  # 33
RAM_INFO_COMBINED = frame("07 FF 59 8E 9C 7F 00 00 F8")  # 34: 1/100, offset 0
RAM_INFO_UNSUPPORTED = frame("03 FF 5A 8E 16")  # 35
SETTING_INFO_COMBINED = frame("0D FF 5A 89 01 00 00 00 03 00 01 00 03 00 09")  # 36
SETTING_INFO_UNSUPPORTED = frame("03 FF 59 89 1C")  # 37
VERSION_PART0_X = frame("03 FF 58 05 A1")  # 38
VERSION_COMBINED = frame("09 FF 58 82 F0 68 28 00 07 01 96")  # 39: 2648304
VERSION_LOW_WORD = frame("05 FF 58 82 F0 68 CA")  # 40
VERSION_PART1_Y = frame("03 FF 59 06 9F")  # 41
VERSION_HIGH_WORD = frame("05 FF 59 83 28 00 F8")  # 42
RAM_INFO_REQUEST_W0 = frame("05 FF 57 36 00 00 6F")  # 43
RAM_INFO_SPLIT = frame("08 FF 57 8E 9C 7F 8F 00 00 6A")  # 44
READ_RAM_W_13 = frame("05 FF 57 30 0D 00 68")  # 52
RAM_VALUES_W = frame("07 FF 57 85 FF FE C6 5A 01")  # 54
VERSION_PART0_W = frame("05 FF 57 05 00 00 A0")  # 55
SET_STATE_OLD_FORM = frame("07 FF 53 03 C0 10 01 01 D2")  # 56
SET_STATE_ACK = frame("02 FF 53 AC")  # 57
SET_STATE_ON_12_5A = frame("07 FF 53 03 7D 00 01 80 A6")  # 58
SET_STATE_ON_NO_LIMIT = frame("07 FF 53 03 00 80 01 80 A3")  # 59
SET_STATE_INIT = frame("0A FF 53 00 00 00 01 90 00 01 00 12")  # 60
INTERFACE_STANDBY = frame("03 FF 48 03 B3")  # 61
HIGH_SPEED = frame("02 FF 4E B1")  # 62
SLEEP = frame("05 3F 04 00 00 00 C5")  # 63
WAKE = frame("05 3F 07 00 00 00 C2")  # 64
RAW_VEBUS = [  # 65: raw VE.Bus frames, nibble-swap checksum
    frame("05 3F 00 11 00 00 A7"),
    frame("05 3F C0 72 00 00 70"),
    frame("05 38 04 6C 00 00 0A"),
    frame("05 38 04 6E 00 00 E8"),
    frame("05 38 05 00 00 00 3B"),
    frame("06 21 00 00 00 00 00 C7"),
    frame("06 21 FF FF FF FF 80 4D"),
    frame("06 21 FF FF FF FF 83 4A"),
    frame("07 21 00 00 00 00 01 00 C5"),
]
AC_INPUT_CONFIG = frame("0D 41 10 05 00 00 94 5E 00 F4 01 63 00 77 DC")  # 66
SETTING_INFO_FLAGS0 = frame("0E FF 58 89 01 00 00 00 B4 89 00 00 FC 6F 00 69")  # 67
WRITE_ABSORPTION_EEPROM = frame("07 FF 58 37 01 02 30 16 22")  # 68
WRITE_ABSORPTION_RAM_ONLY = frame("07 FF 58 37 03 02 30 16 20")  # 68
SETTING_VALUE_FLAGS0 = frame("05 FF 58 86 34 81 69")  # 69
LED_APPENDED_SETTING_VALUE = frame("87 FF 58 86 34 81 1F 1F A9")  # protocol.md §1

ALL = [
    value for name, value in dict(globals()).items() if isinstance(value, bytes) and name.isupper()
]
ALL += RAW_VEBUS
