"""A refresh's read of the status: the fast tier every time, the slow tier when
``slow_tier`` says so (otherwise the last values read stand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...foundation.clock import Clock
from ..client import VEBusClient
from ..reading.sampling import snapshot_ids
from ..reading.status import StatusPlan, VEBusStatus, read_status
from ..reading.tiers import Events, SlowTier
from .facts import UnitFacts
from .gate import WriteGate


class StatusReader:
    """Reads the status a plan asks for, and keeps the one read last."""

    def __init__(
        self,
        client: VEBusClient,
        gate: WriteGate,
        facts: UnitFacts,
        clock: Clock,
        on_slow_interval: Callable[[], None],
    ) -> None:
        self._client = client
        self._gate = gate
        self._facts = facts
        self._on_slow_interval = on_slow_interval  # settings may be changed elsewhere
        self.slow_tier = SlowTier(clock)
        self.last: VEBusStatus | None = None  # as the last refresh read it

    async def read(self, plan: StatusPlan) -> tuple[VEBusStatus, bool]:
        """The fast tier, then the slow tier when due; True when the slow tier was read."""
        client = self._client
        fast = replace(plan, ac_input=False, device_state=False)
        if plan.snapshot_ids and self._facts.supported_ram:
            fast = replace(fast, snapshot_ids=snapshot_ids(self._facts.supported_ram))
        status = await read_status(client, fast)
        last = self.last
        events = Events(status.leds, client.session, self._gate.controls)
        if not (plan.ac_input or plan.device_state):
            return status, False
        if last is not None and not self.slow_tier.due(events):
            status.ac_input = last.ac_input if plan.ac_input else None
            status.device = last.device if plan.device_state else None
            return status, False
        slow_plan = StatusPlan(
            leds=False,
            dc=False,
            ac=False,
            ac_input=plan.ac_input,
            device_state=plan.device_state,
            snapshot_ids=(),
        )
        slow = await read_status(client, slow_plan)
        status.ac_input, status.device = slow.ac_input, slow.device
        if not self.slow_tier.changed(events):
            self._on_slow_interval()  # the interval is up
        self.slow_tier.read(events)
        return status, True
