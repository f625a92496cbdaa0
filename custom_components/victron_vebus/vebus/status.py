"""One full read of a unit's state: what ``vebus monitor`` prints and what the
Home Assistant coordinator polls. The request set is chosen by ``StatusPlan`` so
only what is wanted goes on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .client import VEBusClient
from .errors import VEBusUnsupportedError
from .ids import SNAPSHOT_POWER_IDS, RamVar
from .models import AcInfo, AcInputConfig, DcInfo, DeviceStatus, LedStatus

POWER_INVERTER, POWER_INPUT, POWER_OUTPUT = SNAPSHOT_POWER_IDS


@dataclass(frozen=True, slots=True)
class StatusPlan:
    """Which parts to read. Defaults read everything ``monitor`` shows."""

    leds: bool = True
    dc: bool = True
    ac: bool = True
    phases: int | None = None  # None: learn from the L1 frame
    ac_input: bool = True
    device_state: bool = True
    snapshot_ids: tuple[int, ...] = (*SNAPSHOT_POWER_IDS, RamVar.STATE_OF_CHARGE)
    ram_ids: tuple[int, ...] = ()  # read with 0x30 besides the snapshot


@dataclass(slots=True)
class VEBusStatus:
    interface_version: int | None
    address: int
    leds: LedStatus | None = None
    dc: DcInfo | None = None
    ac: list[AcInfo] = field(default_factory=list)
    ac_input: AcInputConfig | None = None
    device: DeviceStatus | None = None
    ram: dict[int, float | None] = field(default_factory=dict)

    @property
    def phases(self) -> int:
        return self.ac[0].phases if self.ac and self.ac[0].phases else max(1, len(self.ac))

    @property
    def soc(self) -> float | None:
        value = self.ram.get(RamVar.STATE_OF_CHARGE)
        return None if value is None else round(value * 100, 1)


async def read_status(client: VEBusClient, plan: StatusPlan | None = None) -> VEBusStatus:
    """Read what ``plan`` asks for, one request after another with no gaps."""
    plan = plan or StatusPlan()
    if client.interface_version is None:
        await client.version()  # once per client; heartbeats keep it current after that
    status = VEBusStatus(client.interface_version, client.address)
    if plan.leds:
        status.leds = await client.leds()
    if plan.dc:
        status.dc = await client.dc_info()
    if plan.ac:
        first = await client.ac_info(1)
        status.ac.append(first)
        phases = plan.phases or first.phases or 1
        for phase in range(2, phases + 1):
            status.ac.append(await client.ac_info(phase))
    if plan.ac_input:
        status.ac_input = await client.ac_input_config()
    if plan.snapshot_ids:
        status.ram |= await client.snapshot(list(plan.snapshot_ids))
    if plan.ram_ids:
        status.ram |= await client.read_ram_vars(list(plan.ram_ids))
    if plan.device_state:
        try:
            status.device = await client.device_state()
        except VEBusUnsupportedError:
            status.device = None
    status.interface_version = client.interface_version
    return status


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _power(value: float | None) -> int | None:
    return None if value is None else round(value)


def status_to_json(status: VEBusStatus) -> dict[str, Any]:
    """The ``vebus monitor --json`` schema (design.md §3): SI units, null where unknown.

    ``power`` keeps the device's signs: inverter + = charging (AC to DC),
    input + = feeding into AC-in, output + = to the loads.
    """
    device = status.device
    state = device.state if device else (status.ac[0].state if status.ac else None)
    return {
        "mk_version": status.interface_version,
        "address": status.address,
        "state": state.name.lower() if state is not None else None,
        "state_raw": int(state) if state is not None else None,
        "charge_state": device.charge_state.name.lower() if device else None,
        "leds": {k: str(v) for k, v in status.leds.leds.items()} if status.leds else None,
        "dc": None
        if status.dc is None
        else {
            "voltage": _round(status.dc.voltage),
            "current": _round(status.dc.current),
            "inverter_current": _round(status.dc.inverter_current),
            "charger_current": _round(status.dc.charger_current),
            "frequency": _round(status.dc.frequency),
        },
        "ac": [
            {
                "phase": ac.phase,
                "phases": status.phases,
                "input_voltage": _round(ac.input_voltage),
                "input_current": _round(ac.input_current),
                "input_frequency": _round(ac.input_frequency),
                "output_voltage": _round(ac.output_voltage),
                "output_current": _round(ac.output_current),
            }
            for ac in status.ac
        ],
        "ac_input": None
        if status.ac_input is None
        else {
            "current_limit": status.ac_input.current_limit,
            "minimum": status.ac_input.minimum,
            "maximum": status.ac_input.maximum,
            "active_input": status.ac_input.active_input,
            "inputs": status.ac_input.inputs,
        },
        "switch": None
        if status.ac_input is None
        else {
            "mode": str(status.ac_input.mode),
            "front_switch": str(status.ac_input.front_switch),
        },
        "soc": status.soc,
        "power": {
            "inverter": _power(status.ram.get(POWER_INVERTER)),
            "input": _power(status.ram.get(POWER_INPUT)),
            "output": _power(status.ram.get(POWER_OUTPUT)),
        },
    }
