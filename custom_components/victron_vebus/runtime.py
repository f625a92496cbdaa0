"""What an entry holds while loaded: the coordinator of its family."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from .charger_coordinator import ChargerCoordinator
from .coordinator import VEBusCoordinator

# Platforms that serve both families take this and branch on the coordinator's type.
type VictronConfigEntry = ConfigEntry[VEBusCoordinator | ChargerCoordinator]
