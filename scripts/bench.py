"""Measure the client against the simulator paced like a real 2400 baud line.

    scripts/bench [--json FILE] [--refreshes N]     (runs this file with the project's venv)

For a full refresh of a 1-phase and a 3-phase system it reports the bytes each way,
the floor (the wire time of those bytes, 10 bits each at 2400 baud, plus one reply
turnaround per request with one request in flight), the measured time and their
ratio; the same for control writes until a read shows them; the event loop's longest
stall during refreshes; CPU time per refresh; and how many refreshes of a steady
device changed anything (each would be state writes in Home Assistant).

The simulator (`vebus-sim --pty`, the default 30 ms turnaround) runs in a process
of its own and talks over a real pseudo-terminal, so CPU time and stalls measured here
are the client's alone.
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
import statistics
import subprocess
import sys
import time
from typing import Any

from vebus.client import VEBusClient
from vebus.models import Mode
from vebus.status import StatusPlan, read_status

ROOT = Path(__file__).resolve().parent.parent

BYTE_TIME = 10 / 2400  # 8N1: start + 8 data + stop bits
TURNAROUND = 0.030
RATIO_BUDGET = 1.10
STALL_BUDGET = 0.005


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
        if not path.startswith("/dev/"):
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
    cpu: float

    @property
    def ratio(self) -> float:
        return self.measured / self.floor


async def timed(client: VEBusClient, name: str, action: Callable[[], Awaitable[Any]]) -> Exchange:
    stats = client.stats
    sent, received, requests = stats.bytes_sent, stats.bytes_received, stats.requests
    cpu = time.thread_time()
    started = time.perf_counter()
    await action()
    measured = time.perf_counter() - started
    cpu = time.thread_time() - cpu
    sent, received = stats.bytes_sent - sent, stats.bytes_received - received
    requests = stats.requests - requests
    floor = (sent + received) * BYTE_TIME + requests * TURNAROUND
    return Exchange(name, sent, received, requests, floor, measured, cpu)


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
    }


async def bench_refresh(phases: int, refreshes: int) -> tuple[dict[str, Any], float, float]:
    model = "multiplus-12" if phases == 1 else "multiplus2-48"
    with simulator(model=model, phases=phases) as path:
        async with VEBusClient(path) as client:
            plan = StatusPlan(phases=phases)
            await read_status(client, plan)  # learn scales once per connection
            runs = []
            for _ in range(refreshes):  # timed and CPU-counted with nothing else running
                runs.append(
                    await timed(
                        client, f"refresh {phases}-phase", lambda: read_status(client, plan)
                    )
                )
                await asyncio.sleep(0.05)
            checks = max(3, refreshes // 2)
            with StallMeter() as stall:  # then refreshes under a 1 ms ticker
                for _ in range(checks):
                    await read_status(client, plan)
            with SlowCallbacks() as slow:  # and with asyncio timing every callback
                for _ in range(checks):
                    await read_status(client, plan)
    return summary(runs), stall.worst, slow.longest


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
    columns += ("ratio", 6), ("worst", 6), ("cpu ms", 7)
    header = f"{'exchange':34} " + " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for row in report["exchanges"]:
        print(
            f"{row['name']:34} {row['bytes_sent']:>5} {row['bytes_received']:>5} "
            f"{row['requests']:>4} "
            f"{row['floor_s']:>8.3f} {row['measured_s']:>10.3f} {row['ratio']:>6.3f} "
            f"{row['ratio_worst']:>6.3f} {row['cpu_ms']:>7.2f}"
        )
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
    print(f"budgets met: {report['budgets_met']}")


async def idle_stall(seconds: float) -> float:
    """The ticker's worst lateness with nothing else running: the machine's own jitter."""
    with StallMeter() as stall:
        await asyncio.sleep(seconds)
    return stall.worst


async def main_async(refreshes: int) -> dict[str, Any]:
    baseline = await idle_stall(3.0)
    one, stall_one, slow_one = await bench_refresh(1, refreshes)
    three, stall_three, slow_three = await bench_refresh(3, refreshes)
    longest_callback = max(slow_one, slow_three)
    controls = await bench_controls(max(3, refreshes // 2))
    steady = await bench_steady(refreshes)
    stall = max(stall_one, stall_three)
    met = (
        all(row["ratio"] <= RATIO_BUDGET for row in (one, three))
        and longest_callback <= STALL_BUDGET
        and steady["changed_refreshes"] == 0
    )
    return {
        "byte_time_s": BYTE_TIME,
        "turnaround_s": TURNAROUND,
        "exchanges": [one, three, *controls],
        "max_stall_s": round(stall, 5),
        "idle_stall_s": round(baseline, 5),
        "longest_callback_s": round(longest_callback, 5),
        "steady": steady,
        "budgets_met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--refreshes", type=int, default=10, help="refreshes per measurement")
    args = parser.parse_args()
    report = asyncio.run(main_async(args.refreshes))
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["budgets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
