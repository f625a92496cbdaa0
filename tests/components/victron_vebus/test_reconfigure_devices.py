"""A reconfigure keeps the entry's one device and its entities (entity ids, so history and
dashboards, stay), whatever the entry was known by; a device the entry no longer has can be
deleted, its own cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.victron_vebus.const import CONF_INTERFACE, CONF_PORT, DOMAIN
from vebus_sim import Simulator, get_model

from .conftest import TITLE, set_up

UNIT_SERIAL = get_model("multiplus-12").serial  # what the simulated MultiPlus 12 V reports


@pytest.fixture
async def started() -> AsyncIterator[list[Simulator]]:
    sims: list[Simulator] = []
    yield sims
    for sim in sims:
        await sim.stop()


async def _loaded_entry(hass: HomeAssistant, port: str, unique_id: str) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=TITLE,
        unique_id=unique_id,
        data={CONF_PORT: port, CONF_INTERFACE: "MK3"},
    )
    entry.add_to_hass(hass)
    await set_up(hass, entry)
    return entry


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[set[str], list[Any]]:
    """The entry's entity ids and devices, as the registries hold them."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return {item.entity_id for item in entities}, devices


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, port: str) -> None:
    """Through the real flow: nothing listed, so the manual step takes the port."""
    with patch("serialx.async_list_serial_ports", return_value=[]):
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "manual"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PORT: port}
        )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED


def _assert_same_devices_same_entities(
    hass: HomeAssistant, entry: MockConfigEntry, before: set[str], device_ids: list[str]
) -> None:
    entity_ids, devices = _registered(hass, entry)
    assert sorted(device.id for device in devices) == sorted(device_ids)
    assert entity_ids == before  # none added (no "_2"), none left behind
    (float_voltage,) = (e for e in entity_ids if e.endswith("_float_voltage"))
    assert hass.states.get(float_voltage).state != STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("model", "phases", "known_by"),
    [
        ("multiplus-12", 1, "port"),
        ("multiplus-12", 1, "serial"),
        ("multiplus2-48", 3, "port"),
    ],
    ids=["known-by-port (scripts/develop)", "known-by-serial", "three-phases-known-by-port"],
)
async def test_a_reconfigure_to_another_port_keeps_the_devices_and_their_entities(
    hass: HomeAssistant,
    started: list[Simulator],
    model: str,
    phases: int,
    known_by: str,
) -> None:
    """The reported case: an entry known by its port got the unit's serial as its identity,
    and with it a second device with every entity again ("_3"), the first one left with
    unavailable entities. A system of three units has a device per unit besides."""
    here, moved_to = (Simulator(model, phases=phases, paced=False, live=False) for _ in "ab")
    started += [here, moved_to]  # the same system (same serial) found on another port
    serial = get_model(model).serial  # what the unit reports
    old_port = await here.start_pty()
    entry = await _loaded_entry(hass, old_port, old_port if known_by == "port" else serial)
    before, devices = _registered(hass, entry)
    # The unit (or system), each unit of a system, the MK3 it is reached through.
    assert len(devices) == (1 if phases == 1 else 1 + phases) + 1
    assert len(before) > 50
    new_port = await moved_to.start_pty()
    await here.stop()  # the adapter moved

    await _reconfigure(hass, entry, new_port)

    assert entry.unique_id == serial  # as the config flow makes it today
    assert entry.data[CONF_PORT] == new_port
    _assert_same_devices_same_entities(hass, entry, before, [device.id for device in devices])
    identifiers = {
        value for device in _registered(hass, entry)[1] for _, value in device.identifiers
    }
    expected = {serial, f"{serial}_interface"} | {
        f"{serial}_unit_{address}" for address in range(phases if phases > 1 else 0)
    }
    assert identifiers == expected


async def test_a_reconfigure_to_the_same_port_keeps_the_device_and_its_entities(
    hass: HomeAssistant, vebus_sim: Simulator
) -> None:
    port = await vebus_sim.start_pty()
    entry = await _loaded_entry(hass, port, port)
    before, devices = _registered(hass, entry)
    await _reconfigure(hass, entry, port)
    assert entry.unique_id == port
    _assert_same_devices_same_entities(hass, entry, before, [device.id for device in devices])


async def test_a_device_the_entry_no_longer_has_can_be_deleted(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, vebus_sim: Simulator
) -> None:
    """Left by an earlier reconfigure (before this fix): its entities go with it. The
    entry's own device is refused."""
    entry = await _loaded_entry(hass, await vebus_sim.start_pty(), UNIT_SERIAL)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    stale = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "socket://127.0.0.1:2323")}
    )
    left = entities.async_get_or_create(
        "number",
        DOMAIN,
        "socket://127.0.0.1:2323_float_voltage",
        config_entry=entry,
        device_id=stale.id,
    )
    (own,) = (
        device
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
        if device.identifiers == {(DOMAIN, UNIT_SERIAL)}
    )
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> dict[str, Any]:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry.entry_id,
                "device_id": device_id,
            }
        )
        reply: dict[str, Any] = await client.receive_json()
        return reply

    assert (await remove(stale.id))["success"]
    assert devices.async_get(stale.id) is None
    assert entities.async_get(left.entity_id) is None
    assert not (await remove(own.id))["success"]
    assert devices.async_get(own.id) is not None
