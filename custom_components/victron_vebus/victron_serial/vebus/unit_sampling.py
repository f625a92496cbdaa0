"""The key values several times a second, and the energy totals integrated from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import logging
import math

from .errors import (
    VEBusError,
)
from .ids import (
    RamVar,
    Setting,
)
from .sampling import ERROR_BACKOFF, SAMPLE_IDS, SAMPLE_PERIOD, PowerSample
from .status import VEBusStatus
from .unit_ledger import UnitLedger

_LOGGER = logging.getLogger(__name__)


class UnitSampling(UnitLedger):
    """Samples of the key values between refreshes; each refresh's values count too."""

    async def sample(self) -> PowerSample:
        """Battery, AC-in, AC-out and inverter power and the state of charge at one instant,
        in one round trip; tried once (the sampler comes back soon)."""
        ram = await self.client.snapshot(list(self._snapshot_ids()), retries=0)
        sample = PowerSample.from_ram(self.clock.time(), self.plausibility.ram(ram))
        if self.ess_control is not None and self.ess_control.active:
            sample = await self._with_phases(sample)
        self._add_sample(sample)
        return sample

    async def _with_phases(self, sample: PowerSample) -> PowerSample:
        """The other phase masters' AC-in as well, for the ESS control's total."""
        addresses = [a for a in (self.ess.addresses if self.ess else []) if a is not None]
        if not addresses:
            return sample
        grid = [sample.grid_power]
        for address in addresses:
            ram = await self.client.read_ram_vars([RamVar.INPUT_POWER], address=address)
            value = self.plausibility.ram(ram).get(RamVar.INPUT_POWER)
            grid.append(None if value is None else -value)
        return replace(sample, phase_grid_power=tuple(grid))

    async def sampling_step(self, active: Callable[[], bool] = lambda: True) -> float:
        """One sample when ``active()`` and connected; returns the seconds until the next
        step: what is left of ``SAMPLE_PERIOD``, or ``ERROR_BACKOFF`` after a failed
        reading (unplugged, asleep: reconnecting is the refresh's business)."""
        started = self.clock.time()
        if not active() or self.asleep:
            return SAMPLE_PERIOD
        if not self.client.connected:
            return ERROR_BACKOFF
        try:
            await self.sample()
        except VEBusError as err:
            _LOGGER.debug("No sample from %s: %s", self.client.url, err)
            self.counters["samples_failed"] += 1
            return ERROR_BACKOFF
        self.counters["samples"] += 1
        return max(0.0, SAMPLE_PERIOD - (self.clock.time() - started))

    async def run_sampling(self, active: Callable[[], bool] = lambda: True) -> None:
        """``sampling_step`` after ``sampling_step`` until cancelled."""
        while True:
            await self.clock.sleep(await self.sampling_step(active))

    def _sample_of(self, status: VEBusStatus) -> PowerSample:
        ram = dict(status.ram)
        if status.dc is not None:
            ram[RamVar.BATTERY_VOLTAGE] = status.dc.voltage
            ram[RamVar.BATTERY_CURRENT] = status.dc.current
        return PowerSample.from_ram(self.clock.time(), ram)

    def _snapshot_ids(self) -> tuple[int, ...]:
        """One id list for every snapshot: when a lossy line drops the 'F' 6 and not the
        0x38, the reply is the previous snapshot, and its values still match their ids."""
        return tuple(i for i in SAMPLE_IDS if i in self.supported_ram)

    def _add_sample(self, sample: PowerSample) -> None:
        self.last_sample = sample
        if sample.soc is not None and math.isfinite(sample.soc):
            self._last_soc = sample.soc
        if self.on_sample is not None:
            self.on_sample(sample)
        if self.ess_control is not None:
            self.ess_control.on_sample(sample)
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
        if RamVar.STATE_OF_CHARGE not in self.supported_ram:
            return None
        capacity = self._settings.get(Setting.BATTERY_CAPACITY)
        if capacity is not None and capacity.value == 0:
            return None
        return self._last_soc
