"""What a coordinator of either family does alike: the refresh's frame and its failures.

A refresh is counted, tracked (an unload waits for it), and its library errors become one
translated ``UpdateFailed`` each, with the port's repair issues: busy, gone (moved
elsewhere, maybe), silent. A family names its library's error classes and what a silent
device is called; its subclass reads the device and adds what is its own.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import CONF_PORT, DOMAIN, LOGGER
from .refresh_in_flight import RefreshInFlight
from .repairs import PORT_BUSY, MovedPortCheck, clear_port_issues, raise_port_issue
from .unavailable_log import WarnWhenUnavailable


@dataclass(frozen=True)
class LibraryErrors:
    """One library's error classes, as a failed refresh tells them apart."""

    base: type[Exception]
    connection: type[Exception]
    port_busy: type[Exception]
    port_not_found: type[Exception]
    timeout: type[Exception]


@dataclass(frozen=True)
class Silence:
    """A device that did not answer: the counter's kind and the message's translation key."""

    kind: str
    translation_key: str


class VictronCoordinator[T](WarnWhenUnavailable[T]):
    """Refreshes one device of a family; the subclass reads it (``_async_read``)."""

    config_entry: ConfigEntry[Any]
    errors: ClassVar[LibraryErrors]
    silence: ClassVar[Silence]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        update_interval: timedelta,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=update_interval,
            always_update=False,
            **kwargs,
        )
        self._in_flight = RefreshInFlight()
        self.moved = MovedPortCheck(hass, entry)

    @property
    @abstractmethod
    def counters(self) -> Counter[str]:
        """Refreshes, failures by kind, recoveries, writes; shown in diagnostics."""

    @abstractmethod
    async def _async_read(self) -> T:
        """Read the device once (its errors are the refresh's failures)."""

    def _answered(self, data: T) -> T:
        """What the entities get from a refresh that answered (and what else follows)."""
        return data

    async def _async_update_data(self) -> T:
        self.counters["refreshes"] += 1
        with self._in_flight.track(), self._update_failed():
            data = await self._async_read()
        if not self.last_update_success:
            self.counters["recoveries"] += 1
        clear_port_issues(self.hass, self.config_entry)
        self.moved.answered()
        return self._answered(data)

    @contextlib.contextmanager
    def _update_failed(self) -> Iterator[None]:
        errors = self.errors
        entry = self.config_entry
        try:
            yield
        except errors.port_busy as err:
            self._failed("port_busy")
            raise_port_issue(self.hass, entry, PORT_BUSY)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="port_busy",
                translation_placeholders={"port": entry.data[CONF_PORT]},
            ) from err
        except errors.connection as err:
            self._failed("connection_lost")
            if isinstance(err, errors.port_not_found):  # gone: moved elsewhere, maybe
                self.moved.failed()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="connection_lost",
                translation_placeholders={"error": str(err)},
            ) from err
        except errors.timeout as err:
            self._failed(self.silence.kind)
            self._silent()
            self.moved.failed()  # another device on the port now, maybe
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key=self.silence.translation_key
            ) from err
        except errors.base as err:
            self._failed("other")
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="refresh_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    def _failed(self, kind: str) -> None:
        self.counters["refresh_failures"] += 1
        self.counters[f"error_{kind}"] += 1

    def _silent(self) -> None:
        """The device did not answer (after the failure is counted)."""

    @abstractmethod
    async def async_release(self) -> None:
        """On unload or Home Assistant stop: no more refreshes, the port closed."""

    def async_release_on_stop(self) -> None:
        """Release when Home Assistant stops (for as long as the entry is loaded)."""

        async def _release_on_stop(_event: Event) -> None:
            await self.async_release()

        self.config_entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _release_on_stop)
        )
