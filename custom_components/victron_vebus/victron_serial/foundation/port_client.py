"""What a client says of its link's life: the port, whether it is open, opening and closing.

A library's client derives from ``PortClient`` and adds its protocol's calls; its link
(``link``) does the work.
"""

from __future__ import annotations

from typing import Protocol, Self


class LinkLife(Protocol):
    """The life of a link to one port: what ``PortClient`` hands on."""

    url: str

    @property
    def connected(self) -> bool: ...

    async def connect(self) -> None: ...

    async def ensure_connected(self) -> None: ...

    async def close(self, *, final: bool = False) -> None: ...


class PortClient[L: LinkLife]:
    """The port, connecting and closing, and ``async with`` for a client over ``link``."""

    link: L

    @property
    def url(self) -> str:
        return self.link.url

    @property
    def connected(self) -> bool:
        return self.link.connected

    async def connect(self) -> None:
        await self.link.connect()

    async def ensure_connected(self) -> None:
        await self.link.ensure_connected()

    async def close(self, *, final: bool = False) -> None:
        """Close the port; ``final``: for good (``Link.close``)."""
        await self.link.close(final=final)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
