"""How a coordinator logs its device going and coming back.

Home Assistant's log-when-unavailable rule: one line when the device becomes unavailable,
one when it is back. Its coordinator logs the first as an ERROR; an unplugged cable, a unit
switched off or a charger without mains is expected, so here it is one WARNING naming the
reason; the recovery stays the coordinator's one INFO line ("... data recovered").
"""

from __future__ import annotations

from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed


class WarnWhenUnavailable[T](DataUpdateCoordinator[T]):
    """A coordinator whose failed refresh (UpdateFailed) is one WARNING, not an ERROR."""

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        available = self.last_update_success
        try:
            await super()._async_refresh(
                log_failures=False,
                raise_on_auth_failed=raise_on_auth_failed,
                scheduled=scheduled,
                raise_on_entry_error=raise_on_entry_error,
            )
        finally:
            error = self.last_exception
            if log_failures and available and not self.last_update_success:
                if isinstance(error, UpdateFailed):
                    self.logger.warning(
                        "%s is unavailable: %s. It is tried again by itself", self._title, error
                    )
                elif isinstance(error, ConfigEntryError | TimeoutError):
                    # Those the coordinator would have logged (anything else it logs itself).
                    self.logger.error("Error fetching %s data: %s", self.name, error)

    @property
    def _title(self) -> str:
        entry = self.config_entry
        return entry.title if entry is not None else self.name
