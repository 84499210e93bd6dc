"""How numbers, sizes, money, dates and durations look on screen.

Every number the TUI shows goes through here, so switching to locale-aware formats (Babel, for French)
is a change to this module only.
"""

from __future__ import annotations

import datetime as dt

from store.i18n import _

_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB")


def count(value: int) -> str:
    """An integer with thousands separators: 1,032."""
    return f"{value:,}"


def size(value: int) -> str:
    """A byte count in decimal units: 512 B, 3.4 MB, 1.0 GB."""
    amount = float(value)
    for unit in _SIZE_UNITS:
        if abs(amount) < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{value} B"  # not reached


def speed(bytes_per_second: float) -> str:
    return _("{size}/s").format(size=size(int(bytes_per_second)))


def money(minor_units: int, currency: str) -> str:
    """An amount in minor units (cents) with two decimals and its currency: -1,234.50 EUR."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(minor_units), 100)
    return f"{sign}{whole:,}.{cents:02d} {currency}"


def amount(minor_units: int) -> str:
    """An amount in minor units without currency, for table columns: 1,234.50."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(minor_units), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def date(value: dt.date) -> str:
    return value.isoformat()


def date_time(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def local_date_time(value: dt.datetime) -> str:
    """A moment stored with its time zone (a backup's UTC time), shown in the local time of this computer."""
    return date_time(value.astimezone() if value.tzinfo else value)


def period(start: dt.date, end: dt.date) -> str:
    return _("{start} to {end}").format(start=date(start), end=date(end))


def duration(seconds: float) -> str:
    """A short duration: 45 s, 3 min 05 s, 1 h 02 min."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return _("{seconds} s").format(seconds=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("{minutes} min {seconds:02d} s").format(minutes=minutes, seconds=seconds)
    hours, minutes = divmod(minutes, 60)
    return _("{hours} h {minutes:02d} min").format(hours=hours, minutes=minutes)


def age(when: dt.datetime | None, today: dt.date) -> str:
    """The date of an event, or "never"."""
    if when is None:
        return _("never")
    return date_time(when)
