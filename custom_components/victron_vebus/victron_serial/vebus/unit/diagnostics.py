"""What a unit shows in diagnostics: its identity and system, its ESS, what it supports,
its RAM-only ledger and the disagreements of its units, the EEPROM saves, the counters of
the unit and of its line."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from ..client import VEBusClient
from ..plausible import Plausibility
from ..protocol.ids import ram_name, setting_name
from .ess import UnitEss
from .facts import UnitFacts
from .ram_only import RamOnlyLedger
from .settings import Settings


def unit_diagnostics(
    client: VEBusClient,
    facts: UnitFacts,
    settings: Settings,
    ess: UnitEss,
    ledger: RamOnlyLedger,
    *,
    to_check: bool,
    counters: Counter[str],
    plausibility: Plausibility,
) -> dict[str, Any]:
    """The diagnostics of one unit, from its parts (``ledger``: as ``ram_only_ledger``
    gives it, ``to_check``: part of it is not checked against the unit yet)."""
    device = facts.device
    return {
        "device": None
        if device is None
        else {
            "interface": device.interface_model,
            "interface_version": device.interface_version,
            "firmware_version": device.firmware_version,
            "serial_number": device.serial_number,
        },
        "phases": facts.phases,
        "unit_addresses": list(facts.addresses),
        **ess.diagnostics(),
        "supported_ram": [ram_name(i) for i in sorted(facts.supported_ram)],
        "settings": [setting_name(i) for i in sorted(facts.setting_scales)],
        # Each setting in force, and stored when it was written RAM only.
        "ram_only_settings": settings.ram_only.diagnostics(
            facts.setting_scales, dict(ledger.settings)
        ),
        "ram_only_current_limit": ledger.current_limit,
        "ram_only_to_check": to_check,
        "units_disagree_on": [str(d) for d in settings.system.disagreements],
        "unconfirmed_ram_only_settings": [
            setting_name(i) for i in sorted(settings.ram_only.unsure)
        ],
        "eeprom_saved": {setting_name(k): v for k, v in sorted(settings.eeprom.saved.items())},
        "session": client.session,
        "counters": dict(sorted(counters.items())),
        "implausible_values": dict(sorted(plausibility.counts.items())),
        "framing": asdict(client.framing_stats),
        "client": client.stats.as_dict(),
    }
