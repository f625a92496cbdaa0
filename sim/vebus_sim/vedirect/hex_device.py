"""The HEX side of a simulated VE.Direct product, whatever its family.

``HexDevice`` answers HEX requests from the library's own codec and register table, so
both sides agree by construction: ping, the application version and product id, and Get
and Set of any register the product holds (its family's declaration lists them). A
product's model says which of them it has and their raw values now (``raw``), which values
a Set may store (``accept``) and how it lives a second (``step``); written values are kept
in ``settings``, and writes to registers the table marks non-volatile are counted in
``nvm_writes``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
import struct

from victron_serial.vedirect import Reg, Register
from victron_serial.vedirect.protocol import (
    Flags,
    GetAppVersion,
    GetProductId,
    GetRegister,
    HexFrame,
    Ping,
    RegisterFrame,
    Response,
    SetRegister,
    decode_request,
)
from victron_serial.vedirect.registers import REGISTERS

RESTART = 0x6  # a restart request: no answer


class HexDevice(ABC):
    """A product with ``product_id`` and ``firmware`` (as FWE shows it: "0342FF"), holding
    ``registers`` (its family's; by default every row of the table)."""

    def __init__(
        self, product_id: int, firmware: str, registers: Iterable[Register] | None = None
    ) -> None:
        self._product_id = product_id
        self.registers = REGISTERS if registers is None else {item.id: item for item in registers}
        self._version = int(firmware[:4], 16)
        self.settings: dict[int, int] = {}  # register id -> raw value written
        self.nvm_writes: Counter[int] = Counter()
        self.requests: list[HexFrame] = []

    @abstractmethod
    def raw(self, register: Register) -> int | str | None:
        """The raw value a Get returns; None: the product has no such register."""

    def accept(self, register: Register, raw: int) -> int | None:
        """The raw value the product stores for a Set of ``raw``; None: refused."""
        return raw

    @abstractmethod
    def step(self, seconds: float = 1.0) -> None:
        """One device second (or ``seconds``) passes."""

    def value_bytes(self, register: Register) -> bytes | None:
        raw = self.raw(register)
        if raw is None:
            return None
        if isinstance(raw, str):
            return raw.encode("ascii")
        return register.encode(raw)

    def async_frame(self, register: Register) -> bytes:
        """The ``:A`` frame the product sends for ``register`` now."""
        value = self.value_bytes(register)
        assert value is not None, register
        return RegisterFrame(Response.ASYNC, register.id, 0, value).encode()

    def interrupting_frame(self) -> bytes:
        """The async frame old firmware puts inside a text block (the interrupt fault)."""
        return self.async_frame(Reg.UPTIME)

    def handle(self, frame: HexFrame) -> list[bytes]:
        """The frames that answer ``frame`` (none for a restart or an async frame)."""
        self.requests.append(frame)
        request = decode_request(frame)
        version = struct.pack("<H", 0x4000 | self._version)
        if isinstance(request, Ping):
            return [HexFrame(Response.PING, version).encode()]
        if isinstance(request, GetAppVersion):
            return [HexFrame(Response.DONE, version).encode()]
        if isinstance(request, GetProductId):
            return [HexFrame(Response.DONE, struct.pack("<H", self._product_id)).encode()]
        if isinstance(request, GetRegister):
            return [self._get(request.register)]
        if isinstance(request, SetRegister):
            return [self._set(request.register, request.value)]
        if frame.command in (RESTART, Response.ASYNC):
            return []
        return [HexFrame(Response.UNKNOWN, struct.pack("<H", frame.command)).encode()]

    def _get(self, register_id: int) -> bytes:
        register = self.registers.get(register_id)
        value = self.value_bytes(register) if register is not None else None
        if value is None:
            return RegisterFrame(Response.GET, register_id, Flags.UNKNOWN_ID, b"").encode()
        return RegisterFrame(Response.GET, register_id, 0, value).encode()

    def _set(self, register_id: int, value: bytes) -> bytes:
        register = self.registers.get(register_id)
        if register is None or self.raw(register) is None:
            return RegisterFrame(Response.SET, register_id, Flags.UNKNOWN_ID, b"").encode()
        if not register.writable:
            return RegisterFrame(Response.SET, register_id, Flags.NOT_SUPPORTED, b"").encode()
        accepted = self._accepted(register, value)
        if accepted is None:
            return RegisterFrame(Response.SET, register_id, Flags.PARAMETER_ERROR, b"").encode()
        self.settings[register_id] = accepted
        if register.nvm:
            self.nvm_writes[register_id] += 1
        return RegisterFrame(Response.SET, register_id, 0, register.encode(accepted)).encode()

    def _accepted(self, register: Register, value: bytes) -> int | None:
        if len(value) != register.kind.size:
            return None
        raw = register.decode(value)
        assert isinstance(raw, int)
        return self.accept(register, raw)
