"""The settings backup actions: files under the configuration folder, diff, restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.victron_vebus.const import DOMAIN
from vebus_sim import Simulator

from .conftest import write_requests

ABSORPTION, FLOAT, CHARGE_CURRENT = 2, 3, 4


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration folder of this test's own (the default one is shared)."""
    folder = tmp_path / "config"
    folder.mkdir()
    hass.config.config_dir = str(folder)
    return folder


async def call(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    service: str,
    *,
    response: bool = True,
    **data: Any,
) -> dict[str, Any] | None:
    return await hass.services.async_call(  # type: ignore[return-value]
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=response,
    )


async def backup(hass: HomeAssistant, entry: MockConfigEntry, **data: Any) -> Path:
    result = await call(hass, entry, "backup_settings", **data)
    assert result is not None
    return Path(result["path"])


async def test_backup_writes_every_setting_to_a_file_in_the_config_folder(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, config_dir: Path
) -> None:
    result = await call(hass, setup_integration, "backup_settings")
    assert result is not None
    path = Path(result["path"])
    assert path.parent == config_dir / "victron_vebus"
    assert path.name.startswith("multiplus-")
    assert result["settings"] == len(vebus_sim.device.model.setting_info)
    data = json.loads(path.read_text())
    assert data["unit"]["serial_number"] == vebus_sim.device.model.serial
    assert data["settings"]["2"]["value"] == 14.4
    assert write_requests(vebus_sim) == []

    named = await backup(hass, setup_integration, file="backups/mine.json")
    assert named == config_dir / "backups" / "mine.json"
    with pytest.raises(ServiceValidationError) as caught:
        await backup(hass, setup_integration, file="backups/mine.json")
    assert caught.value.translation_key == "backup_exists"
    await call(hass, setup_integration, "backup_settings", response=False, file="quiet.json")
    assert (config_dir / "quiet.json").exists()
    with pytest.raises(HomeAssistantError) as failed:
        await backup(hass, setup_integration, file="quiet.json/under_a_file.json")
    assert failed.value.translation_key == "backup_write_failed"


async def test_diff_then_restore_ram_only_then_saved_permanently(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, config_dir: Path
) -> None:
    path = await backup(hass, setup_integration, file="multiplus.json")
    vebus_sim.device.set_setting(ABSORPTION, 14.0)  # changed with VEConfigure, say
    found = await call(hass, setup_integration, "diff_settings", file="multiplus.json")
    assert found is not None
    assert found["same"] is False
    assert [(d["name"], d["file_value"], d["unit_value"]) for d in found["changed"]] == [
        ("absorption_voltage", 14.4, 14.0)
    ]
    assert found["out_of_bounds"] == found["only_in_file"] == found["only_on_unit"] == []

    report = await call(hass, setup_integration, "restore_settings", file=str(path))
    assert report is not None
    assert (report["written"], report["refused"], report["failed"]) == (1, 0, 0)
    written = [s for s in report["settings"] if s["result"] == "written"]
    assert written == [
        {
            "id": ABSORPTION,
            "name": "absorption_voltage",
            "result": "written",
            "value": 14.4,
            "previous": 14.0,
            "unit": "V",
            "reason": None,
            "saved_permanently": False,
            "needs_restart": False,
            "retry_at": None,
        }
    ]
    assert vebus_sim.device.setting(ABSORPTION) == pytest.approx(14.4)
    assert vebus_sim.device.eeprom_writes == {}
    state = setup_integration.runtime_data.unit.setting_in_force(ABSORPTION, 1400)
    assert state == 1440  # remembered: re-applied after the unit restarts

    report = await call(
        hass, setup_integration, "restore_settings", file="multiplus.json", save_permanently=True
    )
    assert report is not None
    assert report["written"] == 1
    assert vebus_sim.device.eeprom_writes == {ABSORPTION: 1}
    found = await call(hass, setup_integration, "diff_settings", file="multiplus.json")
    assert found is not None
    assert found["same"] is True


@pytest.mark.parametrize("file", ["../outside.json", "/etc/hostname", "link/outside.json", "", "."])
async def test_files_outside_the_config_folder_are_refused(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    config_dir: Path,
    tmp_path: Path,
    file: str,
) -> None:
    (config_dir / "link").symlink_to(tmp_path)
    for service in ("backup_settings", "diff_settings", "restore_settings"):
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, setup_integration, service, file=file)
        assert caught.value.translation_key == "path_outside_config"
    assert not (tmp_path / "outside.json").exists()
    assert write_requests(vebus_sim) == []


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (None, "backup_not_found"),
        ("{", "backup_invalid"),
        ('{"format": "something else"}', "backup_invalid"),
        (b"\xff\xfe", "backup_unreadable"),
        (" " * 1_000_001, "backup_unreadable"),
    ],
)
async def test_a_missing_or_damaged_file_is_refused(
    hass: HomeAssistant,
    vebus_sim: Simulator,
    setup_integration: MockConfigEntry,
    config_dir: Path,
    content: str | bytes | None,
    key: str,
) -> None:
    if isinstance(content, bytes):
        (config_dir / "backup.json").write_bytes(content)
    elif content is not None:
        (config_dir / "backup.json").write_text(content)
    for service in ("diff_settings", "restore_settings"):
        with pytest.raises(ServiceValidationError) as caught:
            await call(hass, setup_integration, service, file="backup.json")
        assert caught.value.translation_key == key
    assert write_requests(vebus_sim) == []


async def test_out_of_bounds_values_refuse_the_whole_restore(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, config_dir: Path
) -> None:
    path = await backup(hass, setup_integration, file="multiplus.json")
    data = json.loads(path.read_text())
    data["settings"]["2"] |= {"raw": 1700, "value": 17.0}
    path.write_text(json.dumps(data))
    vebus_sim.device.set_setting(FLOAT, 13.0)  # something a restore would write
    found = await call(hass, setup_integration, "diff_settings", file="multiplus.json")
    assert found is not None
    assert [d["problem"] for d in found["out_of_bounds"]] == [
        "absorption_voltage: 17 V is outside 12 to 16 V"
    ]
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, "restore_settings", file="multiplus.json")
    assert caught.value.translation_key == "restore_out_of_range"
    assert caught.value.translation_placeholders == {
        "problems": "absorption_voltage: 17 V is outside 12 to 16 V"
    }
    assert write_requests(vebus_sim) == []
    assert vebus_sim.device.setting(FLOAT) == pytest.approx(13.0)


async def test_a_backup_of_other_firmware_needs_force(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, config_dir: Path
) -> None:
    path = await backup(hass, setup_integration, file="multiplus.json")
    data = json.loads(path.read_text())
    data["unit"]["firmware"] += 1
    path.write_text(json.dumps(data))
    vebus_sim.device.set_setting(FLOAT, 13.0)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, setup_integration, "restore_settings", file="multiplus.json")
    assert caught.value.translation_key == "backup_other_unit"
    assert "firmware: file" in caught.value.translation_placeholders["differences"]
    assert write_requests(vebus_sim) == []
    report = await call(
        hass, setup_integration, "restore_settings", file="multiplus.json", force=True
    )
    assert report is not None
    assert report["forced"] is True
    assert vebus_sim.device.setting(FLOAT) == pytest.approx(13.8)


async def test_a_setting_not_restored_is_never_silent(
    hass: HomeAssistant, vebus_sim: Simulator, setup_integration: MockConfigEntry, config_dir: Path
) -> None:
    await backup(hass, setup_integration, file="multiplus.json")
    vebus_sim.device.set_setting(CHARGE_CURRENT, 50)
    vebus_sim.device.set_setting(FLOAT, 13.0)
    vebus_sim.faults.denied_settings[CHARGE_CURRENT] = 2
    report = await call(hass, setup_integration, "restore_settings", file="multiplus.json")
    assert report is not None
    assert (report["written"], report["refused"]) == (1, 1)
    refused = next(s for s in report["settings"] if s["result"] == "refused")
    assert refused["name"] == "charge_current"
    assert "access level 2" in refused["reason"]

    with pytest.raises(HomeAssistantError) as caught:
        await call(
            hass, setup_integration, "restore_settings", response=False, file="multiplus.json"
        )
    assert caught.value.translation_key == "restore_incomplete"
    placeholders = caught.value.translation_placeholders
    assert placeholders["written"] == "0"  # float_voltage is back already
    assert placeholders["settings"].startswith("charge_current refused: ")
