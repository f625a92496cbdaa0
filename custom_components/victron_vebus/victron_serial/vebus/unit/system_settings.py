"""A system of several units (parallel, or on several phases) runs one configuration.

The settings of the control tables go to every unit, each write confirmed, the unit
addressed first. Of a flags word every unit gets the switches' bits and keeps its own (its
place in the system). A unit that does not take a write fails it, named
(``VEBusUnitWriteError``). Each read of such a setting reads the other units too, and what
they hold differently is ``disagreements``.
"""

from __future__ import annotations

import logging

from ..client import VEBusClient
from ..device.controls import FLAG_SWITCHES, SYSTEM_SETTINGS, system_bits
from ..errors import VEBusError, VEBusTimeoutError, VEBusUnitWriteError, VEBusUnsupportedError
from ..protocol.ids import FLAG_SETTINGS, SETTING_UNITS, setting_name
from .facts import UnitFacts
from .state import SettingDisagreement

_LOGGER = logging.getLogger(__name__)


class SystemSettings:
    """Settings written to every unit of the system, and compared between them."""

    def __init__(self, client: VEBusClient, facts: UnitFacts) -> None:
        self._client = client
        self._facts = facts
        self._disagreements: dict[int, list[SettingDisagreement]] = {}  # by setting id

    @property
    def disagreements(self) -> tuple[SettingDisagreement, ...]:
        """Settings the units of the system hold differently, as last read."""
        return tuple(
            d for setting in sorted(self._disagreements) for d in self._disagreements[setting]
        )

    async def write(self, setting_id: int, raw: int, *, persist: bool) -> bool:
        """``raw`` to the unit addressed, then, for a setting of the tables, to every other
        unit of the system, each write confirmed. True when one needs a restart for it."""
        client = self._client
        reset = await client.write_setting_raw(setting_id, raw, persist=persist)
        if setting_id not in SYSTEM_SETTINGS:
            return reset
        for address in self._facts.other_units:
            try:
                unit_raw = await self._raw_at(setting_id, raw, address)
                reset |= await client.write_setting_raw(
                    setting_id, unit_raw, persist=persist, address=address
                )
            except VEBusError as err:
                raise VEBusUnitWriteError(setting_name(setting_id), address, err) from err
        return reset

    async def _raw_at(self, setting_id: int, raw: int, address: int) -> int:
        """What the unit at ``address`` gets when the unit addressed gets ``raw``: the same,
        but of a flags word only the switches' bits, its own kept."""
        shared = system_bits(setting_id)
        if shared == 0xFFFF:
            return raw
        own = await self._client.read_setting_raw(setting_id, address=address)
        return own & ~shared | raw & shared

    async def read_others(self, setting_ids: list[int]) -> dict[int, dict[int, int]]:
        """Setting id -> address -> the stored value at each other unit of the system, unit
        by unit (one address selection each), once without retries: a unit that does not
        answer is left out of this refresh's comparison."""
        found: dict[int, dict[int, int]] = {setting_id: {} for setting_id in setting_ids}
        for address in self._facts.other_units if setting_ids else ():
            try:
                for setting_id in setting_ids:
                    found[setting_id][address] = await self._client.read_setting_raw(
                        setting_id, address=address, retries=0
                    )
            except (VEBusTimeoutError, VEBusUnsupportedError) as err:
                _LOGGER.debug("Unit %s: settings not compared this time: %s", address, err)
                for values in found.values():
                    values.pop(address, None)
        return found

    def compare(self, setting_id: int, by_address: dict[int, int]) -> None:
        """What the units hold differently of one setting: its value, or a flags word's
        switches one by one (the other bits are each unit's own)."""
        scale = self._facts.setting_scales[setting_id]
        found: list[SettingDisagreement] = []
        if setting_id in FLAG_SETTINGS:
            for flag in FLAG_SWITCHES:
                if flag.setting_id != setting_id or not self._facts.offers(flag):
                    continue
                states = {address: flag.is_on(word) for address, word in by_address.items()}
                if len(set(states.values())) > 1:
                    shown = tuple((a, "on" if on else "off") for a, on in sorted(states.items()))
                    found.append(SettingDisagreement(flag.key, shown))
        elif len(set(by_address.values())) > 1:
            unit = SETTING_UNITS.get(setting_id)
            shown = tuple(
                (address, f"{scale.value(raw):g}" + (f" {unit}" if unit else ""))
                for address, raw in sorted(by_address.items())
            )
            found.append(SettingDisagreement(setting_name(setting_id), shown))
        if found:
            self._disagreements[setting_id] = found
        else:
            self.agreed(setting_id)

    def agreed(self, setting_id: int) -> None:
        """The units hold one value of the setting (one written RAM only to every unit)."""
        self._disagreements.pop(setting_id, None)
