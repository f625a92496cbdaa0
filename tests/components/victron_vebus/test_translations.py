"""Translations: Victron's main markets (German, Dutch, French, Spanish) read every string of
the integration in their language, with the placeholders Home Assistant fills in."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.victron_vebus.const import DOMAIN
from vebus_sim import Simulator

from .conftest import add_entry

TRANSLATIONS = Path(__file__).parents[3] / "custom_components" / DOMAIN / "translations"
LANGUAGES = ("de", "nl", "fr", "es")
PLACEHOLDER = re.compile(r"\{[a-z0-9_]+\}")


def strings(language: str) -> dict[str, str]:
    """Every string of ``language`` by its key path (``entity/sensor/battery_voltage/name``)."""

    def leaves(node: dict[str, Any], path: str) -> Iterator[tuple[str, Any]]:
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{path}{key}/")
            else:
                yield f"{path}{key}", value

    return dict(leaves(json.loads((TRANSLATIONS / f"{language}.json").read_text()), ""))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(language: str) -> None:
    english, translated = strings("en"), strings(language)
    assert sorted(english.keys() - translated.keys()) == [], "missing"
    assert sorted(translated.keys() - english.keys()) == [], "not in strings.json"
    for key, text in english.items():
        assert isinstance(translated[key], str), key
        assert translated[key].strip(), key
        assert sorted(PLACEHOLDER.findall(translated[key])) == sorted(PLACEHOLDER.findall(text)), (
            key
        )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_user_reads_the_entities_in_the_language_of_home_assistant(
    hass: HomeAssistant, vebus_sim: Simulator, language: str
) -> None:
    """Home Assistant set to the language names the unit's entities in it."""
    hass.config.language = language
    entry = await add_entry(hass, await vebus_sim.start_pty())
    (entity_id,) = [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if e.domain == "sensor" and e.translation_key == "battery_voltage"
    ]
    state = hass.states.get(entity_id)
    assert state is not None
    name = strings(language)["entity/sensor/battery_voltage/name"]
    assert name != strings("en")["entity/sensor/battery_voltage/name"]
    assert state.attributes["friendly_name"] == f"MultiPlus {name}"
    await hass.config_entries.async_unload(entry.entry_id)
