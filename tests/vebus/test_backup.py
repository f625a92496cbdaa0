"""Settings backup, diff and restore: the real unit class against the simulator over a pty.

The simulator's setting changes stand for VEConfigure or a panel changing the unit; time
comes from a clock the unit accepts, so the EEPROM limit is tested without waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import concurrent.futures
import contextlib
from dataclasses import replace
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from tests.clock import FakeClock
from tests.waiting import wait_for
from tests.wire import lost_on_the_wire
from vebus_sim import Simulator
from victron_serial.vebus import (
    Difference,
    Outcome,
    SavedSetting,
    Setting,
    SettingsBackup,
    StatusPlan,
    UnitIdentity,
    VEBusAsleepError,
    VEBusBackupError,
    VEBusBackupMismatchError,
    VEBusChargeVoltageOrderError,
    VEBusClient,
    VEBusRestoreOutOfRangeError,
    VEBusUnit,
    backup_settings,
    compare_backups,
    diff_settings,
    restore_settings,
)
from victron_serial.vebus.device.product import Family
from victron_serial.vebus.protocol import Frame, RawSettingInfo, WriteViaId

ABSORPTION, FLOAT = Setting.ABSORPTION_VOLTAGE, Setting.FLOAT_VOLTAGE
CHARGE_CURRENT = Setting.CHARGE_CURRENT
VS_SOC_LIMIT = 70  # undocumented, past the named ids: the scan must still find it
PLAN = StatusPlan(leds=False, dc=False, ac=False, device_state=False, snapshot_ids=())


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    simulator = Simulator("multiplus-12", paced=False, live=False, seed=4)
    yield simulator
    await simulator.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_800_000_000.0)


@pytest.fixture
async def unit(sim: Simulator, clock: FakeClock, tmp_path: Path) -> AsyncIterator[VEBusUnit]:
    vebus = VEBusUnit(VEBusClient(await sim.start_pty(link=str(tmp_path / "ttyVEBUS"))))
    vebus.clock = clock
    await vebus.discover()
    yield vebus
    await vebus.close()


def setting_writes(sim: Simulator) -> list[WriteViaId]:
    """The setting writes (0x37) that reached the simulator."""
    writes = (WriteViaId.decode(Frame(r[1], r[2:-1])) for r in sim.requests if len(r) > 4)
    return [w for w in writes if w is not None and w.is_setting]


def eeprom_writes(sim: Simulator) -> int:
    return sum(sim.device.eeprom_writes.values()) + sum(sim.device.ram_eeprom_writes.values())


def edited(document: SettingsBackup, change: Callable[[dict[str, Any]], None]) -> SettingsBackup:
    """The document as a user might edit its file."""
    data = json.loads(document.dumps())
    change(data)
    return SettingsBackup.loads(json.dumps(data))


# --- the round trip ----------------------------------------------------------------------------


async def test_backup_holds_every_setting_the_unit_reports(sim: Simulator, unit: VEBusUnit) -> None:
    document = await backup_settings(unit)
    model = sim.device.model
    assert set(document.settings) == set(model.setting_info)
    assert VS_SOC_LIMIT in document.settings
    assert Setting.SLAVES_CONNECTED not in document.settings  # the unit says unsupported
    absorption = document.settings[ABSORPTION]
    assert (absorption.raw, absorption.stored_raw) == (1440, 1440)
    # Firmware 304 sends no access byte.
    assert absorption.info == replace(model.setting_info[ABSORPTION], access=None)
    assert document.unit == UnitIdentity(
        Family.MULTIPLUS, 12.0, model.firmware, "MK3", 1170212, model.serial, 0
    )
    data = json.loads(document.dumps())
    assert data["format"] == "victron_vebus.settings"
    assert data["schema_version"] == 1
    assert data["created"] == "2027-01-15T08:00:00+00:00"  # the unit's clock
    assert data["unit"]["firmware_text"] == str(model.firmware % 1000)
    assert data["settings"]["2"] | {"info": None} == {
        "name": "absorption_voltage",
        "unit": "V",
        "value": 14.4,
        "raw": 1440,
        "stored_value": 14.4,
        "stored_raw": 1440,
        "default": 14.4,
        "minimum": 12.0,
        "maximum": 16.0,
        "step": 0.01,
        "needs_restart": False,
        "info": None,
    }
    assert data["settings"]["0"]["supported_bits"] == model.setting_info[Setting.FLAGS0].maximum
    assert data["ram"]["4"]["name"] == "battery_voltage"
    assert SettingsBackup.loads(document.dumps()) == document


async def test_a_changed_setting_shows_in_the_diff_and_a_restore_puts_it_back_ram_only(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(ABSORPTION, 14.0)  # changed elsewhere, stored
    found = await diff_settings(unit, document)
    assert not found.same
    assert [d.setting_id for d in found.of_kind(Difference.CHANGED)] == [ABSORPTION]
    change = found.differences[0]
    assert (change.file_value, change.unit_value, change.unit_stored) == (14.4, 14.0, 14.0)
    assert found.unchanged == len(document.settings) - 1

    report = await restore_settings(unit, document)
    assert report.ok
    assert (report.count(Outcome.WRITTEN), report.count(Outcome.UNCHANGED)) == (
        1,
        len(document.settings) - 1,
    )
    written = next(r for r in report.results if r.outcome is Outcome.WRITTEN)
    assert (written.setting_id, written.value, written.previous) == (ABSORPTION, 14.4, 14.0)
    assert sim.device.setting_raw(ABSORPTION) == 1440  # in force
    assert sim.device.eeprom_raw(ABSORPTION) == 1400  # not stored: RAM only
    assert eeprom_writes(sim) == 0
    assert [w.eeprom for w in setting_writes(sim)] == [False]

    # The unit knows what is in force; the stored value is still another.
    after = await diff_settings(unit, document)
    assert [(d.setting_id, d.in_force_differs, d.stored_differs) for d in after.differences] == [
        (ABSORPTION, False, True)
    ]
    again = await restore_settings(unit, document)
    assert again.count(Outcome.WRITTEN) == 0
    assert len(setting_writes(sim)) == 1


async def test_a_restore_lowering_both_charge_voltages_writes_float_first(
    sim: Simulator, unit: VEBusUnit
) -> None:
    """Float must never pass absorption, also between two writes of one restore."""
    sim.device.set_setting(ABSORPTION, 13.6)
    sim.device.set_setting(FLOAT, 13.2)
    document = await backup_settings(unit)  # the lower pair
    sim.device.set_setting(ABSORPTION, 14.4)
    sim.device.set_setting(FLOAT, 13.8)  # above the file's absorption
    report = await restore_settings(unit, document)
    assert report.ok, [r.reason for r in report.results if r.reason]
    assert [r.setting_id for r in report.results if r.outcome is Outcome.WRITTEN] == [
        ABSORPTION,
        FLOAT,
    ]
    assert (sim.device.setting_raw(ABSORPTION), sim.device.setting_raw(FLOAT)) == (1360, 1320)


async def test_a_ram_only_restore_returns_after_the_unit_restarts(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(FLOAT, 13.0)
    await restore_settings(unit, document)
    session = unit.client.session
    sim.heartbeat = 0.02
    sim.device.restart()
    assert sim.device.setting(FLOAT) == pytest.approx(13.0)  # the unit forgot
    await wait_for(lambda: unit.client.session != session, "the rebooted interface speaks")
    await unit.refresh(PLAN)
    assert sim.device.setting(FLOAT) == pytest.approx(13.8)
    assert eeprom_writes(sim) == 0


async def test_saved_permanently_under_the_eeprom_limit(
    sim: Simulator, unit: VEBusUnit, clock: FakeClock
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(ABSORPTION, 14.0)
    sim.device.set_setting(FLOAT, 13.0)
    report = await restore_settings(unit, document, persist=True)
    assert report.ok
    assert sim.device.eeprom_writes == {ABSORPTION: 1, FLOAT: 1}
    assert sim.device.eeprom_raw(ABSORPTION) == 1440

    sim.device.set_setting(ABSORPTION, 14.0)
    sent = len(setting_writes(sim))
    limited = await restore_settings(unit, document, persist=True)
    refused = [r for r in limited.results if r.outcome is Outcome.REFUSED]
    assert [r.setting_id for r in refused] == [ABSORPTION]
    assert refused[0].retry_at == clock.now + 600
    assert "too recently" in (refused[0].reason or "")
    assert not limited.ok
    assert len(setting_writes(sim)) == sent  # nothing went out

    clock.advance(600)
    assert (await restore_settings(unit, document, persist=True)).ok
    assert sim.device.eeprom_writes == {ABSORPTION: 2, FLOAT: 1}


async def test_saving_permanently_puts_back_the_stored_value_and_the_one_in_force(
    sim: Simulator, unit: VEBusUnit
) -> None:
    """A backup taken while a RAM-only value was in force: a plain restore puts the value
    in force back, saving permanently the stored one too, each layer as it was."""
    sim.device.set_setting(FLOAT, 13.0)
    await unit.write_setting(FLOAT, 13.8)  # RAM only
    document = await backup_settings(unit)
    assert (document.settings[FLOAT].raw, document.settings[FLOAT].stored_raw) == (1380, 1300)
    assert (await diff_settings(unit, document)).same

    sim.device.set_setting(FLOAT, 12.5)  # stored elsewhere (the unit keeps 13.8 in RAM)
    sim.device.set_setting(FLOAT, 13.8, persist=False)
    found = await diff_settings(unit, document)
    change = found.of_kind(Difference.CHANGED)[0]
    assert (change.in_force_differs, change.stored_differs) == (False, True)
    writes = len(setting_writes(sim))
    plain = await restore_settings(unit, document)
    result = next(r for r in plain.results if r.setting_id == FLOAT)
    assert result.outcome is Outcome.UNCHANGED
    assert "saving permanently" in (result.reason or "")
    assert len(setting_writes(sim)) == writes

    report = await restore_settings(unit, document, persist=True)
    result = next(r for r in report.results if r.setting_id == FLOAT)
    assert (result.outcome, result.stored) == (Outcome.WRITTEN, True)
    assert sim.device.eeprom_writes == {FLOAT: 1}
    assert (sim.device.eeprom_raw(FLOAT), sim.device.setting_raw(FLOAT)) == (1300, 1380)
    assert (await diff_settings(unit, document)).same


# --- refused before anything is written ------------------------------------------------------


async def test_an_out_of_bounds_document_is_refused_with_nothing_written(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(FLOAT, 13.0)  # a restore would have something to write

    def beyond(data: dict[str, Any]) -> None:
        data["settings"]["2"] |= {"raw": 1700, "value": 17.0}
        data["settings"]["4"] |= {"raw": 500, "value": 500}
        flags0 = data["settings"]["0"]
        flags0["raw"] ^= 0x8000  # bit 15: not a supported bit on this unit
        flags0.pop("value")

    bad = edited(document, beyond)
    found = await diff_settings(unit, bad)
    assert [d.setting_id for d in found.of_kind(Difference.OUT_OF_BOUNDS)] == [0, 2, 4]
    with pytest.raises(VEBusRestoreOutOfRangeError) as caught:
        await restore_settings(unit, bad)
    assert len(caught.value.problems) == 3
    message = str(caught.value)
    assert "absorption_voltage: 17 V is outside 12 to 16 V" in message
    assert "charge_current: 500 A is outside 0 to 120 A" in message
    assert "flags0" in message
    assert setting_writes(sim) == []
    assert sim.device.setting(FLOAT) == pytest.approx(13.0)


async def test_the_ups_bit_pair_must_stay_complementary(sim: Simulator, unit: VEBusUnit) -> None:
    document = await backup_settings(unit)

    def alike(data: dict[str, Any]) -> None:
        flags0 = data["settings"]["0"]
        flags0["raw"] |= 0x0008 | 0x0080  # UPS function off, and bit 7 not its inverse
        flags0.pop("value")

    with pytest.raises(VEBusRestoreOutOfRangeError, match="bits 3 and 7"):
        await restore_settings(unit, edited(document, alike))
    assert setting_writes(sim) == []


async def test_a_backup_of_another_product_is_refused(tmp_path: Path, unit: VEBusUnit) -> None:
    quattro = Simulator("quattro-48", paced=False, live=False, seed=4)
    try:
        other = VEBusUnit(VEBusClient(await quattro.start_pty(link=str(tmp_path / "ttyQ"))))
        document = await backup_settings(other)
        await other.close()
    finally:
        await quattro.stop()
    found = await diff_settings(unit, document)
    assert found.identity[:2] == (
        "family: file Quattro, unit MultiPlus",
        "nominal_voltage: file 48.0, unit 12.0",
    )
    assert [d.setting_id for d in found.of_kind(Difference.ONLY_IN_FILE)] == [
        Setting.AC_INPUT_2_CURRENT_LIMIT
    ]
    with pytest.raises(VEBusBackupMismatchError) as caught:
        await restore_settings(unit, document)
    assert "family: file Quattro, unit MultiPlus" in str(caught.value)
    # Forced, the 48 V voltages are still far outside what a 12 V unit allows.
    with pytest.raises(VEBusRestoreOutOfRangeError, match="absorption_voltage: 57.6 V"):
        await restore_settings(unit, document, force=True)


async def test_other_firmware_is_refused_unless_forced_and_then_rescaled(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(ABSORPTION, 14.0)

    def other_firmware(data: dict[str, Any]) -> None:
        data["unit"]["firmware"] += 1
        # That firmware scaled the absorption voltage in 0.1 V.
        data["settings"]["2"] |= {"raw": 144, "stored_raw": 144}
        data["settings"]["2"]["info"] |= {"scale": -10, "minimum": 120, "maximum": 160}

    older = edited(document, other_firmware)
    with pytest.raises(VEBusBackupMismatchError, match="firmware"):
        await restore_settings(unit, older)
    assert setting_writes(sim) == []
    report = await restore_settings(unit, older, force=True)
    assert report.forced
    firmware = document.unit.firmware
    assert firmware is not None
    assert report.identity == (f"firmware: file {firmware + 1}, unit {firmware}",)
    assert sim.device.setting_raw(ABSORPTION) == 1440  # 14.4 V in this unit's 0.01 V


# --- setting by setting ----------------------------------------------------------------------


async def test_a_lost_reply_is_reported_failed_and_the_rest_written(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(ABSORPTION, 14.0)
    sim.device.set_setting(FLOAT, 13.0)

    def float_write(frame: Frame) -> bool:
        request = WriteViaId.decode(frame)
        return request is not None and request.item_id == FLOAT

    with lost_on_the_wire(sim, float_write, requests=False):
        report = await restore_settings(unit, document)
    outcomes = {r.setting_id: r for r in report.results if r.outcome is not Outcome.UNCHANGED}
    assert outcomes[ABSORPTION].outcome is Outcome.WRITTEN
    assert outcomes[FLOAT].outcome is Outcome.FAILED
    assert "may or may not be in force" in (outcomes[FLOAT].reason or "")
    assert not report.ok
    assert report.to_json()["failed"] == 1
    assert eeprom_writes(sim) == 0


async def test_settings_only_in_the_file_or_only_on_the_unit(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)

    def without_capacity(data: dict[str, Any]) -> None:
        del data["settings"]["64"]

    partial = edited(document, without_capacity)
    sim.faults.unsupported_settings.add(VS_SOC_LIMIT)
    unit.client.link.stats.connects += 1  # a new connection: nothing cached about the unit
    found = await diff_settings(unit, partial)
    assert [d.setting_id for d in found.of_kind(Difference.ONLY_IN_FILE)] == [VS_SOC_LIMIT]
    assert [d.setting_id for d in found.of_kind(Difference.ONLY_ON_UNIT)] == [64]
    report = await restore_settings(unit, partial)
    refused = [r for r in report.results if r.outcome is Outcome.REFUSED]
    assert [(r.setting_id, r.reason) for r in refused] == [
        (VS_SOC_LIMIT, "the unit does not have it")
    ]
    assert 64 not in {r.setting_id for r in report.results}
    assert setting_writes(sim) == []


async def test_access_denied_is_refused_for_that_setting(sim: Simulator, unit: VEBusUnit) -> None:
    document = await backup_settings(unit)
    sim.device.set_setting(CHARGE_CURRENT, 50)
    sim.faults.denied_settings[CHARGE_CURRENT] = 2
    report = await restore_settings(unit, document)
    result = next(r for r in report.results if r.setting_id == CHARGE_CURRENT)
    assert result.outcome is Outcome.REFUSED
    assert "access level 2" in (result.reason or "")


async def test_an_asleep_unit_is_said_asleep_with_nothing_sent(
    sim: Simulator, unit: VEBusUnit
) -> None:
    document = await backup_settings(unit)
    await unit.sleep()
    await wait_for(lambda: sim.device.asleep, "the unit asleep")
    await unit.refresh(PLAN)  # the refresh that notices
    sent = len(sim.requests)
    for action in (backup_settings(unit), restore_settings(unit, document)):
        with pytest.raises(VEBusAsleepError):
            await action
    assert len(sim.requests) == sent


# --- documents -------------------------------------------------------------------------------


def a_document(**settings: SavedSetting) -> dict[str, Any]:
    info = RawSettingInfo(-100, 0, 1440, 1200, 1600, 0)
    backup = SettingsBackup(
        UnitIdentity(Family.MULTIPLUS, 12.0, 2629304),
        1_800_000_000.0,
        {2: SavedSetting(2, 1440, 1440, info)},
    )
    return json.loads(backup.dumps())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.clear(), "not a settings backup"),
        (lambda d: d.update(schema_version=2), "newer than this program reads"),
        (lambda d: d.update(schema_version=True), "must be a whole number"),
        (lambda d: d.update(created="yesterday"), "no ISO 8601 time"),
        (lambda d: d["unit"].update(family="Skylla"), "unknown family"),
        (lambda d: d["settings"]["2"].update(value=14.6), "disagree"),
        (lambda d: d["settings"]["2"].update(raw=70000, value=700.0), "not a 16-bit word"),
        (lambda d: d["settings"]["2"].pop("raw"), "raw is missing"),
        (lambda d: d["settings"]["2"]["info"].update(scale=0), "scale 0"),
        (lambda d: d["settings"].update({"300": {}}), "no id from 0 to 255"),
        (lambda d: d["settings"].update({"3": []}), "expected an object"),
        (lambda d: d["ram"].update({"4": {"raw": 1, "scale": {}}}), "factor is missing"),
    ],
)
def test_a_damaged_document_says_what_is_wrong(
    change: Callable[[Any], object], message: str
) -> None:
    data = a_document()
    change(data)
    with pytest.raises(VEBusBackupError, match=message):
        SettingsBackup.from_json(data)


def test_a_file_that_is_no_json_is_refused() -> None:
    with pytest.raises(VEBusBackupError, match="not JSON"):
        SettingsBackup.loads("{not json")


# --- properties ---------------------------------------------------------------------------------

words = st.integers(0, 0xFFFF)
infos = st.builds(
    RawSettingInfo,
    st.integers(-0x8000, 0x7FFF).filter(bool),
    st.integers(-0x8000, 0x7FFF),
    words,
    words,
    words,
    st.none() | st.integers(0, 0xFF),
)
saved_settings = st.builds(
    lambda setting_id, raw, stored, info: SavedSetting(setting_id, raw, stored, info),
    st.integers(0, 0xFF),
    words,
    words,
    infos,
)
documents = st.builds(
    lambda items, family, firmware: SettingsBackup(
        UnitIdentity(family, 12.0, firmware),
        1_800_000_000.0,
        {s.setting_id: s for s in items},
    ),
    st.lists(saved_settings, max_size=20, unique_by=lambda s: s.setting_id),
    st.sampled_from(list(Family)),
    st.none() | st.integers(0, 9_999_999),
)


@given(documents)
def test_any_document_survives_its_file_and_matches_itself(document: SettingsBackup) -> None:
    assert SettingsBackup.loads(document.dumps()) == document
    assert compare_backups(document, document).same


@settings(max_examples=15, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            ABSORPTION: st.integers(1200, 1600),
            FLOAT: st.integers(1200, 1600),
            CHARGE_CURRENT: st.integers(0, 120),
            Setting.REPEATED_ABSORPTION_TIME: st.integers(1, 96),
            Setting.BATTERY_CAPACITY: st.integers(0, 10000),
        }
    ),
    st.dictionaries(
        st.sampled_from([ABSORPTION, FLOAT, CHARGE_CURRENT]),
        st.integers(1200, 1600).map(lambda r: r // 10),
    ),
    st.booleans(),
)
def test_backup_then_restore_on_an_unchanged_unit_writes_nothing(
    stored: dict[int, int], ram_only: dict[int, int], persist: bool
) -> None:
    """Whatever the unit holds, stored and written RAM only by this program."""

    async def scenario() -> None:
        sim = Simulator("multiplus-12", paced=False, live=False, seed=4)
        try:
            for setting_id, raw in stored.items():
                sim.device.set_setting_raw(setting_id, raw)
            unit = VEBusUnit(VEBusClient(await sim.start_pty()))
            await unit.discover()
            for setting_id, raw in ram_only.items():
                scale = await unit.client.setting_info(setting_id)
                assert scale is not None
                bounded = min(max(raw, scale.info.minimum), scale.info.maximum)
                with contextlib.suppress(VEBusChargeVoltageOrderError):  # float > absorption
                    await unit.write_setting(setting_id, scale.value(bounded))
            document = await backup_settings(unit)
            writes = len(setting_writes(sim))
            report = await restore_settings(unit, document, persist=persist)
            assert {r.outcome for r in report.results} == {Outcome.UNCHANGED}
            assert len(setting_writes(sim)) == writes
            assert (await diff_settings(unit, document)).same
            await unit.close()
        finally:
            await sim.stop()

    # In a thread of its own: asyncio.run() must not take the main thread's event loop
    # away from the test harness.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
