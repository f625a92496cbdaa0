"""The blueprints in blueprints/automation/victron_vebus/, each imported into Home Assistant
as a user imports it (the file in the configuration's blueprints folder), made into an
automation with the entities a fresh install creates against the simulator, triggered the
way it is meant to be, and checked by what the simulated unit or charger then does."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
import re
import shutil
from typing import Any

from homeassistant.components.blueprint import models
from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.victron_vebus.const import DOMAIN
from tests.clock import FakeClock
from tests.waiting import wait_for
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator

from . import test_grid_control as ess
from .charger_helpers import CURRENT, LIMIT, VOLTAGE
from .test_grid_control import CONTROL, METER, SWITCH, Meter, control_of
from .test_readme import add_charger

ROOT = Path(__file__).parents[3]
BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
SOC = "sensor.multiplus_battery"
PRICE = "sensor.feed_in_price"
GENERATOR = "input_boolean.generator"

# The ESS control's fixtures: a live unit on a FakeClock, its entry with a grid meter.
clock, live_sim, entry, entry_options = ess.clock, ess.live_sim, ess.entry, ess.entry_options


@pytest.fixture(autouse=True)
def imported(hass: HomeAssistant, tmp_path: Path) -> Path:
    """The blueprints where Home Assistant's import puts them: <config>/blueprints/automation/."""
    hass.config.config_dir = str(tmp_path)
    folder = Path(hass.config.path("blueprints", "automation", DOMAIN))
    shutil.copytree(BLUEPRINTS, folder)
    return folder


async def automate(hass: HomeAssistant, blueprint: str, inputs: dict[str, Any]) -> None:
    """An automation from ``blueprint`` with ``inputs``, as the blueprint's page makes one."""
    config = {
        "id": blueprint,
        "alias": blueprint,
        "use_blueprint": {"path": f"{DOMAIN}/{blueprint}.yaml", "input": inputs},
    }
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    state = hass.states.get(f"automation.{blueprint}")
    assert state is not None, f"{blueprint}: no automation (the blueprint did not load)"
    assert state.state == STATE_ON, f"{blueprint}: {state.state} {state.attributes}"


def test_every_blueprint_is_an_automation_blueprint_that_the_readme_links() -> None:
    readme = (ROOT / "README.md").read_text()
    names = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))
    assert names == [
        "charge_before_cheap_window_ends.yaml",
        "generator_on_low_soc.yaml",
        "solar_surplus_charging.yaml",
        "zero_feed_in.yaml",
    ]
    for name in names:
        path = BLUEPRINTS / name
        blueprint = models.Blueprint(
            yaml_util.load_yaml_dict(str(path)),
            expected_domain="automation",
            schema=BLUEPRINT_SCHEMA,
        )
        source = blueprint.metadata["source_url"]
        assert source.endswith(f"/blob/main/blueprints/automation/{DOMAIN}/{name}")
        assert source in readme, f"README.md does not link {name}"
        # The "import" badge of each: Home Assistant's blueprint import with this source.
        assert re.search(rf"blueprint_url=[^)\s]*{re.escape(name)}", readme), name


async def test_zero_feed_in_holds_the_grid_while_the_price_is_below_the_threshold(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    meter = Meter(hass, live_sim, entry)
    meter.beside = -1000.0  # PV beside the unit, more than the house takes: feeding in
    meter.write()
    hass.states.async_set(PRICE, "0.07", {"unit_of_measurement": "EUR/kWh"})
    await automate(hass, "zero_feed_in", {"grid_target": SWITCH, "price": PRICE, "below": 0})
    assert hass.states.get(SWITCH).state == STATE_OFF

    hass.states.async_set(PRICE, "-0.02", {"unit_of_measurement": "EUR/kWh"})
    await wait_for(lambda: hass.states.get(SWITCH).state == STATE_ON, "the grid target on")
    await meter.until_within(50, "the unit takes the PV instead of feeding it in")
    assert live_sim.device.ess_setpoint < -300  # the unit's sign: − = charging
    await wait_for(lambda: hass.states.get(CONTROL).state == "holding", "shown holding")

    hass.states.async_set(PRICE, "0.01", {"unit_of_measurement": "EUR/kWh"})
    await wait_for(lambda: hass.states.get(SWITCH).state == STATE_OFF, "the grid target off")
    await wait_for(lambda: live_sim.device.ess_setpoint == 0, "the setpoint back to 0 W")


async def test_generator_starts_on_low_soc_and_stops_when_charged(
    hass: HomeAssistant, live_sim: Simulator, entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})  # homeassistant.turn_on
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"generator": {}}})
    await automate(
        hass,
        "generator_on_low_soc",
        {"battery": SOC, "generator": GENERATOR, "start_below": 20, "stop_above": 80},
    )
    assert float(hass.states.get(SOC).state) == 60
    assert hass.states.get(GENERATOR).state == STATE_OFF

    for soc, generator in ((0.15, STATE_ON), (0.5, STATE_ON), (0.85, STATE_OFF)):
        live_sim.device.physics.soc = soc
        live_sim.device.refresh()
        await entry.runtime_data.async_refresh()  # as the next poll would
        await wait_for(
            lambda soc=soc: float(hass.states.get(SOC).state) == round(soc * 100),
            f"{soc:.0%} shown",
        )
        await wait_for(
            lambda generator=generator: hass.states.get(GENERATOR).state == generator,
            f"the generator {generator} at {soc:.0%}",
        )


def expected_deadline(start: str, end: str) -> datetime:
    """The blueprint's rule: the window's end today, or tomorrow when it is not after its
    start."""
    today = dt_util.now().date()
    start_at, end_at = (
        datetime.combine(
            today, datetime.strptime(text, "%H:%M:%S").time(), dt_util.get_default_time_zone()
        )
        for text in (start, end)
    )
    return end_at if end_at > start_at else end_at + timedelta(days=1)


async def test_charge_before_the_cheap_window_ends_charges_from_its_start_to_its_end(
    hass: HomeAssistant, live_sim: Simulator, clock: FakeClock, entry: MockConfigEntry
) -> None:
    start = dt_util.now().replace(microsecond=0) + timedelta(seconds=2)
    while start.date() != dt_util.now().date():  # a start after midnight: the day's own
        await asyncio.sleep(0.5)
        start = dt_util.now().replace(microsecond=0) + timedelta(seconds=2)
    window = {
        "window_start": f"{start:%H:%M:%S}",
        "window_end": f"{start + timedelta(hours=3):%H:%M:%S}",
    }
    await automate(
        hass,
        "charge_before_cheap_window_ends",
        {"unit": entry.entry_id, "battery": SOC, "target": 80, "power": 1000, **window},
    )
    assert live_sim.device.ess_setpoint == 0

    async_fire_time_changed(hass, start)  # the window starts
    await wait_for(lambda: live_sim.device.ess_setpoint == -1000, "charging with 1000 W")
    await wait_for(lambda: hass.states.get(CONTROL).state == "charging_to_soc", "shown")
    program = control_of(entry).program
    assert program is not None
    assert program.target == 80
    deadline = expected_deadline(window["window_start"], window["window_end"])
    seconds_left = program.deadline - clock.time() if program.deadline is not None else None
    assert seconds_left == pytest.approx((deadline - dt_util.now()).total_seconds(), abs=30)


async def test_solar_surplus_sets_the_chargers_limit_from_the_grid_meter(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    await add_charger(hass, charger_sim)
    await wait_for(
        lambda: hass.states.get(VOLTAGE).state not in ("unknown", "unavailable"), "values"
    )
    hass.states.async_set(METER, "0", {"unit_of_measurement": "W", "device_class": "power"})
    await automate(
        hass,
        "solar_surplus_charging",
        {
            "grid_power": METER,
            "charge_current": LIMIT,
            "battery_voltage": VOLTAGE,
            "battery_current": CURRENT,
            "margin": 50,
        },
    )
    assert charger_sim.charger.charge_current_limit == 12.0  # its maximum

    # The house draws 400 W from the grid: the charger gives up as much (and the margin).
    hass.states.async_set(METER, "400", {"unit_of_measurement": "W", "device_class": "power"})
    volts = float(hass.states.get(VOLTAGE).state)
    amps = float(hass.states.get(CURRENT).state)
    wanted = round(max(3.0, min(12.0, amps - 450 / volts)), 1)
    assert wanted < 12.0
    await wait_for(
        lambda: charger_sim.charger.charge_current_limit == pytest.approx(wanted, abs=0.05),
        f"the charger's limit at {wanted} A",
    )
    await wait_for(
        lambda: float(hass.states.get(LIMIT).state) == pytest.approx(wanted, abs=0.05), "shown"
    )
