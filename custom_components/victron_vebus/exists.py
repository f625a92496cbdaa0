"""Whether an entity exists on this unit: what every platform's ``exists_fn`` asks."""

from __future__ import annotations

from collections.abc import Callable

from .coordinator import VEBusCoordinator


def supports(ram_id: int) -> Callable[[VEBusCoordinator], bool]:
    """The unit has RAM variable ``ram_id`` (its variable info says so)."""
    return lambda coordinator: ram_id in coordinator.unit.supported_ram


def has_input(coordinator: VEBusCoordinator) -> bool:
    """An AC input, and a charger behind it: not on a Phoenix."""
    return coordinator.unit.has_charger


def input_supports(ram_id: int) -> Callable[[VEBusCoordinator], bool]:
    return lambda coordinator: has_input(coordinator) and supports(ram_id)(coordinator)
