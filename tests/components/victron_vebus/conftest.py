"""Fixtures of the Home Assistant tests: the integration set up against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from custom_components.victron_vebus.coordinator import VEBusCoordinator
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components/ in every test."""


@pytest.fixture(autouse=True)
def no_frozen_event_loop(request: pytest.FixtureRequest) -> None:
    """``freezer`` freezes the event loop's clock too (Home Assistant binds ``loop.time``
    to the patched monotonic clock), and the simulator runs on that clock: it would never
    answer and the test would hang. Time passes through a clock the code accepts instead
    (``FakeClock``), or Home Assistant's timers are fired early (``async_fire_time_changed``).
    """
    if "freezer" in request.fixturenames:
        pytest.fail("freezer freezes the event loop the simulator runs on; use tests/clock.py")


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """An unpaced MultiPlus 12 V simulator; start its pty or TCP endpoint in the test."""
    sim = Simulator("multiplus-12", paced=False)
    yield sim
    await sim.stop()


@pytest.fixture
async def mock_setup_entry(hass: HomeAssistant) -> AsyncIterator[AsyncMock]:
    """Entry setup and unload replaced: flow tests do not start the coordinator.

    Entries are unloaded before the patches end, so Home Assistant's shutdown does not
    run the real unload on an entry the real setup never saw.
    """
    with (
        patch(
            "custom_components.victron_vebus.async_setup_entry", return_value=True
        ) as setup_entry,
        patch("custom_components.victron_vebus.async_unload_entry", return_value=True),
    ):
        yield setup_entry
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_unload(entry.entry_id)


# --- integration set up against the simulator --------------------------------------

TITLE = "MultiPlus"
UNIQUE_ID = "HQ2043ABCDE"


def write_requests(sim: Simulator) -> list[bytes]:
    """WriteViaID requests (winmon 0x37) that reached the simulator."""
    return [r for r in sim.requests if len(r) > 4 and r[1] == 0xFF and r[3] == 0x37]


# Said in every test, whatever happens: of any custom integration, and of aiohttp's zlib.
_NOISE = ("has not been tested by Home Assistant", "zlib_ng and isal are not available")


class _Complaints(logging.Handler):
    """Warnings and errors logged meanwhile, by anyone (a dependency's setup, say)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not any(noise in message for noise in _NOISE):
            self.lines.append(f"{record.name}: {message}")


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set ``entry`` up with the real integration; a test that needs it loaded fails here,
    with the reason Home Assistant gave, not later on a missing ``runtime_data``."""
    complaints = _Complaints()
    logging.getLogger().addHandler(complaints)
    try:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    finally:
        logging.getLogger().removeHandler(complaints)
    if entry.state is not ConfigEntryState.LOADED:
        logged = " | ".join(complaints.lines[-3:]) or "nothing logged"
        pytest.fail(f"the entry did not load ({entry.state.value}: {entry.reason}); {logged}")


async def add_entry(
    hass: HomeAssistant, port: str, options: dict[str, object] | None = None, *, loads: bool = True
) -> MockConfigEntry:
    """Add an entry for ``port`` and set it up with the real integration (``loads``: it
    must load)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=UNIQUE_ID,
        data={CONF_PORT: port, CONF_INTERFACE: "MK3"},
        options=options or {},
    )
    entry.add_to_hass(hass)
    if loads:
        await set_up(hass, entry)
    else:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


@pytest.fixture
async def vebus_sim() -> AsyncIterator[Simulator]:
    """A MultiPlus 12 V simulator with frozen physics, so values can be compared exactly."""
    sim = Simulator("multiplus-12", paced=False, live=False, seed=7)
    yield sim
    await sim.stop()


@pytest.fixture
def entry_options() -> dict[str, object]:
    return {}


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant, vebus_sim: Simulator, entry_options: dict[str, object]
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up over a real pty against ``vebus_sim``."""
    entry = await add_entry(hass, await vebus_sim.start_pty(), entry_options)
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def control(coordinator: Any, method: str, *args: Any, **kwargs: Any) -> Awaitable[Any]:
    """A control of the unit through the coordinator, as entities and actions run one."""
    return coordinator.async_control(lambda unit: getattr(unit, method)(*args, **kwargs))  # type: ignore[no-any-return]


# --- a Blue Smart charger (VE.Direct) -----------------------------------------------------

CHARGER_MODEL = "ip22-24-12"
CHARGER_BLOCK_INTERVAL = 0.25  # s of real time per device second: blocks come four a second


@pytest.fixture
async def charger_sim() -> AsyncIterator[ChargerSimulator]:
    """An unpaced IP22 24|12 with frozen physics; start its pty or TCP endpoint in the test."""
    sim = ChargerSimulator(
        CHARGER_MODEL, paced=False, live=False, block_interval=CHARGER_BLOCK_INTERVAL, seed=3
    )
    yield sim
    await sim.stop()


async def recovered(hass: HomeAssistant, coordinator: VEBusCoordinator) -> bool:
    """One refresh; True once it succeeds (the next, or one soon after on a busy machine)."""
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    return coordinator.last_update_success


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings and errors of this integration. A busy machine may add Home Assistant's own
    "taking over 10 seconds" warnings and asyncio's slow-callback notes; these tests are not
    about those."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components.victron_vebus")
    ]
