"""The ``vebus`` command line (design.md §3).

Errors print one line and exit non-zero; ``-v`` shows every frame in hex.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import json
import sys

from ..foundation.cli_args import CommandParser, between, finite_number
from ..foundation.cli_runner import run_cli, say
from .cli_backup import cmd_backup, cmd_diff, cmd_restore
from .cli_eeprom import eeprom_record
from .cli_format import format_ram, format_status
from .client import VEBusClient
from .device.states import Mode
from .errors import VEBusError, VEBusUnsupportedError
from .ess.setpoint import DEFAULT_MAX_POWER, INT16_MAX
from .plausible import Plausibility, nominal_voltage, read_nominal_voltage
from .protocol.ids import (
    ASSISTANT_START,
    SETTING_UNITS,
    RamVar,
    Setting,
    ram_id,
    ram_name,
    setting_id,
    setting_name,
)
from .reading.status import StatusPlan, find_units, read_status, status_to_json
from .unit import VEBusUnit


async def cmd_probe(client: VEBusClient, args: argparse.Namespace) -> int:
    info = await client.probe()
    firmware = info.firmware_version if info.firmware_version is not None else "unknown"
    serial = f", serial {info.serial_number}" if info.serial_number else ""
    say(
        f"{info.interface_model} {info.interface_version} at {client.url}: "
        f"VE.Bus unit at address {client.address}, firmware {firmware}{serial}"
    )
    return 0


async def cmd_monitor(client: VEBusClient, args: argparse.Namespace) -> int:
    plan = StatusPlan(units=await find_units(client))  # once: the system does not change
    plausibility = Plausibility()
    plausibility.nominal_voltage = await read_nominal_voltage(client) or nominal_voltage(None)
    while True:
        status = plausibility.status(await read_status(client, plan))
        if args.json:
            shown = say(json.dumps(status_to_json(status)))
        else:
            shown = say(format_status(status) + "\n")
        if args.once or not shown:  # nobody reads any more: nothing left to do
            return 0
        await asyncio.sleep(args.interval)


async def cmd_mode(client: VEBusClient, args: argparse.Namespace) -> int:
    unit = VEBusUnit(client)
    if args.standby is not None:
        await unit.set_standby(args.standby)
    await unit.set_mode(Mode(args.mode), args.current_limit)
    config = await client.ac_input_config()
    say(f"mode {config.mode}, input limit {config.current_limit} A")
    return 0


async def cmd_setting(client: VEBusClient, args: argparse.Namespace) -> int:
    if args.action == "list":
        header = " ".join(f"{h:>10}" for h in ("value", "step", "default", "min", "max"))
        say(f"{'id':>3} {'name':32} {header}")
        for item in Setting:
            scale = await client.setting_info(item)
            if scale is None:
                continue
            value = scale.value(await client.read_setting_raw(item))
            unit = SETTING_UNITS.get(item, "")
            say(
                f"{item:>3} {setting_name(item):34} {value:>10g} {scale.step:>10g} "
                f"{scale.default:>10g} {scale.minimum:>10g} {scale.maximum:>10g} {unit}"
            )
        return 0
    setting = setting_id(args.key)
    name = setting_name(setting)
    if args.action == "get":
        say(f"{name} = {await client.read_setting(setting):g}")
        return 0
    vebus_unit = VEBusUnit(client)
    await vebus_unit.find_system()  # a system's units all get a setting of the tables
    if args.persist:
        async with eeprom_record(client, vebus_unit, forced=setting if args.force else None):
            reset = await vebus_unit.write_setting(setting, args.value, persist=True)
    elif args.force:
        raise ValueError("--force is for --persist: a RAM-only write has no interval")
    else:
        reset = await vebus_unit.write_setting(setting, args.value, persist=False)
    where = "EEPROM" if args.persist else "RAM only (lost when the unit restarts)"
    say(f"{name} := {args.value:g} ({where})" + (": restart the unit to apply" if reset else ""))
    return 0


async def cmd_ram(client: VEBusClient, args: argparse.Namespace) -> int:
    if args.action == "list":
        values = await client.read_ram_vars(list(RamVar))
        for item in RamVar:
            value = values[item]
            shown = "not supported" if value is None else format_ram(item, value)
            say(f"{item:>3} {ram_name(item):28} {shown}")
        return 0
    var = ram_id(args.key)
    name = ram_name(var)
    if args.action == "get":
        value = (await client.read_ram_vars([var]))[var]
        if value is None:
            raise VEBusUnsupportedError(f"{name} is not supported by this unit")
        say(f"{name} = {format_ram(var, value)}")
        return 0
    if var >= ASSISTANT_START and var == await client.find_ess_setpoint():
        raise VEBusUnsupportedError(
            f"RAM {var} is the ESS setpoint: set it with `vebus ess PORT set WATTS --keepalive S`,"
            " which bounds it, keeps it alive and returns it to 0 W"
        )
    await VEBusUnit(client).write_ram_var(var, args.value)
    say(f"{name} := {args.value:g}")
    return 0


async def cmd_ess(client: VEBusClient, args: argparse.Namespace) -> int:
    setpoint_id = await client.find_ess_setpoint()
    if setpoint_id is None:
        raise VEBusUnsupportedError("no ESS assistant found on this unit")
    if args.action == "find":
        say(f"ESS setpoint at RAM {setpoint_id}")
        return 0
    unit = VEBusUnit(client, ess_max_power=args.max_power, ess_keepalive=args.keepalive or 5.0)
    if args.keepalive is None:
        await unit.set_ess_setpoint(args.watts)
        say(f"ESS setpoint {args.watts} W (+ = charge); the unit drops it after about 15 s")
        return 0
    try:  # from the first write on, however the command ends, the setpoint goes back to 0 W
        await unit.set_ess_setpoint(args.watts)
        say(
            f"ESS setpoint {args.watts} W (+ = charge), re-sent every {args.keepalive:g} s; "
            "Ctrl-C (or any ending signal) returns it to 0 W"
        )
        await asyncio.Event().wait()
    finally:
        await asyncio.shield(unit.close())
    return 0  # not reached: a signal ends the wait


async def cmd_sleep(client: VEBusClient, args: argparse.Namespace) -> int:
    await client.sleep()
    say("sleep sent; the unit and the interface go quiet")
    return 0


async def cmd_wake(client: VEBusClient, args: argparse.Namespace) -> int:
    await VEBusUnit(client).wake()
    say("the unit is awake")
    return 0


Command = Callable[[VEBusClient, argparse.Namespace], Awaitable[int]]
COMMANDS: dict[str, Command] = {
    "probe": cmd_probe,
    "monitor": cmd_monitor,
    "mode": cmd_mode,
    "setting": cmd_setting,
    "ram": cmd_ram,
    "ess": cmd_ess,
    "sleep": cmd_sleep,
    "wake": cmd_wake,
    "backup": cmd_backup,
    "diff": cmd_diff,
    "restore": cmd_restore,
}


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        "vebus",
        "Talk to a Victron VE.Bus unit through an MK2/MK3 interface.",
        "log every frame in hex",
    )
    with_port = parser.with_port

    with_port("probe", "check that a unit answers")
    monitor = with_port("monitor", "show the unit's state")
    monitor.add_argument("--once", action="store_true", help="read once and exit")
    monitor.add_argument("--json", action="store_true", help="one JSON object per read")
    monitor.add_argument(
        "--interval", type=between(0.1, 3600), default=2.0, help="seconds between reads"
    )

    mode = with_port("mode", "switch the unit on, off, charger only or inverter only")
    mode.add_argument("mode", choices=[m.value for m in Mode])
    mode.add_argument(
        "--current-limit", type=between(0, 1000), help="AC input current limit in A (RAM only)"
    )
    mode.add_argument(
        "--standby", action=argparse.BooleanOptionalAction, help="hold the standby line (MK3)"
    )

    for name, help_text in (("setting", "device settings"), ("ram", "RAM variables")):
        sub = with_port(name, help_text)
        actions = sub.add_subparsers(dest="action", required=True)
        actions.add_parser("list")
        actions.add_parser("get").add_argument("key", help="name or id")
        setter = actions.add_parser("set")
        setter.add_argument("key", help="name or id")
        setter.add_argument("value", type=finite_number)
        if name == "setting":
            setter.add_argument(
                "--persist",
                action="store_true",
                help="save to EEPROM (default: RAM only), at most once per setting per 10 "
                "minutes, counted across runs (a record in $XDG_STATE_HOME/victron-serial)",
            )
            setter.add_argument(
                "--force",
                action="store_true",
                help="save even within the 10 minutes: one more write of the unit's EEPROM, "
                "which wears out with writes",
            )

    ess = with_port("ess", "ESS mode 3 setpoint")
    ess_actions = ess.add_subparsers(dest="action", required=True)
    ess_actions.add_parser("find")
    ess_set = ess_actions.add_parser("set")
    ess_set.add_argument(
        "watts",
        type=between(-INT16_MAX, INT16_MAX, int),
        help="+ charges the battery from AC-in, - feeds in",
    )
    ess_set.add_argument(
        "--keepalive",
        type=between(0.5, 10),
        metavar="S",
        help="re-send every S seconds (0.5 to 10; the unit drops it after about 15 s) "
        "until Ctrl-C or another ending signal, then back to 0 W",
    )
    ess_set.add_argument(
        "--max-power",
        type=between(1, INT16_MAX, int),
        default=DEFAULT_MAX_POWER,
        metavar="W",
        help=f"refuse setpoints beyond this, charging or feeding in (default {DEFAULT_MAX_POWER})",
    )

    with_port("sleep", "put the unit to sleep")
    with_port("wake", "wake the unit up")

    backup = with_port("backup", "save every setting of the unit to a JSON file")
    backup.add_argument("file", help="the file to write")
    backup.add_argument("--overwrite", action="store_true", help="replace an existing file")
    diff = with_port("diff", "show what differs between a backup file and the unit")
    diff.add_argument("file", help="a file `vebus backup` wrote")
    diff.add_argument("--json", action="store_true", help="one JSON object")
    restore = with_port(
        "restore", "write the settings of a backup file that differ on the unit (RAM only)"
    )
    restore.add_argument("file", help="a file `vebus backup` wrote")
    restore.add_argument(
        "--save-permanently",
        action="store_true",
        help="also save the stored values to EEPROM (at most once per setting per 10 minutes)",
    )
    restore.add_argument(
        "--force", action="store_true", help="restore a file of another product or firmware"
    )
    restore.add_argument("--json", action="store_true", help="one JSON object")

    return parser


async def _run(args: argparse.Namespace) -> int:
    client = VEBusClient(args.port)
    try:
        await client.connect()
        return await COMMANDS[args.command](client, args)
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_cli(
        "vebus",
        lambda: _run(args),
        (VEBusError, ValueError, KeyError, OSError),
        verbose=args.verbose,
    )


if __name__ == "__main__":
    sys.exit(main())
