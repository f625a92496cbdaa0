"""The config flow tells a VE.Direct charger from a VE.Bus unit behind an MK3, on cables
with the same USB ids: by the USB product name where there is one, always by what answers.
Against the simulators over real ptys; only the OS port listing is replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_USB, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.usb import UsbServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from serialx import SerialPortInfo

from custom_components.victron_vebus.config_flow import MANUAL
from custom_components.victron_vebus.const import (
    CONF_FAMILY,
    CONF_INTERFACE,
    CONF_PORT,
    DOMAIN,
)
from custom_components.victron_vebus.identify import cable_family
from vebus_sim import Simulator
from vebus_sim.vedirect import ChargerSimulator

from .charger_helpers import NAME, SERIAL, listing

CABLE_SERIAL = "VE4XYZ12"  # the VE.Direct-USB cable's own USB serial number
CABLE_NAME = f"usb-VictronEnergy_BV_VE_Direct_cable_{CABLE_SERIAL}-if00-port0"
MK3_SERIAL = "HQ2039ABCDE"
MK3_NAME = f"usb-VictronEnergy_BV_MK3-USB_Interface_{MK3_SERIAL}-if00-port0"
UNIT_SERIAL = "HQ1234ABCDE"  # what the simulated MultiPlus reports

pytestmark = pytest.mark.usefixtures("mock_setup_entry")


def port_info(
    device: str, resolved: str, product: str, serial: str | None, manufacturer: str | None
) -> SerialPortInfo:
    """A USB serial port as serialx lists it (``device`` is the by-id link)."""
    return SerialPortInfo(
        device=device,
        resolved_device=resolved,
        vid=0x0403,
        pid=0x6015 if manufacturer else 0x6001,
        serial_number=serial,
        manufacturer=manufacturer,
        product=product,
        bcd_device=0x1000,
        interface_description=None,
        interface_num=0,
    )


def cable(device: str, resolved: str) -> SerialPortInfo:
    return port_info(device, resolved, "VE Direct cable", CABLE_SERIAL, "VictronEnergy BV")


def mk3(device: str, resolved: str) -> SerialPortInfo:
    return port_info(device, resolved, "MK3-USB Interface", MK3_SERIAL, "VictronEnergy.BV")


def plain_ftdi(device: str) -> SerialPortInfo:
    return port_info(device, device, "FT232R USB UART", "A50285BI", None)


def discovery(device: str, description: str, serial: str) -> UsbServiceInfo:
    """USB discovery: the same FTDI vendor and product for both of Victron's cables."""
    return UsbServiceInfo(
        device=device,
        vid="0403",
        pid="6015",
        serial_number=serial,
        manufacturer="VictronEnergy BV",
        description=description,
    )


def suggested(result: Any) -> Any:
    for marker in result["data_schema"].schema:
        if marker == CONF_PORT:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(CONF_PORT)


def charger_entry(hass: HomeAssistant, port: str, unique_id: str = SERIAL) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=NAME,
        unique_id=unique_id,
        data={CONF_PORT: port, CONF_FAMILY: "vedirect"},
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def charger_cable(charger_sim: ChargerSimulator, tmp_path: Path) -> tuple[str, str]:
    """The charger simulator behind a VE.Direct cable's by-id link: (link, kernel path)."""
    link = await charger_sim.start_pty(link=str(tmp_path / CABLE_NAME))
    assert charger_sim.pty_path is not None
    return link, charger_sim.pty_path


@pytest.fixture
async def mk3_cable(simulator: Simulator, tmp_path: Path) -> tuple[str, str]:
    """The MultiPlus simulator behind an MK3-USB's by-id link: (link, kernel path)."""
    link = await simulator.start_pty(link=str(tmp_path / MK3_NAME))
    assert simulator.pty_path is not None
    return link, simulator.pty_path


def test_cable_names_tell_the_families_apart() -> None:
    assert cable_family("VE Direct cable") == "vedirect"
    assert cable_family(None, None, f"/dev/serial/by-id/{CABLE_NAME}") == "vedirect"
    assert cable_family("MK3-USB Interface") == "vebus"
    assert cable_family("MK2USB COM") == "vebus"
    assert cable_family("FT232R USB UART", None, "/dev/ttyUSB0") is None
    assert cable_family() is None


# --- USB discovery, both ways ------------------------------------------------------------


async def test_usb_discovery_of_a_vedirect_cable_finds_the_charger(
    hass: HomeAssistant, charger_cable: tuple[str, str]
) -> None:
    link, tty = charger_cable
    with listing(cable(link, tty)):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_USB},
            data=discovery(tty, "VE Direct cable", CABLE_SERIAL),
        )
    assert result["step_id"] == "usb_confirm"
    assert result["description_placeholders"] == {"name": "VE Direct cable", "port": tty}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == NAME
    assert result["description"] == "vedirect"
    assert result["description_placeholders"] == {"name": NAME, "port": tty, "serial": SERIAL}
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vedirect"}
    assert result["result"].unique_id == SERIAL  # the charger's, not the cable's


async def test_usb_discovery_of_an_mk3_on_the_same_ids_finds_the_unit(
    hass: HomeAssistant, mk3_cable: tuple[str, str]
) -> None:
    link, tty = mk3_cable
    with listing(mk3(link, tty)):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_USB},
            data=discovery(tty, "MK3-USB Interface", MK3_SERIAL),
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "MultiPlus"
    assert result["description"] == "vebus"
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vebus", CONF_INTERFACE: "MK3"}
    assert result["result"].unique_id == MK3_SERIAL


async def test_what_answers_decides_not_the_cable_name(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A VE.Direct cable's name, but an MK3 answers (a relabelled adapter): a VE.Bus entry."""
    tty = await simulator.start_pty()
    with listing():
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_USB},
            data=discovery(tty, "VE Direct cable", CABLE_SERIAL),
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_FAMILY] == "vebus"
    assert result["result"].unique_id == CABLE_SERIAL  # a VE.Bus entry keeps its adapter's


async def test_usb_discovery_of_a_configured_charger_is_no_new_entry(
    hass: HomeAssistant, charger_cable: tuple[str, str]
) -> None:
    link, tty = charger_cable
    charger_entry(hass, link)
    with listing(cable(link, tty)):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_USB},
            data=discovery(tty, "VE Direct cable", CABLE_SERIAL),
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# --- the port list -------------------------------------------------------------------------


async def test_a_listed_vedirect_cable_is_preselected_and_found(
    hass: HomeAssistant, charger_cable: tuple[str, str]
) -> None:
    link, tty = charger_cable
    with listing(plain_ftdi("/dev/ttyUSB0"), cable(link, tty)):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert result["step_id"] == "user"
    assert suggested(result) == link  # the Victron cable, not the first port in the list

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: link})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == NAME
    assert result["data"] == {CONF_PORT: link, CONF_FAMILY: "vedirect"}
    assert result["result"].unique_id == SERIAL


async def test_no_victron_cable_listed_preselects_enter_manually(hass: HomeAssistant) -> None:
    with listing(plain_ftdi("/dev/ttyUSB0"), plain_ftdi("/dev/ttyUSB1")):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert result["step_id"] == "user"
    assert suggested(result) == MANUAL


async def test_a_plain_adapter_with_a_charger_behind_it(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    """No USB name to go by (a home-made 3.3 V adapter): VE.Bus is tried, then VE.Direct."""
    tty = await charger_sim.start_pty()
    with listing(plain_ftdi(tty)):
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_PORT: tty, CONF_FAMILY: "vedirect"}
    assert result["result"].unique_id == SERIAL


@pytest.mark.usefixtures("socket_enabled")
async def test_a_charger_over_the_network(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    url = await charger_sim.start_tcp()
    with listing():
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "vedirect"
    assert result["data"] == {CONF_PORT: url, CONF_FAMILY: "vedirect"}


async def test_a_silent_port_answers_nothing(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    tty = await charger_sim.start_pty()
    charger_sim.faults.silent = True
    with listing():
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_device"}
    assert suggested(result) == tty


async def test_a_configured_charger_found_on_another_port_moves(
    hass: HomeAssistant, charger_sim: ChargerSimulator
) -> None:
    tty = await charger_sim.start_pty()
    entry = charger_entry(hass, "/dev/ttyUSB5")
    with listing():
        result: Any = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {CONF_PORT: tty, CONF_FAMILY: "vedirect"}


# --- reconfigure ---------------------------------------------------------------------------


async def test_reconfigure_shows_the_port_in_use_and_moves_to_another(
    hass: HomeAssistant, charger_cable: tuple[str, str], tmp_path: Path
) -> None:
    link, tty = charger_cable
    old = str(tmp_path / "usb-VictronEnergy_BV_VE_Direct_cable_OLD-if00-port0")
    entry = charger_entry(hass, old)
    with listing(cable(link, tty)):
        result: Any = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert suggested(result) == old  # unplugged, not listed, still the default
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: link})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_PORT: link, CONF_FAMILY: "vedirect"}
    assert entry.unique_id == SERIAL

    with listing(cable(link, tty)):
        result = await entry.start_reconfigure_flow(hass)
    assert suggested(result) == link  # listed now: the listed port is chosen


async def test_reconfigure_to_a_port_where_a_vebus_unit_answers_is_refused(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    tty = await simulator.start_pty()
    entry = charger_entry(hass, "/dev/ttyUSB5")
    with listing():
        result: Any = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "manual"
    assert suggested(result) == "/dev/ttyUSB5"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data[CONF_PORT] == "/dev/ttyUSB5"


async def test_reconfigure_an_entry_known_by_its_port_keeps_its_family(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Known only by its port, so no serial to compare: the family still must match."""
    tty = await simulator.start_pty()
    entry = charger_entry(hass, "socket://192.0.2.1:4000", unique_id="socket://192.0.2.1:4000")
    with listing():
        result: Any = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PORT: tty})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data == {CONF_PORT: "socket://192.0.2.1:4000", CONF_FAMILY: "vedirect"}
