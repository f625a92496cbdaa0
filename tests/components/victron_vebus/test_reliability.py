"""The integration under faults: availability, one log line each way, recovery within one
refresh, no leaks, unconfirmed writes never taken for done, counters in diagnostics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
import logging
from pathlib import Path
import random

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.coordinator import VEBusCoordinator
from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from custom_components.victron_vebus.victron_serial.vebus import Mode, VEBusClient
from tests.waiting import wait_for, wait_for_async
from tests.wire import ForeignDevice, lost_on_the_wire, open_fds, task_names, winmon_write
from vebus_sim import Faults, Simulator
from victron_serial.vebus.protocol import Frame
from victron_serial.vebus.protocol.variables import WRITE_RAM_ONLY, WRITE_SETTING

from .conftest import add_entry, control, recovered

VOLTAGE = "sensor.multiplus_battery_voltage"
ABSORPTION_ENTITY = "number.multiplus_absorption_voltage"
ABSORPTION = 2
RAM_ONLY_SETTING = WRITE_SETTING | WRITE_RAM_ONLY
# The unpaced simulator answers within milliseconds: short timeouts keep fault tests fast.
FAST = {"timeout": 0.05, "slow_timeout": 0.1}


@pytest.fixture
async def entry(
    hass: HomeAssistant, vebus_sim: Simulator, tmp_path: Path
) -> AsyncIterator[MockConfigEntry]:
    """The integration on a stable link to the simulator's pty (it survives a replug)."""
    loaded = await add_entry(hass, await vebus_sim.start_pty(link=str(tmp_path / "ttyVEBUS")))
    assert loaded.state is ConfigEntryState.LOADED
    client = loaded.runtime_data.unit.client
    client.timeout, client.slow_timeout = FAST["timeout"], FAST["slow_timeout"]
    yield loaded
    if loaded.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(loaded.entry_id)
        await hass.async_block_till_done()


def voltage(sim: Simulator) -> str:
    return f"{sim.device.ram_value(4):.2f}".rstrip("0").rstrip(".")


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every warning or error logged, as ``logger: message``."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


async def _unplug(sim: Simulator) -> None:
    await sim.unplug()


async def _replug(sim: Simulator) -> None:
    await sim.replug()


async def _asleep(sim: Simulator) -> None:
    sim.faults.silent = True


async def _garbled(sim: Simulator) -> None:
    sim.faults.bit_flip = 1.0  # every byte it sends has a flipped bit


async def _clear(sim: Simulator) -> None:
    sim.faults = Faults()


GONE: dict[str, tuple[Callable[[Simulator], Awaitable[None]], ...]] = {
    "unplugged": (_unplug, _replug),
    "asleep": (_asleep, _clear),
    "garbled": (_garbled, _clear),
}


@pytest.mark.parametrize(
    ("gone", "kind"),
    [("unplugged", "connection_lost"), ("asleep", "no_reply"), ("garbled", "no_reply")],
)
async def test_device_gone_and_back_one_line_each_way(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    gone: str,
    kind: str,
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    leave, come_back = GONE[gone]
    caplog.set_level(logging.INFO)
    caplog.clear()
    await leave(vebus_sim)
    for _ in range(4):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert hass.states.get(VOLTAGE).state == STATE_UNAVAILABLE
    # One WARNING for the loss (expected: no ERROR), whatever the number of failed refreshes;
    # the client itself logs nothing above debug.
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(f"{entry.title} is unavailable: ")

    counters = coordinator.counters
    assert counters["refresh_failures"] == 4
    assert counters[f"error_{kind}"] == 4

    await come_back(vebus_sim)

    await wait_for_async(
        lambda: recovered(hass, coordinator), "a refresh after the device came back"
    )
    assert hass.states.get(VOLTAGE).state == voltage(vebus_sim)
    recovered_lines = [r.getMessage() for r in caplog.records if "recovered" in r.getMessage()]
    assert recovered_lines == [f"Fetching {coordinator.name} data recovered"]
    assert len(loud(caplog)) == 1  # no line for a refresh that failed on the way back
    assert counters["recoveries"] == 1


async def test_a_working_device_on_a_bad_cable_stays_available(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    vebus_sim.faults = Faults(
        noise=0.2,
        bit_flip=0.003,
        drop=0.002,
        rx_bit_flip=0.003,
        rx_drop=0.002,
        unrelated=0.2,
        slow=0.02,  # slow, but within the timeout
    )
    for _ in range(5):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert coordinator.last_update_success
        assert hass.states.get(VOLTAGE).state == voltage(vebus_sim)
    assert loud(caplog) == []


async def test_port_closed_mid_refresh_then_reopened(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    coordinator.unit.client.timeout = 5.0
    vebus_sim.faults.slow = 2.0  # every reply would come long after the unplug
    sent = len(vebus_sim.requests)
    refresh = hass.async_create_task(coordinator.async_refresh())
    await wait_for(lambda: len(vebus_sim.requests) > sent, "the refresh's first request")
    await vebus_sim.unplug()
    await refresh
    assert coordinator.unit.client.stats.timeouts == 0  # over on the loss, not after a timeout
    assert not coordinator.last_update_success
    assert coordinator.counters["error_connection_lost"] == 1
    assert hass.states.get(VOLTAGE).state == STATE_UNAVAILABLE
    vebus_sim.faults.slow = 0.0
    await vebus_sim.replug()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert hass.states.get(VOLTAGE).state == voltage(vebus_sim)


async def test_port_busy_after_a_replug_is_a_repair_issue_until_freed(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry, tmp_path: Path
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    issue_id = f"port_busy_{entry.entry_id}"
    await vebus_sim.unplug()
    await coordinator.async_refresh()
    await vebus_sim.replug()
    holder = VEBusClient(str(tmp_path / "ttyVEBUS"))
    await holder.connect()  # another program is quicker to open the port again
    await coordinator.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert hass.states.get(VOLTAGE).state == STATE_UNAVAILABLE
    await holder.close()
    await wait_for(lambda: vebus_sim.clients == 0, "the simulator sees the holder go")
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert coordinator.counters["error_port_busy"] == 1


async def test_wrong_device_on_the_port_is_a_repair_issue(hass: HomeAssistant) -> None:
    foreign = ForeignDevice()
    try:
        added = await add_entry(hass, foreign.path, loads=False)
        assert added.state is ConfigEntryState.SETUP_RETRY
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"not_vebus_{added.entry_id}")
    finally:
        await hass.config_entries.async_unload(added.entry_id)
        await foreign.close()


async def test_setup_unload_and_unplug_cycles_leak_nothing(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    async def cycle() -> None:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator: VEBusCoordinator = entry.runtime_data
        await vebus_sim.unplug()
        await coordinator.async_refresh()
        await vebus_sim.replug()
        await coordinator.async_refresh()
        assert coordinator.last_update_success
        await wait_for(lambda: vebus_sim.clients == 1, "the simulator ends the old session")

    await cycle()
    tasks, fds = task_names(), open_fds()
    for _ in range(4):
        await cycle()
    assert task_names() == tasks
    assert open_fds() == fds


# --- writes the unit did not confirm ---------------------------------------------------------


async def test_an_unconfirmed_ram_only_setting_is_not_taken_for_done_and_is_set_back(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    before = vebus_sim.device.setting_raw(ABSORPTION)
    shown = hass.states.get(ABSORPTION_ENTITY).state
    with (
        lost_on_the_wire(vebus_sim, winmon_write(RAM_ONLY_SETTING), requests=False),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": ABSORPTION_ENTITY, "value": 14.1}, blocking=True
        )
    assert caught.value.translation_key == "write_failed"
    assert "may or may not be in force" in str(caught.value)
    assert vebus_sim.device.setting_raw(ABSORPTION) == 1410  # the unit took it, unheard
    assert coordinator.unit.setting_in_force(ABSORPTION, before) == before  # not remembered
    assert coordinator.diagnostics()["unconfirmed_ram_only_settings"] == ["absorption_voltage"]

    await coordinator.async_refresh()  # the known value goes back
    await hass.async_block_till_done()
    assert vebus_sim.device.setting_raw(ABSORPTION) == before
    assert hass.states.get(ABSORPTION_ENTITY).state == shown
    assert coordinator.counters["settings_set_back"] == 1
    assert coordinator.diagnostics()["unconfirmed_ram_only_settings"] == []


async def test_an_unconfirmed_ess_setpoint_is_sent_again_by_the_keepalive(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    handle = vebus_sim.handler.handle
    is_ess_write = winmon_write(WRITE_RAM_ONLY)

    def deaf_after_the_write(frame: Frame) -> list[bytes]:
        replies = handle(frame)
        if is_ess_write(frame):
            vebus_sim.faults.drop = 1.0  # its replies and the read-back's are lost
        return replies

    vebus_sim.handler.handle = deaf_after_the_write  # type: ignore[method-assign]
    with pytest.raises(HomeAssistantError):
        await control(coordinator, "set_ess_setpoint", 500)
    del vebus_sim.handler.handle
    vebus_sim.faults = Faults()
    assert vebus_sim.device.ess_setpoint == -500  # in force, though nobody heard
    assert hass.states.get("number.multiplus_ess_setpoint").state == "0"
    assert coordinator.diagnostics()["ess_setpoint_unconfirmed"]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))
    await wait_for(
        lambda: not coordinator.diagnostics()["ess_setpoint_unconfirmed"], "the keep-alive's write"
    )
    assert vebus_sim.device.ess_setpoint == 0  # the keep-alive sent the known 0 W


@dataclass
class Expect:
    confirmed: int
    unconfirmed: set[int] = field(default_factory=set)


async def test_hammered_writes_through_the_coordinator(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    """Mode, current limit, ESS setpoint and a RAM-only setting under changing faults.

    Afterwards the unit holds the last confirmed ESS setpoint and setting exactly (what
    went unconfirmed was set back), and for mode and limit the last confirmed value or
    one sent unconfirmed after it, which the entities then show as they are.
    """
    coordinator: VEBusCoordinator = entry.runtime_data
    rng = random.Random(5)
    device = vebus_sim.device
    scale = coordinator.unit.setting_scales[ABSORPTION]
    config = coordinator.data.status.ac_input
    assert config is not None
    expect = {
        "mode": Expect(int(device.switch_state)),
        "limit": Expect(round(device.current_limit * 10)),
        "ess": Expect(0),
        "absorption": Expect(device.setting_raw(ABSORPTION)),
    }
    weathers = [
        Faults(),
        Faults(),
        Faults(noise=0.3, bit_flip=0.05, drop=0.02, rx_bit_flip=0.05, rx_drop=0.02),
        Faults(rx_bit_flip=0.15),
        Faults(bit_flip=0.15),
        Faults(drop=1.0),
        Faults(silent=True),
    ]
    failures = 0
    for _ in range(16):
        vebus_sim.faults = Faults(**vars(rng.choice(weathers)))
        kind = rng.choice(("mode", "limit", "ess", "absorption"))
        values: dict[str, int]
        if kind == "mode":
            mode = rng.choice(list(Mode))
            values = {"mode": int(mode.switch_state)}
            write = control(coordinator, "set_mode", mode)
        elif kind == "limit":
            tenths = rng.randint(round(config.minimum * 10), round(config.maximum * 10))
            values = {"limit": tenths}
            write = control(coordinator, "set_current_limit", tenths / 10)
        elif kind == "ess":
            values = {"ess": rng.randint(-1000, 1000)}
            write = control(coordinator, "set_ess_setpoint", values["ess"])
        else:
            values = {"absorption": rng.randint(scale.info.minimum, scale.info.maximum)}
            write = control(
                coordinator, "write_setting", ABSORPTION, scale.value(values["absorption"])
            )
        try:
            await write
        except HomeAssistantError:
            failures += 1
            for key, value in values.items():
                expect[key].unconfirmed.add(value)
        else:
            for key, value in values.items():
                expect[key] = Expect(value)
    vebus_sim.faults = Faults()
    await wait_for(lambda: vebus_sim.pending == 0, "the unit has answered every request")
    await coordinator.async_refresh()  # sets unconfirmed RAM-only settings back
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=6))  # ESS keep-alive
    ess = coordinator.unit.ess
    assert ess is not None
    await wait_for(lambda: not ess.unsure, "the keep-alive sends the known setpoint")
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert failures > 0
    assert -device.ess_setpoint == expect["ess"].confirmed
    assert device.setting_raw(ABSORPTION) == expect["absorption"].confirmed
    assert int(device.switch_state) in {expect["mode"].confirmed, *expect["mode"].unconfirmed}
    held_limit = round(device.current_limit * 10)
    assert held_limit in {expect["limit"].confirmed, *expect["limit"].unconfirmed}
    # What the entities show is what the unit holds.
    assert coordinator.unit.remote_mode is not None
    assert int(coordinator.unit.remote_mode.switch_state) == int(device.switch_state)
    assert coordinator.unit.current_limit == pytest.approx(device.current_limit)
    assert float(hass.states.get(ABSORPTION_ENTITY).state) == pytest.approx(
        scale.value(device.setting_raw(ABSORPTION))
    )


async def test_diagnostics_show_the_fault_counters(
    hass: HomeAssistant, vebus_sim: Simulator, entry: MockConfigEntry
) -> None:
    coordinator: VEBusCoordinator = entry.runtime_data
    vebus_sim.faults = Faults(noise=0.5, bit_flip=0.02, rx_bit_flip=0.02)
    framing_stats, stats = coordinator.unit.client.framing_stats, coordinator.unit.client.stats
    for _ in range(20):  # until the faults have hit every counter below
        await coordinator.async_refresh()
        if framing_stats.checksum_errors and framing_stats.dropped_bytes and stats.settles:
            break
    vebus_sim.faults = Faults()
    await coordinator.async_refresh()
    failed_before = coordinator.counters["refresh_failures"]  # a bad enough line fails some
    with lost_on_the_wire(vebus_sim, winmon_write(WRITE_RAM_ONLY), requests=False):
        await control(coordinator, "set_ess_setpoint", 100)  # confirmed by reading it back
    await vebus_sim.unplug()
    await coordinator.async_refresh()
    await vebus_sim.replug()
    await coordinator.async_refresh()

    diagnostics = (await async_get_config_entry_diagnostics(hass, entry))["coordinator"]
    framing, client, refresh = diagnostics["framing"], diagnostics["client"], diagnostics["refresh"]
    assert framing["checksum_errors"] > 0
    assert framing["dropped_bytes"] > 0
    assert client["retries"] > 0
    assert client["timeouts"] > 0
    assert client["settles"] > 0
    assert client["connection_losses"] == 1
    assert client["write_readbacks"] == 1
    assert client["writes_confirmed_by_readback"] == 1
    assert client["writes_not_applied"] == 0
    assert client["writes_unconfirmed"] == 0
    assert refresh["refresh_failures"] == failed_before + 1
    assert refresh["error_connection_lost"] == 1
    assert refresh["recoveries"] >= 1
    assert refresh["writes"] == 1
    assert refresh["writes_failed"] == 0
    assert refresh["refreshes"] >= 4
