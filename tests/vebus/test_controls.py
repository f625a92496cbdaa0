"""The tables of flag switches and setting controls, and the unit's rules for them: what a
unit offers, read-modify-write of flags words, RAM only unless saved, the battery monitor.

The real unit and client against the simulator over a real pty, without Home Assistant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
import random
from typing import Any

import pytest

from tests.clock import FakeClock
from vebus_sim import Simulator
from victron_serial.vebus import (
    CONTROL_SETTINGS,
    FLAG_SETTINGS,
    FLAG_SWITCHES,
    SETTING_CONTROLS,
    Family,
    FlagSwitch,
    Needs,
    Product,
    Setting,
    StatusPlan,
    VEBusClient,
    VEBusRateLimitedError,
    VEBusUnit,
)
from victron_serial.vebus.device.controls import CHARGING_ALLOWED, SOLAR_WIND_PRIORITY

PLAN = StatusPlan(leds=False, dc=False, ac=False, device_state=False, snapshot_ids=())
FLAGS = {flag.key: flag for flag in FLAG_SWITCHES}
CONTROLS = {control.key: control for control in SETTING_CONTROLS}
POWER_ASSIST, AES, UPS = FLAGS["power_assist"], FLAGS["aes"], FLAGS["ups_function"]

type Started = Callable[..., Coroutine[Any, Any, tuple[Simulator, VEBusUnit]]]


@pytest.fixture
async def started() -> AsyncIterator[Started]:
    """Start a simulated model and a unit discovered against it; all stopped at the end."""
    running: list[tuple[Simulator, VEBusUnit]] = []

    async def start(
        model: str, persist: bool = False, **options: Any
    ) -> tuple[Simulator, VEBusUnit]:
        sim = Simulator(model, paced=False, live=False, **options)
        unit = VEBusUnit(
            VEBusClient(await sim.start_pty()),
            clock=FakeClock(start=1_800_000_000.0),
            persist_settings=persist,
        )
        running.append((sim, unit))
        await unit.discover(CONTROL_SETTINGS)
        await unit.refresh(PLAN)
        return sim, unit

    yield start
    for sim, unit in running:
        await unit.close()
        await sim.stop()


# --- the tables ------------------------------------------------------------------------


def test_keys_are_unique_and_bits_are_owned_once() -> None:
    assert len(FLAGS) == len(FLAG_SWITCHES)
    assert len(CONTROLS) == len(SETTING_CONTROLS)
    for setting in FLAG_SETTINGS:
        owned = [flag.owned for flag in FLAG_SWITCHES if flag.setting_id == setting]
        assert sum(bin(bits).count("1") for bits in owned) == bin(sum(owned)).count("1")
    assert all(flag.setting_id in FLAG_SETTINGS for flag in FLAG_SWITCHES)
    assert not {control.setting_id for control in SETTING_CONTROLS} & FLAG_SETTINGS


@pytest.mark.parametrize("flag", FLAG_SWITCHES, ids=lambda flag: flag.key)
def test_a_switch_changes_only_the_bits_it_owns(flag: FlagSwitch) -> None:
    rng = random.Random(flag.key)
    for _ in range(200):
        word = rng.randrange(0x10000)
        for on in (False, True):
            changed = flag.apply(word, on)
            assert flag.is_on(changed) is on
            assert (changed ^ word) & ~flag.owned == 0


def test_the_ups_function_keeps_bit_7_the_inverse_of_bit_3() -> None:
    for word in (0x0000, 0x0088, 0xFFFF, 0x89B0):
        for on in (False, True):
            changed = UPS.apply(word, on)
            assert bool(changed & 0x08) != bool(changed & 0x80)
            assert bool(changed & 0x08) is not on  # bit 3 disables the wave check


@pytest.mark.parametrize(
    ("needs", "product", "inputs", "met"),
    [
        (Needs(charger=True), Product(Family.PHOENIX, 24, 2617420), 0, False),
        (Needs(charger=True), Product(Family.MULTIPLUS, 12, 2648304), 1, True),
        (Needs(ac_inputs=2), Product(Family.MULTIPLUS, 12, 2648304), 1, False),
        (Needs(ac_inputs=2), Product(Family.QUATTRO, 48, 2615465), 2, True),
        (Needs(ac_inputs=1), Product(Family.MULTIPLUS, 12, None), None, True),  # MK2: no F5
        (Needs(ac_inputs=1), Product(Family.PHOENIX, 24, None), 0, False),
        (Needs(firmware=506), Product(Family.MULTIPLUS, 48, 2629508), 1, True),
        (Needs(firmware=506), Product(Family.MULTIPLUS, 48, 2629504), 1, False),
        (Needs(firmware=506), Product(Family.MULTIPLUS, 48, None), 1, False),  # not known
    ],
)
def test_needs(needs: Needs, product: Product, inputs: int | None, met: bool) -> None:
    assert needs.met_by(product, inputs) is met


# --- what a unit offers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "offered", "not_offered"),
    [
        (
            "multiplus-12",
            {"power_assist", "ups_function", "charging_allowed", "aes", "storage_mode"},
            {"remote_overrules_ac2", "solar_wind_priority", "vs2_off_when_ac1_available"},
        ),
        ("quattro-48", {"remote_overrules_ac2", "weak_ac_input"}, {"solar_wind_priority"}),
        ("multiplus2-48", {"solar_wind_priority"}, {"remote_overrules_ac2"}),
        (
            "phoenix-24",
            {"aes", "frequency_60hz", "low_power_shutdown_in_aes"},
            {"charging_allowed", "power_assist", "ups_function", "storage_mode"},
        ),
    ],
)
async def test_flag_switches_offered_per_model(
    started: Started, model: str, offered: set[str], not_offered: set[str]
) -> None:
    _, unit = await started(model)
    assert {key for key in offered if not unit.offers(FLAGS[key])} == set()
    assert {key for key in not_offered if unit.offers(FLAGS[key])} == set()


async def test_setting_controls_offered_per_model(started: Started) -> None:
    _, phoenix = await started("phoenix-24")
    _, quattro = await started("quattro-48")
    _, multiplus = await started("multiplus-12")
    charger = {"absorption_voltage", "repeated_absorption_time", "charge_efficiency"}
    assert not any(phoenix.offers(CONTROLS[key]) for key in charger | {"ac1_input_current_limit"})
    assert phoenix.offers(CONTROLS["inverter_output_voltage"])
    assert quattro.offers(CONTROLS["ac2_input_current_limit"])
    assert not multiplus.offers(CONTROLS["ac2_input_current_limit"])
    assert all(multiplus.offers(CONTROLS[key]) for key in charger)


async def test_an_older_firmware_gets_no_solar_and_wind_priority(started: Started) -> None:
    sim = Simulator("multiplus2-48", paced=False, live=False)
    sim.device.firmware = 2623505
    unit = VEBusUnit(VEBusClient(await sim.start_pty()))
    try:
        await unit.discover(CONTROL_SETTINGS)
        assert unit.setting_scales[Setting.FLAGS2].info.maximum & SOLAR_WIND_PRIORITY.bit
        assert not unit.offers(SOLAR_WIND_PRIORITY)
    finally:
        await unit.close()
        await sim.stop()


# --- writing flags ---------------------------------------------------------------------


async def test_read_modify_write_keeps_what_others_changed(started: Started) -> None:
    """Without a RAM-only value of its own, the unit reads the word the unit holds now:
    a bit VictronConnect saved meanwhile is kept."""
    sim, unit = await started("multiplus-12")
    sim.device.set_setting_raw(0, sim.device.eeprom_raw(0) | 0x4000)  # weak AC, elsewhere
    await unit.set_flag(POWER_ASSIST, False)
    word = sim.device.setting_raw(0)
    assert word & 0x4000 and not word & 0x20
    assert unit.flag(POWER_ASSIST) is False  # known at once, before any refresh
    assert unit.flag(FLAGS["weak_ac_input"]) is True
    assert sim.device.eeprom_writes == {}


async def test_a_thousand_toggles_and_changes_never_touch_eeprom(started: Started) -> None:
    sim, unit = await started("multiplus-12")
    flags = (POWER_ASSIST, AES, FLAGS["weak_ac_input"], CHARGING_ALLOWED)
    for i in range(1000):
        await unit.set_flag(flags[i % len(flags)], bool(i % 3))
        await unit.write_setting(Setting.INVERTER_OUTPUT_VOLTAGE, 220 + i % 20)
    assert sum(sim.device.eeprom_writes.values()) == 0
    assert sum(sim.device.ram_eeprom_writes.values()) == 0
    assert sim.device.setting(Setting.INVERTER_OUTPUT_VOLTAGE) == 239


async def test_a_second_switch_builds_on_the_first(started: Started) -> None:
    sim, unit = await started("multiplus-12")
    await unit.set_flag(POWER_ASSIST, False)
    await unit.set_flag(AES, False)
    await unit.set_charging_allowed(False)
    word = sim.device.setting_raw(0)
    assert not word & 0x20 and word & 0x0100 and word & 0x40
    assert (await unit.refresh(PLAN)).charging_allowed is False


async def test_saving_a_flag_keeps_the_ram_only_bits_out_of_eeprom(started: Started) -> None:
    sim, unit = await started("multiplus-12", persist=True)
    await unit.set_charging_allowed(False)  # frequent: RAM only even so
    assert sim.device.eeprom_writes == {}
    await unit.set_flag(AES, False)
    assert sim.device.eeprom_writes == {0: 1}
    assert sim.device.eeprom_raw(0) & 0x0100 and not sim.device.eeprom_raw(0) & 0x40
    assert sim.device.setting_raw(0) & 0x0140 == 0x0140  # both in force
    with pytest.raises(VEBusRateLimitedError):
        await unit.set_flag(POWER_ASSIST, False)  # the same word, within the interval
    assert sim.device.eeprom_writes == {0: 1}


async def test_flags_and_settings_come_back_after_a_restart(started: Started) -> None:
    sim, unit = await started("quattro-48")
    await unit.set_flag(FLAGS["remote_overrules_ac2"], True)
    await unit.write_setting(Setting.AC_INPUT_2_CURRENT_LIMIT, 12.0)
    sim.device.restart()
    await unit.client.close()  # the reconnect after the restart: a new session
    await unit.refresh(PLAN)
    assert sim.device.setting_raw(0) & 0x8000
    assert sim.device.setting(Setting.AC_INPUT_2_CURRENT_LIMIT) == 12.0
    assert sum(sim.device.eeprom_writes.values()) == 0


# --- the battery monitor ---------------------------------------------------------------


async def test_the_battery_monitor_goes_off_and_comes_back_with_its_capacity(
    started: Started,
) -> None:
    sim, unit = await started("multiplus-12")
    assert unit.offers_battery_monitor and unit.battery_monitor is True
    await unit.set_battery_monitor(False)
    assert sim.device.setting_raw(Setting.BATTERY_CAPACITY) == 0
    state = await unit.refresh(StatusPlan(phases=1))  # the state of charge is gone...
    assert state.status.ram.get(13) is None
    assert unit.battery_monitor is False
    await unit.set_battery_monitor(True)
    assert sim.device.setting_raw(Setting.BATTERY_CAPACITY) == 200
    state = await unit.refresh(StatusPlan(phases=1))  # ...and back
    assert state.status.ram.get(13) is not None
    assert sim.device.eeprom_writes == {}


async def test_the_charging_flag_is_the_tables(started: Started) -> None:
    _, unit = await started("multiplus-12")
    await unit.set_charging_allowed(False)
    assert unit.flag(CHARGING_ALLOWED) is False
