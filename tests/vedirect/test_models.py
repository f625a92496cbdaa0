"""What codes mean, and the values a block reports (vedirect.md §2)."""

from __future__ import annotations

import pytest

from tests.vedirect.vectors import BLOCKS
from victron_serial.vedirect import (
    CHARGE_STATE_TEXTS,
    ERROR_TEXTS,
    ChargerError,
    ChargerState,
    ChargeState,
    firmware_text,
    port_kind,
    product_name,
    read_block,
    state_to_json,
)
from victron_serial.vedirect.protocol import TextBlock


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0342FF", "3.42"),
        ("0325FF", "3.25"),
        ("0365FF", "3.65"),
        ("034205", "3.42-beta-05"),
        ("139", "1.39"),
        ("0139", "1.39"),
        (0x0342FF, "3.42"),
        ("1042FF", "10.42"),
        ("", None),
        ("xyz", None),
        ("03A2FF", None),
        ("1234567", None),
        (None, None),
    ],
)
def test_firmware_versions_read_as_victron_writes_them(
    value: str | int | None, text: str | None
) -> None:
    assert firmware_text(value) == text


def test_every_code_has_a_text_and_unknown_codes_keep_their_raw_value() -> None:
    assert set(CHARGE_STATE_TEXTS) == set(ChargeState)
    assert set(ERROR_TEXTS) == set(ChargerError)
    assert ChargeState.BULK.text == "Bulk"
    assert ChargerError.NO_ERROR.text == "No error"
    block = TextBlock((("PID", "0xA332"), ("V", "12000"), ("CS", "99"), ("ERR", "250")))
    reading = read_block(block)
    assert reading.charge_state is None and reading.charge_state_raw == 99
    assert reading.error is None and reading.error_raw == 250
    data = state_to_json(ChargerState(reading, "x", None, None, None))
    assert (data["charge_state"], data["charge_state_raw"]) == (None, 99)
    assert (data["error"], data["error_raw"]) == (None, 250)


def test_models_are_named_from_the_product_id_until_the_charger_says_more() -> None:
    assert product_name(0xA334) == "Blue Smart IP22 Charger 24|12"
    assert product_name(0xA3FF) == "Victron charger (PID 0xA3FF)"
    assert product_name(None) is None


def test_values_a_quantity_cannot_have_are_unknown() -> None:
    block = TextBlock(
        (("V", "99999"), ("I", "-500000"), ("T", "400"), ("V2", "13000"), ("I2", "x"))
    )
    reading = read_block(block)
    assert reading.voltage is None and reading.current is None and reading.temperature is None
    assert reading.outputs[1].voltage == 13.0 and reading.outputs[1].current is None
    assert read_block(TextBlock(())).voltage is None


def test_multi_output_chargers_report_every_output() -> None:
    fields = (
        *BLOCKS["T1"].fields[:5],
        ("V2", "26860"),
        ("I2", "500"),
        ("V3", "26850"),
        ("I3", "0"),
    )
    reading = read_block(TextBlock(fields))
    assert [(o.number, o.voltage, o.current) for o in reading.outputs] == [
        (1, 26.87, 2.0),
        (2, 26.86, 0.5),
        (3, 26.85, 0.0),
    ]
    data = state_to_json(ChargerState(reading, "m", 8.0, 2.0, 8.0))
    assert data["outputs"][2] == {"output": 3, "voltage": 26.85, "current": 0.0}
    state = ChargerState(reading, "m", 8.0, 2.0, 8.0)
    assert state.outputs == reading.outputs and state.error is None


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("usb-VictronEnergy_BV_VE_Direct_cable_VEHTVQT-if00-port0", "vedirect"),
        ("VE Direct cable", "vedirect"),
        ("usb-VictronEnergy_MK3-USB_Interface_HQ2043ABCDE-if00-port0", "mk3"),
        ("MK3-USB Interface", "mk3"),
        ("usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", None),
        (None, None),
    ],
)
def test_victron_cables_are_told_apart_by_their_product_name(
    description: str | None, kind: str | None
) -> None:
    assert port_kind(description) == kind
