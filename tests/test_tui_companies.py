"""The companies screen, the new-company modal, the summary screen and the command palette."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual import events
from textual.command import CommandPalette
from textual.geometry import Region
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.widgets._footer import FooterKey

from store.catalog import Catalog
from store.errors import StorageError
from store.i18n import set_language
from test_tui_support import COMPANY, add_sample, app_for, make_folders, record_backup, wait_for
from tui.commands import ScreenActions
from tui.screens import companies as companies_screen
from tui.screens.backup import BackupScreen
from tui.screens.companies import CompaniesScreen
from tui.screens.new_company import NewCompanyScreen
from tui.screens import summary as summary_module
from tui.screens.summary import SummaryScreen
from tui.widgets.tables import cursor_key

SIZE = (100, 30)


@pytest.fixture
def folders(tmp_path: Path):
    return make_folders(tmp_path)


def cells(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_lists_companies_with_last_backup_and_warns_when_stale(folders) -> None:
    first = add_sample(folders)
    second = add_sample(folders, name="Atelier Lefèvre")
    with Catalog(folders) as catalog:
        record_backup(catalog, second, folders.backups / "a.manager", 1000, when=dt.datetime(2026, 5, 30, 9, 0))
        record_backup(catalog, first, folders.backups / "b.manager", 1000, when=dt.datetime(2026, 5, 1, 9, 0))
    app = app_for(folders)
    async with app.run_test(size=SIZE):
        screen = app.screen
        assert isinstance(screen, CompaniesScreen)
        table = screen.query_one("#companies", DataTable)
        rows = {row[0]: row for row in cells(table)}
        assert rows["Atelier Lefèvre"][3] == "2026-05-30 09:00"
        assert rows[COMPANY][3] == "2026-05-01 09:00"
        warning = app.current_theme.warning
        stale = table.get_row(str(first))[3]
        fresh = table.get_row(str(second))[3]
        assert warning in str(stale.style) and warning not in str(fresh.style)


async def test_companies_sharing_a_name_are_told_apart_by_their_ids(folders) -> None:
    first = add_sample(folders)
    second = add_sample(folders, name=COMPANY.upper())
    add_sample(folders, name="Atelier Lefèvre")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        names = [row[0] for row in cells(table)]
        assert sorted(names) == sorted([f"{COMPANY} #{first}", f"{COMPANY.upper()} #{second}", "Atelier Lefèvre"])
        await pilot.press("slash", *f"#{second}")  # the filter finds what the list shows
        assert [row[0] for row in cells(table)] == [f"{COMPANY.upper()} #{second}"]
        # And so do the screens that act on one of them (two helpers: "Remove Huge?" said which one only
        # through the row it came from).
        await pilot.press("down", "delete")
        assert str(app.screen.query_one(".dialog-title").content) == f"Remove {COMPANY.upper()} #{second}?"
        await pilot.press("escape", "enter")
        await app.workers.wait_for_complete()
        assert app.screen.query_one("#company-name", Label).content == f"{COMPANY.upper()} #{second}"
        await pilot.press("b")
        assert str(app.screen.query_one(".dialog-title").content) == f"Back up {COMPANY.upper()} #{second}"
        await pilot.press("escape", "escape", "delete", "tab", "enter")  # removed, from the list
        await pilot.pause()
        assert list(app._notifications)[-1].message.startswith(f"Removed {COMPANY.upper()} #{second}; ")


async def test_companies_added_back_from_their_folders_are_said_at_start(folders) -> None:
    """Found by a reliability audit: with the catalog lost, the app moved every company to the trash and
    showed an empty list without a word. Now they are listed again, and the app says so."""
    with Catalog(folders) as catalog:
        names = ["Boulangerie Martin", "Café du Port"]
        ids = [catalog.create(name).id for name in names]
    for end in ("", "-wal", "-shm"):
        Path(f"{folders.catalog}{end}").unlink(missing_ok=True)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [row[0] for row in cells(app.screen.query_one("#companies", DataTable))] == names
        said = [n.message for n in app._notifications if n.severity == "warning"]
        assert said == [f"{name} (#{id}) was not in the companies list (the list was lost, or a program stopped "
                        f"while adding it): added back from its folder {folders.companies / str(id)}."
                        for id, name in zip(ids, names)]
    with Catalog(folders) as catalog:
        for index in range(4):
            catalog.create(f"Company {index}")
    for end in ("", "-wal", "-shm"):
        Path(f"{folders.catalog}{end}").unlink(missing_ok=True)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:  # six: one notification, not six
        await pilot.pause()
        said = [n.message for n in app._notifications if n.severity == "warning"]
        assert said == [f"6 companies were not in the companies list (the list was lost): added back from their "
                        f"folders in {folders.companies}."]


@pytest.fixture(params=["en", "fr"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")  # process-wide: leave the other tests in English


async def test_a_long_name_leaves_the_other_columns_on_an_80_column_terminal(folders, language) -> None:
    """The room for names was counted from the English columns: in French "Dernière sauvegarde", the
    app's stale-backup warning, was cut off; and the ids that tell same-named companies apart were the
    part of the name cut away."""
    long = ("Société Coopérative de Production des Artisans Boulangers et Pâtissiers Réunis de la Vallée "
            "du Rhône et Environs SARL")
    add_sample(folders, name=long)
    twins = [add_sample(folders, name=long[:60]) for _twin in range(2)]
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        names = {name.rsplit(" ", 1)[-1]: name for name, *_rest in cells(table)}
        [name] = [name for end, name in names.items() if not end.startswith("#")]
        assert name.endswith("…") and long.startswith(name[:-1])
        assert sorted(end for end in names if end.startswith("#")) == sorted(f"#{twin}" for twin in twins)
        assert table.virtual_size.width <= 80 - table.styles.scrollbar_size_vertical  # no column out of sight
        await pilot.resize_terminal(200, 24)  # room for all of it
        await pilot.pause()
        assert long in [row[0] for row in cells(table)]


async def test_a_long_name_ends_in_an_ellipsis_on_its_summary(folders) -> None:
    long = "Société Coopérative de Production des Artisans Boulangers et Pâtissiers Réunis de la Vallée"
    add_sample(folders, name=long)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        label = app.screen.query_one("#company-name", Label)
        [line] = label.render_lines(Region(0, 0, label.size.width, 1))
        assert line.text.rstrip().endswith("…") and long.startswith(line.text.rstrip()[:-1])


async def test_home_and_end_go_to_the_first_and_last_company(folders) -> None:
    for name in ("Atelier Lefèvre", "Boulangerie Martin", "Cave Dubois"):
        add_sample(folders, name=name)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        await pilot.press("end")
        assert table.cursor_row == 2
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_never_backed_up_says_never_in_warning_colour(folders) -> None:
    company = add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE):
        cell = app.screen.query_one("#companies", DataTable).get_row(str(company))[3]
        assert cell.plain == "never"
        assert app.current_theme.warning in str(cell.style)


async def test_the_list_follows_backups_and_companies_made_elsewhere(folders, monkeypatch) -> None:
    # A backup from cron, a company imported from a shell: the open list shows them, keeping its cursor.
    monkeypatch.setattr(companies_screen, "CATALOG_CHECK_SECONDS", 0.05)
    first = add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        with Catalog(folders) as elsewhere:
            record_backup(elsewhere, first, folders.backups / "cron.manager", 1000,
                          when=dt.datetime(2026, 5, 31, 2, 0))
            elsewhere.create("Atelier Lefèvre")
        for _ in range(200):  # the screen's timer, every 0.05 s here
            if table.row_count == 2:
                break
            await pilot.pause(0.05)
        rows = {row[0]: row for row in cells(table)}
        assert rows[COMPANY][3] == "2026-05-31 02:00" and "Atelier Lefèvre" in rows
        assert cursor_key(table) == str(first)


async def test_a_last_backup_that_left_something_out_is_said_partial_in_the_list_and_summary(folders,
                                                                                             tmp_path) -> None:
    """A French bookkeeper's pass: a nightly job without attachments showed as a plain date, the company
    looking safe, where its attachments were in no backup."""
    company = add_sample(folders)
    with Catalog(folders) as catalog:
        record_backup(catalog, company, tmp_path / "nightly.manager", 1000, when=dt.datetime(2026, 5, 31, 2, 0))
        catalog.record_backup(company, tmp_path / "nightly.manager", 1000, when=dt.datetime(2026, 5, 31, 2, 0),
                              left_out=["attachments"])
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        [[*_rest, last]] = cells(app.screen.query_one("#companies", DataTable))
        assert last == "2026-05-31, partial"
        cell = app.screen.query_one("#companies", DataTable).get_row(str(company))[3]
        assert app.current_theme.warning in str(cell.style)
        await pilot.press("enter")
        await wait_for(app, "summary", pilot=pilot)
        assert str(app.screen.query_one("#last-backup").content).endswith(
            "nightly.manager (1.0 kB), without attachments")
        with Catalog(folders) as catalog:  # a default name says it already: not twice (a quick check)
            named = tmp_path / "Acme (2026-05-31, without attachments).manager"
            named.touch()
            catalog.record_backup(company, named, 1000, left_out=["attachments"])
            app.screen.show_last_backup(catalog.get(company))
        assert str(app.screen.query_one("#last-backup").content).endswith(f"{named} (1.0 kB)")


async def test_the_summary_follows_a_backup_made_elsewhere(folders, monkeypatch) -> None:
    # Found by a helper: with the summary open, a backup from a shell left the older one named there.
    monkeypatch.setattr(companies_screen, "CATALOG_CHECK_SECONDS", 0.05)
    first = add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_for(app, "summary", pilot=pilot)
        last_backup = app.screen.query_one("#last-backup")
        assert str(last_backup.content) == "Last backup: never"
        with Catalog(folders) as elsewhere:
            record_backup(elsewhere, first, folders.backups / "cron.manager", 1000,
                          when=dt.datetime(2026, 5, 31, 2, 0))
        for _ in range(200):  # the screen's timer, every 0.05 s here
            if "cron.manager" in str(last_backup.content):
                break
            await pilot.pause(0.05)
        assert str(last_backup.content).startswith("Last backup: 2026-05-31 02:00 · ")
        assert str(last_backup.content).endswith("cron.manager (1.0 kB)")


async def test_the_list_follows_a_last_backup_deleted_elsewhere(folders, monkeypatch) -> None:
    """Found by a helper: a last backup pruned or deleted from a shell changes no row of the catalog, and
    the open list went on showing the plain date (the company safe) until the hidden r key."""
    first = add_sample(folders)
    folders.backups.mkdir(parents=True, exist_ok=True)
    backup = folders.backups / "cron.manager"
    backup.write_bytes(b"a backup")
    with Catalog(folders) as catalog:
        record_backup(catalog, first, backup, 8, when=dt.datetime(2026, 5, 31, 2, 0))
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        assert cells(table)[0][3] == "2026-05-31 02:00"
        backup.unlink()  # prune, from cron
        app.screen._follow_catalog()  # what its timer does every 2 s
        await wait_for(app, "files", pilot=pilot)
        assert cells(table)[0][3] == "2026-05-31, file gone"  # the day: the flag takes the time's room


async def test_the_list_looks_at_its_files_on_one_thread_at_a_time(folders, monkeypatch) -> None:
    """Review: a thread looking at a disk that hangs cannot be stopped; one more every 2 s took every
    thread of the pool, and no backup or import could start any more."""
    add_sample(folders)
    hung, release, looks = threading.Event(), threading.Event(), []

    def hangs(companies):
        looks.append(1)
        hung.set()
        release.wait(30)
        return []

    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(companies_screen, "files_state", hangs)
        for _tick in range(5):
            app.screen._follow_catalog()
            await pilot.pause()
        assert hung.wait(10)
        await asyncio.sleep(0.2)  # time for any other thread to have started: none may
        assert len(looks) == 1
        release.set()
        await wait_for(app, "files", pilot=pilot)


async def test_enter_typed_right_after_down_opens_the_row_down_went_to(folders) -> None:
    """Found by a helper over a slow link (keys come in bursts): "Down Enter" opened the row above, since
    Enter's action ran as the key arrived, before Down had moved the cursor."""
    add_sample(folders, name="Alpha")
    add_sample(folders, name="Beta")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        for key, character in (("down", None), ("enter", "\r"), ("enter", "\r")):  # one burst, Enter twice
            app.post_message(events.Key(key, character))
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.query_one("#company-name", Label).content == "Beta"
        # Review: the second Enter opened the same summary a second time over the first.
        assert [type(screen).__name__ for screen in app.screen_stack] == ["Screen", "CompaniesScreen", "SummaryScreen"]


async def test_letters_typed_right_after_slash_go_to_the_filter(folders) -> None:
    """Found again over a slow link: "/be" in one burst sent b and e to the list, since the filter took
    the focus after them; b opened the backups view (/s made a sample company)."""
    add_sample(folders, name="Alpha")
    add_sample(folders, name="Beta")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        for key, character in (("slash", "/"), ("b", "b"), ("e", "e"), ("slash", "/"), ("s", "s")):  # one burst
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert isinstance(app.screen, CompaniesScreen)
        assert app.screen.query_one("#filter", Input).value == "be/s"  # a / in the filter is typed ("A/S")
        assert [row[0] for row in cells(app.screen.query_one("#companies", DataTable))] == []


async def test_enter_opens_the_summary_and_escape_comes_back(folders) -> None:
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SummaryScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#company-name", Label).content == COMPANY
        assert "2026-01-01 to 2026-12-31" in str(screen.query_one("#fiscal-year", Label).content)
        assert "Transactions 400" in str(screen.query_one("#holdings-text", Static).content)
        assert "never" in str(screen.query_one("#last-backup", Static).content)
        await pilot.press("escape")
        assert isinstance(app.screen, CompaniesScreen)


def shown(app) -> str:
    """What the screen shows, as text."""
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


async def test_a_year_that_cannot_be_read_leaves_no_figures_of_another_year(folders, monkeypatch) -> None:
    # Found by a helper: the year line said the error, and both panels went on showing the year before.
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_for(app, "summary", pilot=pilot)
        screen = app.screen
        assert "Total assets" in shown(app) and "Net result" in shown(app)

        def fails(books, on=None):
            raise StorageError("cannot read the books: disk I/O error")

        monkeypatch.setattr(summary_module.ledger, "summary", fails)
        await pilot.press("p")
        await wait_for(app, "summary", pilot=pilot)
        assert str(screen.query_one("#fiscal-year", Label).content) == "Cannot read the books"
        assert "disk I/O error" in str(screen.query_one("#balance-sheet", Static).content)
        await pilot.pause()
        assert "Total assets" not in shown(app) and "Net result" not in shown(app)
        await pilot.press("l")  # review: the language switch drew the year before again
        await wait_for(app, "summary", pilot=pilot)
        assert "Total de l’actif" not in shown(app) and "Résultat net" not in shown(app)
        # …and then "Loading…" for good (second review): the year is read again, and fails again.
        assert "disk I/O error" in str(screen.query_one("#balance-sheet", Static).content)
        set_language("en")


async def test_books_changed_by_another_program_are_named_not_an_unexpected_error(folders) -> None:
    """Found by a reliability audit: fiscal_year_start set to 13 with sqlite3 made the summary say
    "unexpected error ValueError('month must be in 1..12')"."""
    company_id = add_sample(folders)
    with Catalog(folders) as catalog:
        books_path = catalog.get(company_id).books_path
    with sqlite3.connect(books_path) as other:
        other.execute("UPDATE settings SET fiscal_year_start = 13")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_for(app, "summary", pilot=pilot)
        assert str(app.screen.query_one("#fiscal-year", Label).content) == "Cannot read the books"
        said = str(app.screen.query_one("#balance-sheet", Static).content)
        assert said.startswith(f"The books in {books_path} hold a value keepbooks cannot use: setting "
                               "fiscal_year_start is 13, not a month from 1 to 12.")
        assert "unexpected" not in said and "Total assets" not in shown(app)
        panel = app.screen.query_one("#balance-sheet")  # the year line had room for the sentence's start alone
        lines = [panel.render_line(y).text.strip(" │╭╮╰╯─") for y in range(panel.size.height)]
        assert "fiscal_year_start is 13" in " ".join(line for line in lines if line)


async def test_previous_and_next_fiscal_year(folders) -> None:
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        current = screen.summary.profit_and_loss
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.summary.fiscal_year == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert screen.summary.profit_and_loss.income != current.income  # another year, other figures
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.summary.fiscal_year == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert screen.summary.profit_and_loss == current


def add_old_transaction(folders, company_id: int, day: dt.date) -> None:
    with Catalog(folders) as catalog, catalog.open_books(company_id) as books:
        accounts = books.accounts()
        books.add_transaction(day, "Opening entry", [(accounts[0].id, 100), (accounts[1].id, -100)])


async def test_p_and_n_stop_at_the_years_that_hold_transactions(folders) -> None:
    """p went back year after empty year (2024, 2023, … 1990), n into years to come."""
    add_sample(folders)  # transactions in 2025 and 2026; today 2026-06-01
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        screen = app.screen
        await pilot.press("p", "p", "p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.summary.fiscal_year == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert list(app._notifications)[-1].message == "No transactions before that year."
        await pilot.press("n", "n", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.summary.fiscal_year == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert list(app._notifications)[-1].message == "No transactions after that year."


async def test_years_pressed_while_one_loads_all_count(folders, monkeypatch) -> None:
    company = add_sample(folders)
    add_old_transaction(folders, company, dt.date(2021, 3, 1))  # years to go back to
    loads_go_on, first_done = threading.Event(), []
    real = summary_module.ledger.summary

    def slow(books, on_date):  # every load after the first waits: keys come quicker than the books
        if first_done:
            loads_go_on.wait(timeout=30)
        first_done.append(True)
        return real(books, on_date)

    monkeypatch.setattr(summary_module.ledger, "summary", slow)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.press("p", "p", "p", "n", "p", "p")
        loads_go_on.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.summary.fiscal_year == (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


@pytest.mark.parametrize("key", ["p", "n", "b"])
async def test_a_company_removed_elsewhere_sends_its_summary_back_to_the_list(folders, key: str) -> None:
    # From another window, while its summary is open: no traceback, a word, the list.
    company = add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, SummaryScreen)
        with Catalog(folders) as elsewhere:
            elsewhere.remove(company)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, CompaniesScreen)
        # Said by name, as the other dialogs say it (a helper: "There is no company with id 2.").
        assert list(app._notifications)[-1].message == f"{COMPANY} was removed meanwhile, in another window."


async def test_slash_filters_by_name_and_escape_clears(folders) -> None:
    add_sample(folders)
    add_sample(folders, name="Atelier Lefèvre")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#companies", DataTable)
        assert table.row_count == 2
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"ATEL")  # ignoring case
        assert [row[0] for row in cells(table)] == ["Atelier Lefèvre"]
        await pilot.press(*"IER LEFEV")  # and accents: a keyboard without them finds "Lefèvre"
        assert [row[0] for row in cells(table)] == ["Atelier Lefèvre"]
        await pilot.press("down")  # down to the list it shows (a helper found the field kept the keys)
        assert app.focused is table
        await pilot.press("slash")
        await pilot.press(*["backspace"] * 9)
        await pilot.press(*"zzz")
        assert table.row_count == 0
        no_match = app.screen.query_one("#no-match", Label)
        assert str(no_match.content) == "No company name contains “ATELzzz”."
        await pilot.pause()
        # On the screen, not under the footer (both were docked at the bottom: the message was never seen).
        assert no_match.region.height == 1 and not no_match.region.overlaps(app.screen.query_one(Footer).region)
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 2 and not no_match.display
        assert app.focused is table


async def test_a_filter_that_finds_nothing_shows_an_empty_list_and_offers_nothing_to_open(folders) -> None:
    """An exploratory tester (French bookkeeper over SSH, 80x24): with "zzz" in the filter the footer still
    offered ⏎ Open (and Remove once on the list), and the message sat on the last row, far from the filter."""
    add_sample(folders)
    add_sample(folders, name="Atelier Lefèvre")
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen

        async def footer_actions() -> list[str]:
            await pilot.pause()
            return [key.action for key in screen.query_one(Footer).query(FooterKey)
                    if not key.has_class("-command-palette") and not key.disabled]

        assert "open" in await footer_actions()
        await pilot.press("slash", *"zzz")
        table = screen.query_one("#companies", DataTable)
        assert table.row_count == 0
        assert "open" not in await footer_actions()
        no_match = screen.query_one("#no-match", Label)
        assert no_match.region.y == screen.query_one("#filter", Input).region.bottom + 1  # under the headers
        await pilot.press("down")  # on the empty list: nothing to open, nothing to remove
        assert app.focused is table
        actions = await footer_actions()
        assert "open" not in actions and "remove" not in actions
        await pilot.press("enter", "delete")
        assert app.screen is screen
        await pilot.press("escape")
        assert table.row_count == 2 and "open" in await footer_actions()


async def test_new_company_validates_name_and_currency(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.has_class("-empty")
        await pilot.press("n")
        modal = app.screen
        assert isinstance(modal, NewCompanyScreen)
        await pilot.press("enter")  # empty name: refused with a reason
        assert isinstance(app.screen, NewCompanyScreen)
        assert "cannot be empty" in str(modal.query_one("#name-error", Label).content)
        await pilot.press(*"Studio Lambert", "tab", "backspace", "backspace", "backspace", *"U1")
        assert "ISO 4217 code" in str(modal.query_one("#currency-error", Label).content)
        await pilot.press("backspace", *"SE")  # three letters, no currency: was accepted, and kept for good
        assert str(modal.query_one("#currency-error", Label).content) == (
            "A currency is an ISO 4217 code such as EUR, USD or CHF ('USE' is not one).")
        await pilot.press("backspace", "backspace", *"sd", "enter")
        assert isinstance(app.screen, CompaniesScreen)
        await pilot.pause()
        with Catalog(folders) as catalog:
            [company] = catalog.companies()
        assert company.name == "Studio Lambert"
        with Catalog(folders) as catalog, catalog.open_books(company.id) as books:
            assert books.settings().currency == "USD"
        assert not app.screen.has_class("-empty")


async def test_a_new_company_named_as_another_is_allowed_and_said(folders) -> None:
    """Accepted in silence: two rows of the same name, and 'keepbooks backup NAME' then ambiguous."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *COMPANY.upper())
        note = app.screen.query_one("#name-error", Label)
        assert str(note.content) == (f"A company named {COMPANY.upper()} already exists; both will be listed, "
                                     "with their ids.") and note.has_class("warning")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CompaniesScreen)
    with Catalog(folders) as catalog:
        assert [c.name for c in catalog.companies()] == [COMPANY, COMPANY.upper()]


async def test_escape_closes_the_new_company_modal_without_creating(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"Nope", "escape")
        assert isinstance(app.screen, CompaniesScreen)
        with Catalog(folders) as catalog:
            assert catalog.companies() == []


async def test_empty_state_key_creates_a_sample_company(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        assert "s to create a sample" in str(app.screen.query_one("#empty-text", Static).content)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with Catalog(folders) as catalog:
            [company] = catalog.companies()
        table = app.screen.query_one("#companies", DataTable)
        assert [row[0] for row in cells(table)] == [company.name]
        assert not app.screen.has_class("-empty")


async def palette_titles(screen) -> list[str]:
    return [str(hit.text) async for hit in ScreenActions(screen).discover()]


async def test_command_palette_offers_every_action_of_the_screen(folders) -> None:
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        titles = await palette_titles(app.screen)
        assert {"Open", "New company", "Filter", "Sample company", "Quit"} <= set(titles)
        [hit] = [hit async for hit in ScreenActions(app.screen).search("new company")]
        await hit.command()
        await pilot.pause()
        assert isinstance(app.screen, NewCompanyScreen)
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, SummaryScreen)
        assert {"Backup", "Previous year", "Next year", "Back"} <= set(await palette_titles(app.screen))


async def test_the_palette_opens_on_ctrl_p(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)


async def test_ctrl_q_quits(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_names_with_wide_characters_are_shortened_to_the_room_in_cells(folders) -> None:
    """An emoji or a CJK character takes two cells: names were cut by characters, to twice the room."""
    wide = "株式会社" * 20  # 80 characters, 160 cells
    add_sample(folders, name=wide)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one("#companies", DataTable)
        [[name, *_rest]] = cells(table)
        assert name.endswith("…") and wide.startswith(name[:-1])
        assert table.virtual_size.width <= 80 - table.styles.scrollbar_size_vertical


async def test_the_keys_panel_closes_from_the_palette_as_it_opened(folders) -> None:
    """The palette's "Keys" only showed the panel: nothing closed it, and it hid the list's last columns."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        def keys_entry():
            return next(c for c in app.get_system_commands(app.screen) if c.title == "Keys")

        assert keys_entry().help == "Show the keys of this screen"
        keys_entry().callback()
        await pilot.pause()
        assert app.screen.query("HelpPanel") and keys_entry().help == "Hide the keys of this screen"
        keys_entry().callback()
        await pilot.pause()
        assert not app.screen.query("HelpPanel")
        for key in ("f1", "question_mark"):  # where people look for help first (a helper pressed both)
            await pilot.press(key)
            assert app.screen.query("HelpPanel")
            await pilot.press(key)
            assert not app.screen.query("HelpPanel")
        await pilot.press("i")  # a dialog, where the unusual keys are (a second helper: F1 did nothing)
        await pilot.pause()
        await pilot.press("f1")
        assert app.screen.query("HelpPanel") and app.screen.query_one("#path", Input).value == ""


async def test_the_keys_panel_shows_the_screen_s_keys_not_the_table_s_moves(folders) -> None:
    """A French bookkeeper's pass: at 80x24 F1 began with eleven of the table's moves (↑ Cursor up, pgup
    Page up, ^pgup Page Left…), and the screen's own keys (n, /, i, b) were below its end."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        screen_text = shown(app)
        assert all(key in screen_text for key in ("n New", "/ Filter", "i Import", "b Backups", "del Remove",
                                                  "r Reload", "^q Quit"))
        assert "Cursor up" not in screen_text and "Page Left" not in screen_text
        assert "Focus Next" not in screen_text and "Copy selected text" not in screen_text  # every screen's


async def test_escape_closes_the_keys_panel_and_only_it(folders) -> None:
    """A French bookkeeper pressed Escape to close the keys panel: on a view nothing closed it (or it went
    back a screen), and in a dialog it closed the dialog, the panel with it."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for(app, "summary", pilot=pilot)
        summary = app.screen
        for screen in (summary, None):
            if screen is None:  # then in the backup dialog, over the summary
                await pilot.press("b")
                await wait_for(app, "estimate", pilot=pilot)
                screen = app.screen
                assert isinstance(screen, BackupScreen)
            await pilot.press("f1")
            await pilot.pause()
            assert screen.query("HelpPanel")
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and not screen.query("HelpPanel")
        await pilot.press("escape")  # with no panel open, Escape is the dialog's again: Close
        await pilot.pause()
        assert app.screen is summary


async def test_the_keys_panel_says_each_key_in_one_line(folders) -> None:
    """Each key's description and tooltip differed only in grey: without colours (NO_COLOR, 16 colours)
    they ran together ("del Remove Remove the selected company…"), over three or four lines."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        panel = {line.split("▏")[-1].strip() for line in shown(app).splitlines()}  # right of the panel's edge
        assert {"del Remove", "i Import", "b Backups", "l Language"} <= panel
        assert "Remove the selected company" not in shown(app)
        await pilot.press("f1", "slash", "f1")  # in the filter: how to get out of it, not 45 editing keys
        await pilot.pause()
        panel = {line.split("▏")[-1].strip() for line in shown(app).splitlines()}
        assert {"esc Clear filter", "↓ To the list", "^q Quit"} <= panel and "home Go to start" not in panel


async def test_the_palette_offers_the_keys_once_and_nothing_that_does_nothing(folders) -> None:
    """A French bookkeeper's pass: the palette listed "Keys" twice (the app's entry and F1's) and
    Textual's "Copy selected text", which copies nothing here."""
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        for screen_key in (None, "enter"):  # the companies list, then the summary
            if screen_key:
                await pilot.press(screen_key)
                await wait_for(app, "summary", pilot=pilot)
            titles = [command.title for command in app.get_system_commands(app.screen)]
            titles += [str(hit.text) async for hit in ScreenActions(app.screen).discover()]
            assert titles.count("Keys") == 1 and "Quit" in titles, titles
            assert not {"Copy selected text", "Focus Next", "Focus Previous"} & set(titles), titles


async def test_a_screenshot_is_saved_for_this_user_alone_and_the_app_says_where(folders, tmp_path,
                                                                             monkeypatch) -> None:
    """It went to ~/Downloads (missing on a server: 'Failed to save screenshot', no reason), mode 644,
    though it shows a company's figures."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        path = app.save_screenshot_privately()
        await pilot.pause()
        assert path is not None and path.parent == tmp_path / "home" and path.stat().st_mode & 0o777 == 0o600
        assert path.read_text().startswith("<svg")
        assert list(app._notifications)[-1].message == f"Screenshot saved: {path}"
        monkeypatch.setattr(os, "open", lambda *args: (_ for _ in ()).throw(PermissionError(13, "Permission denied")))
        assert app.save_screenshot_privately() is None
        await pilot.pause()
        assert list(app._notifications)[-1].message == f"Cannot save the screenshot in {tmp_path / 'home'}: " \
                                                        "permission denied."


async def test_a_company_whose_books_are_gone_shows_missing_not_zero_bytes(folders) -> None:
    import shutil

    company = add_sample(folders)
    with Catalog(folders) as catalog:
        shutil.rmtree(catalog.get(company).folder)
    app = app_for(folders)
    async with app.run_test(size=SIZE):
        [[_name, _changed, size, _backup]] = cells(app.screen.query_one("#companies", DataTable))
        assert size == "missing"


async def test_a_last_backup_whose_file_is_gone_is_flagged_in_the_list_and_summary(folders, tmp_path) -> None:
    company = add_sample(folders)
    gone = tmp_path / "deleted since.manager"
    with Catalog(folders) as catalog:
        catalog.record_backup(company, gone, 1234)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        [[*_rest, last]] = cells(app.screen.query_one("#companies", DataTable))
        assert last.endswith(", file gone")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#last-backup").content).endswith(": this file is gone")


async def test_the_columns_fit_the_terminal_again_after_a_filter_a_reload_and_a_resize(folders, language) -> None:
    """A French bookkeeper at 80 columns: a filter that left short rows widened the name column, which
    kept that width once the filter was cleared ("28/11/2026, partielle" cut to "parti"); and from 132
    columns down to 80 the last backup column was out of sight, r did not help. Textual's columns only
    grow. The widest cells the other columns can hold (books missing, last backup gone) must fit too."""
    import shutil

    partial = add_sample(folders, name="Société Coopérative de Production des Artisans Boulangers Réunis")
    add_sample(folders, name="Soc. Nouvelle des Transports Alpins du Sud")  # never backed up
    gone = add_sample(folders, name="Atelier Lefèvre")
    folders.backups.mkdir(parents=True)
    (folders.backups / "nightly.manager").touch()
    with Catalog(folders) as catalog:
        catalog.record_backup(partial, folders.backups / "nightly.manager", 1000, left_out=["attachments"])
        catalog.record_backup(gone, folders.backups / "deleted since.manager", 1000)
        shutil.rmtree(catalog.get(gone).folder)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#companies", DataTable)

        async def fits(width: int) -> bool:
            """Every column in sight, the name column as wide as the names it shows and no wider."""
            await pilot.pause()
            names = [cell_len(row[0]) for row in cells(table)] + [cell_len(str(table.columns["name"].label))]
            return (table.virtual_size.width <= width - table.styles.scrollbar_size_vertical
                    and table.columns["name"].content_width == max(names))

        assert await fits(80)
        await pilot.press("slash", *"soc.")
        assert table.row_count == 1 and await fits(80)
        await pilot.press("escape")
        assert table.row_count == 3 and await fits(80)
        await pilot.resize_terminal(132, 43)
        assert await fits(132)
        await pilot.resize_terminal(80, 24)
        assert await fits(80)
        await pilot.press("r")
        assert await fits(80)
