"""Config flow against the simulator over a real pty or TCP socket.

Only the port listing (the boundary to the OS's USB devices) is replaced; every probe
talks to the simulator through serialx and the real client.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

import homeassistant
from homeassistant.config_entries import SOURCE_USB, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType, InvalidData
from homeassistant.helpers.service_info.usb import UsbServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from serialx import SerialPortInfo

from custom_components.victron_vebus.config_flow import MANUAL
from custom_components.victron_vebus.const import (
    CONF_ESS_MAX_POWER,
    CONF_FAMILY,
    CONF_GRID_CONTROL,
    CONF_INTERFACE,
    CONF_LIVE_INTERVAL,
    CONF_PERSIST_SETTINGS,
    CONF_PORT,
    CONF_SCAN_INTERVAL,
    DOMAIN,
)
from custom_components.victron_vebus.victron_serial.vebus import VEBusClient
from tests.ports import held_by_another_process
from tests.waiting import wait_for
from vebus_sim import Simulator

MK3_USB_SERIAL = "HQ2039ABCDE"  # the MK3-USB adapter's own USB serial number
UNIT_SERIAL = "HQ1234ABCDE"  # what the simulated MultiPlus 12 V reports
BY_ID_NAME = f"usb-VictronEnergy_BV_MK3-USB_Interface_{MK3_USB_SERIAL}-if00-port0"
INTEGRATION = Path(__file__).parents[3] / "custom_components" / DOMAIN

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


def usb_port(device: str, resolved: str, serial: str | None = MK3_USB_SERIAL) -> SerialPortInfo:
    """An MK3-USB as serialx lists it: ``device`` is the by-id link, if udev made one."""
    return SerialPortInfo(
        device=device,
        resolved_device=resolved,
        vid=0x0403,
        pid=0x6015,
        serial_number=serial,
        manufacturer="VictronEnergy.BV",
        product="MK3-USB Interface",
        bcd_device=0x1000,
        interface_description=None,
        interface_num=0,
    )


def listing(*ports: SerialPortInfo) -> Any:
    """Replace the OS port listing."""
    return patch("serialx.async_list_serial_ports", return_value=list(ports))


def usb_discovery(device: str, serial: str | None = MK3_USB_SERIAL) -> UsbServiceInfo:
    return UsbServiceInfo(
        device=device,
        vid="0403",
        pid="6015",
        serial_number=serial,
        manufacturer="VictronEnergy.BV",
        description="MK3-USB Interface",
    )


def suggested(result: FlowResult, key: str) -> Any:
    """The value a form offers for ``key`` (what the user typed or chose before)."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


def add_entry(
    hass: HomeAssistant,
    *,
    unique_id: str = UNIT_SERIAL,
    port: str = "/dev/ttyUSB7",
    interface: str = "MK3",
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Victron VE.Bus",
        unique_id=unique_id,
        data={CONF_PORT: port, CONF_INTERFACE: interface},
    )
    entry.add_to_hass(hass)
    return entry


async def start_user_flow(hass: HomeAssistant, *ports: SerialPortInfo) -> FlowResult:
    with listing(*ports):
        return await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})


async def start_manual_flow(hass: HomeAssistant) -> FlowResult:
    """No port listed: the user step goes straight to the manual one."""
    result = await start_user_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert suggested(result, CONF_PORT) is None
    return result


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def let_simulator_see_close(simulator: Simulator) -> None:
    """Wait until the simulator has noticed that the last client closed its pty.

    A client that opens the pty again sooner can lose its first requests to the end of
    the old session (a simulator limitation).
    """
    await wait_for(lambda: simulator.clients == 0, "the simulator sees the port closed")


@pytest.fixture
async def by_id_pty(simulator: Simulator, tmp_path: Path) -> tuple[str, str]:
    """The simulator on a pty behind a by-id style link: (link, kernel path)."""
    link = await simulator.start_pty(link=str(tmp_path / BY_ID_NAME))
    assert simulator.pty_path is not None
    return link, simulator.pty_path


# --- user step: listed ports ---------------------------------------------------------------


async def test_user_listed_port(
    hass: HomeAssistant, by_id_pty: tuple[str, str], mock_setup_entry: AsyncMock
) -> None:
    link, tty = by_id_pty
    result = await start_user_flow(hass, usb_port(link, tty))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert suggested(result, CONF_PORT) == link
    config = result["data_schema"].schema[CONF_PORT].config
    assert config["options"] == [
        {
            "value": link,
            "label": f"{tty} - MK3-USB Interface - VictronEnergy.BV (s/n {MK3_USB_SERIAL})",
        },
        {"value": MANUAL, "label": "Enter manually"},
    ]

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: link})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == MK3_USB_SERIAL
    assert mock_setup_entry.call_count == 1


@pytest.mark.parametrize("usb_serial", [None, "A50285BI"], ids=["no-serial", "non-unique"])
async def test_user_listed_port_without_usable_usb_serial(
    hass: HomeAssistant, simulator: Simulator, usb_serial: str | None
) -> None:
    """A port without a serial that tells adapters apart: the unit's serial is the id."""
    tty = await simulator.start_pty()
    result = await start_user_flow(hass, usb_port(tty, tty, usb_serial))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == UNIT_SERIAL
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}


async def test_user_listed_port_error_keeps_choice(hass: HomeAssistant, tmp_path: Path) -> None:
    """The adapter was pulled after the listing: the error shows with the choice kept."""
    gone = str(tmp_path / BY_ID_NAME)
    other = usb_port("/dev/ttyS9-absent", "/dev/ttyS9-absent", "HQ9999ZZZZZ")
    result = await start_user_flow(hass, usb_port(gone, "/dev/ttyUSB9"), other)
    assert suggested(result, CONF_PORT) == other.device  # the first in path order

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: gone})

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "no_such_port"}
    assert suggested(result, CONF_PORT) == gone


async def test_user_manual_choice_then_path(hass: HomeAssistant, simulator: Simulator) -> None:
    """ "Enter manually" leads to the manual step; a typed pty path works."""
    tty = await simulator.start_pty()
    result = await start_user_flow(hass, usb_port("/dev/ttyUSB0", "/dev/ttyUSB0"))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: MANUAL})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: f"  {tty} "}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == UNIT_SERIAL


async def test_user_manual_path_of_listed_adapter(
    hass: HomeAssistant, by_id_pty: tuple[str, str]
) -> None:
    """A typed kernel path of a listed adapter is identified by the adapter's USB serial."""
    link, tty = by_id_pty
    result = await start_user_flow(hass, usb_port(link, tty))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: MANUAL})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == MK3_USB_SERIAL


@pytest.mark.usefixtures("socket_enabled")
async def test_user_manual_socket_url(hass: HomeAssistant, simulator: Simulator) -> None:
    url = await simulator.start_tcp()
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["data"] == {CONF_PORT: url, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == UNIT_SERIAL


async def test_user_mk2_interface(hass: HomeAssistant) -> None:
    sim = Simulator("multiplus-12", paced=False, mk2=True)
    try:
        tty = await sim.start_pty()
        result = await start_manual_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    finally:
        await sim.stop()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK2"}


# --- errors ------------------------------------------------------------------------------


def _regular_file(tmp_path: Path) -> str:
    path = tmp_path / "not-a-tty"
    path.write_text("hello")
    return str(path)


@pytest.mark.parametrize(
    ("make_port", "error"),
    [
        (lambda tmp: str(tmp / "ttyUSB-none"), "no_such_port"),
        (lambda tmp: str(tmp), "invalid_port"),
        (_regular_file, "invalid_port"),
        (lambda tmp: "socket://localhost", "invalid_port"),
        (lambda tmp: "socket://host:notaport", "invalid_port"),
        (lambda tmp: "nosuchscheme://host:1", "invalid_port"),
    ],
    ids=["nonexistent", "directory", "regular-file", "url-no-port", "url-bad-port", "scheme"],
)
async def test_manual_errors_keep_input(
    hass: HomeAssistant,
    simulator: Simulator,
    tmp_path: Path,
    make_port: Callable[[Path], str],
    error: str,
) -> None:
    """Each bad port gets its own error, the typed text stays, a good port then works."""
    typed = make_port(tmp_path)
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: typed})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {"base": error}
    assert suggested(result, CONF_PORT) == typed

    tty = await simulator.start_pty()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("socket_enabled")
async def test_manual_connection_refused(hass: HomeAssistant) -> None:
    url = f"socket://127.0.0.1:{free_tcp_port()}"
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: url})
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested(result, CONF_PORT) == url


async def test_manual_port_busy(hass: HomeAssistant, simulator: Simulator) -> None:
    tty = await simulator.start_pty()
    holder = VEBusClient(tty)
    await holder.connect()
    try:
        result = await start_manual_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "port_busy"}
        assert suggested(result, CONF_PORT) == tty
    finally:
        await holder.close()

    await let_simulator_see_close(simulator)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_port_held_by_another_process(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Another program (here a second process, as ModemManager or a getty would be)."""
    tty = await simulator.start_pty()
    async with held_by_another_process(tty):
        result = await start_manual_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "port_busy"}
        assert hass.config_entries.async_entries(DOMAIN) == []

    await let_simulator_see_close(simulator)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_not_vebus(hass: HomeAssistant, simulator: Simulator) -> None:
    """The port opens but nothing answers (asleep, off, or another device)."""
    tty = await simulator.start_pty()
    simulator.faults.silent = True
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_device"}
    assert suggested(result, CONF_PORT) == tty

    simulator.faults.silent = False
    await let_simulator_see_close(simulator)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_unexpected_error(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    tty = await simulator.start_pty()
    result = await start_manual_flow(hass)
    with patch.object(VEBusClient, "probe", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert suggested(result, CONF_PORT) == tty
    assert f"Unexpected error while probing {tty}" in caplog.text
    assert "RuntimeError: boom" in caplog.text


# --- already configured --------------------------------------------------------------------


async def test_user_listed_adapter_already_configured_moves_port(
    hass: HomeAssistant, by_id_pty: tuple[str, str]
) -> None:
    """Known by its USB serial: the entry gets the new port, the port is not probed."""
    link, tty = by_id_pty
    entry = add_entry(hass, unique_id=MK3_USB_SERIAL, port="/dev/ttyUSB3")
    holder = VEBusClient(link)  # a probe would fail with port_busy
    await holder.connect()
    try:
        result = await start_user_flow(hass, usb_port(link, tty))
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PORT: link}
        )
    finally:
        await holder.close()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {CONF_PORT: link, CONF_INTERFACE: "MK3"}


@pytest.mark.usefixtures("socket_enabled")
async def test_manual_url_of_configured_unit_moves_port(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Known by the unit's serial: the entry gets the new port and interface."""
    url = await simulator.start_tcp()
    entry = add_entry(hass, port="/dev/ttyUSB3", interface="MK2")
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {CONF_PORT: url, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}


async def test_manual_port_already_configured(hass: HomeAssistant, tmp_path: Path) -> None:
    """A port an entry uses is refused before probing (it would be busy)."""
    port = str(tmp_path / "ttyUSB-absent")
    add_entry(hass, unique_id=port, port=port)
    result = await start_manual_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# --- USB discovery ---------------------------------------------------------------------------


async def test_usb_discovery(hass: HomeAssistant, by_id_pty: tuple[str, str]) -> None:
    """Discovery names the kernel path; the stable by-id link is stored."""
    link, tty = by_id_pty
    with listing(usb_port(link, tty)):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery(tty)
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "usb_confirm"
    assert result["description_placeholders"] == {"name": "MK3-USB Interface", "port": tty}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "MK3-USB Interface"}
    assert flows[0]["context"]["unique_id"] == MK3_USB_SERIAL

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == MK3_USB_SERIAL


async def test_usb_discovery_by_id_path(hass: HomeAssistant, by_id_pty: tuple[str, str]) -> None:
    """Newer Home Assistant hands over the by-id path itself."""
    link, tty = by_id_pty
    with listing(usb_port(link, tty)):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery(link)
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}


async def test_usb_discovery_without_serial(hass: HomeAssistant, simulator: Simulator) -> None:
    """Not in the listing and no USB serial: the kernel path, identified by the unit."""
    tty = await simulator.start_pty()
    with listing():
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery(tty, serial=None)
        )
    assert result["step_id"] == "usb_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == UNIT_SERIAL


async def test_usb_confirm_error(hass: HomeAssistant, simulator: Simulator) -> None:
    tty = await simulator.start_pty()
    simulator.faults.silent = True
    with listing():
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery(tty)
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "usb_confirm"
    assert result["errors"] == {"base": "no_device"}

    simulator.faults.silent = False
    await let_simulator_see_close(simulator)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_usb_discovery_already_in_progress(hass: HomeAssistant) -> None:
    with listing():
        first = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery("/dev/ttyUSB0")
        )
        second = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery("/dev/ttyUSB0")
        )
    assert first["type"] is FlowResultType.FORM
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"


async def test_usb_discovery_of_configured_port(hass: HomeAssistant) -> None:
    """No USB serial, but an entry already uses the port."""
    add_entry(hass, port="/dev/ttyUSB0")
    with listing():
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery("/dev/ttyUSB0", None)
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize("listener", [True, False], ids=["update-listener", "no-listener"])
async def test_usb_discovery_moves_port_of_loaded_entry(
    hass: HomeAssistant,
    by_id_pty: tuple[str, str],
    mock_setup_entry: AsyncMock,
    listener: bool,
) -> None:
    """The adapter moved: the entry gets the new port and is reloaded exactly once.

    A loaded entry's update listener does the reload; without one the flow asks for it.
    """
    link, tty = by_id_pty
    entry = add_entry(hass, unique_id=MK3_USB_SERIAL, port="/dev/serial/by-id/old")
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    on_update = AsyncMock()
    if listener:
        entry.add_update_listener(on_update)

    with listing(usb_port(link, tty)):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USB}, data=usb_discovery(tty)
        )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == link
    assert on_update.call_count == (1 if listener else 0)
    assert mock_setup_entry.call_count == (1 if listener else 2)


# --- reconfigure -----------------------------------------------------------------------------


async def test_reconfigure_manual(
    hass: HomeAssistant, simulator: Simulator, mock_setup_entry: AsyncMock
) -> None:
    """Nothing listed: straight to the manual step, the current port suggested."""
    tty = await simulator.start_pty()
    entry = add_entry(hass, port="/dev/ttyUSB7", interface="MK2")
    with listing():
        result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert suggested(result, CONF_PORT) == "/dev/ttyUSB7"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: str(Path(tty).parent / "nope")}
    )
    assert result["errors"] == {"base": "no_such_port"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert entry.unique_id == UNIT_SERIAL
    assert mock_setup_entry.call_count == 1  # reloaded: it was not loaded before


async def test_reconfigure_listed_port(hass: HomeAssistant, by_id_pty: tuple[str, str]) -> None:
    link, tty = by_id_pty
    entry = add_entry(hass, unique_id=MK3_USB_SERIAL, port="socket://192.0.2.1:4000")
    with listing(usb_port(link, tty)):
        result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # The port in use is shown and chosen, though it is not a listed one.
    assert suggested(result, CONF_PORT) == "socket://192.0.2.1:4000"
    options = result["data_schema"].schema[CONF_PORT].config["options"]
    assert [option["value"] for option in options] == ["socket://192.0.2.1:4000", link, MANUAL]

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: link})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_PORT: link, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}


async def test_reconfigure_manual_choice(hass: HomeAssistant, simulator: Simulator) -> None:
    tty = await simulator.start_pty()
    entry = add_entry(hass, port="socket://192.0.2.1:4000")
    with listing(usb_port("/dev/ttyUSB0", "/dev/ttyUSB0")):
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: MANUAL})
    assert result["step_id"] == "manual"
    assert suggested(result, CONF_PORT) == "socket://192.0.2.1:4000"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == tty


async def test_reconfigure_same_port_reloads_without_probing(
    hass: HomeAssistant, by_id_pty: tuple[str, str], mock_setup_entry: AsyncMock
) -> None:
    link, tty = by_id_pty
    entry = add_entry(hass, unique_id=MK3_USB_SERIAL, port=link)
    holder = VEBusClient(link)  # the entry's own connection would hold it like this
    await holder.connect()
    try:
        with listing(usb_port(link, tty)):
            result = await entry.start_reconfigure_flow(hass)
        assert suggested(result, CONF_PORT) == link
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PORT: link}
        )
        await hass.async_block_till_done()
    finally:
        await holder.close()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_PORT: link, CONF_INTERFACE: "MK3"}
    assert mock_setup_entry.call_count == 1


async def test_reconfigure_other_unit(hass: HomeAssistant) -> None:
    """Another unit answers on the new port: refused, the entry unchanged."""
    other = Simulator("multiplus2-48", paced=False)
    entry = add_entry(hass, port="/dev/ttyUSB7")
    try:
        tty = await other.start_pty()
        with listing():
            result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    finally:
        await other.stop()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data == {CONF_PORT: "/dev/ttyUSB7", CONF_INTERFACE: "MK3"}
    assert entry.unique_id == UNIT_SERIAL


async def test_reconfigure_other_adapter(hass: HomeAssistant) -> None:
    """Another adapter (by its USB serial) is refused before probing."""
    entry = add_entry(hass, unique_id=MK3_USB_SERIAL, port="/dev/ttyUSB7")
    port = usb_port("/dev/ttyUSB1", "/dev/ttyUSB1", "HQ9999ZZZZZ")
    with listing(port):
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: "/dev/ttyUSB1"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data[CONF_PORT] == "/dev/ttyUSB7"


async def test_reconfigure_entry_known_by_port_takes_unit_identity(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """An entry known only by its URL moves and takes the identity the unit reports."""
    tty = await simulator.start_pty()
    old = "socket://192.0.2.1:4000"
    entry = add_entry(hass, unique_id=old, port=old)
    with listing():
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == UNIT_SERIAL
    assert entry.data == {CONF_PORT: tty, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}


async def test_reconfigure_entry_known_by_port_unit_configured_elsewhere(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    tty = await simulator.start_pty()
    old = "socket://192.0.2.1:4000"
    entry = add_entry(hass, unique_id=old, port=old)
    add_entry(hass, unique_id=UNIT_SERIAL, port="/dev/ttyUSB3")
    with listing():
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.unique_id == old
    assert entry.data[CONF_PORT] == old


async def test_reconfigure_port_of_other_entry(hass: HomeAssistant) -> None:
    entry = add_entry(hass, port="/dev/ttyUSB7")
    add_entry(hass, unique_id="HQ2241XYZ12", port="/dev/ttyUSB3")
    with listing():
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: "/dev/ttyUSB3"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == "/dev/ttyUSB7"


async def test_reconfigure_loaded_entry_reloads_through_listener(
    hass: HomeAssistant, simulator: Simulator, mock_setup_entry: AsyncMock
) -> None:
    tty = await simulator.start_pty()
    entry = add_entry(hass, port="/dev/ttyUSB7")
    assert await hass.config_entries.async_setup(entry.entry_id)
    on_update = AsyncMock()
    entry.add_update_listener(on_update)
    with listing():
        result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert on_update.call_count == 1
    assert mock_setup_entry.call_count == 1  # the listener reloads; the flow does not


# --- options -------------------------------------------------------------------------------


GRID_DEFAULTS = {
    "grid_sign": "import_positive",
    "target": 0,
    "deadband": 50,
    "max_charge_power": 3000,
    "max_discharge_power": 3000,
    "ramp": 1000,
    "min_soc": 10,
    "max_soc": 100,
    "meter_stale_time": 30,
}


async def test_options_defaults_and_save(hass: HomeAssistant) -> None:
    entry = add_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["data_schema"]({CONF_GRID_CONTROL: {}}) == {
        CONF_SCAN_INTERVAL: 5,
        CONF_LIVE_INTERVAL: 1,
        CONF_PERSIST_SETTINGS: False,
        CONF_ESS_MAX_POWER: 3000,
        CONF_GRID_CONTROL: GRID_DEFAULTS,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SCAN_INTERVAL: 10.0,
            CONF_LIVE_INTERVAL: 2.0,
            CONF_PERSIST_SETTINGS: True,
            CONF_ESS_MAX_POWER: 4500,
            CONF_GRID_CONTROL: {},
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 10,
        CONF_LIVE_INTERVAL: 2,
        CONF_PERSIST_SETTINGS: True,
        CONF_ESS_MAX_POWER: 4500,
        CONF_GRID_CONTROL: GRID_DEFAULTS,
    }
    assert isinstance(entry.options[CONF_SCAN_INTERVAL], int)


async def test_options_show_current_values(hass: HomeAssistant) -> None:
    entry = add_entry(hass)
    options = {CONF_SCAN_INTERVAL: 30, CONF_PERSIST_SETTINGS: True, CONF_ESS_MAX_POWER: 800}
    hass.config_entries.async_update_entry(entry, options=options)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    for key, value in options.items():
        assert suggested(result, key) == value


@pytest.mark.parametrize(
    "changes",
    [
        {CONF_SCAN_INTERVAL: 0},
        {CONF_SCAN_INTERVAL: 301},
        {CONF_ESS_MAX_POWER: 99},
        {CONF_ESS_MAX_POWER: 20001},
    ],
)
async def test_options_out_of_range(hass: HomeAssistant, changes: dict[str, int]) -> None:
    entry = add_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    values = {
        CONF_SCAN_INTERVAL: 5,
        CONF_PERSIST_SETTINGS: False,
        CONF_ESS_MAX_POWER: 3000,
        CONF_GRID_CONTROL: {},
    }
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(result["flow_id"], values | changes)
    assert entry.options == {}


# --- translations ------------------------------------------------------------------------------


_REFERENCE = re.compile(r"\[%key:([^%]+)%\]")


def _pattern(text: str, strings: dict[str, Any], common: dict[str, Any]) -> str:
    """A regex for ``text`` with its references resolved.

    References into this integration resolve to their text. Home Assistant rewords its
    common strings between releases (2026.x reworded ``already_in_progress``), so a
    common reference must exist in the installed release but stands for any text.
    """
    pieces, position = [], 0
    for match in _REFERENCE.finditer(text):
        pieces.append(re.escape(text[position : match.start()]))
        position = match.end()
        parts = match.group(1).split("::")
        is_common = parts[0] == "common"
        if is_common:
            node: Any = common
        else:
            assert parts[:2] == ["component", DOMAIN]
            node, parts = strings, parts[2:]
        for part in parts:
            node = node[part]  # a KeyError names a reference this release lacks
        assert isinstance(node, str), match.group(0)
        pieces.append(r"[^\[\]]+" if is_common else _pattern(node, strings, common))
    pieces.append(re.escape(text[position:]))
    return "".join(pieces)


def test_en_json_is_strings_json_resolved() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    common = json.loads((Path(homeassistant.__file__).parent / "strings.json").read_text())

    def check(source: Any, resolved: Any, where: str) -> None:
        if isinstance(source, dict):
            assert isinstance(resolved, dict), where
            assert resolved.keys() == source.keys(), where
            for key, value in source.items():
                check(value, resolved[key], f"{where}.{key}")
        else:
            assert isinstance(resolved, str), where
            assert re.fullmatch(_pattern(source, strings, common), resolved), (where, resolved)

    check(strings, english, "en.json")
    assert "[%key:" not in json.dumps(english)


def test_every_field_is_described() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    for section in ("config", "options"):
        for step_id, step in strings[section]["step"].items():
            assert step.get("data", {}).keys() == step.get("data_description", {}).keys(), step_id
