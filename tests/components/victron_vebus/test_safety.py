"""Safe control: ESS keep-alive, EEPROM wear, RAM-only settings after a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import Mode
from tests.clock import FakeClock
from tests.waiting import wait_for, wait_for_async
from vebus_sim import Simulator

from .conftest import control, recovered, write_requests

ESS = "number.multiplus_ess_setpoint"


class Later:
    """Time passing for Home Assistant's timers and the simulated unit alike.

    The event loop's clock is never frozen (the simulator runs on it): Home Assistant's
    timers due within the time passed so far are fired early instead. Firing runs every
    loop timer due, a request's timeout among them, so whatever the last jump started
    (a refresh, a keep-alive) is over before the next.
    """

    def __init__(self, hass: HomeAssistant, sim: Simulator) -> None:
        self.hass = hass
        self.sim = sim
        self.elapsed = 0.0

    async def tick(self, seconds: float) -> None:
        self.elapsed += seconds
        self.sim.advance(seconds)
        async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=self.elapsed))
        await self.hass.async_block_till_done(wait_background_tasks=True)


async def test_ess_setpoint_is_kept_alive_and_released_on_unload(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    later = Later(hass, vebus_sim)
    attributes = hass.states.get(ESS).attributes
    assert attributes["min"] == -3000
    assert "charges the battery" in attributes["direction"]
    # The sign is part of the name, where the value is set; the entity id stays short.
    assert attributes["friendly_name"] == "MultiPlus ESS setpoint (+ charge, − feed in)"
    await hass.services.async_call(
        "number", "set_value", {"entity_id": ESS, "value": 400}, blocking=True
    )
    assert vebus_sim.device.ess_setpoint == -400  # device sign: - = take from AC-in
    for _ in range(12):  # 60 s, far past the device's own 15 s timeout
        await later.tick(5)
    assert vebus_sim.device.ess_setpoint == -400
    assert hass.states.get(ESS).state == "400"  # whole watts, no ".0" (issue 20)
    await hass.config_entries.async_unload(setup_integration.entry_id)
    assert vebus_sim.device.ess_setpoint == 0


async def test_ess_setpoint_returns_to_zero_when_home_assistant_stops(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    await control(setup_integration.runtime_data, "set_ess_setpoint", -250)
    assert vebus_sim.device.ess_setpoint == 250
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert vebus_sim.device.ess_setpoint == 0


async def test_after_home_assistant_stops_nothing_opens_the_port(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    await hass.services.async_call(
        "number", "set_value", {"entity_id": ESS, "value": 600}, blocking=True
    )
    assert vebus_sim.device.ess_setpoint == -600
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert vebus_sim.device.ess_setpoint == 0
    client = coordinator.unit.client
    assert not client.connected
    connects, sent = client.stats.connects, len(vebus_sim.requests)
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "set_ess_setpoint",
            {"config_entry_id": setup_integration.entry_id, "power": 600},
            blocking=True,
        )
    assert refused.value.translation_key == "closed"
    with pytest.raises(HomeAssistantError, match="closed"):
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": "select.multiplus_mode", "option": "off"},
            blocking=True,
        )
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert client.stats.connects == connects and not client.connected
    assert len(vebus_sim.requests) == sent
    assert vebus_sim.device.ess_setpoint == 0


async def test_standby_releases_the_setpoint_and_switching_on_does_not_bring_it_back(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    later = Later(hass, vebus_sim)
    await hass.services.async_call(
        "number", "set_value", {"entity_id": ESS, "value": 1500}, blocking=True
    )
    assert vebus_sim.device.ess_setpoint == -1500
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.multiplus_standby"}, blocking=True
    )
    assert vebus_sim.device.ess_setpoint == 0
    assert hass.states.get(ESS).state == "0"
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.multiplus_mode", "option": "on"},
        blocking=True,
    )
    writes = len(write_requests(vebus_sim))
    for _ in range(4):  # 20 s: a keep-alive would have written it again
        await later.tick(5)
    assert len(write_requests(vebus_sim)) == writes
    assert vebus_sim.device.ess_setpoint == 0
    assert hass.states.get(ESS).state == "0"


async def test_ess_action_with_duration_and_bounds(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    later = Later(hass, vebus_sim)
    await hass.services.async_call(
        DOMAIN,
        "set_ess_setpoint",
        {"config_entry_id": setup_integration.entry_id, "power": 300, "duration": 20},
        blocking=True,
    )
    assert vebus_sim.device.ess_setpoint == -300
    await later.tick(10)
    assert vebus_sim.device.ess_setpoint == -300
    await later.tick(11)
    assert vebus_sim.device.ess_setpoint == 0
    writes = len(write_requests(vebus_sim))
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "set_ess_setpoint",
            {"config_entry_id": setup_integration.entry_id, "power": 5000},
            blocking=True,
        )
    assert len(write_requests(vebus_sim)) == writes


async def test_a_thousand_frequent_changes_never_touch_eeprom(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    client = coordinator.unit.client
    ess = coordinator.unit.ess.ram_id
    assert ess is not None
    for i in range(1000):
        match i % 3:
            case 0:
                await client.set_panel_state(Mode.ON, 10 + i % 20)
            case 1:
                await client.write_ess_setpoint(ess, i % 500 - 250)
            case _:
                await control(coordinator, "write_setting", 3, 13.0 + (i % 10) / 10)
    assert sum(vebus_sim.device.eeprom_writes.values()) == 0
    assert sum(vebus_sim.device.ram_eeprom_writes.values()) == 0


@pytest.mark.parametrize("entry_options", [{"persist_settings": True}])
async def test_permanent_saving_is_rate_limited(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    clock = FakeClock()
    setup_integration.runtime_data.unit.clock = clock
    entity_id = "number.multiplus_float_voltage"
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": 13.5}, blocking=True
    )
    assert vebus_sim.device.eeprom_writes[3] == 1
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 13.4}, blocking=True
        )
    assert "retry_at" in caught.value.translation_placeholders
    assert vebus_sim.device.eeprom_writes[3] == 1
    clock.advance(9 * 60 + 59)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 13.4}, blocking=True
        )
    clock.advance(2)
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": 13.4}, blocking=True
    )
    assert vebus_sim.device.eeprom_writes[3] == 2


@pytest.mark.parametrize("entry_options", [{"persist_settings": True}])
async def test_the_eeprom_limit_survives_a_reload_and_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
) -> None:
    """The last save of each setting is in the entry's storage: reloading the entry (as a
    restart of Home Assistant does) does not let a second save through."""
    entity_id = "number.multiplus_float_voltage"
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": 13.5}, blocking=True
    )
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{setup_integration.entry_id}.eeprom"
    assert "3" in hass_storage[key]["data"]  # written to disk, not only held in memory
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 13.4}, blocking=True
        )
    assert caught.value.translation_key == "eeprom_rate_limited"
    assert vebus_sim.device.eeprom_writes[3] == 1


async def test_ram_only_settings_return_after_a_device_restart(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    await control(coordinator, "write_setting", 2, 14.0)
    await control(coordinator, "set_charging_allowed", False)
    assert vebus_sim.device.setting(2) == pytest.approx(14.0)
    vebus_sim.heartbeat = 0.02
    session = coordinator.unit.client.session
    vebus_sim.device.restart()
    assert vebus_sim.device.setting(2) != pytest.approx(14.0)  # the device forgot
    await wait_for(
        lambda: coordinator.unit.client.session != session,
        "the rebooted interface announces itself ('V' with 'B')",
    )
    await coordinator.async_refresh()
    assert vebus_sim.device.setting(2) == pytest.approx(14.0)
    assert vebus_sim.device.setting_raw(0) & 0x40
    assert hass.states.get("number.multiplus_absorption_voltage").state == "14.0"


async def test_ram_only_settings_return_after_a_reconnect(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    coordinator = setup_integration.runtime_data
    await control(coordinator, "write_setting", 3, 13.2)
    await vebus_sim.unplug()
    vebus_sim.device.restart()
    await coordinator.async_refresh()
    await vebus_sim.replug()

    await wait_for_async(lambda: recovered(hass, coordinator), "a refresh after the port came back")
    assert vebus_sim.device.setting(3) == pytest.approx(13.2)
