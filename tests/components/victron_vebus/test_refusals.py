"""Controls the unit would take but cannot use are refused, saying why, and nothing is sent:
a float voltage above absorption (or absorption below float), an ESS setpoint in a mode
where it does nothing."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import Setting
from vebus_sim import Simulator

from .conftest import write_requests

ABSORPTION = "number.multiplus_absorption_voltage"
FLOAT = "number.multiplus_float_voltage"
SETPOINT = "number.multiplus_ess_setpoint"
MODE = "select.multiplus_mode"


async def set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )


async def action(hass: HomeAssistant, entry: MockConfigEntry, name: str, **data: Any) -> None:
    await hass.services.async_call(
        DOMAIN, name, {"config_entry_id": entry.entry_id, **data}, blocking=True
    )


async def test_float_voltage_never_above_absorption(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry
) -> None:
    absorption = vebus_sim.device.setting(Setting.ABSORPTION_VOLTAGE)
    float_v = vebus_sim.device.setting(Setting.FLOAT_VOLTAGE)
    sent = len(write_requests(vebus_sim))
    with pytest.raises(ServiceValidationError) as high:
        await set_number(hass, FLOAT, absorption + 0.2)
    assert high.value.translation_key == "float_above_absorption"
    assert high.value.translation_placeholders == {
        "value": f"{absorption + 0.2:g} V",
        "other_value": f"{absorption:g} V",
    }
    with pytest.raises(ServiceValidationError) as low:
        await action(
            hass, setup_integration, "write_setting", setting="absorption_voltage", value=13.0
        )
    assert low.value.translation_key == "absorption_below_float"
    assert low.value.translation_placeholders["other_value"] == f"{float_v:g} V"
    assert len(write_requests(vebus_sim)) == sent  # nothing was sent
    assert vebus_sim.device.setting(Setting.FLOAT_VOLTAGE) == float_v

    # In the order that keeps float at or below absorption, both go down.
    await set_number(hass, FLOAT, 13.0)
    await set_number(hass, ABSORPTION, 13.2)
    assert vebus_sim.device.setting(Setting.ABSORPTION_VOLTAGE) == pytest.approx(13.2)


@pytest.mark.parametrize("mode", ["charger_only", "inverter_only", "off"])
async def test_the_ess_setpoint_is_refused_where_it_does_nothing(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, mode: str
) -> None:
    await hass.services.async_call(
        "select", "select_option", {"entity_id": MODE, "option": mode}, blocking=True
    )
    with pytest.raises(ServiceValidationError) as refused:
        await set_number(hass, SETPOINT, 500)
    assert refused.value.translation_key == f"ess_setpoint_{mode}"
    with pytest.raises(ServiceValidationError) as by_action:
        await action(hass, setup_integration, "set_ess_setpoint", power=-500)
    assert by_action.value.translation_key == f"ess_setpoint_{mode}"
    assert vebus_sim.device.ess_setpoint == 0
    await set_number(hass, SETPOINT, 0)  # the safe state is always taken

    await hass.services.async_call(
        "select", "select_option", {"entity_id": MODE, "option": "on"}, blocking=True
    )
    await set_number(hass, SETPOINT, 500)
    assert vebus_sim.device.ess_setpoint == -500  # the unit's sign: - = charging
    await set_number(hass, SETPOINT, 0)
