"""The port repairs a user can act on: the adapter found where it is now, by its USB serial
number, through Home Assistant's usb helpers (the serial-port listing under them replaced:
scripts/usb_listing.py), and the entry moved there in the repair's fix flow, its device and
entities kept; a port held by another program tried again from the repair.

Against the simulators over real ptys: a port "moves" as a /dev/serial/by-id/ name does,
a link that is gone and another that leads to the same adapter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import CONF_PORT, CONF_USB_SERIAL, DOMAIN
from custom_components.victron_vebus.victron_serial.vebus import VEBusClient
from scripts.usb_listing import listing as usb_listing
from tests.waiting import wait_for
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import SERIAL as CHARGER_SERIAL, VOLTAGE as CHARGER_VOLTAGE
from .conftest import UNIQUE_ID, add_entry, recovered
from .test_readme import add_charger

VOLTAGE = "sensor.multiplus_battery_voltage"
MK3 = "MK3-USB Interface"
CABLE = "VE Direct cable"


def by_id(folder: Path, serial: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"usb-VictronEnergy_BV_MK3-USB_Interface_{serial}-if00-port0"


async def start_fix_flow(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    assert await async_setup_component(hass, "repairs", {})
    manager = hass.data["repairs"]["flow_manager"]
    result: dict[str, Any] = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    return result


async def configure(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await hass.data["repairs"]["flow_manager"].async_configure(
        flow_id, data
    )
    return result


def issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")


def options(result: dict[str, Any]) -> list[str]:
    """The values the form's port list offers."""
    selector = result["data_schema"].schema[CONF_PORT]
    return [option["value"] for option in selector.config["options"]]


async def test_a_moved_adapter_is_offered_and_the_entry_moves_there_keeping_its_entities(
    hass: HomeAssistant, vebus_sim: Simulator, tmp_path: Path
) -> None:
    (tmp_path / "dev").mkdir()
    adapter = await vebus_sim.start_pty(str(tmp_path / "dev" / "ttyUSB0"))
    old, new = by_id(tmp_path / "old", UNIQUE_ID), by_id(tmp_path / "new", UNIQUE_ID)
    old.symlink_to(adapter)
    with usb_listing([(str(old), UNIQUE_ID, MK3)]) as listed:
        entry = await add_entry(hass, str(old))
        assert entry.data[CONF_USB_SERIAL] == UNIQUE_ID  # learnt once it answered
        devices = {
            d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        }
        entities = {
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        }

        # Plugged into another socket: the old name is gone, the adapter is listed at another.
        await vebus_sim.unplug()
        old.unlink()
        new.symlink_to(adapter)
        listed[:] = [(str(new), UNIQUE_ID, MK3)]
        await vebus_sim.replug()
        coordinator = entry.runtime_data
        assert not await recovered(hass, coordinator)
        await wait_for(lambda: issue(hass, "port_moved", entry) is not None, "the repair")
        moved = issue(hass, "port_moved", entry)
        assert moved is not None and moved.is_fixable
        assert moved.translation_placeholders is not None
        assert moved.translation_placeholders["new_port"] == str(new)
        assert hass.states.get(VOLTAGE).state == STATE_UNAVAILABLE

        result = await start_fix_flow(hass, f"port_moved_{entry.entry_id}")
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "moved"
        assert options(result) == [str(new), str(old)]  # the new port, or the old again
        assert result["description_placeholders"]["serial"] == UNIQUE_ID
        result = await configure(hass, result["flow_id"], {CONF_PORT: str(new)})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()

    assert entry.data[CONF_PORT] == str(new)
    assert entry.unique_id == UNIQUE_ID
    assert issue(hass, "port_moved", entry) is None
    await wait_for(lambda: entry.state is ConfigEntryState.LOADED, "the entry set up again")
    await wait_for(lambda: hass.states.get(VOLTAGE).state != STATE_UNAVAILABLE, "values again")
    kept = {d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)}
    assert kept == devices
    after = {
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    assert after == entities
    await hass.config_entries.async_unload(entry.entry_id)


async def test_an_adapter_moved_while_home_assistant_was_off_is_found_at_start_up(
    hass: HomeAssistant, vebus_sim: Simulator, tmp_path: Path
) -> None:
    """The entry's set-up fails on the gone port (setup retry): the repair is raised all the
    same, and its fix sets the entry up where the adapter is."""
    adapter = await vebus_sim.start_pty(str(tmp_path / "ttyUSB1"))
    gone = str(tmp_path / "ttyUSB0")
    with usb_listing([(adapter, UNIQUE_ID, MK3)]):
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="MultiPlus",
            unique_id=UNIQUE_ID,
            data={CONF_PORT: gone, "interface": "MK3", CONF_USB_SERIAL: UNIQUE_ID},
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        await wait_for(lambda: issue(hass, "port_moved", entry) is not None, "the repair")
        result = await start_fix_flow(hass, f"port_moved_{entry.entry_id}")
        result = await configure(hass, result["flow_id"], {CONF_PORT: adapter})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
    await wait_for(lambda: entry.state is ConfigEntryState.LOADED, "set up where the adapter is")
    assert entry.data[CONF_PORT] == adapter
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_port_held_by_another_program_is_tried_again_from_the_repair(
    hass: HomeAssistant, vebus_sim: Simulator, tmp_path: Path
) -> None:
    port = await vebus_sim.start_pty(str(tmp_path / "ttyUSB0"))
    holder = VEBusClient(port)
    await holder.connect()  # another program has the port
    with usb_listing([(port, UNIQUE_ID, MK3)]):
        entry = await add_entry(hass, port, loads=False)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        busy = issue(hass, "port_busy", entry)
        assert busy is not None and busy.is_fixable

        result = await start_fix_flow(hass, f"port_busy_{entry.entry_id}")
        assert result["step_id"] == "retry"  # the adapter is nowhere else: try again
        result = await configure(hass, result["flow_id"], {})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "still_failing"}
        assert "held by another program" in result["description_placeholders"]["reason"]

        await holder.close()
        await wait_for(lambda: vebus_sim.clients == 0, "the other program gone")
        result = await configure(hass, result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.state is ConfigEntryState.LOADED
    assert issue(hass, "port_busy", entry) is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_chargers_port_holding_another_device_offers_where_its_cable_is(
    hass: HomeAssistant, charger_sim: ChargerSimulator, tmp_path: Path
) -> None:
    """/dev/ttyUSB0 after a replug is someone else's adapter (silent here); the charger's
    VE.Direct cable came back as /dev/ttyUSB1."""
    (tmp_path / "sim").mkdir()
    cable = await charger_sim.start_pty(str(tmp_path / "sim" / "ttyVEDIRECT"))
    usb0, usb1 = tmp_path / "ttyUSB0", tmp_path / "ttyUSB1"
    usb0.symlink_to(cable)
    cable_serial = "HQ2230CABLE"
    with usb_listing([(str(usb0), cable_serial, CABLE)]) as listed:
        entry = await add_charger(hass, charger_sim, port=str(usb0))
        assert entry.unique_id == CHARGER_SERIAL  # a charger is known by its own serial
        assert entry.data[CONF_USB_SERIAL] == cable_serial
        entry.runtime_data.charger.block_timeout = 0.5  # a silent port told sooner

        other_master, other_slave = os.openpty()  # another adapter: says nothing
        try:
            await charger_sim.unplug()
            usb0.unlink()
            usb0.symlink_to(os.ttyname(other_slave))
            usb1.symlink_to(cable)
            listed[:] = [
                (str(usb0), "A10K5ZIGBEE", "Zigbee dongle"),
                (str(usb1), cable_serial, CABLE),
            ]
            await charger_sim.replug()
            await wait_for(lambda: issue(hass, "port_moved", entry) is not None, "the repair")

            result = await start_fix_flow(hass, f"port_moved_{entry.entry_id}")
            assert options(result) == [str(usb1), str(usb0)]
            result = await configure(hass, result["flow_id"], {CONF_PORT: str(usb1)})
            assert result["type"] is FlowResultType.CREATE_ENTRY
            await hass.async_block_till_done()
        finally:
            os.close(other_master)
            os.close(other_slave)
    assert entry.data[CONF_PORT] == str(usb1)
    assert entry.unique_id == CHARGER_SERIAL
    await wait_for(lambda: entry.state is ConfigEntryState.LOADED, "the entry set up again")
    await wait_for(
        lambda: hass.states.get(CHARGER_VOLTAGE).state != STATE_UNAVAILABLE, "values again"
    )
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("socket_enabled")  # the URL's entry tries to connect
@pytest.mark.parametrize("port", ["socket://127.0.0.1:9", "/dev/serial/by-id/nothing-here"])
async def test_no_moved_repair_without_an_adapter_to_find(hass: HomeAssistant, port: str) -> None:
    with usb_listing([]):
        entry = await add_entry(hass, port, loads=False)
        await hass.async_block_till_done()
    assert issue(hass, "port_moved", entry) is None
    await hass.config_entries.async_unload(entry.entry_id)
