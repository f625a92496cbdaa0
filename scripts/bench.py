"""Measure the client against the simulator paced like a real 2400 baud line.

    scripts/bench [--json FILE] [--refreshes N]     (runs this file with the project's venv)

Against one paced simulator (`vebus-sim --pty`, a process of its own, the default 30 ms
turnaround, a real pseudo-terminal, so CPU time and stalls here are the client's alone):

- the fast-tier refresh (LEDs, DC, AC per phase, one snapshot), the full refresh (also the
  AC-input config and device state) and one sample of the key values, each against its
  wire floor (10 bits a byte at 2400 baud, plus one turnaround per request with one
  request in flight); control writes until a read shows them;
- CPU per refresh: the event loop's busy time (wall time not spent waiting in epoll),
  beside the machine's own cost of waking an idle loop, and the loop's wake-ups;
- the update rate of battery and AC power at the integration's default settings (a
  refresh every scan interval, samples between), against j9brown/victron-mk3's request
  set (L, F0, F1..Fn, F5, 0x30 of RAM 14..16) replayed back to back with our codecs on the
  same wire, and as its Home Assistant integration paces it (1 s between requests, an
  update every 10 s);
- the event loop's longest stall, the client's longest callback, RSS, and how many
  refreshes of a steady device changed anything (each would be state writes).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
import contextlib
from dataclasses import dataclass
import functools
import json
import logging
from pathlib import Path
import re
import resource
import selectors
import statistics
import subprocess
import sys
import time
from typing import Any

from custom_components.victron_vebus.const import DEFAULT_LIVE_INTERVAL, DEFAULT_SCAN_INTERVAL
from custom_components.victron_vebus.live_values import LiveValues
from victron_serial.vebus import SAMPLE_PERIOD, RamVar, VEBusUnit
from victron_serial.vebus.client import VEBusClient
from victron_serial.vebus.device.states import Mode
from victron_serial.vebus.reading.status import StatusPlan, read_status

ROOT = Path(__file__).resolve().parent.parent

BYTE_TIME = 10 / 2400  # 8N1: start + 8 data + stop bits
TURNAROUND = 0.030
RATIO_BUDGET = 1.10
STALL_BUDGET = 0.005
CPU_BUDGET = 0.002  # s per fast refresh
RATE_FACTOR = 2.0  # key values at least this many times as often as j9brown's set allows
J9_POWER_IDS = [RamVar.INVERTER_POWER, RamVar.INPUT_POWER, RamVar.OUTPUT_POWER]
# Its integration polls every 2 s, its requests back to back (j9brown/victron-mk3-hass
# 8ea7c77, 2024-09-08): an update every 2 s plus one cycle of its requests.
J9_UPDATE_INTERVAL = 2.0


IDLE_WAIT = 0.001  # s: a wait this long let the CPU go idle, and the wake-up costs


class BusySelector(selectors.EpollSelector):
    """The event loop's selector, timing its waits: the rest of the loop's time is work."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = 0.0
        self.polls = 0
        self.blocking_polls = 0

    def select(self, timeout: float | None = None) -> list[Any]:
        started = time.perf_counter()
        try:
            return super().select(timeout)
        finally:
            waited = time.perf_counter() - started
            self.waited += waited
            self.polls += 1
            self.blocking_polls += waited >= IDLE_WAIT


SELECTOR = BusySelector()


@contextlib.contextmanager
def busy_time() -> Iterator[Callable[[], tuple[float, int]]]:
    """Yields a function giving (the loop's busy seconds, its blocking waits) so far."""
    started, waited, blocking = time.perf_counter(), SELECTOR.waited, SELECTOR.blocking_polls

    def so_far() -> tuple[float, int]:
        wall = time.perf_counter() - started
        return wall - (SELECTOR.waited - waited), SELECTOR.blocking_polls - blocking

    yield so_far


@contextlib.contextmanager
def simulator(model: str = "multiplus-12", phases: int = 1, frozen: bool = False) -> Iterator[str]:
    """`vebus-sim --pty` in a process of its own; yields the pty path it prints.

    A separate process keeps the simulator's CPU time (and the GIL) out of what is
    measured here: the stalls and CPU time below are the client's alone.
    """
    command = [
        sys.executable,
        "-m",
        "vebus_sim",
        "--pty",
        "--model",
        model,
        "--phases",
        str(phases),
    ]
    if frozen:
        command.append("--frozen")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        path = process.stdout.readline().strip()
        if not path.startswith("/"):  # /dev/pts/N, or the stable link the simulator names
            raise RuntimeError(f"the simulator did not start: {path!r}")
        yield path
    finally:
        process.terminate()
        process.wait(timeout=10)


class SlowCallbacks(logging.Handler):
    """asyncio's debug mode names every callback that ran longer than a threshold:
    the longest of them is how long the client itself blocked the loop."""

    THRESHOLD = 0.001
    _TOOK = re.compile(r"took (\d+\.\d+) seconds")

    def __init__(self) -> None:
        super().__init__()
        self.longest = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        found = self._TOOK.search(record.getMessage())
        if found:
            self.longest = max(self.longest, float(found.group(1)))

    def __enter__(self) -> SlowCallbacks:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = self.THRESHOLD
        logging.getLogger("asyncio").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.get_running_loop().set_debug(False)
        logging.getLogger("asyncio").removeHandler(self)


class StallMeter:
    """A 1 ms ticker; its worst lateness is the longest the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + 0.001
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, loop.time() - expected)

    def __enter__(self) -> StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@dataclass
class Exchange:
    name: str
    sent: int
    received: int
    requests: int
    floor: float
    measured: float
    cpu: float  # the loop's busy time
    wakeups: int  # the loop's waits that blocked (each one a wake-up of an idle loop)

    @property
    def ratio(self) -> float:
        return self.measured / self.floor


async def timed(client: VEBusClient, name: str, action: Callable[[], Awaitable[Any]]) -> Exchange:
    stats = client.stats
    sent, received, requests = stats.bytes_sent, stats.bytes_received, stats.requests
    started = time.perf_counter()
    with busy_time() as busy:
        await action()
        cpu, wakeups = busy()
    measured = time.perf_counter() - started
    sent, received = stats.bytes_sent - sent, stats.bytes_received - received
    requests = stats.requests - requests
    floor = (sent + received) * BYTE_TIME + requests * TURNAROUND
    return Exchange(name, sent, received, requests, floor, measured, cpu, wakeups)


def summary(runs: list[Exchange]) -> dict[str, Any]:
    best = min(runs, key=lambda run: run.ratio)
    return {
        "name": runs[0].name,
        "bytes_sent": best.sent,
        "bytes_received": best.received,
        "requests": best.requests,
        "floor_s": round(best.floor, 4),
        "measured_s": round(statistics.median(run.measured for run in runs), 4),
        "ratio": round(statistics.median(run.ratio for run in runs), 3),
        "ratio_worst": round(max(run.ratio for run in runs), 3),
        "cpu_ms": round(1000 * statistics.median(run.cpu for run in runs), 2),
        "wakeups": statistics.median(run.wakeups for run in runs),
    }


async def bench_refresh(phases: int, refreshes: int) -> tuple[list[dict[str, Any]], float, float]:
    """Fast-tier and full refreshes of a unit, and samples; then the loop's stalls and
    the longest callback while refreshing."""
    model = "multiplus-12" if phases == 1 else "multiplus2-48"
    with simulator(model=model, phases=phases) as path:
        unit = VEBusUnit(VEBusClient(path))
        client = unit.client
        try:
            await unit.discover()
            plan = StatusPlan(phases=phases)
            await unit.refresh(plan)  # the first one reads every tier
            fast, full, samples = [], [], []
            for _ in range(refreshes):  # timed with nothing else running
                fast.append(
                    await timed(client, f"fast refresh {phases}-phase", lambda: unit.refresh(plan))
                )
                await asyncio.sleep(0.05)
                unit.slow_tier.expire()
                full.append(
                    await timed(client, f"full refresh {phases}-phase", lambda: unit.refresh(plan))
                )
                await asyncio.sleep(0.05)
                samples.append(await timed(client, f"sample {phases}-phase", unit.sample))
                await asyncio.sleep(0.05)
            checks = max(3, refreshes // 2)
            with StallMeter() as stall:  # then refreshes under a 1 ms ticker
                for _ in range(checks):
                    await unit.refresh(plan)
                    await unit.sample()
            with SlowCallbacks() as slow:  # and with asyncio timing every callback
                for _ in range(checks):
                    await unit.refresh(plan)
                    await unit.sample()
        finally:
            await unit.close()
    return [summary(fast), summary(full), summary(samples)], stall.worst, slow.longest


async def j9_cycle(client: VEBusClient, phases: int) -> None:
    """j9brown/victron-mk3's requests for the same information, one after another."""
    await client.leds()
    await client.dc_info()
    for phase in range(1, phases + 1):
        await client.ac_info(phase)
    await client.ac_input_config()
    await client.read_ram_vars(J9_POWER_IDS)


async def bench_update_rate(seconds: float) -> dict[str, Any]:
    """How often battery and AC power are read: ours at the integration's defaults (a
    refresh every scan interval, samples between), j9brown's set back to back."""
    with simulator() as path:
        unit = VEBusUnit(VEBusClient(path))
        try:
            await unit.discover()
            plan = StatusPlan(phases=1)
            state = await unit.refresh(plan)
            readings: list[float] = []
            # The integration's own throttle: the key-value entities hear of a sample at
            # most once per live interval (and of every refresh).
            told: list[float] = []
            live = LiveValues(DEFAULT_LIVE_INTERVAL, lambda: state, lambda _new: None)  # type: ignore[arg-type]
            live.async_add_listener(lambda: told.append(time.time()))

            def on_sample(sample: Any) -> None:
                readings.append(sample.at)
                live.on_sample(sample)

            unit.on_sample = on_sample
            sampler = asyncio.get_running_loop().create_task(unit.run_sampling())
            refreshes = 0
            with SlowCallbacks() as slow, StallMeter() as stall:
                started = time.time()
                while time.time() - started < seconds:
                    await unit.refresh(plan)
                    refreshes += 1
                    await asyncio.sleep(DEFAULT_SCAN_INTERVAL)
                elapsed = time.time() - started
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            unit.on_sample = None
            ours = len([at for at in readings if at >= started]) / elapsed
            cycles = 5
            started = time.perf_counter()
            for _ in range(cycles):
                await j9_cycle(unit.client, 1)
            j9_cycle_s = (time.perf_counter() - started) / cycles
        finally:
            await unit.close()
    return {
        "seconds": round(elapsed, 1),
        "scan_interval_s": DEFAULT_SCAN_INTERVAL,
        "sample_period_s": SAMPLE_PERIOD,
        "ours_hz": round(ours, 2),
        # What a key-value entity shows: a live update per interval, and each refresh.
        "ours_entity_hz": round((len([t for t in told if t >= started]) + refreshes) / elapsed, 3),
        "j9_cycle_s": round(j9_cycle_s, 3),
        "j9_back_to_back_hz": round(1 / j9_cycle_s, 2),
        "j9_integration_hz": round(1 / (J9_UPDATE_INTERVAL + j9_cycle_s), 3),
        "factor": round(ours * j9_cycle_s, 2),
        "longest_callback_s": round(slow.longest, 5),
        "max_stall_s": round(stall.worst, 5),
    }


async def bench_controls(repeats: int) -> list[dict[str, Any]]:
    with simulator(model="multiplus-12") as path:
        async with VEBusClient(path) as client:
            await client.ac_input_config()
            ess = await client.find_ess_setpoint()
            assert ess is not None
            results = []
            modes = [Mode.CHARGER_ONLY, Mode.ON]
            limits = [12.0, 16.0]

            async def mode(i: int) -> None:
                await client.set_panel_state(modes[i % 2])
                assert (await client.ac_input_config()).remote_mode is modes[i % 2]

            async def limit(i: int) -> None:
                await client.set_panel_state(Mode.ON, limits[i % 2])
                assert (await client.ac_input_config()).current_limit == limits[i % 2]

            async def setpoint(i: int) -> None:
                await client.write_ess_setpoint(ess, 100 + i)
                assert await client.read_ess_setpoint(ess) == 100 + i

            for name, action in (
                ("mode", mode),
                ("current limit", limit),
                ("ESS setpoint", setpoint),
            ):
                runs = []
                for i in range(repeats):
                    step = functools.partial(action, i)
                    runs.append(await timed(client, f"{name} write + read back", step))
                    await asyncio.sleep(0.05)
                results.append(summary(runs))
    return results


async def bench_steady(refreshes: int) -> dict[str, Any]:
    """A device whose values do not move: how many refreshes would write state."""
    with simulator(frozen=True) as path:
        async with VEBusClient(path) as client:
            previous = await read_status(client)
            changed = 0
            started = time.perf_counter()
            for _ in range(refreshes):
                status = await read_status(client)
                changed += status != previous
                previous = status
            elapsed = time.perf_counter() - started
    return {
        "refreshes": refreshes,
        "changed_refreshes": changed,
        "state_writes_per_minute": round(changed * 60 / elapsed, 2),
    }


def print_table(report: dict[str, Any]) -> None:
    columns = ("sent", 5), ("recv", 5), ("req", 4), ("floor s", 8), ("measured s", 10)
    columns += ("ratio", 6), ("worst", 6), ("cpu ms", 7), ("wakes", 6), ("net ms", 7)
    header = f"{'exchange':34} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for row in report["exchanges"]:
        print(
            f"{row['name']:34} {row['bytes_sent']:>5} {row['bytes_received']:>5} "
            f"{row['requests']:>4} "
            f"{row['floor_s']:>8.3f} {row['measured_s']:>10.3f} {row['ratio']:>6.3f} "
            f"{row['ratio_worst']:>6.3f} {row['cpu_ms']:>7.2f} {row['wakeups']:>6g} "
            f"{row['cpu_net_ms']:>7.2f}"
        )
    wakeup = report["idle_wakeup_ms"]
    print(
        f"cpu ms: the event loop's busy time. wakes: its waits of 1 ms or more; waking an "
        f"idle loop costs {wakeup:.3f} ms\non this machine before any work is done. net ms: "
        "cpu ms less that cost for each wake, the client's own work"
    )
    rate = report["update_rate"]
    print()
    print(
        f"battery and AC power read {rate['ours_hz']:.2f} times a second at the default "
        f"settings (a refresh every {rate['scan_interval_s']} s, a sample every "
        f"{rate['sample_period_s']} s between, over {rate['seconds']} s)"
    )
    print(
        f"j9brown's request set on the same wire: {rate['j9_cycle_s']:.3f} s a cycle, "
        f"{rate['j9_back_to_back_hz']:.2f} a second back to back: the library reads "
        f"{rate['factor']:.2f} x as often"
    )
    print(
        f"what a key-value entity shows: ours {rate['ours_entity_hz']:.3f} updates a second "
        f"(a sample per live interval of {DEFAULT_LIVE_INTERVAL} s, and each refresh), "
        f"j9brown's integration "
        f"{rate['j9_integration_hz']:.3f} (a poll every {J9_UPDATE_INTERVAL:g} s)"
    )
    print(f"peak RSS of this process (client and Python): {report['rss_mb']} MB")
    print()
    longest = report["longest_callback_s"]
    shown = (
        f"{1000 * longest:.2f} ms"
        if longest
        else f"none over {SlowCallbacks.THRESHOLD * 1000:g} ms"
    )
    print(f"longest callback of the client (asyncio debug timing): {shown}")
    print(
        f"worst lateness of a 1 ms ticker during refreshes: {1000 * report['max_stall_s']:.2f} ms "
        f"(with nothing running: {1000 * report['idle_stall_s']:.2f} ms; the rest is this VM)"
    )
    steady = report["steady"]
    print(
        f"steady device: {steady['changed_refreshes']} of {steady['refreshes']} refreshes changed "
        f"anything ({steady['state_writes_per_minute']} state writes per minute)"
    )
    for budget, held in report["budgets"].items():
        print(f"  {'met   ' if held else 'MISSED'} {budget}")
    print(f"budgets met: {report['budgets_met']}")


async def idle_wakeup(count: int = 50) -> float:
    """The loop's busy time for one wake-up with nothing to do (30 ms sleeps): what this
    machine charges for waking an idle loop, before the client does anything."""
    with busy_time() as busy:
        for _ in range(count):
            await asyncio.sleep(0.03)
        cpu, wakeups = busy()
    return cpu / max(1, wakeups)


async def idle_stall(seconds: float) -> float:
    """The ticker's worst lateness with nothing else running: the machine's own jitter."""
    with StallMeter() as stall:
        await asyncio.sleep(seconds)
    return stall.worst


async def main_async(refreshes: int) -> dict[str, Any]:
    baseline = await idle_stall(3.0)
    wakeup = await idle_wakeup()
    one, stall_one, slow_one = await bench_refresh(1, refreshes)
    three, stall_three, slow_three = await bench_refresh(3, refreshes)
    rate = await bench_update_rate(4 * DEFAULT_SCAN_INTERVAL)
    longest_callback = max(slow_one, slow_three, rate["longest_callback_s"])
    controls = await bench_controls(max(3, refreshes // 2))
    steady = await bench_steady(refreshes)
    stall = max(stall_one, stall_three, rate["max_stall_s"])
    exchanges = [*one, *three, *controls]
    for row in exchanges:  # the client's own work: the machine's wake-up cost taken out
        row["cpu_net_ms"] = round(max(0.0, row["cpu_ms"] - row["wakeups"] * wakeup * 1000), 2)
    budgets = {
        f"refreshes and samples within {RATIO_BUDGET} x their floor": all(
            row["ratio"] <= RATIO_BUDGET for row in (*one, *three)
        ),
        f"fast refresh net CPU at most {CPU_BUDGET * 1000:g} ms": one[0]["cpu_net_ms"]
        <= CPU_BUDGET * 1000,
        f"no callback over {STALL_BUDGET * 1000:g} ms": longest_callback <= STALL_BUDGET,
        f"key values {RATE_FACTOR:g} x as often as j9brown's set": rate["factor"] >= RATE_FACTOR,
        "a steady device writes no state": steady["changed_refreshes"] == 0,
    }
    met = all(budgets.values())
    return {
        "byte_time_s": BYTE_TIME,
        "turnaround_s": TURNAROUND,
        "exchanges": exchanges,
        "idle_wakeup_ms": round(1000 * wakeup, 3),
        "update_rate": rate,
        "max_stall_s": round(stall, 5),
        "idle_stall_s": round(baseline, 5),
        "longest_callback_s": round(longest_callback, 5),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "steady": steady,
        "budgets": budgets,
        "budgets_met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--refreshes", type=int, default=10, help="refreshes per measurement")
    args = parser.parse_args()
    loop = asyncio.SelectorEventLoop(SELECTOR)
    try:
        report = loop.run_until_complete(main_async(args.refreshes))
    finally:
        loop.close()
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["budgets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
