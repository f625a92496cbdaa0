"""One full read of a unit's state: what ``vebus monitor`` prints and what the
Home Assistant coordinator polls. The request set is chosen by ``StatusPlan`` so
only what is wanted goes on the wire. In a system of several units ``find_units``
learns their addresses once and ``StatusPlan.units`` reads each unit's own LEDs, DC
and AC values (select its address, read, select the client's address again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import VEBusClient
from ..device.states import AcInfo, AcInputConfig, DcInfo, DeviceStatus, LedStatus
from ..errors import VEBusTimeoutError, VEBusUnsupportedError
from ..protocol import GetSetDeviceState
from ..protocol.ids import SNAPSHOT_POWER_IDS, RamVar

POWER_INVERTER, POWER_INPUT, POWER_OUTPUT = SNAPSHOT_POWER_IDS
MAX_UNITS = 18  # a VE.Bus system: up to six units on each of three phases
# A unit's own AC values, read with winmon at its address.
UNIT_AC_IDS = (
    RamVar.MAINS_VOLTAGE,
    RamVar.MAINS_CURRENT,
    RamVar.MAINS_PERIOD,
    RamVar.INVERTER_VOLTAGE,
    RamVar.INVERTER_CURRENT,
)


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
    units: tuple[int, ...] = ()  # addresses whose own values to read (``find_units``)
    # Settings ``VEBusUnit.refresh`` reads (of those it tracks); None: every one it tracks.
    setting_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class UnitAc:
    """One unit's own AC values (its RAM variables, not the system's phase frame)."""

    input_voltage: float | None
    input_current: float | None
    input_frequency: float | None
    output_voltage: float | None
    output_current: float | None


@dataclass(slots=True)
class UnitStatus:
    address: int
    leds: LedStatus | None = None
    dc: DcInfo | None = None
    ac: UnitAc | None = None


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
    units: list[UnitStatus] = field(default_factory=list)

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
    for address in plan.units:
        status.units.append(await _read_unit(client, address))
    status.interface_version = client.interface_version
    return status


async def find_units(client: VEBusClient, limit: int = MAX_UNITS) -> tuple[int, ...]:
    """Addresses of the units on the bus when there are several, else ().

    Asks each address from 0 up for its device state, once and without retries: the
    first address nobody answers at ends the search (one timeout on a single unit). A unit
    whose firmware does not know the request answers "unknown command": it is there all
    the same (its state then comes from the AC frame).
    """
    home = client.address
    found = [home]
    try:
        for address in range(limit):
            if address == home:
                continue
            await client.select_address(address)
            try:
                await client.link.exchange(GetSetDeviceState(), retries=0)
            except VEBusTimeoutError:
                break
            except VEBusUnsupportedError:
                pass  # an answer: the unit is there
            found.append(address)
    finally:
        await client.select_address(home)
    return tuple(sorted(found)) if len(found) > 1 else ()


async def _read_unit(client: VEBusClient, address: int) -> UnitStatus:
    """One unit's LEDs, DC and own AC values; parts it does not answer stay None.

    Each request names the unit's address itself, so a request running meanwhile (a
    sample, the ESS keep-alive) still goes to the address it meant."""
    unit = UnitStatus(address)
    try:
        unit.leds = await client.leds(address=address)
        unit.dc = await client.dc_info(address=address)
        values = await client.read_ram_vars(list(UNIT_AC_IDS), address=address)
        period = values[RamVar.MAINS_PERIOD]
        unit.ac = UnitAc(
            input_voltage=values[RamVar.MAINS_VOLTAGE],
            input_current=values[RamVar.MAINS_CURRENT],
            input_frequency=None if period is None else 10 / period if period > 0 else 0.0,
            output_voltage=values[RamVar.INVERTER_VOLTAGE],
            output_current=values[RamVar.INVERTER_CURRENT],
        )
    except (VEBusTimeoutError, VEBusUnsupportedError):
        pass
    return unit


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _power(value: float | None) -> int | None:
    return None if value is None else round(value)


def _leds_json(leds: LedStatus | None) -> dict[str, str] | None:
    return {k: str(v) for k, v in leds.leds.items()} if leds else None


def _dc_json(dc: DcInfo | None) -> dict[str, float | None] | None:
    if dc is None:
        return None
    return {
        "voltage": _round(dc.voltage),
        "current": _round(dc.current),
        "inverter_current": _round(dc.inverter_current),
        "charger_current": _round(dc.charger_current),
        "frequency": _round(dc.frequency),
    }


def _unit_json(unit: UnitStatus) -> dict[str, Any]:
    ac = unit.ac
    return {
        "address": unit.address,
        "leds": _leds_json(unit.leds),
        "dc": _dc_json(unit.dc),
        "ac": None
        if ac is None
        else {
            "input_voltage": _round(ac.input_voltage),
            "input_current": _round(ac.input_current),
            "input_frequency": _round(ac.input_frequency),
            "output_voltage": _round(ac.output_voltage),
            "output_current": _round(ac.output_current),
        },
    }


def status_to_json(status: VEBusStatus) -> dict[str, Any]:
    """The ``vebus monitor --json`` schema (design.md §3): SI units, null where unknown.

    ``power`` keeps the device's signs: inverter + = charging (AC to DC),
    input + = feeding into AC-in, output + = to the loads. ``units`` lists each unit's
    own values in a system of several (empty for one unit).
    """
    device = status.device
    state = device.state if device else (status.ac[0].state if status.ac else None)
    return {
        "mk_version": status.interface_version,
        "address": status.address,
        "state": state.name.lower() if state is not None else None,
        "state_raw": int(state) if state is not None else None,
        "charge_state": device.charge_state.name.lower() if device else None,
        "leds": _leds_json(status.leds),
        "dc": _dc_json(status.dc),
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
        "units": [_unit_json(unit) for unit in status.units],
    }
