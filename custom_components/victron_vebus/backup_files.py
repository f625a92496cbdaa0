"""Settings backups as files under Home Assistant's configuration folder.

The actions read and write only there: a path given relative to the folder (or absolute,
inside it) is resolved, symbolic links included, and refused when it leads outside. These
functions do file I/O: run them in the executor.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN

BACKUP_FOLDER = DOMAIN  # default place of the backups, under the configuration folder
MAX_BACKUP_SIZE = 1_000_000  # bytes; a backup of every setting is about 30 kB


def inside_config(config_dir: str, file: str) -> Path:
    """``file`` resolved under ``config_dir``; refused when it leads anywhere else."""
    config = Path(config_dir).resolve()
    path = (config / file).resolve()
    if path == config or not path.is_relative_to(config):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="path_outside_config",
            translation_placeholders={"file": file, "config_dir": str(config)},
        )
    return path


def write_backup(config_dir: str, file: str, text: str) -> Path:
    """Write a new file (an existing one is never replaced); returns its path."""
    path = inside_config(config_dir, file)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError as err:
        if path.parent.is_dir():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="backup_exists",
                translation_placeholders={"file": str(path)},
            ) from err
        raise _write_failed(path, err) from err
    except OSError as err:
        raise _write_failed(path, err) from err
    return path


def _write_failed(path: Path, err: OSError) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="backup_write_failed",
        translation_placeholders={"file": str(path), "error": str(err)},
    )


def read_backup(config_dir: str, file: str) -> str:
    path = inside_config(config_dir, file)
    try:
        with path.open(encoding="utf-8") as stream:
            text = stream.read(MAX_BACKUP_SIZE + 1)
    except FileNotFoundError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="backup_not_found",
            translation_placeholders={"file": str(path)},
        ) from err
    except (OSError, UnicodeDecodeError) as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="backup_unreadable",
            translation_placeholders={"file": str(path), "error": str(err)},
        ) from err
    if len(text) > MAX_BACKUP_SIZE:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="backup_unreadable",
            translation_placeholders={"file": str(path), "error": "larger than any backup"},
        )
    return text
