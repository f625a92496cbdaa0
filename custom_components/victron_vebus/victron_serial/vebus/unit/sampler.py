"""The key values several times a second between refreshes (each refresh's values count
too), and the energy totals integrated from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import logging
import math

from ...foundation.clock import Clock
from ..client import VEBusClient
from ..errors import VEBusError
from ..plausible import Plausibility
from ..protocol.ids import RamVar, Setting
from ..reading.energy import EnergyCounters
from ..reading.sampling import ERROR_BACKOFF, SAMPLE_PERIOD, PowerSample, snapshot_ids
from ..reading.status import VEBusStatus
from .facts import UnitFacts
from .gate import WriteGate
from .known_settings import KnownSettings

_LOGGER = logging.getLogger(__name__)


class Sampler:
    """Samples of the key values; each one goes to the owner, the ESS control and the
    energy counters."""

    def __init__(
        self,
        client: VEBusClient,
        gate: WriteGate,
        facts: UnitFacts,
        known: KnownSettings,
        plausibility: Plausibility,
        clock: Clock,
        *,
        ess_phases: Callable[[], list[int]],
        to_ess: Callable[[PowerSample], None],
    ) -> None:
        self._client = client
        self._gate = gate
        self._facts = facts
        self._known = known
        self._plausibility = plausibility
        self.clock = clock
        self._ess_phases = ess_phases  # the phase masters whose AC-in the ESS control wants
        self._to_ess = to_ess
        self.energy = EnergyCounters()
        self.last_sample: PowerSample | None = None
        self._last_soc: float | None = None  # %, from the last reading that had it
        self.on_sample: Callable[[PowerSample], None] | None = None  # each refresh and sample

    async def sample(self) -> PowerSample:
        """Battery, AC-in, AC-out and inverter power and the state of charge at one instant,
        in one round trip; tried once (the sampler comes back soon)."""
        ids = snapshot_ids(self._facts.supported_ram)
        ram = await self._client.snapshot(list(ids), retries=0)
        sample = PowerSample.from_ram(self.clock.time(), self._plausibility.ram(ram))
        addresses = self._ess_phases()
        if addresses:
            sample = await self._with_phases(sample, addresses)
        self.add(sample)
        return sample

    async def _with_phases(self, sample: PowerSample, addresses: list[int]) -> PowerSample:
        """The other phase masters' AC-in as well, for the ESS control's total."""
        grid = [sample.grid_power]
        for address in addresses:
            ram = await self._client.read_ram_vars([RamVar.INPUT_POWER], address=address)
            value = self._plausibility.ram(ram).get(RamVar.INPUT_POWER)
            grid.append(None if value is None else -value)
        return replace(sample, phase_grid_power=tuple(grid))

    async def sampling_step(self, active: Callable[[], bool] = lambda: True) -> float:
        """One sample when ``active()`` and connected; returns the seconds until the next
        step: what is left of ``SAMPLE_PERIOD``, or ``ERROR_BACKOFF`` after a failed
        reading (unplugged, asleep: reconnecting is the refresh's business)."""
        started = self.clock.time()
        if not active() or self._gate.asleep:
            return SAMPLE_PERIOD
        if not self._client.connected:
            return ERROR_BACKOFF
        counters = self._gate.counters
        try:
            await self.sample()
        except VEBusError as err:
            _LOGGER.debug("No sample from %s: %s", self._client.url, err)
            counters["samples_failed"] += 1
            return ERROR_BACKOFF
        counters["samples"] += 1
        return max(0.0, SAMPLE_PERIOD - (self.clock.time() - started))

    async def run_sampling(self, active: Callable[[], bool] = lambda: True) -> None:
        """``sampling_step`` after ``sampling_step`` until cancelled."""
        while True:
            await self.clock.sleep(await self.sampling_step(active))

    def add_status(self, status: VEBusStatus) -> None:
        """A refresh's values count as a sample."""
        ram = dict(status.ram)
        if status.dc is not None:
            ram[RamVar.BATTERY_VOLTAGE] = status.dc.voltage
            ram[RamVar.BATTERY_CURRENT] = status.dc.current
        self.add(PowerSample.from_ram(self.clock.time(), ram))

    def add(self, sample: PowerSample) -> None:
        self.last_sample = sample
        if sample.soc is not None and math.isfinite(sample.soc):
            self._last_soc = sample.soc
        if self.on_sample is not None:
            self.on_sample(sample)
        self._to_ess(sample)
        self.energy.add(
            sample.at,
            battery=sample.battery_power,
            grid=sample.grid_power,
            output=sample.output_power,
        )

    @property
    def soc(self) -> float | None:
        """The battery monitor's state of charge (%) as last read; None without one (the
        unit lacks the RAM variable, or its battery capacity setting is 0: monitor off)."""
        if RamVar.STATE_OF_CHARGE not in self._facts.supported_ram:
            return None
        capacity = self._known.values.get(Setting.BATTERY_CAPACITY)
        if capacity is not None and capacity.value == 0:
            return None
        return self._last_soc
