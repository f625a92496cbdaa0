"""A charger that goes away: unavailable after a few seconds without a valid block, one log
line on the loss and one on the recovery, back by itself; over a pty and over TCP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_FAMILY, CONF_PORT, DOMAIN
from custom_components.victron_vebus.diagnostics import async_get_config_entry_diagnostics
from custom_components.victron_vebus.victron_serial.vedirect import VEDirectClient
from tests.ports import held_by_another_process
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import NAME, SERIAL, VOLTAGE, add_charger_through_flow, coordinator_of
from .conftest import loud

# Each of these waits spans refreshes (one a second, a silent one up to 5 s): on a machine
# whose cores are busy with other work they take a good while longer.
SLOW = 60.0


def recovered(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "recovered" in r.getMessage()]


def shown(hass: HomeAssistant) -> str:
    state = hass.states.get(VOLTAGE)
    assert state is not None
    return state.state


async def _stable_pty(sim: ChargerSimulator, tmp_path: Path) -> str:
    return await sim.start_pty(link=str(tmp_path / "ttyVEDIRECT"))  # survives a replug


async def _tcp(sim: ChargerSimulator, tmp_path: Path) -> str:
    return await sim.start_tcp()


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("endpoint", [_stable_pty, _tcp], ids=["pty", "tcp"])
async def test_unplugged_then_back_one_line_each_way(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    endpoint: Callable[[ChargerSimulator, Path], Awaitable[str]],
) -> None:
    _, entry = await add_charger_through_flow(hass, await endpoint(charger_sim, tmp_path))
    coordinator = coordinator_of(entry)
    caplog.set_level(logging.INFO)
    caplog.clear()

    await charger_sim.unplug()
    # The coordinator's own refreshes (one a second) find it gone and keep trying.
    await wait_for(
        lambda: shown(hass) == STATE_UNAVAILABLE, "the charger shows unavailable", deadline=SLOW
    )
    await wait_for(
        lambda: coordinator.counters["refresh_failures"] >= 2, "another try", deadline=SLOW
    )
    # One WARNING (an unplug is expected, no ERROR), however many refreshes fail.
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(f"{entry.title} is unavailable: ")

    charger_sim.charger.voltage = 27.25
    await charger_sim.replug()
    await wait_for(lambda: shown(hass) == "27.25", "the charger is back by itself", deadline=SLOW)
    assert recovered(caplog) == [f"Fetching {coordinator.name} data recovered"]
    assert len(loud(caplog)) == 1
    assert coordinator.counters["recoveries"] == 1


async def test_silent_charger_is_unavailable_after_a_few_seconds(
    hass: HomeAssistant, charger_sim: ChargerSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The port stays open, the blocks stop (no mains and no battery, or the TX wire off)."""
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    coordinator = coordinator_of(entry)
    caplog.set_level(logging.INFO)
    caplog.clear()
    charger_sim.faults.silent = True
    loop = hass.loop
    silent_since = loop.time()
    await wait_for(
        lambda: shown(hass) == STATE_UNAVAILABLE, "the silent charger goes", deadline=SLOW
    )
    # Not at the first missed block: a few seconds (the last block, then three missed).
    assert loop.time() - silent_since >= 3.5
    assert coordinator.counters["error_silent"] >= 1
    (line,) = loud(caplog)
    assert "The charger sends nothing" in line

    charger_sim.faults.silent = False
    await wait_for(
        lambda: shown(hass) != STATE_UNAVAILABLE, "the charger talks again", deadline=SLOW
    )
    assert len(recovered(caplog)) == 1


async def test_noise_on_the_line_costs_nothing_visible(
    hass: HomeAssistant, charger_sim: ChargerSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    coordinator = coordinator_of(entry)
    caplog.clear()
    charger_sim.faults.noise = 0.3
    charger_sim.faults.split = 0.3
    before = coordinator.charger.client.reader_stats.text_blocks
    await wait_for(
        lambda: coordinator.charger.client.reader_stats.text_blocks >= before + 8, "blocks go on"
    )
    assert shown(hass) != STATE_UNAVAILABLE
    assert loud(caplog) == []


async def test_port_busy_at_startup_is_a_repair_issue_until_freed(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    tty = await charger_sim.start_pty()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=NAME,
        unique_id=SERIAL,
        data={CONF_PORT: tty, CONF_FAMILY: "vedirect"},
    )
    entry.add_to_hass(hass)
    async with held_by_another_process(tty):
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}")
    await wait_for(lambda: charger_sim.clients == 0, "the simulator sees the port closed")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await wait_for(
        lambda: ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}") is None,
        "the issue goes with the first good refresh",
    )


async def test_a_busy_port_after_a_replug_is_a_repair_issue(
    hass: HomeAssistant, charger_sim: ChargerSimulator, tmp_path: Path
) -> None:
    link = await charger_sim.start_pty(link=str(tmp_path / "ttyVEDIRECT"))
    _, entry = await add_charger_through_flow(hass, link)
    coordinator = coordinator_of(entry)
    await charger_sim.unplug()
    await wait_for(lambda: shown(hass) == STATE_UNAVAILABLE, "unplugged", deadline=SLOW)
    await charger_sim.replug()
    holder = VEDirectClient(link)
    await holder.connect()
    try:
        await wait_for(
            lambda: ir.async_get(hass).async_get_issue(DOMAIN, f"port_busy_{entry.entry_id}"),
            "the busy port is a repair issue",
            deadline=SLOW,
        )
        assert coordinator.counters["error_port_busy"] >= 1
    finally:
        await holder.close()
    await wait_for(lambda: shown(hass) != STATE_UNAVAILABLE, "freed: back by itself", deadline=SLOW)


async def test_nothing_on_the_port_at_startup_retries(hass: HomeAssistant, tmp_path: Path) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=NAME,
        unique_id=SERIAL,
        data={CONF_PORT: str(tmp_path / "ttyGONE"), CONF_FAMILY: "vedirect"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_diagnostics_hide_the_serial_and_show_the_counters(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert SERIAL not in repr(diagnostics)
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    assert diagnostics["state"]["reading"]["serial"] == "**REDACTED**"
    assert diagnostics["state"]["reading"]["fields"]["SER#"] == "**REDACTED**"
    coordinator = diagnostics["coordinator"]
    assert coordinator["last_update_success"] is True
    assert coordinator["nvm_interval_minutes"] == 10
    assert coordinator["refresh"]["refreshes"] >= 1
    assert coordinator["device"]["model"] == NAME
    assert coordinator["charge_current_bounds"] == [3.0, 12.0]
    assert coordinator["reader"]["text_blocks"] >= 1
    assert coordinator["last_wish"] is None
