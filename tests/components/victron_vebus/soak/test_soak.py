"""The long run: the integration's coordinator against the simulator with random faults.

Run by ``scripts/soak [--duration SECONDS] [--seed N]``; skipped in the normal test run.
A real config entry is set up in a Home Assistant test instance on a pty to the
simulator (paced at 2400 Bd, live physics). For the set time the coordinator refreshes
on its own schedule, a writer changes mode, current limit, ESS setpoint and RAM-only
settings through the coordinator, and the weather changes every few seconds: clean,
noisy cable, bit flips, slow and late replies, silence, unplug and replug.

Every write that returns must be in force at once; at the end, after the faults stop,
each value must be the last confirmed one (ESS setpoint, RAM-only settings: exactly;
mode and current limit: or one sent unconfirmed after it, as the unit then reports).
A value that is neither is a lost write. The report gives refreshes, errors by kind,
recoveries, writes, lost writes, memory growth, and tasks and descriptors before/after.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
import contextlib
from dataclasses import dataclass, field
import gc
import json
import logging
import os
from pathlib import Path
import random
import time
import tracemalloc
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest

from custom_components.victron_vebus.const import CONF_SCAN_INTERVAL, DOMAIN, ESS_KEEPALIVE
from custom_components.victron_vebus.coordinator import VEBusCoordinator
from custom_components.victron_vebus.victron_serial.vebus import Mode
from tests.clock import FakeClock
from tests.components.victron_vebus.conftest import add_entry, control
from tests.wire import open_fds, task_names
from vebus_sim import Faults, Simulator
from victron_serial.vebus.protocol import Frame

SECONDS = float(os.environ.get("VEBUS_SOAK_SECONDS") or 0)
SEED = int(os.environ.get("VEBUS_SOAK_SEED") or 0) or random.SystemRandom().randrange(1, 10**6)
REPORT = os.environ.get("VEBUS_SOAK_REPORT")

pytestmark = [
    pytest.mark.skipif(not SECONDS, reason="the soak runs with scripts/soak"),
    pytest.mark.timeout(SECONDS + 300),
]

ABSORPTION, FLOAT = 2, 3
LOSS = 0.3  # of the replies, in the EEPROM phase
EEPROM_ATTEMPTS = 20
EEPROM_STEP = 120  # s of the unit's clock between two saves
WARM_UP = 0.1  # of the run, before memory is first measured


@dataclass
class Target:
    """A value the unit must end with: the last confirmed, or one sent unconfirmed since."""

    confirmed: int
    unconfirmed: set[int] = field(default_factory=set)


class LogCounter(logging.Handler):
    """Counts the integration's log lines; keeps the first few loud ones."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: Counter[str] = Counter()
        self.loud: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not record.name.startswith("custom_components.victron_vebus"):
            return  # Home Assistant's own start-up warnings are not ours to judge
        if record.levelno >= logging.WARNING:
            # A loss is one warning naming the device (unavailable_log.py): an unplug is expected.
            lost = " is unavailable: " in message or message.startswith("Error fetching")
            key = "loss" if lost else "other_loud"
            if key == "other_loud" and len(self.loud) < 20:
                self.loud.append(f"{record.levelname} {record.name}: {message}")
            self.lines[key] += 1
        elif message.endswith("data recovered"):
            self.lines["recovery"] += 1


async def quiet_counts(coordinator: VEBusCoordinator) -> tuple[list[str], int]:
    """Task names and open descriptors while no refresh is in flight.

    The coordinator polls every second and a refresh takes about that long at 2400 Bd,
    so wait for a gap between two of them.
    """
    for _ in range(100):
        await asyncio.sleep(0.1)
        names = task_names()
        if not any(name.endswith(" - refresh") for name in names):
            break
    return names, open_fds()


def memory() -> tuple[int, int]:
    """Bytes traced by tracemalloc and KiB resident, after a full garbage collection."""
    gc.collect()
    rss = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return tracemalloc.get_traced_memory()[0], rss


class Soak:
    def __init__(self, hass: HomeAssistant, sim: Simulator, coordinator: VEBusCoordinator) -> None:
        self.hass = hass
        self.sim = sim
        self.coordinator = coordinator
        self.rng = random.Random(SEED)
        self.weather: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        self.lost: list[str] = []
        self.stopping = asyncio.Event()
        device = sim.device
        self.targets = {
            "mode": Target(int(device.switch_state)),
            "limit": Target(self.held_limit()),
            "ess": Target(0),
            "absorption": Target(device.setting_raw(ABSORPTION)),
            "float": Target(device.setting_raw(FLOAT)),
            "charging_allowed": Target(int(not device.charging_disabled)),
        }

    def held_limit(self) -> int:
        return round(self.sim.device.current_limit * 10)

    def held(self, name: str) -> int:
        device = self.sim.device
        return {
            "mode": lambda: int(device.switch_state),
            "limit": self.held_limit,
            "ess": lambda: -device.ess_setpoint,
            "absorption": lambda: device.setting_raw(ABSORPTION),
            "float": lambda: device.setting_raw(FLOAT),
            "charging_allowed": lambda: int(not device.charging_disabled),
        }[name]()

    # --- the weather ------------------------------------------------------------------

    async def change_weather(self) -> None:
        sim, rng = self.sim, self.rng
        while True:
            roll = rng.random()
            hold = rng.uniform(2.0, 8.0)
            if roll < 0.35:
                name, faults = "clean", Faults()
            elif roll < 0.55:
                name = "noisy cable"
                faults = Faults(
                    noise=0.1,
                    bit_flip=0.002,
                    drop=0.001,
                    rx_bit_flip=0.002,
                    rx_drop=0.001,
                    unrelated=0.2,
                )
            elif roll < 0.65:
                name, faults = "bit flips", Faults(bit_flip=0.02, rx_bit_flip=0.02, noise=0.3)
            elif roll < 0.72:
                name, faults = "slow replies", Faults(slow=0.3)
            elif roll < 0.77:
                name, faults = "late replies", Faults(slow=0.7)
            elif roll < 0.87:
                name, faults = "silence", Faults(silent=True)
                hold = rng.uniform(1.0, 6.0)
            else:
                name, faults = "unplugged", Faults()
            self.weather[name] += 1
            sim.faults = faults
            if name == "unplugged":
                await sim.unplug()
                await asyncio.sleep(rng.uniform(0.5, 4.0))
                await sim.replug()
                continue
            await asyncio.sleep(hold)

    # --- the writer -------------------------------------------------------------------

    def next_write(self) -> tuple[str, dict[str, int], Awaitable[None]]:
        coordinator, rng = self.coordinator, self.rng
        kind = rng.choice(("mode", "limit", "ess", "ess", "absorption", "float", "charging"))
        if kind == "mode":
            mode = rng.choice(list(Mode))
            return kind, {"mode": int(mode.switch_state)}, control(coordinator, "set_mode", mode)
        if kind == "limit":
            config = coordinator.data.status.ac_input if coordinator.data else None
            low, high = (config.minimum, config.maximum) if config else (5.0, 30.0)
            tenths = rng.randint(round(low * 10), round(high * 10))
            return kind, {"limit": tenths}, control(coordinator, "set_current_limit", tenths / 10)
        if kind == "ess":
            watts = rng.choice((0, rng.randint(-1500, 1500)))
            return kind, {"ess": watts}, control(coordinator, "set_ess_setpoint", watts)
        if kind in ("absorption", "float"):
            setting = ABSORPTION if kind == "absorption" else FLOAT
            scale = coordinator.unit.setting_scales[setting]
            raw = rng.randint(scale.info.minimum, scale.info.maximum)
            return (
                kind,
                {kind: raw},
                control(coordinator, "write_setting", setting, scale.value(raw)),
            )
        allowed = rng.random() < 0.5
        write = control(coordinator, "set_charging_allowed", allowed)
        return kind, {"charging_allowed": int(allowed)}, write

    async def write(self) -> None:
        """Writes until told to stop; the write under way then ends on its own, so every
        write's outcome is known (a cancelled one would leave two values allowed)."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.rng.uniform(0.2, 1.5)):
                    await self.stopping.wait()
            if self.stopping.is_set():
                return
            kind, values, write = self.next_write()
            self.writes["attempted"] += 1
            try:
                await write
            except HomeAssistantError as err:
                self.writes["failed"] += 1
                cause = err.__cause__
                self.writes[f"failed: {type(cause).__name__ if cause else type(err).__name__}"] += 1
                for name, value in values.items():
                    self.targets[name].unconfirmed.add(value)
                continue
            self.writes["confirmed"] += 1
            for name, value in values.items():
                held = self.held(name)
                if held != value:  # confirmed, yet not in force: a lost write
                    self.lost.append(f"{kind}: confirmed {value}, the unit holds {held}")
                self.targets[name] = Target(value)

    # --- the end ----------------------------------------------------------------------

    async def settle(self) -> None:
        """Faults off, plugged in: wait for a good refresh, the keep-alive, one more."""
        self.sim.faults = Faults()
        await self.sim.replug()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await self.coordinator.async_refresh()
            if self.coordinator.last_update_success:
                break
            await asyncio.sleep(1)
        await asyncio.sleep(ESS_KEEPALIVE.total_seconds() + 1)
        await self.coordinator.async_refresh()
        await self.hass.async_block_till_done()

    async def lossy_eeprom(self) -> dict[str, Any]:
        """Saves of one setting to EEPROM while 30 % of the replies are lost, time moved on
        by the unit's clock: at most one EEPROM write per interval, whatever came back."""
        unit, sim = self.coordinator.unit, self.sim
        real, clock = unit.clock, FakeClock()
        unit.clock = clock
        handle = sim.handler.handle

        def lossy(frame: Frame) -> list[bytes]:
            replies = handle(frame)
            return [] if self.rng.random() < LOSS else replies

        sim.handler.handle = lossy  # type: ignore[method-assign]
        before = sim.device.eeprom_writes.get(FLOAT, 0)
        outcomes: Counter[str] = Counter()
        try:
            for attempt in range(EEPROM_ATTEMPTS):
                volts = 13.2 + attempt % 4 / 10
                try:
                    await control(self.coordinator, "write_setting", FLOAT, volts, persist=True)
                except HomeAssistantError as err:
                    outcomes[type(err.__cause__ or err).__name__] += 1
                else:
                    outcomes["saved"] += 1
                clock.advance(EEPROM_STEP)
        finally:
            del sim.handler.handle
            unit.clock = real
        span = EEPROM_ATTEMPTS * EEPROM_STEP
        return {
            "attempts": EEPROM_ATTEMPTS,
            "simulated_seconds": span,
            "reply_loss": LOSS,
            "outcomes": dict(outcomes),
            "eeprom_writes": sim.device.eeprom_writes.get(FLOAT, 0) - before,
            "allowed": span // unit.eeprom.interval + 1,
        }

    def check_final(self) -> None:
        strict = ("ess", "absorption", "float", "charging_allowed")
        for name, target in self.targets.items():
            held = self.held(name)
            allowed = (
                {target.confirmed} if name in strict else {target.confirmed, *target.unconfirmed}
            )
            if held not in allowed:
                self.lost.append(
                    f"{name}: last confirmed {target.confirmed}, the unit holds {held}"
                )
        coordinator = self.coordinator
        mode = coordinator.unit.remote_mode
        if mode is None or int(mode.switch_state) != self.held("mode"):
            self.lost.append(f"mode shown as {mode}, the unit holds {self.held('mode')}")


async def test_soak(hass: HomeAssistant, tmp_path: Path) -> None:
    # The test harness turns asyncio's debug mode on (a creation traceback kept for
    # every task and timer): Home Assistant does not run that way, nor does the soak.
    asyncio.get_running_loop().set_debug(False)
    logging.getLogger("custom_components.victron_vebus.victron_serial.vebus").setLevel(
        logging.WARNING
    )
    logging.getLogger("homeassistant").setLevel(logging.WARNING)
    if os.environ.get("VEBUS_SOAK_DEBUG"):  # every frame in the output, to chase a lost write
        logging.getLogger("custom_components.victron_vebus.victron_serial.vebus.link").setLevel(
            logging.DEBUG
        )
        logging.getLogger("custom_components.victron_vebus").setLevel(logging.DEBUG)
    counter = LogCounter()
    logging.getLogger().addHandler(counter)
    sim = Simulator("multiplus-12", paced=True, live=True, seed=SEED)
    tracemalloc.start()
    started = time.monotonic()
    try:
        port = await sim.start_pty(link=str(tmp_path / "ttyVEBUS"))
        # The integration and its dependencies (usb keeps a watcher) without an entry.
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        await asyncio.sleep(0.2)
        idle = (task_names(), open_fds())
        entry = await add_entry(hass, port, {CONF_SCAN_INTERVAL: 1})
        assert entry.state is ConfigEntryState.LOADED
        coordinator: VEBusCoordinator = entry.runtime_data
        soak = Soak(hass, sim, coordinator)
        tasks_before, fds_before = await quiet_counts(coordinator)

        workers = [
            asyncio.create_task(soak.change_weather(), name="soak weather"),
            asyncio.create_task(soak.write(), name="soak writer"),
        ]
        memory_start: tuple[int, int] | None = None
        memory_half: tuple[int, int] | None = None
        deadline = started + SECONDS
        while time.monotonic() < deadline:
            await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            sim.requests.clear()  # the simulator's own log of requests; not ours to keep
            elapsed = time.monotonic() - started
            if memory_start is None and elapsed >= WARM_UP * SECONDS:
                memory_start = memory()
            if memory_half is None and elapsed >= SECONDS / 2:
                memory_half = memory()
        weather, writer = workers
        weather.cancel()
        await asyncio.gather(weather, return_exceptions=True)
        soak.stopping.set()
        soak.sim.faults = Faults()
        await sim.replug()
        async with asyncio.timeout(120):  # a write gives up long before
            await writer
        await soak.settle()
        soak.check_final()
        eeprom_main = dict(sim.device.eeprom_writes)  # persist is off: this must stay empty
        lossy = await soak.lossy_eeprom()
        assert memory_start is not None
        assert memory_half is not None
        memory_end = memory()
        tasks_after, fds_after = await quiet_counts(coordinator)
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await asyncio.sleep(0.3)  # the simulator notices the port closed
        unloaded = (task_names(), open_fds())

        counters = coordinator.counters
        client = coordinator.unit.client.stats.as_dict()
        framing = coordinator.diagnostics()["framing"]
        report: dict[str, Any] = {
            "seed": SEED,
            "seconds": round(time.monotonic() - started, 1),
            "weather": dict(soak.weather),
            "refreshes": {
                "total": counters["refreshes"],
                "ok": counters["refreshes"] - counters["refresh_failures"],
                "failed": counters["refresh_failures"],
            },
            "errors": {k[6:]: v for k, v in sorted(counters.items()) if k.startswith("error_")},
            "recoveries": counters["recoveries"],
            "log_lines": dict(counter.lines),
            "writes": dict(soak.writes),
            "write_checks": {
                key: client[key]
                for key in (
                    "write_readbacks",
                    "writes_confirmed_by_readback",
                    "writes_not_applied",
                    "writes_unconfirmed",
                )
            }
            | {"settings_set_back": counters["settings_set_back"]},
            "lost_writes": len(soak.lost),
            "lost": soak.lost,
            "client": {k: v for k, v in client.items() if k != "last_errors"},
            "framing": framing,
            "memory": {
                "traced_start_kib": memory_start[0] // 1024,
                "traced_end_kib": memory_end[0] // 1024,
                "traced_growth_kib": (memory_end[0] - memory_start[0]) // 1024,
                "rss_start_kib": memory_start[1],
                "rss_end_kib": memory_end[1],
                "rss_growth_kib": memory_end[1] - memory_start[1],
                # A leak keeps growing; one-off caches (translations loaded at the first
                # error, and the like) do not: the second half shows which it is.
                "traced_growth_second_half_kib": (memory_end[0] - memory_half[0]) // 1024,
                "rss_growth_second_half_kib": memory_end[1] - memory_half[1],
            },
            "tasks": {"before": len(tasks_before), "after": len(tasks_after)},
            "tasks_new": sorted(set(tasks_after) - set(tasks_before)),
            "fds": {"before": fds_before, "after": fds_after},
            "without_the_entry": {
                "tasks_before_setup": len(idle[0]),
                "tasks_after_unload": len(unloaded[0]),
                "tasks_left": sorted(set(unloaded[0]) - set(idle[0])),
                "fds_before_setup": idle[1],
                "fds_after_unload": unloaded[1],
            },
            "other_warnings": counter.loud,
            "eeprom_writes_during_the_run": eeprom_main,
            "eeprom_on_a_lossy_line": lossy,
        }
        print_report(report)
        if REPORT:
            Path(REPORT).write_text(json.dumps(report, indent=2))

        assert soak.lost == [], soak.lost
        assert eeprom_main == {}  # routine control never touches EEPROM
        assert lossy["eeprom_writes"] <= lossy["allowed"], lossy
        # Nothing loud but one warning per loss, and one info line per recovery.
        assert counter.loud == [], counter.loud
        assert counter.lines["loss"] == counters["recoveries"], report
        assert counter.lines["recovery"] == counters["recoveries"], report
        assert fds_after == fds_before
        assert unloaded == idle  # every task and descriptor of the integration is gone
    finally:
        tracemalloc.stop()
        logging.getLogger().removeHandler(counter)
        await sim.stop()


def print_report(report: dict[str, Any]) -> None:
    def line(label: str, value: object) -> None:
        print(f"  {label:<22} {value}")

    print("\n== soak report")
    line("seed", report["seed"])
    line("duration", f"{report['seconds']} s")
    line("weather", ", ".join(f"{k} {v}" for k, v in sorted(report["weather"].items())))
    refreshes = report["refreshes"]
    line("refreshes", f"{refreshes['total']} ({refreshes['ok']} ok, {refreshes['failed']} failed)")
    line("errors by kind", report["errors"] or "none")
    line("recoveries", report["recoveries"])
    line("log lines", report["log_lines"] or "none")
    writes = report["writes"]
    line(
        "writes",
        f"{writes.get('attempted', 0)} attempted, {writes.get('confirmed', 0)} confirmed, "
        f"{writes.get('failed', 0)} failed",
    )
    line("write failures", {k[8:]: v for k, v in writes.items() if k.startswith("failed: ")})
    line("write checks", report["write_checks"])
    line("LOST WRITES", report["lost_writes"])
    lossy = report["eeprom_on_a_lossy_line"]
    line(
        "EEPROM, lossy line",
        f"{lossy['attempts']} saves of float_voltage over {lossy['simulated_seconds']} s, "
        f"{lossy['reply_loss']:.0%} of replies lost: {lossy['eeprom_writes']} EEPROM writes "
        f"(at most {lossy['allowed']:g} allowed), outcomes {lossy['outcomes']}",
    )
    line("EEPROM, the run", report["eeprom_writes_during_the_run"] or "none (all RAM only)")
    for lost in report["lost"]:
        line("", lost)
    client = report["client"]
    line(
        "client",
        f"{client['requests']} requests, {client['retries']} retries, "
        f"{client['timeouts']} timeouts, {client['settles']} settles, "
        f"{client['connects']} connects, {client['connection_losses']} losses",
    )
    line("framing", report["framing"])
    memory = report["memory"]
    line(
        "memory growth",
        f"traced {memory['traced_growth_kib']:+} KiB ({memory['traced_start_kib']} -> "
        f"{memory['traced_end_kib']} KiB), RSS {memory['rss_growth_kib']:+} KiB "
        f"({memory['rss_start_kib']} -> {memory['rss_end_kib']} KiB)",
    )
    line(
        "  in the second half",
        f"traced {memory['traced_growth_second_half_kib']:+} KiB, "
        f"RSS {memory['rss_growth_second_half_kib']:+} KiB",
    )
    line("tasks before/after", f"{report['tasks']['before']} / {report['tasks']['after']}")
    if report["tasks_new"]:
        line("new tasks", report["tasks_new"])
    line("fds before/after", f"{report['fds']['before']} / {report['fds']['after']}")
    bare = report["without_the_entry"]
    line(
        "setup -> unload",
        f"tasks {bare['tasks_before_setup']} -> {bare['tasks_after_unload']}, "
        f"fds {bare['fds_before_setup']} -> {bare['fds_after_unload']}",
    )
    if bare["tasks_left"]:
        line("tasks left", bare["tasks_left"])
    print(flush=True)
    if report["other_warnings"]:
        line("other warnings", "")
        for warning in report["other_warnings"]:
            line("", warning)
