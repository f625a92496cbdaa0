"""Device rules the command line keeps: what the unit cannot use is refused with one line
and a non-zero exit, nothing sent; values show with the unit people read them in."""

from __future__ import annotations

from collections.abc import Iterator
import re

import pytest

from .test_cli import run, simulated as _simulated

pytestmark = pytest.mark.usefixtures("socket_enabled")
simulated = _simulated  # a simulator of this module's own: these tests switch its mode


def setting(capsys: pytest.CaptureFixture[str], url: str, name: str) -> float:
    code, out, _ = run(capsys, "setting", url, "get", name)
    assert code == 0
    return float(out.split("=")[1])


def test_float_voltage_never_goes_above_absorption(
    simulated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    absorption = setting(capsys, simulated, "absorption_voltage")
    float_before = setting(capsys, simulated, "float_voltage")
    code, _, err = run(
        capsys, "setting", simulated, "set", "float_voltage", f"{absorption + 0.5:.2f}"
    )
    assert code == 1
    assert re.search(r"float_voltage: .* is above absorption_voltage", err), err
    code, _, err = run(
        capsys, "setting", simulated, "set", "absorption_voltage", f"{float_before - 0.5:.2f}"
    )
    assert code == 1
    assert re.search(r"absorption_voltage: .* is below float_voltage", err), err
    assert setting(capsys, simulated, "float_voltage") == float_before  # nothing was sent
    # Equal is allowed: a float voltage at the absorption voltage.
    code, _, err = run(capsys, "setting", simulated, "set", "float_voltage", f"{absorption:g}")
    assert code == 0, err


@pytest.fixture
def charger_only(simulated: str, capsys: pytest.CaptureFixture[str]) -> Iterator[str]:
    code, _, _ = run(capsys, "mode", simulated, "charger_only")
    assert code == 0
    yield simulated
    run(capsys, "mode", simulated, "on")


def test_the_ess_setpoint_is_refused_in_charger_only_mode(
    charger_only: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "ess", charger_only, "set", "500")
    assert code == 1
    assert "charger_only" in err and "mode on" in err, err
    code, out, _ = run(capsys, "ess", charger_only, "set", "0")  # 0 W, the safe state, is taken
    assert (code, "0 W" in out) == (0, True)


def test_ram_list_shows_the_state_of_charge_in_percent(
    simulated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ram", simulated, "list")
    assert code == 0
    (line,) = [line for line in out.splitlines() if "state_of_charge" in line]
    assert re.search(r"state_of_charge\s+\d+(\.\d+)? %$", line), line
    assert float(line.split()[-2]) > 1  # percent, not the unit's fraction
    code, out, _ = run(capsys, "ram", simulated, "get", "state_of_charge")
    assert re.fullmatch(r"state_of_charge = \d+(\.\d+)? %\n", out), out
