"""Both libraries' errors as translated Home Assistant errors (strings.json "exceptions").

Bad input (out of range, saved to EEPROM or the charger's memory too recently, no ESS
assistant, a backup that cannot be restored) is a ServiceValidationError: nothing was sent.
The rest are HomeAssistantErrors saying what the unit or charger did or did not do.
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
    """A charger register's name as words: ``charge_current_limit`` -> ``charge current limit``."""
    return name.replace("_", " ")


def local_time(timestamp: float) -> str:
    """A wall-clock time (seconds since the epoch) as the user reads it: ``14:05:09``."""
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).strftime("%H:%M:%S")


def _out_of_range(
    err: VEBusOutOfRangeError | VEDirectOutOfRangeError, key: str, item: str
) -> ServiceValidationError:
    unit = f" {err.unit}" if err.unit else ""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={
            "item": item,
            "value": _number(err.value) + unit,
            "minimum": _number(err.minimum) + unit,
            "maximum": _number(err.maximum) + unit,
        },
    )


@contextlib.contextmanager
def translated_errors(nvm_interval_minutes: float | None = None) -> Iterator[None]:
    """Raise either library's errors as translated Home Assistant errors; a charger's
    coordinator passes its write interval, which a refused write names."""
    try:
        yield
    except VEBusOutOfRangeError as err:
        # The message names whose bound it is: the unit's, the ESS maximum power option...
        key = "out_of_range" if err.side is None else f"{err.side}_{err.bound}"
        raise _out_of_range(err, key, err.item) from err
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
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="eeprom_rate_limited",
            translation_placeholders={"item": err.item, "retry_at": local_time(err.retry_at)},
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
    except (VEBusClosedError, VEDirectClosedError) as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="closed") from err
    except VEDirectOutOfRangeError as err:
        key = "above_charger" if err.value > err.maximum else "below_charger"
        raise _out_of_range(err, key, _item(err.item)) from err
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
        assert nvm_interval_minutes is not None  # the charger's coordinator passes it
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="nvm_rate_limited",
            translation_placeholders={
                "item": _item(err.item),
                "interval": _number(nvm_interval_minutes),
                "retry_at": local_time(err.retry_at),
            },
        ) from err
    except VEDirectPresetBatteryError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="charger_preset_battery",
            translation_placeholders={"item": _item(err.item)},
        ) from err
    except (VEBusUnsupportedError, VEDirectUnsupportedError) as err:
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
    except (VEBusError, VEDirectError) as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="write_failed",
            translation_placeholders={"error": str(err)},
        ) from err
