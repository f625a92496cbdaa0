"""The library's errors as translated Home Assistant errors (strings.json "exceptions").

Bad input (out of range, saved to EEPROM too recently, no ESS assistant, a backup that
cannot be restored) is a ServiceValidationError: nothing was sent. The rest are
HomeAssistantErrors saying what the unit did or did not do.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .victron_serial.vebus import (
    VEBusAccessDeniedError,
    VEBusAsleepError,
    VEBusBackupError,
    VEBusBackupMismatchError,
    VEBusChargeVoltageOrderError,
    VEBusClosedError,
    VEBusError,
    VEBusInvalidValueError,
    VEBusModeError,
    VEBusOutOfRangeError,
    VEBusRateLimitedError,
    VEBusRestoreOutOfRangeError,
    VEBusUnitWriteError,
    VEBusUnsupportedError,
)


def _number(value: float) -> str:
    return f"{value:g}"


@contextlib.contextmanager
def translated_errors() -> Iterator[None]:
    """Raise library errors as translated Home Assistant errors."""
    try:
        yield
    except VEBusOutOfRangeError as err:
        unit = f" {err.unit}" if err.unit else ""
        # The message names whose bound it is: the unit's, the ESS maximum power option...
        key = "out_of_range" if err.side is None else f"{err.side}_{err.bound}"
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "item": err.item,
                "value": _number(err.value) + unit,
                "minimum": _number(err.minimum) + unit,
                "maximum": _number(err.maximum) + unit,
            },
        ) from err
    except VEBusInvalidValueError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={
                "item": err.item,
                "value": err.value,
                "expected": err.expected,
            },
        ) from err
    except VEBusChargeVoltageOrderError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=(
                "float_above_absorption"
                if err.item == "float_voltage"
                else "absorption_below_float"
            ),
            translation_placeholders={
                "value": f"{_number(err.value)} V",
                "other_value": f"{_number(err.other_value)} V",
            },
        ) from err
    except VEBusModeError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key=f"ess_setpoint_{err.mode}"
        ) from err
    except VEBusRateLimitedError as err:
        retry_at = dt_util.as_local(dt_util.utc_from_timestamp(err.retry_at))
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="eeprom_rate_limited",
            translation_placeholders={"item": err.item, "retry_at": retry_at.strftime("%H:%M:%S")},
        ) from err
    except VEBusRestoreOutOfRangeError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="restore_out_of_range",
            translation_placeholders={"problems": "; ".join(err.problems)},
        ) from err
    except VEBusBackupMismatchError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="backup_other_unit",
            translation_placeholders={"differences": "; ".join(err.differences)},
        ) from err
    except VEBusBackupError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="backup_invalid",
            translation_placeholders={"error": str(err)},
        ) from err
    except VEBusAccessDeniedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="access_denied",
            translation_placeholders={"item": err.item, "level": str(err.level)},
        ) from err
    except VEBusAsleepError as err:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="asleep") from err
    except VEBusClosedError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="closed") from err
    except VEBusUnsupportedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="unsupported",
            translation_placeholders={"error": str(err)},
        ) from err
    except VEBusUnitWriteError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="unit_write_failed",
            translation_placeholders={
                "item": err.item,
                "address": str(err.address),
                "error": str(err.error),
            },
        ) from err
    except VEBusError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_failed",
            translation_placeholders={"error": str(err)},
        ) from err


def unsupported(item: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="unsupported",
        translation_placeholders={"error": f"{item} is not supported by this unit"},
    )
