"""How numbers, sizes, money, dates and durations look on screen.

Every number the TUI shows goes through here, and from here through ``store.formats`` (Babel, CLDR data),
so that it follows the current language: ``1,234.56`` / ``1 234,56``, ``3.4 MB`` / ``3,4 Mo``,
``2026-11-27`` / ``27/11/2026``. Nothing is formatted by hand; the language is read at each call, so a
language switched while the app runs shows in everything drawn after it.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

from rich.cells import cell_len, set_cell_size

from store import formats
from store.errors import KeepbooksError, system_reason
from store.i18n import _
from store.progress import Progress


def shortened(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` terminal cells (an emoji or a CJK character takes two), its end
    replaced by "…" when it is longer."""
    return text if cell_len(text) <= limit else set_cell_size(text, limit - 1).rstrip() + "…"


def middle_shortened(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` terminal cells, its middle replaced by "…" when it is longer: for a
    file name, whose end (a date, ".manager") tells one from another."""
    head, tail = middle_cut(text, limit)
    return text if head + tail == len(text) else text[:head] + "…" + text[len(text) - tail:]


def middle_cut(text: str, limit: int) -> tuple[int, int]:
    """How many characters of its start and of its end middle_shortened() keeps of ``text``: all of
    them and none when it fits."""
    if cell_len(text) <= limit:
        return len(text), 0
    tail = text[-max(1, limit // 2):]
    while tail and cell_len(tail) > limit // 2:
        tail = tail[1:]
    head = set_cell_size(text, max(0, limit - 1 - cell_len(tail))).rstrip()  # a prefix (its padding stripped)
    return len(head), len(tail)


def printable(text: str) -> str:
    """``text`` with control characters (a file name may hold a line break) written as escapes."""
    return "".join(char.encode("unicode_escape").decode("ascii") if unicodedata.category(char)[0] == "C" else char
                   for char in text)


def count(value: int) -> str:
    """An integer with the language's thousands separators: 1,032 / 1 032."""
    return formats.format_number(value)


def size(value: int) -> str:
    """A byte count in decimal units: 512 bytes / 512 octets, 3.4 MB / 3,4 Mo."""
    return formats.format_size(value)


def speed(bytes_per_second: float) -> str:
    return _("{size}/s").format(size=size(int(bytes_per_second)))


def money(minor_units: int, currency: str) -> str:
    """An amount in minor units (cents) with its currency: €1,234.50 / 1 234,50 €."""
    return formats.format_money(minor_units, currency)


def date(value: dt.date) -> str:
    """2026-11-27 / 27/11/2026."""
    return formats.format_date(value)


def date_time(value: dt.datetime) -> str:
    """2026-11-27 14:05 / 27/11/2026 14:05."""
    return formats.format_datetime(value)


def local_date_time(value: dt.datetime) -> str:
    """A moment stored with its time zone (a backup's UTC time), shown in the local time of this computer
    (as stored when it cannot be converted: formats.local_time)."""
    return date_time(formats.local_time(value))


def period(start: dt.date, end: dt.date) -> str:
    return _("{start} to {end}").format(start=date(start), end=date(end))


def duration(seconds: float) -> str:
    """A short duration: 45 s, 3 min 05 s, 1 h 02 min (the same in both languages but for the words).
    Rounded up: it is a time left, and "0 s left" with 85 MB still to write reads as done."""
    seconds = max(0, math.ceil(seconds))
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("{minutes} min {seconds:02d} s").format(minutes=minutes, seconds=seconds)
    hours, minutes = divmod(minutes, 60)
    return _("{hours} h {minutes:02d} min").format(hours=count(hours), minutes=minutes)


def age(when: dt.datetime | None) -> str:
    """The date and time of an event, or "never"."""
    if when is None:
        return _("never")
    return date_time(when)


def error_text(error: BaseException | None) -> str:
    """Why an operation failed, for people: our own errors carry their message; anything else is a bug,
    named as such."""
    if isinstance(error, KeepbooksError):
        return error.message
    if isinstance(error, OSError) and error.strerror:  # the system's words, and the file it means
        reason = system_reason(error)
        return _("{reason}: {path}").format(reason=reason, path=error.filename) if error.filename else reason
    return _("unexpected error {error!r}").format(error=error)


def phase_line(progress: Progress) -> str:
    """The phase, with its place among the operation's phases when it has several."""
    if not progress.steps:
        return progress.phase
    return _("Step {step} of {steps}: {phase}").format(step=progress.step, steps=progress.steps, phase=progress.phase)
