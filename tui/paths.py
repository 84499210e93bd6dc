"""Paths typed or pasted by a person: clean-up, resolution against a folder, and Tab completion."""

from __future__ import annotations

import os
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse


def clean(text: str) -> str:
    """What a person meant: a pasted path may come quoted ('…' or "…") or as a file:// URL."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    return text


def resolve(text: str, base: Path) -> Path:
    """The path typed, with ``~`` expanded and a relative path taken from ``base``. A path that does not
    exist as typed but does once its backslash escapes are undone (``Café\\ \\(1\\).manager``, as bash's
    Tab writes it) is that one; a name may hold a backslash, so the path as typed comes first."""
    typed = clean(text)
    path = _resolved(typed, base)
    if "\\" in typed and not _exists(path):
        unescaped = shell_unescaped(typed)
        if unescaped is not None and _exists(other := _resolved(unescaped, base)):
            return other
    return path


def shell_unescaped(text: str) -> str | None:
    """``text`` read as one word by a POSIX shell (its escapes and quotes undone); None if it is not one."""
    try:
        words = shlex.split(text, posix=True)
    except ValueError:  # an unbalanced quote, a backslash at the end
        return None
    return words[0] if len(words) == 1 else None


def _resolved(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return as_on_disk(path if path.is_absolute() else base / path)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, a folder on the way this user may not enter
        return False


def is_folder(path: Path) -> bool:
    """``path.is_dir()`` that answers False where the system refuses to say (a folder on the way this user
    may not enter, a name too long: Path.is_dir raises for those), for a screen to offer another folder
    rather than crash; what the system said is for whoever reads the folder to report."""
    try:
        return path.is_dir()
    except OSError:
        return False


def as_on_disk(path: Path) -> Path:
    """``path`` spelt as the file system has it: a path pasted from a Mac spells "é" as "e" and a
    combining accent (NFD) where names made here have one character (NFC), and the two are different
    names to Linux. Unchanged when neither spelling exists."""
    try:
        if path.exists():
            return path
        for form in ("NFC", "NFD"):
            other = Path(unicodedata.normalize(form, str(path)))
            if other != path and other.exists():
                return other
    except OSError:  # not this function's to report: whoever uses the path says what is wrong
        pass
    return path


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # a link to a folder is one
    except OSError:
        return False


@dataclass(frozen=True)
class Completion:
    text: str  # the new content of the field
    candidates: list[str]  # names that still match when there is more than one (every one)
    unmatched: bool = False  # nothing starts with what was typed, or its folder cannot be read: a typo


def complete(text: str, base: Path, *, folders_only: bool = False) -> Completion:
    """Complete the last part of a typed path the way a shell does on Tab.

    One match: completed (with a ``/`` after a folder). Several: extended to what they have in common,
    and the candidates listed. Case is respected first; without an exact-case match, ignored.
    ``folders_only``: files are not candidates. No match: ``unmatched`` (a typo), unless nothing was typed
    after the last ``/`` (a folder with nothing in it is complete).
    """
    typed = clean(text)
    completion = _complete(typed, base, folders_only)
    if completion.unmatched and "\\" in typed:  # pasted as bash's Tab writes it (see resolve)
        unescaped = shell_unescaped(typed)
        if unescaped is not None and not (other := _complete(unescaped, base, folders_only)).unmatched:
            return other
    return completion


def _complete(typed: str, base: Path, folders_only: bool) -> Completion:
    if typed.startswith("~") and os.sep not in typed:
        return Completion(typed + os.sep if typed == "~" else typed, [])
    head, sep, prefix = typed.rpartition(os.sep)
    folder_text = head + sep
    folder = resolve(folder_text, base) if folder_text else base
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if not folders_only or _is_folder(entry))
    except OSError:
        return Completion(typed, [], unmatched=True)
    matches = [name for name in names if name.startswith(prefix)]
    if not matches:
        matches = [name for name in names if name.casefold().startswith(prefix.casefold())]
    if not prefix.startswith("."):
        matches = [name for name in matches if not name.startswith(".")] or matches
    if not matches:
        return Completion(typed, [], unmatched=bool(prefix))
    if len(matches) == 1:
        [name] = matches
        suffix = os.sep if (folder / name).is_dir() else ""
        return Completion(folder_text + name + suffix, [])
    common = os.path.commonprefix(matches)
    if not common.startswith(prefix):  # matched ignoring case: keep what was typed
        common = prefix
    return Completion(folder_text + common, matches)  # all: how many are not shown is said
