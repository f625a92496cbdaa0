"""A unit's assistant chain in RAM from 128, and its ESS setpoint's timeout.

The chain is a header word per assistant (its id << 4 | the count of RAM ids that follow
it), those ids, and a 0 that ends it. The first id after the first ESS assistant's header
is its power setpoint, which falls back to 0 ``ESS_TIMEOUT`` simulated seconds after the
last write, as the ESS assistant does when its controller goes quiet.
"""

from __future__ import annotations

from victron_serial.vebus.protocol.ids import ASSISTANT_START, ESS_ASSISTANT_ID
from victron_serial.vebus.protocol.variables import RawVarInfo

ESS_TIMEOUT = 15.0  # s of simulated time after the last setpoint write
_HEADER_INFO = RawVarInfo(1, 0)
_VAR_INFO = RawVarInfo(-1, 0)


class AssistantChain:
    """The chain laid out in ``ram`` (the unit's RAM words, shared)."""

    def __init__(self, ram: dict[int, int]) -> None:
        self._ram = ram
        self.assistants: list[tuple[int, int]] = []
        self._headers: set[int] = set()
        self._vars: set[int] = set()
        self.setpoint_id: int | None = None
        self._written_at: float | None = None

    def lay_out(self, assistants: list[tuple[int, int]]) -> None:
        """(assistant id, RAM ids that follow) each, from RAM 128; the old chain is gone."""
        for var in self._headers | self._vars:
            self._ram.pop(var, None)
        self._headers.clear()
        self._vars.clear()
        self.setpoint_id = None
        self._written_at = None
        self.assistants = list(assistants)
        var = ASSISTANT_START
        for assistant, count in self.assistants:
            if not 0 < assistant < 0x1000 or not 0 <= count <= 0xF:
                raise ValueError(f"bad assistant record {(assistant, count)}")
            self._ram[var] = assistant << 4 | count
            self._headers.add(var)
            self._vars.update(range(var + 1, var + 1 + count))
            if assistant == ESS_ASSISTANT_ID and count and self.setpoint_id is None:
                self.setpoint_id = var + 1
            for follower in range(var + 1, var + 1 + count):
                self._ram[follower] = 0
            var += count + 1
        self._ram[var] = 0  # end of the chain
        self._headers.add(var)

    def info(self, var: int) -> RawVarInfo | None:
        """What 0x36 reports for a RAM id of the chain; None: not the chain's."""
        if var in self._headers:
            return _HEADER_INFO
        if var in self._vars:
            return _VAR_INFO
        return None

    def written(self, var: int, now: float) -> bool:
        """A write of ``var`` at ``now``; True when it was the ESS setpoint."""
        if var != self.setpoint_id:
            return False
        self._written_at = now
        return True

    def expire(self, now: float) -> None:
        """The setpoint back to 0 once ``ESS_TIMEOUT`` passed since its last write."""
        if self._written_at is None or self.setpoint_id is None:
            return
        if now - self._written_at >= ESS_TIMEOUT:
            self._ram[self.setpoint_id] = 0
            self._written_at = None

    def forget(self) -> None:
        """A restart: the setpoint is 0 and no write is pending."""
        if self.setpoint_id is not None:
            self._ram[self.setpoint_id] = 0
        self._written_at = None
