"""Numbers, money, sizes and dates as a person reading the current language expects them (Babel, CLDR data).

For the screen and for messages only: files, JSON and manifests always use ISO dates and plain numbers.

- French: ``1 234,56 €``, ``1,5 Mo``, ``27/11/2026``, ``27/11/2026 14:05``, ``42,1 %`` (CLDR's narrow
  no-break space U+202F between thousands and before units, no-break space U+00A0 before € and %).
- English: ``€1,234.56``, ``1.5 MB``, and ISO dates ``2026-11-27``, ``2026-11-27 14:05``: books are read by
  accountants on both sides of the Atlantic, and 11/27/26 versus 27/11/26 is exactly the ambiguity they
  must not have to guess at; ISO dates also sort and line up in columns.
Sizes use decimal units (1 MB = 1,000,000 bytes), as file managers and disk makers do.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal, format_percent as _babel_percent
from babel.numbers import get_currency_precision
from babel.units import format_unit

from store.i18n import _, current_language, plainer

# The Babel locale of each interface language (the language's main country for currency placement).
LOCALES = {"en": Locale.parse("en_US"), "fr": Locale.parse("fr_FR")}
# Date patterns where the CLDR default is not what the readers of the books expect (see above).
_DATE_PATTERNS = {"en": "yyyy-MM-dd", "fr": "dd/MM/yyyy"}
_DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "fr": "dd/MM/yyyy HH:mm"}
_SIZE_UNITS = ("digital-kilobyte", "digital-megabyte", "digital-gigabyte", "digital-terabyte")


def _locale() -> Locale:
    return LOCALES.get(current_language(), LOCALES["en"])


def _major_units(minor_units: int, currency: str) -> Decimal:
    """12345 cents -> Decimal('123.45'); the number of decimals is the currency's (JPY has none)."""
    return Decimal(minor_units).scaleb(-get_currency_precision(currency.upper()))


def format_number(value: int | float | Decimal, decimals: int | None = None) -> str:
    """A number with the language's separators: 1,234,567.5 / 1 234 567,5; ``decimals`` fixes how many."""
    if decimals is None:
        return plainer(format_decimal(value, locale=_locale(), decimal_quantization=False))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return plainer(format_decimal(value, format=pattern, locale=_locale()))


def format_money(minor_units: int, currency: str) -> str:
    """An amount kept in minor units (cents), with its currency: €1,234.56 / 1 234,56 €."""
    currency = currency.upper()
    return plainer(format_currency(_major_units(minor_units, currency), currency, locale=_locale()))


def format_amount(minor_units: int, currency: str) -> str:
    """The same amount without the currency sign, for table columns: 1,234.56 / 1 234,56."""
    currency = currency.upper()
    return format_number(_major_units(minor_units, currency), decimals=get_currency_precision(currency))


def format_size(size_bytes: int) -> str:
    """A file size: 512 bytes / 512 octets, 1.5 MB / 1,5 Mo (one decimal, decimal units)."""
    if abs(size_bytes) < 1000:
        return plainer(_unit(size_bytes, "digital-byte", current_language()))
    value = size_bytes / 1000
    for unit in _SIZE_UNITS:
        if abs(value) < 999.95 or unit == _SIZE_UNITS[-1]:
            return plainer(_unit(round(value, 1), unit, current_language()))
        value /= 1000
    raise AssertionError("not reached")


@functools.lru_cache(maxsize=8192)
def _unit(value: float, unit: str, language: str) -> str:
    """Babel's format_unit takes ~70 µs: a list of 1,000 companies, drawn again every time it changes,
    asks for the same few sizes over and over."""
    locale = LOCALES.get(language, LOCALES["en"])
    if unit == "digital-byte":
        return format_unit(value, unit, length="long", locale=locale)
    return format_unit(value, unit, length="short", format="#,##0.0", locale=locale)


def format_percent(fraction: float, decimals: int = 1) -> str:
    """0.421 -> 42.1% / 42,1 % (the language's spacing)."""
    return plainer(_babel_percent(round(fraction, decimals + 2), locale=_locale(), decimal_quantization=False))


def format_date(value: dt.date) -> str:
    """2026-11-27 / 27/11/2026."""
    return _babel_date(value, _DATE_PATTERNS.get(current_language(), _DATE_PATTERNS["en"]), locale=_locale())


def format_date_in_name(value: dt.date) -> str:
    """A day as part of a company's name: 2026-11-28 / 28 nov. 2026, 1er juin 2026. Not 28/11/2026: a
    name ends up in its backups' file names, where a slash cannot be (and French readers read no ISO day)."""
    if current_language() != "fr":
        return value.isoformat()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_babel_date(value, 'MMM y', locale=_locale())}"


def format_datetime(value: dt.datetime) -> str:
    """2026-11-27 14:05 / 27/11/2026 14:05, in the time zone ``value`` carries (shown as given)."""
    pattern = _DATETIME_PATTERNS.get(current_language(), _DATETIME_PATTERNS["en"])
    return _babel_datetime(value, pattern, tzinfo=value.tzinfo, locale=_locale())


def local_time(value: dt.datetime) -> dt.datetime:
    """``value`` in this computer's time zone; as given when it names no offset, or when the conversion
    fails: a time read from a file may be near the ends of what datetime holds (9999-12-31 23:59 UTC is
    past the year 9999 east of UTC), and showing it as stored beats a crash."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone()
    except (OverflowError, OSError, ValueError):
        return value


def format_path(path: Path | str) -> str:
    """A file's path as text that can be shown, stored in SQLite or JSON: bytes that are not UTF-8 (a
    name made under another encoding, which Python holds as lone surrogates) are written as ``\\xe9``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


# Letters that are not a base letter and an accent (NFKD leaves them whole), as a keyboard without them
# types them: "oeuf" finds "Œuf".
_SPELT_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def escaped(text: str) -> str:
    """``text`` with its control characters (a line break, a tab, a terminal's escape) written as Python
    writes them (``\\n``, ``\\x1b``): a path holding one must not cut a one-line message in two."""
    return "".join(ascii(ch)[1:-1] if unicodedata.category(ch) == "Cc" else ch for ch in text)


def quoted(text: str) -> str:
    """A name in a sentence, in the language's quotation marks (“Acme” / « Acme »), control characters
    escaped (a name read from a file may hold a line break). Python's repr put 'Acme' in French too."""
    escaped = "".join(ascii(ch)[1:-1] if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return _("“{text}”").format(text=escaped)


def searchable(text: str) -> str:
    """``text`` as a search compares it: case and accents aside ("cafe" finds "Café", "oeuf" finds "Œuf":
    a keyboard or terminal without them must still find every company)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPELT_OUT))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_order(name: str) -> list[str | int]:
    """The order of names in a list, as a person reads them: "Épicerie" among the E (not after "Z", as
    the code points put it), and "Lefèvre 9" before "Lefèvre 10"."""
    return [int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", searchable(name)))]
