"""Numbers, money, sizes and dates in each language's formats, and the remembered language choice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from store.errors import InvalidInput
from store.formats import (format_amount, format_date, format_datetime, format_money, format_number,
                           format_percent, format_size, local_time)
from store.i18n import set_language
from store.preferences import FILENAME, load_preferences, save_preferences

NBSP, NNBSP = "\u00a0", "\u202f"  # no-break space, narrow no-break space


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")


@pytest.fixture
def english():
    set_language("en")


def test_money_in_french(french) -> None:
    assert format_money(123456, "EUR") == f"1{NNBSP}234,56{NBSP}€"
    assert format_money(-5, "EUR") == f"-0,05{NBSP}€"
    assert format_money(100_000_000, "eur") == f"1{NNBSP}000{NNBSP}000,00{NBSP}€"
    assert format_money(1234, "JPY") == f"1{NNBSP}234{NBSP}JPY"  # the yen has no minor unit
    assert format_amount(123456, "EUR") == f"1{NNBSP}234,56"


def test_money_in_english(english) -> None:
    assert format_money(123456, "EUR") == "€1,234.56"
    assert format_money(-123456, "USD") == "-$1,234.56"
    assert format_money(1234, "JPY") == "¥1,234"
    assert format_amount(-123456, "EUR") == "-1,234.56"
    assert format_amount(7, "EUR") == "0.07"


def test_numbers_and_percentages(french) -> None:
    assert format_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert format_number(1234.5) == f"1{NNBSP}234,5"
    assert format_number(2, decimals=1) == "2,0"
    assert format_percent(0.4213) == f"42,1{NBSP}%"
    set_language("en")
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234.5, decimals=2) == "1,234.50"
    assert format_percent(0.4213) == "42.1%"
    assert format_percent(1) == "100%"


def test_sizes(french) -> None:
    assert format_size(0) == f"0{NBSP}octet"
    assert format_size(512) == f"512{NBSP}octets"
    assert format_size(1_500_000) == f"1,5{NNBSP}Mo"
    assert format_size(2_345_000_000) == f"2,3{NNBSP}Go"
    set_language("en")
    assert format_size(1) == "1 byte"
    assert format_size(512) == "512 bytes"
    assert format_size(1_000) == "1.0 kB"
    assert format_size(1_500_000) == "1.5 MB"
    assert format_size(999_960) == "1.0 MB"  # rounds up into the next unit, never "1,000.0 kB"
    assert format_size(5 * 10**15) == "5,000.0 TB"


def test_dates(french) -> None:
    assert format_date(dt.date(2026, 11, 27)) == "27/11/2026"
    assert format_datetime(dt.datetime(2026, 11, 27, 14, 5)) == "27/11/2026 14:05"
    paris = dt.timezone(dt.timedelta(hours=1))
    assert format_datetime(dt.datetime(2026, 11, 27, 9, 0, tzinfo=paris)) == "27/11/2026 09:00"  # as given
    set_language("en")
    assert format_date(dt.date(2026, 11, 27)) == "2026-11-27"
    assert format_datetime(dt.datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04"


def test_a_time_at_the_ends_of_what_datetime_holds_shows_as_stored(english, local_zone) -> None:
    """Found by a reliability audit: a backup dated 9999-12-31 23:59 UTC closed the app's backups view
    with a traceback east of UTC (OverflowError in astimezone); 0001-01-01 did west of it."""
    from tui import formatting

    utc = dt.timezone.utc
    local_zone("JST-9")
    assert formatting.local_date_time(dt.datetime(9999, 12, 31, 23, 59, tzinfo=utc)) == "9999-12-31 23:59"
    assert formatting.local_date_time(dt.datetime(2026, 1, 2, 3, 4, tzinfo=utc)) == "2026-01-02 12:04"  # local
    local_zone("EST5")
    assert formatting.local_date_time(dt.datetime(1, 1, 1, tzinfo=utc)) == "0001-01-01 00:00"
    assert local_time(dt.datetime(1, 1, 1, 0, 30)) == dt.datetime(1, 1, 1, 0, 30)  # no offset: as given


# --- the remembered language --------------------------------------------------------------------------

def test_nothing_remembered_at_first(tmp_path: Path) -> None:
    prefs = load_preferences(tmp_path / "not-yet-created")
    assert prefs.language is None and prefs.problem is None


def test_language_choice_is_remembered(tmp_path: Path) -> None:
    assert save_preferences(tmp_path, language="fr").language == "fr"
    assert load_preferences(tmp_path).language == "fr"
    save_preferences(tmp_path, language=None)  # back to "follow the locale"
    assert load_preferences(tmp_path).language is None
    assert [p.name for p in tmp_path.iterdir()] == [FILENAME]  # no temporary file left behind


def test_settings_it_does_not_know_are_kept(tmp_path: Path) -> None:
    (tmp_path / FILENAME).write_text(json.dumps({"theme": "nord", "language": "en"}))
    save_preferences(tmp_path, language="fr")
    assert json.loads((tmp_path / FILENAME).read_text()) == {"theme": "nord", "language": "fr"}
    save_preferences(tmp_path)  # nothing given: nothing changes
    assert json.loads((tmp_path / FILENAME).read_text()) == {"theme": "nord", "language": "fr"}


def test_a_damaged_file_is_reported_not_fatal_and_kept_aside(tmp_path: Path) -> None:
    (tmp_path / FILENAME).write_text("{not json")
    prefs = load_preferences(tmp_path)
    assert prefs.language is None
    assert prefs.problem and str(tmp_path / FILENAME) in prefs.problem
    assert save_preferences(tmp_path, language="fr").problem is None
    assert (tmp_path / (FILENAME + ".bad")).read_text() == "{not json"  # what the user had is not lost


def test_an_unknown_language_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    save_preferences(tmp_path, language="en")
    with pytest.raises(InvalidInput, match="de"):
        save_preferences(tmp_path, language="de")
    assert load_preferences(tmp_path).language == "en"
    (tmp_path / FILENAME).write_text(json.dumps({"language": "klingon"}))
    assert load_preferences(tmp_path).language is None
