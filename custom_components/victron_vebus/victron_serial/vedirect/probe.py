"""Is there a VE.Direct device on this port? (For a setup dialog choosing a port.)

``probe_port`` opens the port at 19200 baud, waits for a text block (one a second) and pings
over HEX at the same time. A Blue Smart charger's header is often wired for reading only,
so a verified text block alone is enough; a HEX answer alone is too. Anything else raises
``VEDirectTimeoutError``: an MK2/MK3 interface talks 2400 baud and VE.Bus, which at 19200
baud is noise or silence (``vebus`` probes those).

``port_kind`` tells Victron's own cables apart by their USB product name, before opening
anything: "VE Direct cable" and "MK3-USB Interface" share FTDI's vendor and product ids.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from ..foundation.ports import describe_port
from .client import VEDirectClient
from .errors import VEDirectConnectionError, VEDirectError, VEDirectTimeoutError
from .models import product_name
from .protocol.text import TextBlock
from .state import read_block

PROBE_TIMEOUT = 3.0  # s: three text blocks' time
PROBE_HEX_TIMEOUT = 1.0


@dataclass(frozen=True, slots=True)
class ProbeResult:
    url: str
    product_id: int | None
    model: str | None
    firmware: str | None
    serial: str | None
    text: bool  # a text block with a good checksum came
    hex: bool  # the device answered a HEX ping
    ping_version: int | None = None


async def probe_port(url: str, *, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    """What VE.Direct device is on ``url``; VEDirectTimeoutError if none; connection
    errors (port missing, busy) as VEDirectConnectionError subclasses."""
    client = VEDirectClient(url, timeout=PROBE_HEX_TIMEOUT, retries=1)
    await client.connect()
    try:
        block_task = asyncio.ensure_future(client.next_block(timeout))
        ping_task = asyncio.ensure_future(client.ping())
        block, version = await asyncio.gather(block_task, ping_task, return_exceptions=True)
        for outcome in (block, version):
            if isinstance(outcome, BaseException) and not isinstance(outcome, VEDirectError):
                raise outcome
        if not isinstance(block, TextBlock) and not isinstance(version, int):
            for outcome in (block, version):
                if isinstance(outcome, VEDirectConnectionError):
                    raise outcome
            other = client.reader_stats.dropped_bytes
            raise VEDirectTimeoutError(
                f"{describe_port(url)}: no VE.Direct text or HEX at 19200 baud in "
                f"{timeout:g} s ({other} other bytes; an MK2/MK3 talks VE.Bus at 2400 baud)"
            )
        reading = read_block(block) if isinstance(block, TextBlock) else None
        product_id = reading.product_id if reading else None
        if product_id is None and isinstance(version, int):
            try:
                product_id = await client.product_id()
            except VEDirectError:
                product_id = None
        return ProbeResult(
            url=url,
            product_id=product_id,
            model=product_name(product_id),
            firmware=reading.firmware if reading else None,
            serial=reading.serial if reading else None,
            text=reading is not None,
            hex=isinstance(version, int),
            ping_version=version if isinstance(version, int) else None,
        )
    finally:
        await client.close()


def port_kind(description: str | None) -> Literal["vedirect", "mk3"] | None:
    """ "vedirect" for Victron's VE.Direct-USB cable, "mk3" for its MK3-USB interface, by
    the USB product name (or a /dev/serial/by-id name); None for anything else (a home-made
    3.3 V adapter shows up as a plain FTDI, CH340 or CP210x: the user picks it)."""
    text = (description or "").replace("_", " ").lower()
    if "ve direct cable" in text or "ve.direct cable" in text:
        return "vedirect"
    if "mk3-usb" in text or "mk3 usb" in text:
        return "mk3"
    return None
