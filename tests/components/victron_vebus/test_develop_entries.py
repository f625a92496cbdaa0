"""scripts/develop's VE.Bus entry is the one the config flow makes for its simulator: the
same data and the same unique id (the serial number the unit reports), so a reconfigure of
it is a reconfigure of any entry."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.victron_vebus.config_flow import MANUAL
from custom_components.victron_vebus.const import CONF_PORT, DOMAIN
from scripts.develop_entries import seed
from vebus_sim import Simulator

CHARGER_URL = "socket://127.0.0.1:2324"


@pytest.mark.usefixtures("socket_enabled", "mock_setup_entry")
@pytest.mark.parametrize("model", ["multiplus-12", "quattro-48"])
async def test_the_seeded_entry_is_the_one_the_config_flow_makes(
    hass: HomeAssistant, tmp_path: Path, model: str
) -> None:
    sim = Simulator(model, paced=False, live=False)
    try:
        url = await sim.start_tcp()
        with patch("serialx.async_list_serial_ports", AsyncMock(return_value=[])):
            result = await hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_USER}
            )
            if result["step_id"] != "manual":
                result = await hass.config_entries.flow.async_configure(
                    result["flow_id"], {CONF_PORT: MANUAL}
                )
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_PORT: url}
            )
    finally:
        await sim.stop()
    assert result["type"] is FlowResultType.CREATE_ENTRY

    seed(tmp_path, url, CHARGER_URL, vebus_model=model)
    stored = json.loads((tmp_path / ".storage" / "core.config_entries").read_text())
    seeded = stored["data"]["entries"][0]
    made = result["result"]
    assert seeded["unique_id"] == made.unique_id
    assert seeded["data"] == dict(made.data)
    assert seeded["title"] == f"{made.title} (simulator)"
