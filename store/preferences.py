"""What the user chose in the TUI and expects to find again next time (for now: the interface language).

Stored as ``preferences.json`` in the data folder, written atomically (temp file in the same folder, fsync,
``os.replace``) so that a crash leaves the old file or the new one. A missing file means "nothing chosen";
an unreadable one is reported (``Preferences.problem``) but never stops the app, and is kept aside as
``preferences.json.bad`` before it is replaced, so nothing the user wrote is lost.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.errors import InvalidInput, StorageError, system_reason
from store.i18n import LANGUAGES, _

FILENAME = "preferences.json"
_UNSET: Any = object()


@dataclass(frozen=True)
class Preferences:
    language: str | None = None  # None: follow KEEPBOOKS_LANG / the locale
    problem: str | None = None  # why the saved file could not be used, for the UI to show


def _read(path: Path) -> dict[str, Any]:
    """The saved settings; raises OSError or ValueError when the file cannot be used."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(_("it does not hold a JSON object"))
    return data


def load_preferences(data_dir: Path | str) -> Preferences:
    path = Path(data_dir) / FILENAME
    try:
        data = _read(path)
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValueError) as exc:
        return Preferences(problem=_("The preferences file {path} cannot be read ({reason}); "
                                     "the defaults are used.").format(path=path, reason=exc))
    language = data.get("language")
    return Preferences(language=language if language in LANGUAGES else None)


def save_preferences(data_dir: Path | str, *, language: str | None = _UNSET) -> Preferences:
    """Remember the given settings (``language=None`` forgets the language choice); settings not given,
    and keys this version does not know, are kept as they were."""
    if language is not _UNSET and language is not None and language not in LANGUAGES:
        raise InvalidInput(_("The language {language!r} is not available (choose from: {choices}).").format(
            language=language, choices=", ".join(LANGUAGES)))
    folder = Path(data_dir)
    path = folder / FILENAME
    try:
        data = _read(path)
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError):
        data = {}
        try:
            os.replace(path, path.with_name(FILENAME + ".bad"))
        except OSError:
            pass  # unreadable and immovable: replacing it below is still the user's wish
    if language is not _UNSET:
        if language is None:
            data.pop("language", None)
        else:
            data["language"] = language
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise StorageError(_("Cannot save the preferences to {path}: {reason}.").format(
            path=path, reason=system_reason(exc))) from exc
    return load_preferences(folder)


def _write_atomically(path: Path, text: str) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as temp:
            temp.write(text)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    folder_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)
