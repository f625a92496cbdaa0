"""The charger's numbers against the simulator: every write bounded, skipped when held,
at most once per setting per interval (the simulator counts its non-volatile memory
writes), read back; a person is refused within the interval, an automation's newest wish
is written when the interval allows. Time moves through a fake clock the library accepts."""

from __future__ import annotations

import itertools
import random
from typing import Any

from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockUser

from custom_components.victron_vebus import charger_coordinator
from custom_components.victron_vebus.charger_coordinator import ChargerCoordinator
from custom_components.victron_vebus.const import CONF_NVM_INTERVAL
from custom_components.victron_vebus.errors import local_time
from custom_components.victron_vebus.victron_serial.vedirect import Reg, WishOutcome
from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import (
    ABSORPTION,
    ABSORPTION_SENSOR,
    FLOAT,
    FLOAT_SENSOR,
    LIMIT,
    add_charger_through_flow,
    coordinator_of,
    nvm_writes,
    wish_settled,
)

LIMIT_ID = Reg.CHARGE_CURRENT_LIMIT.id
USER_DEFINED, PRESET = 0xFF, 0x01  # battery types (0xEDF1)
INTERVAL = 600.0  # s: the default, 10 minutes


async def set_value(
    hass: HomeAssistant, entity_id: str, value: float, context: Context | None = None
) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: entity_id, "value": value},
        blocking=True,
        context=context,
    )


def shown(hass: HomeAssistant, entity_id: str) -> float:
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


@pytest.fixture
async def charger(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> tuple[ChargerCoordinator, FakeClock]:
    """The charger set up through the flow over a pty, its time on a fake clock; its
    battery type user defined, so its charge voltages can be set."""
    charger_sim.charger.settings[Reg.BATTERY_TYPE.id] = USER_DEFINED
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    coordinator = coordinator_of(entry)
    clock = FakeClock()
    coordinator.charger.clock = clock
    return coordinator, clock


@pytest.fixture
def person(hass_admin_user: MockUser) -> Context:
    """A call from the dashboard: a user in the context."""
    return Context(user_id=hass_admin_user.id)


async def test_a_person_writes_the_limit_once_per_interval(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    person: Context,
) -> None:
    _, clock = charger
    await set_value(hass, LIMIT, 8.0, person)
    assert charger_sim.charger.charge_current_limit == 8.0
    assert nvm_writes(charger_sim, LIMIT_ID) == 1
    assert shown(hass, LIMIT) == 8.0
    assert hass.states.get(LIMIT).attributes["next_write"] is not None

    # Too soon: refused, naming when it may be retried; nothing reaches the charger.
    with pytest.raises(ServiceValidationError) as refused:
        await set_value(hass, LIMIT, 9.0, person)
    assert refused.value.translation_key == "nvm_rate_limited"
    assert refused.value.translation_placeholders == {
        "item": "charge current limit",
        "interval": "10",
        "retry_at": local_time(clock.now + INTERVAL),
    }
    assert "it can be written again from" in str(refused.value)
    assert nvm_writes(charger_sim, LIMIT_ID) == 1
    assert shown(hass, LIMIT) == 8.0

    # The value the charger holds, to the device step (0.1 A): nothing to write, no refusal.
    await set_value(hass, LIMIT, 8.04, person)
    assert nvm_writes(charger_sim, LIMIT_ID) == 1

    clock.advance(INTERVAL)
    await set_value(hass, LIMIT, 9.0, person)
    assert charger_sim.charger.charge_current_limit == 9.0
    assert nvm_writes(charger_sim, LIMIT_ID) == 2
    assert coordinator_counters(charger) == {"writes": 4, "writes_refused": 1}


def coordinator_counters(charger: tuple[ChargerCoordinator, FakeClock]) -> dict[str, int]:
    counters = charger[0].counters
    return {key: counters[key] for key in ("writes", "writes_refused") if counters[key]}


async def test_out_of_the_chargers_bounds_is_refused_before_anything_is_sent(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    person: Context,
) -> None:
    coordinator, _ = charger
    with pytest.raises(ServiceValidationError):  # the number's own bounds: 3 to 12 A
        await set_value(hass, LIMIT, 12.5, person)
    with pytest.raises(ServiceValidationError) as above:
        coordinator.async_wish_limit(40.0)
    assert above.value.translation_key == "above_charger"
    assert above.value.translation_placeholders["maximum"] == "12 A"
    with pytest.raises(ServiceValidationError) as below:
        await coordinator.async_control(lambda c: c.set_charge_current_limit(1.0))
    assert below.value.translation_key == "below_charger"
    assert below.value.translation_placeholders["minimum"] == "3 A"
    assert charger_sim.charger.nvm_writes == {}


async def test_the_value_in_force_is_read_back(
    hass: HomeAssistant, charger_sim: ChargerSimulator, person: Context
) -> None:
    """A charger that does not report its minimum (older firmware) clamps what is below it:
    the number shows what the charger took, not what was asked."""
    charger_sim.charger.reports_minimum = False
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    assert hass.states.get(LIMIT).attributes["min"] == 0.0
    await set_value(hass, LIMIT, 1.0, person)
    assert charger_sim.charger.charge_current_limit == 3.0
    assert shown(hass, LIMIT) == 3.0


async def test_thousand_automation_changes_cost_one_write_per_interval(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
) -> None:
    """An automation following solar surplus changes the limit every 3.6 s for an hour."""
    coordinator, clock = charger
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "event", "event_type": "solar_surplus"},
                "action": {
                    "action": "number.set_value",
                    "target": {"entity_id": LIMIT},
                    "data": {"value": "{{ trigger.event.data.amps }}"},
                },
            }
        },
    )
    rng = random.Random(17)
    changes, step = 1000, 3.6
    duration = changes * step
    start = clock.now
    written_at: list[float] = []
    wanted = 0.0
    for index in range(changes):
        wanted = round(rng.uniform(3.0, 12.0), 1)
        hass.bus.async_fire("solar_surplus", {"amps": wanted})
        await hass.async_block_till_done()
        await wish_settled(coordinator)
        written_at += [clock.now] * (nvm_writes(charger_sim, LIMIT_ID) - len(written_at))
        if index == changes // 2:  # what the number shows while a wish waits
            attributes = hass.states.get(LIMIT).attributes
            assert attributes["wanted"] == wanted
            assert attributes["next_write"] is not None
        clock.advance(step)
        await wish_settled(coordinator)
        written_at += [clock.now] * (nvm_writes(charger_sim, LIMIT_ID) - len(written_at))
    assert clock.now - start == pytest.approx(duration)

    # The last wish waits for its turn, then is written too.
    clock.advance(INTERVAL)
    await wish_settled(coordinator)
    written_at += [clock.now] * (nvm_writes(charger_sim, LIMIT_ID) - len(written_at))

    within_the_hour = [at for at in written_at if at < start + duration]
    assert len(within_the_hour) <= duration / INTERVAL
    assert all(b - a >= INTERVAL for a, b in itertools.pairwise(written_at))
    assert charger_sim.charger.charge_current_limit == wanted
    assert shown(hass, LIMIT) == wanted

    # Every wish ended reported: written, superseded by a newer one, or already held.
    counts = coordinator.counters
    assert counts["wishes"] == changes
    outcomes = {outcome: counts[f"wishes_{outcome}"] for outcome in WishOutcome}
    assert sum(outcomes.values()) == changes
    assert outcomes[WishOutcome.APPLIED] == len(written_at)
    assert outcomes[WishOutcome.FAILED] == outcomes[WishOutcome.DROPPED] == 0
    assert coordinator.last_wish is not None
    assert coordinator.last_wish.in_force == wanted


async def test_a_wish_that_cannot_be_written_is_reported(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator, _ = charger
    await charger_sim.unplug()
    await set_value(hass, LIMIT, 7.0)  # no user: an automation's wish
    await wish_settled(coordinator)
    assert coordinator.last_wish is not None
    assert coordinator.last_wish.outcome is WishOutcome.FAILED
    assert coordinator.counters["wishes_failed"] == 1
    assert "charge current limit 7 A not written" in caplog.text
    assert charger_sim.charger.nvm_writes == {}


async def test_unload_drops_a_waiting_wish_and_says_so(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
) -> None:
    coordinator, _ = charger
    await set_value(hass, LIMIT, 7.0)
    await wish_settled(coordinator)
    await set_value(hass, LIMIT, 8.0)  # waits for the interval
    await wish_settled(coordinator)
    assert await hass.config_entries.async_unload(coordinator.config_entry.entry_id)
    assert coordinator.last_wish is not None
    assert coordinator.last_wish.wanted == 8.0
    assert coordinator.last_wish.outcome is WishOutcome.DROPPED
    assert nvm_writes(charger_sim, LIMIT_ID) == 1


async def test_the_write_record_outlives_a_restart(
    hass: HomeAssistant, charger_sim: ChargerSimulator, person: Context
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    await set_value(hass, LIMIT, 8.0, person)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError):
        await set_value(hass, LIMIT, 9.0, person)
    assert nvm_writes(charger_sim, LIMIT_ID) == 1


async def test_the_interval_is_an_option(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    _, entry = await add_charger_through_flow(hass, await charger_sim.start_pty())
    result: Any = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "charger"
    assert result["data_schema"]({}) == {CONF_NVM_INTERVAL: 10}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_NVM_INTERVAL: 30}
    )
    await hass.async_block_till_done()
    assert entry.options == {CONF_NVM_INTERVAL: 30}
    coordinator = coordinator_of(entry)  # reloaded with it
    assert coordinator.interval_minutes == 30
    assert coordinator.charger.nvm.interval == 1800


async def test_charge_voltages_are_set_with_a_user_defined_battery(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    person: Context,
) -> None:
    coordinator, clock = charger
    assert hass.states.get(ABSORPTION).attributes["min"] == 24.0
    assert hass.states.get(ABSORPTION).attributes["max"] == 32.0
    assert hass.states.get(ABSORPTION_SENSOR) is None  # one kind at a time
    await set_value(hass, ABSORPTION, 28.4)
    assert charger_sim.charger.setting(Reg.ABSORPTION_VOLTAGE) == 28.4
    assert shown(hass, ABSORPTION) == 28.4
    assert hass.states.get(ABSORPTION).attributes["user_defined_battery"] is True
    with pytest.raises(ServiceValidationError):  # no wish mode: refused whoever asks
        await set_value(hass, ABSORPTION, 28.2)
    await set_value(hass, FLOAT, 27.2, person)  # each setting has its own interval
    assert nvm_writes(charger_sim, Reg.ABSORPTION_VOLTAGE.id) == 1
    assert nvm_writes(charger_sim, Reg.FLOAT_VOLTAGE.id) == 1
    clock.advance(INTERVAL)
    with pytest.raises(ServiceValidationError) as high:  # float above absorption
        await set_value(hass, FLOAT, 29.0, person)
    assert high.value.translation_key == "above_charger"
    await wait_for(lambda: coordinator.last_update_success, "still available")


async def test_a_preset_battery_type_shows_the_voltages_read_only(
    hass: HomeAssistant, charger_sim: ChargerSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preset fixes the voltages: read-only sensors saying why; a change of type made in
    VictronConnect turns them into numbers (and back) by itself."""
    monkeypatch.setattr(charger_coordinator, "LIMIT_READ_INTERVAL", 0.0)
    await add_charger_through_flow(hass, await charger_sim.start_pty())
    assert hass.states.get(ABSORPTION) is None
    for entity_id, register in (
        (ABSORPTION_SENSOR, Reg.ABSORPTION_VOLTAGE),
        (FLOAT_SENSOR, Reg.FLOAT_VOLTAGE),
    ):
        state = hass.states.get(entity_id)
        assert float(state.state) == charger_sim.charger.setting(register)
        assert state.attributes["battery_type"] == "preset"
        assert state.attributes["unit_of_measurement"] == "V"

    charger_sim.charger.settings[Reg.BATTERY_TYPE.id] = USER_DEFINED  # in VictronConnect
    await wait_for(lambda: hass.states.get(ABSORPTION) is not None, "the voltages settable")
    assert er.async_get(hass).async_get(ABSORPTION_SENSOR) is None

    # Back to a preset while the number shows: the write is refused in a user's words.
    charger_sim.charger.settings[Reg.BATTERY_TYPE.id] = PRESET
    with pytest.raises(ServiceValidationError) as preset:
        await set_value(hass, FLOAT, 27.0)
    assert preset.value.translation_key == "charger_preset_battery"
    assert preset.value.translation_placeholders == {"item": "float voltage"}
    assert "0x" not in str(preset.value)
    assert charger_sim.charger.nvm_writes == {}
    await wait_for(lambda: hass.states.get(ABSORPTION_SENSOR) is not None, "read-only again")
    assert er.async_get(hass).async_get(ABSORPTION) is None


async def test_a_failed_explicit_write_is_reported(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    person: Context,
) -> None:
    coordinator, _ = charger
    await charger_sim.unplug()
    with pytest.raises(HomeAssistantError) as failed:
        await set_value(hass, LIMIT, 7.0, person)
    assert failed.value.translation_key == "write_failed"
    assert coordinator.counters["writes_failed"] == 1


async def test_after_home_assistant_stops_nothing_opens_the_port(
    hass: HomeAssistant,
    charger_sim: ChargerSimulator,
    charger: tuple[ChargerCoordinator, FakeClock],
    person: Context,
) -> None:
    coordinator, _ = charger
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    client = coordinator.charger.client
    assert not client.connected
    connects = client.stats.connects
    with pytest.raises(HomeAssistantError) as refused:
        await set_value(hass, LIMIT, 7.0, person)
    assert refused.value.translation_key == "closed"
    with pytest.raises(HomeAssistantError) as refused:
        await set_value(hass, LIMIT, 8.0)  # an automation's wish: nobody would write it
    assert refused.value.translation_key == "closed"
    await hass.async_block_till_done()
    assert client.stats.connects == connects and not client.connected
    assert charger_sim.charger.nvm_writes == {}
