"""``rfc2217://`` URLs as Debian's ser2net serves them (docs/design.md §2).

serialx's RFC 2217 client asks the server to report modem and line state changes and waits
for both answers before the port counts as open. ser2net 4.3.11 (Debian 12) answers neither,
ser2net 4.6.8 (Debian sid) answers the line state request as if it were the modem state one:
with either, every connection timed out. Neither an MK2/MK3 nor a VE.Direct cable has a modem
line to watch, so the two requests are sent and not waited for; the port settings (baud
rate, 8N1) are still confirmed one by one. Nothing is written on a connection the server has
already reset (a ser2net whose adapter is unplugged accepts, then resets), which asyncio
would log as a warning each time.

Both libraries open their ports through it.
Should serialx's RFC 2217 internals move, serialx's own client is used as it is.
"""

from __future__ import annotations

from typing import Any

SCHEME = "rfc2217://"


def _tolerant_transport() -> Any:
    """serialx's RFC 2217 transport, tolerant as above; None for another serialx layout."""
    try:
        from serialx.platforms.serial_rfc2217 import RFC2217SerialTransport
        from serialx.platforms.serial_rfc2217.types import (
            SetLinestateMaskCmd,
            SetModemstateMaskCmd,
        )
    except ImportError:  # pragma: no cover - serialx's own client, as it is
        return None

    class Tolerant(RFC2217SerialTransport):
        async def _send_and_wait(self, cmd: Any) -> Any:
            if isinstance(cmd, SetModemstateMaskCmd | SetLinestateMaskCmd):
                self._send_command(cmd)  # a subscription: nothing here waits for its answer
                return cmd
            return await super()._send_and_wait(cmd)

        def _send_command(self, cmd: Any, responses: Any = None) -> Any:
            tcp = self._tcp_transport
            if tcp is not None and tcp.is_closing():
                if responses is None:
                    return None
                raise ConnectionResetError("the server closed the connection")
            return super()._send_command(cmd, responses)

    return Tolerant


_TOLERANT = _tolerant_transport()


def open_kwargs(url: str) -> dict[str, Any]:
    """What ``serialx.create_serial_connection`` takes besides the URL, for ``url``."""
    if _TOLERANT is None or not url.lower().startswith(SCHEME):
        return {}
    return {"transport_cls": _TOLERANT}
