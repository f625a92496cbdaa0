"""Debian's ser2net in front of a simulator's pty, as a user serves an MK3 on another machine.

``scripts/setup`` installs ser2net with apt-get when it is missing (and ``scripts/ha-latest``
in its Debian sid root). Without it the tests that need it are skipped, except under CI,
where a missing ser2net is a failure: CI must run them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import re
import shutil
import socket
import subprocess

import pytest

SER2NET = shutil.which("ser2net") or next(
    (path for path in ("/usr/sbin/ser2net", "/sbin/ser2net") if os.access(path, os.X_OK)), None
)
STARTUP_DEADLINE = 20.0  # s; only reached when ser2net never listens


@dataclass(frozen=True)
class Served:
    """The URLs of one serial port that ser2net serves."""

    socket_url: str  # raw TCP
    rfc2217_url: str  # telnet with RFC 2217: the client sets the baud rate
    log: Path

    def url(self, scheme: str) -> str:
        return self.socket_url if scheme == "socket" else self.rfc2217_url


def needs_ser2net() -> None:
    """Skip without ser2net, or fail under CI, where its tests must run."""
    if SER2NET is not None:
        return
    reason = "ser2net is not installed (scripts/setup installs it with apt-get as root)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


README = Path(__file__).parents[1] / "README.md"


def readme_connection() -> str:
    """The README's ser2net block (the one YAML block with a ser2net ``connector``)."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", README.read_text(), flags=re.M | re.S)
    found = [block for block in blocks if "connector: serialdev," in block]
    assert len(found) == 1, "README.md has one ser2net block"
    return found[0]


def config(device: str, baud: int, raw_port: int, rfc2217_port: int) -> str:
    """The README's block for ``device`` at ``baud`` on loopback: as written (RFC 2217), and
    again with the raw TCP accepter the README offers instead."""
    block = readme_connection()
    rfc2217 = re.sub(r"serialdev,[^,]+,2400n81", f"serialdev,{device},{baud}n81", block)
    rfc2217 = rfc2217.replace("tcp,2000", f"tcp,127.0.0.1,{rfc2217_port}")
    assert rfc2217 != block and "telnet(rfc2217),tcp,127.0.0.1," in rfc2217, rfc2217
    raw = rfc2217.replace("&mk3", "&raw").replace(
        f"telnet(rfc2217),tcp,127.0.0.1,{rfc2217_port}", f"tcp,127.0.0.1,{raw_port}"
    )
    return rfc2217 + raw


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _listening(ports: list[int]) -> bool:
    """Every port in LISTEN state on this machine (Linux's /proc/net/tcp)."""
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A":  # LISTEN
            listening.add(int(fields[1].rsplit(":", 1)[1], 16))
    return all(port in listening for port in ports)


@contextlib.asynccontextmanager
async def ser2net(device: str, baud: int, folder: Path) -> AsyncIterator[Served]:
    """ser2net serving ``device`` on two loopback ports, raw and RFC 2217; stopped after."""
    needs_ser2net()
    assert SER2NET is not None
    raw_port, rfc2217_port = _free_ports(2)
    path = folder / "ser2net.yaml"
    path.write_text(config(device, baud, raw_port, rfc2217_port))
    log = folder / "ser2net.log"
    with log.open("wb") as out:
        # -n: in the foreground; -u: no UUCP lock files; its own pid file, not the system's.
        process = await asyncio.create_subprocess_exec(
            SER2NET,
            *("-n", "-u", "-c", str(path), "-P", str(folder / "ser2net.pid")),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + STARTUP_DEADLINE
        while not _listening([raw_port, rfc2217_port]):
            if process.returncode is not None or loop.time() > end:
                pytest.fail(f"ser2net did not start: {log.read_text(errors='replace')}")
            await asyncio.sleep(0.01)
        yield Served(f"socket://127.0.0.1:{raw_port}", f"rfc2217://127.0.0.1:{rfc2217_port}", log)
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
