"""The charger library's errors as translated Home Assistant errors (strings.json "exceptions").

Refused before anything was sent (out of range, written to the charger's memory too
recently): a ServiceValidationError. What the charger did not do: a HomeAssistantError.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .victron_serial.vedirect import (
    VEDirectClosedError,
    VEDirectError,
    VEDirectInvalidValueError,
    VEDirectOutOfRangeError,
    VEDirectPresetBatteryError,
    VEDirectRateLimitedError,
    VEDirectUnsupportedError,
)


def _number(value: float) -> str:
    return f"{value:g}"


def _item(name: str) -> str:
    """A register's name as words: ``charge_current_limit`` -> ``charge current limit``."""
    return name.replace("_", " ")


def local_time(timestamp: float) -> str:
    """A wall-clock time (seconds since the epoch) as the user reads it: ``14:05:09``."""
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).strftime("%H:%M:%S")


@contextlib.contextmanager
def translated_charger_errors(interval_minutes: float) -> Iterator[None]:
    """Raise the charger library's errors as translated Home Assistant errors."""
    try:
        yield
    except VEDirectOutOfRangeError as err:
        unit = f" {err.unit}" if err.unit else ""
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="above_charger" if err.value > err.maximum else "below_charger",
            translation_placeholders={
                "item": _item(err.item),
                "value": _number(err.value) + unit,
                "minimum": _number(err.minimum) + unit,
                "maximum": _number(err.maximum) + unit,
            },
        ) from err
    except VEDirectInvalidValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={
                "item": _item(err.item),
                "value": err.value,
                "expected": err.expected,
            },
        ) from err
    except VEDirectRateLimitedError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="nvm_rate_limited",
            translation_placeholders={
                "item": _item(err.item),
                "interval": _number(interval_minutes),
                "retry_at": local_time(err.retry_at),
            },
        ) from err
    except VEDirectClosedError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="closed") from err
    except VEDirectPresetBatteryError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="charger_preset_battery",
            translation_placeholders={"item": _item(err.item)},
        ) from err
    except VEDirectUnsupportedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="unsupported",
            translation_placeholders={"error": str(err)},
        ) from err
    except VEDirectError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_failed",
            translation_placeholders={"error": str(err)},
        ) from err
