"""The app in French: the companies screen, the summary (French money and dates), the backup dialog, and
the Language switch (live, remembered, offered on the views only).

Every screen module was imported while English was active (as in any test run): the French keys below
also prove that binding descriptions are translated where they are shown, not at import.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Awaitable, Callable

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.command import CommandInput, CommandList, CommandPalette
from textual.containers import ScrollableContainer, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, DirectoryTree, Footer, Input, Label, Static
from textual.widgets._footer import FooterKey

from store.catalog import Catalog
from store.errors import StorageError
from store.formats import format_money
from store.i18n import _, current_language, imposed_language, set_language
from store.preferences import FILENAME, load_preferences
from test_tui_support import (COMPANY, TODAY, add_sample, app_for, make_backups, make_folders, record_backup,
                               wait_for)
from tui.commands import ScreenActions
from tui.screens.backup import BackupScreen
from tui.screens.companies import CompaniesScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.new_company import NewCompanyScreen
from tui.screens.summary import SummaryScreen
from tui.textual_words import WORDS, textual_word

SIZE = (100, 30)
NBSP, NNBSP = "\u00a0", "\u202f"  # no-break space (before € and :), narrow no-break space (thousands)
FRENCH_MONEY = re.compile(rf"^-?\d{{1,3}}(?:{NNBSP}\d{{3}})*,\d{{2}}{NBSP}€$")
BACKED_UP = dt.datetime(2026, 11, 27, 14, 5)


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")  # the language is process-wide: leave the other tests in English


@pytest.fixture
def english_afterwards():
    yield
    set_language("en")


@pytest.fixture
def folders(tmp_path: Path):
    folders = make_folders(tmp_path)
    company = add_sample(folders)
    with Catalog(folders) as catalog:
        record_backup(catalog, company, folders.backups / "Cabinet Moreau (2026-11-27).manager", 2_345_678,
                              when=BACKED_UP)
    return folders


def plain(renderable) -> str:
    console = Console(width=60, record=True)
    console.print(renderable)
    return console.export_text()


def footer_words(app) -> set[str]:
    return {active.binding.description for active in app.screen.active_bindings.values()}


async def palette_titles(app) -> list[str]:
    return [str(hit.text) async for hit in ScreenActions(app.screen).discover()]


async def open_summary(app, pilot) -> SummaryScreen:
    await pilot.press("enter")
    await wait_for(app, "summary", pilot=pilot)
    assert isinstance(app.screen, SummaryScreen)
    return app.screen


async def open_backup_dialog(app, pilot) -> BackupScreen:
    await open_summary(app, pilot)
    await pilot.press("b")
    await wait_for(app, "estimate", pilot=pilot)
    assert isinstance(app.screen, BackupScreen)
    return app.screen


async def test_companies_screen_in_french(french, folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompaniesScreen)
        table = screen.query_one("#companies", DataTable)
        assert [str(column.label) for column in table.columns.values()] == [
            "Nom", "Modifiée le", "Taille", "Sauvegardée le"]  # as wide as their dates: room for names
        name, changed, size, backed_up = [str(cell) for cell in table.get_row_at(0)]
        assert (name, changed, backed_up) == (COMPANY, "28/05/2026 14:30", "27/11/2026 14:05")
        assert re.fullmatch(rf"\d+,\d{NNBSP}(ko|Mo)", size), size
        assert {"Ouvrir", "Importer", "Sauvegardes", "Supprimer"} <= footer_words(app)
        assert {"Importer une entreprise", "Entreprise d’exemple", "Langue"} <= set(await palette_titles(app))
        await pilot.press("slash", *"zz")
        assert str(screen.query_one("#no-match", Label).content) == "Aucun nom d’entreprise ne contient «\xa0zz\xa0»."


async def test_a_last_backup_gone_is_said_whole_at_80_columns(french, folders) -> None:
    # Found by a helper: "27/11/2026 14:05, fichier dispa": the flag that says the company is not safe
    # any more was what the screen's edge cut off.
    (folders.backups / "Cabinet Moreau (2026-11-27).manager").unlink()
    add_sample(folders, name="Société Coopérative de Production des Artisans Boulangers")
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#companies", DataTable)
        lines = [table.render_line(y).text for y in range(3)]
        assert any(line.rstrip().endswith("27/11/2026, fichier absent") for line in lines), lines


async def test_the_preview_of_a_file_keeps_the_colon_with_its_word(french, folders) -> None:
    # Found by a helper: "…sauvegarde keepbooks" ended a line and ": il est vide." began the next (Rich
    # breaks at the no-break space French puts before ':').
    from tui.widgets.backup_preview import BackupPreview

    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        preview = app.screen.query_one("#preview", BackupPreview)
        width = preview.content_region.width
        words = "Pas une sauvegarde"  # shorter than the preview is wide (the tree takes the more room)
        message = f"{words} {'k' * (width - len(words) - 1)}{NBSP}: il est vide."  # the word ends at the edge
        preview.show_problem(message)
        await pilot.pause()
        lines = [strip.text.strip("│ ") for strip in preview.render_lines(preview.region.reset_offset)]
        assert f"{'k' * (width - len(words) - 1)}{NBSP}: il est vide." in lines  # inside its border
        assert not any(line.startswith(":") for line in lines)


async def test_textual_own_keys_and_the_palette_prompts_in_french(french, folders, monkeypatch) -> None:
    """The keys Textual's widgets bring (the table's, a text field's, the app's palette key), their
    tooltips and the palette's prompts: the keys panel, the footer and the palette show them in French."""
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        keys = {key: active.binding for key, active in app.screen.active_bindings.items()}  # the table has the focus
        assert {key: keys[key].description for key in ("up", "ctrl+home", "home", "ctrl+end", "end")} == {
            "up": "Ligne précédente", "ctrl+home": "Première ligne", "home": "Première ligne",
            "ctrl+end": "Dernière ligne", "end": "Dernière ligne"}  # Home / End: rows in the lists
        assert (keys["ctrl+p"].description, keys["ctrl+p"].tooltip) == ("palette", "Ouvrir la palette de commandes")
        assert keys["l"].tooltip == "Passer l’interface de l’anglais au français, ou l’inverse"
        await pilot.press("slash")  # the filter field
        assert app.screen.focused is not None and app.screen.focused.BINDING_GROUP_TITLE == "Saisie"
        assert "Tout sélectionner" in footer_words(app) and "Select all" not in footer_words(app)
        await pilot.press("escape", "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).placeholder == "Rechercher une commande…"
        monkeypatch.setattr(type(app.screen), "_NO_MATCHES_COUNTDOWN", 0.01)  # Textual waits half a second
        await pilot.press(*"9090")
        options = app.screen.query_one(CommandList)
        for _attempt in range(100):  # the search runs in a worker, the note comes on a timer: no event to await
            if options.option_count == 1 and options.get_option_at_index(0).disabled:  # no command: the note
                break
            await pilot.pause(0.02)
        assert "Aucun résultat" in str(options.get_option_at_index(0).prompt)
        await pilot.press("escape")
        app.action_change_theme()  # "Thème" in the palette
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(CommandInput).placeholder == "Rechercher un thème…"


def test_every_key_textual_brings_is_listed_for_translation() -> None:
    """A Textual upgrade that adds or rewords a key of a widget the app uses fails here, rather than
    showing English in the French keys panel."""
    used = (Button, Checkbox, DataTable, DirectoryTree, Input, Screen, ModalScreen, ScrollableContainer,
            VerticalScroll)  # not the command palette's own: no footer or keys panel shows them
    descriptions = {binding.description for cls in used for bindings in cls._merged_bindings.key_to_bindings.values()
                    for binding in bindings if binding.id is None and binding.description}
    titles = {cls.BINDING_GROUP_TITLE for cls in used if cls.BINDING_GROUP_TITLE}
    assert (descriptions | titles) - set(WORDS) == set()


async def test_empty_companies_screen_in_french(french, tmp_path: Path) -> None:
    app = app_for(make_folders(tmp_path))
    async with app.run_test(size=SIZE):
        text = str(app.screen.query_one("#empty-text", Static).content)
        assert text.startswith("Aucune entreprise pour l’instant.") and "sur i pour en importer une" in text


async def test_summary_in_french_money_and_dates(french, folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_summary(app, pilot)
        summary = screen.summary
        assert summary is not None and summary.currency == "EUR"
        fiscal_year = str(screen.query_one("#fiscal-year", Label).content)
        assert fiscal_year == "Exercice du 01/01/2026 au 31/12/2026 · EUR"
        sheet = plain(screen.query_one("#balance-sheet", Static).content)
        assets = format_money(summary.balance_sheet.assets, "EUR")
        assert FRENCH_MONEY.match(assets) and summary.balance_sheet.assets >= 100_000  # has a thousands space
        assert "Total de l’actif" in sheet and assets in sheet
        amounts = re.findall(rf"-?[\d{NNBSP}]+,\d\d{NBSP}€", sheet)
        assert amounts and all(FRENCH_MONEY.match(amount) for amount in amounts)
        assert "." not in "".join(amounts)  # no English decimal point left anywhere
        pnl = plain(screen.query_one("#profit-and-loss", Static).content)
        assert format_money(summary.profit_and_loss.net_result, "EUR") in pnl
        last = str(screen.query_one("#last-backup", Static).content)
        assert last.startswith(f"Dernière sauvegarde{NBSP}: 27/11/2026 14:05 · ")
        assert f"2,3{NNBSP}Mo" in last
        holdings = str(screen.query_one("#holdings-text", Static).content)
        assert "Opérations 400" in holdings and "Courriels" in holdings and "Historique" in holdings
        assert {"Sauvegarder", "Exercice précédent", "Retour"} <= footer_words(app)


async def test_a_narrow_summary_breaks_its_holdings_between_phrases_not_inside_a_figure(french, folders) -> None:
    # French figures hold no-break spaces (2 212, 6,6 Mo): broken at any space, "Historique 2" ended a
    # line and "212 · …" began the next.
    app = app_for(folders)
    async with app.run_test(size=(60, 24)) as pilot:
        screen = await open_summary(app, pilot)
        holdings = screen.query_one("#holdings-text")
        lines = holdings.render().plain.split("\n")
        assert len(lines) > 1 and all(len(line) <= holdings.content_region.width for line in lines)
        assert [phrase for line in lines for phrase in line.split(" · ")] == holdings.phrases
        assert any(NNBSP in phrase for phrase in holdings.phrases)  # a figure with its thousands space


async def test_the_balance_sheet_labels_are_whole_at_80_columns(french, folders) -> None:
    # A French bookkeeper's pass: "Passif et capitaux pro… 256 104,27 €" at 80x24; "Total du passif"
    # is the word of a French balance sheet (its liabilities hold the equity), as "Total de l'actif".
    # A helper's pass: "Résultat de l’exerci… 5 465 307,63 €" with amounts in millions; halves were too narrow.
    with Catalog(folders) as catalog, catalog.open_books(1) as books:
        code = books.account_id
        books.add_transaction("2026-05-31", "Big sale", [(code("5120"), 2_000_000_000),
                                                         (code("7070"), -2_000_000_000)])
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_summary(app, pilot)
        assert screen.summary is not None and screen.summary.profit_and_loss.net_result > 1_000_000_000
        panel = screen.query_one("#balance-sheet")
        lines = ["".join(segment.text for segment in strip) for strip in screen._compositor.render_strips()]
        inside = [line[panel.region.x:panel.region.right] for line in lines[panel.region.y:panel.region.bottom]]
        assert any("Total du passif" in line for line in inside) and any("Total de l’actif" in line for line in inside)
        assert not any("…" in line for line in inside), inside


async def test_the_last_backup_line_keeps_its_size_whole(french, folders) -> None:
    # Found by a helper at 80x24: "…/c3.manager (2,7" ended a line and "ko)" began the next (Rich breaks
    # at the narrow no-break space). Every length of file name puts the end of the line somewhere else.
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_summary(app, pilot)
        with Catalog(folders) as catalog:
            for length in range(1, 80):  # the end of the size goes through every column
                record_backup(catalog, 1, folders.backups / f"{'c' * length}.manager", 2_345_678)
                screen.show_last_backup(catalog.get(1))
                await pilot.pause()
                lines = ["".join(segment.text for segment in strip) for strip in screen._compositor.render_strips()]
                assert any(f"(2,3{NNBSP}Mo)" in line for line in lines), length


async def test_a_question_keeps_its_question_mark_with_its_last_word(french, folders) -> None:
    # French puts a narrow no-break space before '?': broken there as at any space, a question whose last
    # word reached the dialog's edge ended with a line holding '?' alone.
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ConfirmScreen("?"))
        width = app.screen.query_one("#confirm-question").content_region.width
        app.screen.dismiss(False)
        await pilot.pause()
        words = "Supprimer la sauvegarde « Acme »"
        question = f"{words} {'x' * (width - len(words) - 1)}{NNBSP}?"  # the last word ends at the edge
        await app.push_screen(ConfirmScreen(question))
        await pilot.pause()
        label = app.screen.query_one("#confirm-question")
        lines = [strip.text.rstrip() for strip in label.render_lines(label.content_region.reset_offset)]
        assert lines == [words, f"{'x' * (width - len(words) - 1)}{NNBSP}?"]


async def test_backup_dialog_in_french(french, folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_backup_dialog(app, pilot)
        # The file name keeps its pattern (ISO date) whatever the language.
        assert dialog.query_one("#filename", Input).value == f"{COMPANY} ({TODAY.isoformat()}).manager"
        labels = {box: str(dialog.query_one(f"#{box}", Checkbox).label) for box in ("attachments", "emails", "history")}
        assert labels["attachments"].startswith("Pièces jointes — ") and labels["attachments"].endswith(" fichiers")
        assert re.search(rf"\d,\d{NNBSP}(ko|Mo), 40 entrées$", labels["emails"]), labels["emails"]
        assert labels["history"].startswith("Historique — ") and labels["history"].endswith(" entrées")
        assert str(dialog.query_one("#start", Button).label) == "Sauvegarder"
        assert str(dialog.query_one("#cancel", Button).label) == "Annuler"
        assert str(dialog.query_one("#estimate", Label).content).startswith(f"Total estimé avant compression{NBSP}: ")
        assert {"Fermer", "Changer de dossier"} <= footer_words(app)
        dialog.query_one("#filename", Input).value = "a/b"
        await pilot.pause()
        assert "ne peut pas contenir" in str(dialog.query_one("#filename-note", Label).content)


async def test_the_language_key_switches_live_and_is_remembered(english_afterwards, folders,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KEEPBOOKS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        assert "Language" in await palette_titles(app)
        screen = await open_summary(app, pilot)  # a view over a view: both must follow
        await pilot.press("l")
        await pilot.pause()
        assert current_language() == "fr" and load_preferences(folders.data).language == "fr"
        assert app.screen is screen and screen.query_one("#balance-sheet").border_title == "Bilan"
        assert FRENCH_MONEY.match(format_money(screen.summary.balance_sheet.assets, "EUR"))
        assert format_money(screen.summary.balance_sheet.assets, "EUR") in plain(
            screen.query_one("#balance-sheet", Static).content)
        assert "Sauvegarder" in footer_words(app) and app.focused is screen.query_one("#backup", Button)
        assert any("désormais en français" in n.message for n in app._notifications)
        await pilot.press("escape")  # the companies list underneath was redrawn too
        table = app.screen.query_one("#companies", DataTable)
        assert str(list(table.columns.values())[0].label) == "Nom"
        assert str(table.get_row_at(0)[3]) == "27/11/2026 14:05"
        await pilot.press("b")  # every screen opened after the switch is French
        assert str(app.screen.query_one("#backups").columns["company"].label) == "Entreprise"
        await pilot.press("escape")
        [hit] = [hit async for hit in ScreenActions(app.screen).search("Langue")]  # the palette entry
        await hit.command()
        await pilot.pause()
        assert current_language() == "en" and load_preferences(folders.data).language == "en"
        assert str(list(app.screen.query_one("#companies", DataTable).columns.values())[0].label) == "Name"
    saved = json.loads((folders.data / FILENAME).read_text())
    assert saved == {"language": "en"}


async def test_the_app_starts_in_the_remembered_language(english_afterwards, folders,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import cli

    for name in ("KEEPBOOKS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
    set_language("en")
    assert cli._language(["--data-dir", str(folders.data)]) == "fr"  # what `keepbooks` opens the app in


async def test_switching_against_lang_says_the_choice_holds_for_this_session(english_afterwards, folders,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Started with --lang en (or KEEPBOOKS_LANG=en), the switch said keepbooks would start in French next
    time, and it started in English: --lang wins over the remembered choice, as the README says."""
    from tui import cli
    from tui.app import KeepbooksApp

    monkeypatch.setenv("KEEPBOOKS_LANG", "en")
    app = KeepbooksApp(folders, today=lambda: TODAY, imposed_language=imposed_language(None))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        [said] = [n.message for n in app._notifications]
        assert said == ("L’interface est désormais en français, et keepbooks démarrera en français la prochaine "
                        "fois, mais en anglais chaque fois que KEEPBOOKS_LANG=en sera donné.")
    set_language("en")
    assert cli._language(["--data-dir", str(folders.data)]) == "en"  # as it says: KEEPBOOKS_LANG=en is given
    assert imposed_language("fr") == ("fr", "--lang fr") and imposed_language(None) == ("en", "KEEPBOOKS_LANG=en")
    monkeypatch.delenv("KEEPBOOKS_LANG")
    assert cli._language(["--data-dir", str(folders.data)]) == "fr"  # and French when it is not


async def test_no_language_switch_inside_a_dialog(english_afterwards, folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_backup_dialog(app, pilot)
        await pilot.press("tab")  # off the file name field, where l is a letter of the name
        await pilot.press("l")
        assert current_language() == "en" and app.screen is dialog
        assert "Language" not in await palette_titles(app)
    assert load_preferences(folders.data).language is None


async def test_a_choice_that_cannot_be_saved_still_switches_and_says_so(english_afterwards, folders,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data_dir, **settings):
        raise StorageError(f"Cannot save the preferences to {data_dir}: Read-only file system.")

    monkeypatch.setattr("tui.app.save_preferences", refuse)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert current_language() == "fr"
        [notification] = list(app._notifications)
        assert notification.severity == "warning" and "pour cette session" in notification.message
        assert "Read-only file system" in notification.message
    assert not (folders.data / FILENAME).exists()


def keys_cut_off(screen: Screen) -> list[str]:
    """The footer keys that do not fit whole beside the palette key (Textual cuts them off silently)."""
    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    end = palette[0].region.x if palette else footer.region.right
    return [key.description for key in keys if key not in palette and key.region.right > end]


EVERY_SCREEN = {"CompaniesScreen", "NewCompanyScreen", "RemoveScreen", "PickerScreen", "ImportScreen", "BackupsScreen",
                "BackupScreen", "SummaryScreen"}


async def visit_every_screen(app, pilot, folders, look: Callable[[], Awaitable[None]]) -> None:
    """Open every screen of the app in turn (``make_backups`` first) and ``look`` at each."""
    await look()
    await pilot.press("n")
    await look()
    await pilot.press("escape", "delete")
    await wait_for(app, "holdings", pilot=pilot)
    await look()
    await pilot.press("escape", "i")
    await asyncio.wait_for(app.screen.tree_loaded.wait(), 10)
    await look()
    app.screen.query_one("#path", Input).value = str(folders.backups / "Full.manager")
    await pilot.press("enter")
    await wait_for(app, "preview", pilot=pilot)
    await pilot.press("enter")
    await pilot.pause()
    await look()
    await pilot.press("escape", "escape", "b")
    await wait_for(app, "scan", pilot=pilot)
    await look()
    await pilot.press("escape")
    await open_backup_dialog(app, pilot)
    await look()
    await pilot.press("escape")
    await pilot.pause()
    await look()


@pytest.mark.parametrize("language, term", [("en", "xterm-256color"), ("fr", "xterm-256color"), ("fr", "linux")])
async def test_every_screen_shows_all_its_keys_at_80_columns(english_afterwards, folders, monkeypatch, language,
                                                             term) -> None:
    """The README promises 80x24: French words are longer, and a key the footer cuts off is a key the
    user never learns (the companies screen had lost "Supprimer", the picker "Tous les fichiers"). With
    the keys' French names too ("Suppr" is longer than "del"), and their words on the Linux console."""
    monkeypatch.setenv("TERM", term)
    set_language(language)
    make_backups(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        seen: dict[str, list[str]] = {}

        async def look() -> None:
            seen[type(app.screen).__name__] = keys_cut_off(app.screen)
            if isinstance(app.screen, NewCompanyScreen):
                # A dialog's footer shows its own keys: the companies screen's ("n", "del") showed through.
                assert [key.description for key in app.screen.query_one(Footer).query(FooterKey)
                        if not key.has_class("-command-palette")] == ["Cancel" if language == "en" else "Annuler"]

        await visit_every_screen(app, pilot, folders, look)
        assert set(seen) == EVERY_SCREEN
        assert seen == {name: [] for name in seen}


async def until(pilot, condition: Callable[[], object]) -> None:
    """Let the app run until ``condition`` holds (a widget drawn after a refresh or two), a second at most."""
    for _attempt in range(50):
        if condition():
            return
        await pilot.pause(0.02)


def panel_lines(app) -> list[str]:
    """The lines the keys panel shows, as text (none before it is mounted)."""
    panels = app.screen.query("HelpPanel")
    if not panels:
        return []
    region = panels.first().region
    strips = app.screen._compositor.render_strips()
    return [strips[y].crop(region.x + 1, region.right).text.strip() for y in range(region.y, region.bottom)]


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_keys_panel_shows_every_screen_s_keys_first_and_whole_at_80x24(english_afterwards, folders,
                                                                                  language) -> None:
    """A French bookkeeper at 80x24: in the backup dialog F1 began with some 45 lines of a text field's
    keys (home, ^a, shift+^←…) and the dialog's own (esc Close, ^o Change folder) were below the panel's
    end, where no key scrolls it; on the companies list Quit and Language were. Escape did not close it,
    and in a dialog it closed the dialog instead."""
    set_language(language)
    make_backups(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        seen: set[str] = set()

        async def look() -> None:
            screen = app.screen
            await until(pilot, lambda: screen.query_one(Footer).query(FooterKey))  # composed once its keys are known
            footer_keys = [f"{key.key_display} {key.description}" for key in screen.query_one(Footer).query(FooterKey)
                           if not key.has_class("-command-palette")]
            await pilot.press("f1")
            await until(pilot, lambda: any(panel_lines(app)))
            lines = panel_lines(app)
            shown = [line for line in lines if line]
            name = type(screen).__name__
            assert shown[0] == footer_keys[0], (name, shown)  # the screen's keys first
            assert all(key in lines for key in footer_keys), (name, footer_keys, shown)  # every one on its line
            assert app.screen.query_one("KeyPanel").max_scroll_y == 0, name  # nothing below the panel's end
            quit_line = f"{app.get_key_display(Binding('ctrl+q', ''))} {_('Quit')}"
            assert quit_line in lines, (name, shown)  # dialogs too: ctrl+q quits from anywhere
            if not isinstance(screen, ModalScreen):
                assert f"l {_('Language')}" in lines, (name, shown)
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and not screen.query("HelpPanel"), name  # the panel closed, nothing else
            seen.add(name)

        await visit_every_screen(app, pilot, folders, look)
        assert seen == EVERY_SCREEN


@pytest.mark.parametrize("language, console, enter", [("en", "0", "⏎"), ("fr", "1", "Entrée")])
async def test_the_keys_panel_says_what_enter_does_where_the_focus_is(english_afterwards, folders, monkeypatch,
                                                                       language, console, enter) -> None:
    """An exploratory pass: in the remove dialog F1 listed Escape, ← → and Tab, not Enter, which presses the
    button that has the focus ("Back up first"); nor Enter in the picker's folder tree. The panel says what
    it does there, with the key named as everywhere else ("Entrée" on the Linux console in French)."""
    monkeypatch.setenv("KEEPBOOKS_CONSOLE", console)
    set_language(language)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("delete")
        await wait_for(app, "holdings", pilot=pilot)
        await pilot.press("f1")
        await until(pilot, lambda: any(panel_lines(app)))
        assert f"{enter} {_('Back up first')}" in panel_lines(app), panel_lines(app)
        await pilot.press("right")  # to Remove: the panel follows the focus
        await until(pilot, lambda: f"{enter} {_('Remove')}" in panel_lines(app))
        assert f"{enter} {_('Back up first')}" not in panel_lines(app), panel_lines(app)
        await pilot.press("escape", "escape", "i")  # the panel, the dialog; then the import picker's tree
        await asyncio.wait_for(app.screen.tree_loaded.wait(), 10)
        await pilot.press("down", "f1")
        await until(pilot, lambda: any(panel_lines(app)))
        assert f"{enter} {textual_word('Select')}" in panel_lines(app), panel_lines(app)


async def test_keys_are_named_in_french(french, folders) -> None:
    """A French bookkeeper's pass: "del Supprimer", "esc Retour" in the footer, "(ctrl+o)" on a button:
    Textual's English names in a French interface."""
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        async def footer_keys() -> list[str]:
            await until(pilot, lambda: app.screen.query_one(Footer).query(FooterKey))  # composed after a refresh
            return [f"{key.key_display} {key.description}" for key in app.screen.query_one(Footer).query(FooterKey)]

        assert "Suppr Supprimer" in await footer_keys() and keys_cut_off(app.screen) == []
        await open_summary(app, pilot)
        assert "Échap Retour" in await footer_keys()
        await pilot.press("b")
        await wait_for(app, "estimate", pilot=pilot)
        assert await footer_keys() == ["Échap Fermer", "^o Changer de dossier"]
        assert str(app.screen.query_one("#change-folder", Button).label) == "Changer… (^o)"  # as the footer says


def test_key_names_in_french_and_on_the_linux_console(french, monkeypatch) -> None:
    """The keys panel said "home", "pgup", "shift+home"; the Linux console cannot draw ⏎ and ⌫."""
    from tui.keynames import key_name

    monkeypatch.setenv("TERM", "xterm-256color")
    assert [key_name(key) for key in ("home", "end", "pageup", "pagedown", "shift+home", "ctrl+pageup", "space",
                                      "tab", "shift+tab", "f1", "question_mark", "up")] == [
        "Début", "Fin", "PgPréc", "PgSuiv", "Maj+Début", "^PgPréc", "Espace", "Tab", "Maj+Tab", "F1", "?", "↑"]
    assert (key_name("enter"), key_name("backspace")) == ("⏎", "⌫")
    monkeypatch.setenv("TERM", "linux")  # the Linux console draws neither: words
    assert (key_name("enter"), key_name("backspace"), key_name("alt+backspace")) == (
        "Entrée", "Retour arrière", "Alt+Retour arrière")


async def test_quit_is_offered_in_french_though_not_in_the_footer(french, folders) -> None:
    """ctrl+q left the footer for room: the palette lists it, and ctrl+c (a reflex) says which key quits,
    in the interface's language (Textual's own hint is English)."""
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Quitter" in await palette_titles(app)
        await pilot.press("ctrl+c")
        [notification] = list(app._notifications)
        # The key as the keys panel and the footer name it (Textual's "ctrl+q" here, "^q" there).
        assert (notification.title, notification.message) == ("Vous voulez quitter\u202f?",
                                                              "Appuyez sur ^q pour quitter keepbooks.")
        await pilot.press("ctrl+q")
        assert app.return_code == 0 and not app.is_running


async def test_a_progress_bar_writes_its_percentage_as_french_does(french) -> None:
    # A French bookkeeper's pass: "━━━╺━━━  39%"; French writes 39 % (a no-break space before the sign).
    from textual.app import App

    from store.progress import Progress
    from tui.widgets.progress import ProgressView

    class Bare(App):
        def compose(self):
            yield ProgressView(id="view")

    app = Bare()
    async with app.run_test() as pilot:
        view = app.query_one("#view", ProgressView)
        view.show(Progress("Copie", done=39, total=100))
        await pilot.pause()
        assert str(view.query_one("#percentage").render()) == f"39{NBSP}%"
