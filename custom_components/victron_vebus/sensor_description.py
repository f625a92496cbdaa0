"""What a sensor description of either family says: its value and attributes, read from
the coordinator's data (``D``: a VE.Bus unit's ``UnitState``, a charger's ``ChargerState``),
and what it needs polled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.helpers.typing import StateType

from .needs import Need


@dataclass(frozen=True, kw_only=True)
class DataSensorDescription[D](SensorEntityDescription):
    value_fn: Callable[[D], StateType]
    attributes_fn: Callable[[D], dict[str, Any] | None] = lambda _: None
    needs: tuple[Need, ...] = ()
    live: bool = False  # also told of each live update between refreshes (``LiveValues``)
