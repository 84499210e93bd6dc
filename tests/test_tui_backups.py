"""The backups view: the list from the manifests, details, verify, import, delete with confirmation, folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import DataTable, Input, Label, ProgressBar

from store import archive, ledger, sample
from store.catalog import Catalog
from store.config import Folders
from store.i18n import set_language
from store.progress import Progress
from test_archive_support import edit_manifest, pack, unpack
from test_tui_support import COMPANY, add_sample, app_for, copy_of, make_folders, prepare, wait_for
from tui import formatting
from tui.commands import ScreenActions
from tui.screens import backups as backups_screen
from tui.screens.backups import BackupsScreen, DetailsScreen
from tui.screens.companies import CompaniesScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.folder import FolderScreen
from tui.screens.import_company import ImportScreen
from tui.screens.verify import VerifyScreen
from tui.widgets.backup_preview import BackupPreview

SIZE = (100, 30)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prepared")
    files = prepare(root, backups=True)
    files["notes"].unlink()
    # The file that is not a backup is the oldest, so the order is the manifests' (newest first) then it.
    os.utime(files["junk"], (1_000_000_000, 1_000_000_000))
    return root


@pytest.fixture
def folders(prepared: Path, tmp_path: Path):
    return copy_of(prepared, tmp_path)


async def open_view(app, pilot) -> BackupsScreen:
    await pilot.press("b")
    screen = app.screen
    assert isinstance(screen, BackupsScreen)
    await wait_for(app, "scan", pilot=pilot)
    return screen


def rows(screen: BackupsScreen) -> list[list[str]]:
    table = screen.query_one("#backups", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def select(pilot, screen: BackupsScreen, name: str) -> None:
    table = screen.query_one("#backups", DataTable)
    [index] = [i for i, b in enumerate(screen.backups) if b.path.name == name]
    table.move_cursor(row=index)
    await pilot.pause()


async def verify(app, pilot, screen: BackupsScreen, name: str) -> VerifyScreen:
    """Select the file ``name`` and verify it; the dialog once the check has ended."""
    await select(pilot, screen, name)
    await pilot.press("v")
    dialog = app.screen
    assert isinstance(dialog, VerifyScreen)
    await wait_for(app, "verify", pilot=pilot)
    return dialog


async def test_a_failed_check_shows_how_far_it_went(folders, monkeypatch) -> None:
    """Progress reaches the dialog a few times a second; when the check fails in between, the bar and
    the numbers show where it stopped, not the last report that happened to be sent."""
    big = add_sample(folders, sample.SampleSpec(transactions=200, attachments_mb=4, seed=7), name="Big")
    with Catalog(folders) as catalog:
        file = archive.backup(catalog.get(big).books_path, folders.backups / "Big.manager").path
    content = bytearray(file.read_bytes())  # several MB: several reports, one per MB read
    content[len(content) // 2] ^= 0xFF
    file.write_bytes(content)
    reached: list[Progress] = []
    real_verify = archive.verify

    def verify_and_record(path, *, progress, cancel):
        def record(report: Progress) -> None:
            reached.append(report)
            progress(report)
        return real_verify(path, progress=record, cancel=cancel)

    monkeypatch.setattr(archive, "verify", verify_and_record)
    monkeypatch.setattr("tui.widgets.progress.PROGRESS_INTERVAL", 3600.0)  # only the first report is sent
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        dialog = await verify(app, pilot, screen, "Big.manager")
        assert dialog.outcome is False and len(reached) > 1
        last = reached[-1]
        assert dialog.query_one("#bar", ProgressBar).progress == last.done
        numbers = str(dialog.query_one("#numbers", Label).content)
        assert numbers == f"{formatting.size(last.done)} of {formatting.size(last.total)}"  # no time left


def test_listing_again_reads_only_the_files_that_changed(folders, monkeypatch) -> None:
    """Found by a helper with 2,000 backups in a folder: every file cron added made the view read all
    their manifests again (over a second), so a new file showed up after 5 to 7 s."""
    first = backups_screen.scan(folders.backups)
    read: list[str] = []
    real = archive.inspect
    monkeypatch.setattr(archive, "inspect", lambda path: read.append(path.name) or real(path))
    (folders.backups / "Full.manager").write_bytes((folders.backups / "Full.manager").read_bytes())  # changed
    again = backups_screen.scan(folders.backups, {backup.path: backup for backup in first})
    unreadable = sorted(b.path.name for b in first if b.manifest is None)  # read again (review: an error
    assert unreadable and sorted(read) == sorted(["Full.manager", *unreadable])  # that passed stayed)
    assert [b.path.name for b in again] == [b.path.name for b in first]


async def test_lists_the_backups_newest_first_from_their_manifests(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        manifests = {name: archive.inspect(folders.backups / name)
                     for name in ("Full.manager", "Lean.manager", "Damaged.manager")}
        newest_first = sorted(manifests, key=lambda n: (manifests[n].created_at, n), reverse=True)
        assert [b.path.name for b in screen.backups] == [*newest_first, "junk.manager"]
        by_name = dict(zip([b.path.name for b in screen.backups], rows(screen)))
        full = manifests["Full.manager"]
        assert by_name["Full.manager"] == [COMPANY, formatting.local_date_time(full.created_at),
                                           formatting.size(full.file_size), "everything"]
        assert by_name["Lean.manager"][3] == "without history"
        assert by_name["junk.manager"][0] == "junk.manager" and by_name["junk.manager"][3] == "cannot be used"
        assert "4 files" in str(screen.query_one("#folder-line", Label).content)
        # Rows of one company can read alike (a helper had 2,000 of them): the line under the list names
        # the file of the row the cursor is on.
        file_line = screen.query_one("#file-line", Label)
        assert str(file_line.content) == f"File: {newest_first[0]}"
        await pilot.press("down")
        assert str(file_line.content) == f"File: {newest_first[1]}"
        for backup in screen.backups:  # all gone (review: the line kept naming one)
            backup.path.unlink()
        await pilot.press("r")
        await wait_for(app, "scan", pilot=pilot)
        assert str(file_line.content) == ""


async def test_the_file_line_keeps_the_end_of_a_long_name_and_shows_a_line_break(folders) -> None:
    # A helper: a long name lost its end (".manager", the date) without an ellipsis, and a name holding a
    # line break showed only what came before it.
    long_name = "Atelier " + "tres " * 30 + "long (2026-11-28).manager"
    for name in (long_name, "weird\nnewline.manager"):
        shutil.copy(folders.backups / "Full.manager", folders.backups / name)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(app, pilot)
        file_line = screen.query_one("#file-line", Label)
        await select(pilot, screen, long_name)
        shown = str(file_line.content)
        assert shown.startswith("File: Atelier tres") and "…" in shown and shown.endswith("long (2026-11-28).manager")
        assert cell_len(shown) <= 78
        await select(pilot, screen, "weird\nnewline.manager")
        assert str(file_line.content) == "File: weird\\nnewline.manager"


async def test_details_of_a_backup_and_of_a_file_that_is_not_one(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        await select(pilot, screen, "Lean.manager")
        await pilot.press("enter")
        details = app.screen
        assert isinstance(details, DetailsScreen)
        text = details.query_one(BackupPreview).plain
        assert f"File: {folders.backups / 'Lean.manager'}" in text and f"Company: {COMPANY}" in text
        assert "History: not included" in text
        await pilot.press("escape")
        await select(pilot, screen, "junk.manager")
        await pilot.press("enter")
        assert "is not a keepbooks backup" in app.screen.query_one(BackupPreview).plain
        await pilot.press("escape")
        assert app.screen is screen


@pytest.mark.parametrize("when, problem", [("9999-12-31T23:59:59+00:00", "is not between the years 1970 and 9000"),
                                           ("2025-03-09T18:04:11", "has no UTC offset")])
async def test_backups_dated_at_the_end_of_time_or_without_offset_are_listed_as_unusable(folders, local_zone, when,
                                                                                         problem) -> None:
    """Found by a reliability audit: a backup whose manifest said 9999-12-31 23:59:59 UTC closed the app
    with a traceback east of UTC (formatting.local_date_time, value.astimezone()); one without a UTC offset
    could not be sorted among the others (naive against aware times), and the list stayed empty."""
    local_zone("JST-9")
    odd = pack(folders.backups / "Odd.manager", edit_manifest(unpack(folders.backups / "Full.manager"),
                                                              lambda manifest: manifest.update(created_at=when)))
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        by_name = dict(zip([b.path.name for b in screen.backups], rows(screen)))
        assert by_name["Odd.manager"][3] == "cannot be used" and by_name["Full.manager"][0] == COMPANY
        await select(pilot, screen, "Odd.manager")
        await pilot.press("enter")
        text = " ".join(app.screen.query_one(BackupPreview).plain.split())
        assert f"{odd} is damaged: its manifest's creation time “{when}” {problem}." in text
        await pilot.press("escape")
        assert app.screen is screen and app.is_running


async def test_verify_reports_a_good_and_a_damaged_backup(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        dialog = await verify(app, pilot, screen, "Full.manager")
        assert "every check passed" in str(dialog.query_one("#result", Label).content)
        assert dialog.outcome is True
        await pilot.press("escape")
        dialog = await verify(app, pilot, screen, "Damaged.manager")
        label = dialog.query_one("#result", Label)
        result = str(label.content)
        assert "cannot be imported" in result and "truncated" in result and dialog.outcome is False
        inside = dialog.query_one("#verify-dialog").content_region
        assert label.region.right <= inside.right and label.size.height > 1  # wrapped, not cut at the border
        await pilot.press("escape")
        assert app.screen is screen
        await select(pilot, screen, "junk.manager")
        for key in ("v", "i"):  # a file that is not a backup can be neither: said, not silence
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
            assert list(app._notifications)[-1].message.startswith("junk.manager cannot be used: ")


async def test_import_from_the_view_goes_back_to_the_list_with_the_company_selected(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        await select(pilot, screen, "Lean.manager")
        await pilot.press("i")
        step = app.screen
        assert isinstance(step, ImportScreen)
        step.query_one("#name", Input).value = "Moreau archive"
        await pilot.press("enter")
        await wait_for(app, "import", pilot=pilot)
        assert isinstance(app.screen, CompaniesScreen)
        table = app.screen.query_one("#companies", DataTable)
        assert str(table.get_row_at(table.cursor_row)[0]) == "Moreau archive"
    with Catalog(folders) as catalog, catalog.open_books(catalog.find("Moreau archive").id) as books:
        assert ledger.holdings(books).transactions == 400


async def test_import_reads_the_file_as_it_is_now_not_as_it_was_listed(folders, tmp_path: Path) -> None:
    # Replaced from a shell after the list was read: the dialog offered the old company's name for
    # the other company's books.
    other = make_folders(tmp_path / "other")
    with Catalog(other) as catalog:
        company = catalog.create("Atelier Lefèvre")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        await select(pilot, screen, "Lean.manager")
        with Catalog(other) as catalog:  # a forced backup replaces only its own company's: a shell's mv
            written = archive.backup_company(catalog, company.id, tmp_path / "other.manager").path
        os.replace(written, folders.backups / "Lean.manager")
        await pilot.press("i")
        assert isinstance(app.screen, ImportScreen)
        assert app.screen.query_one("#name", Input).value == "Atelier Lefèvre"
        await pilot.press("escape")
        await wait_for(app, "scan", pilot=pilot)  # the list, read again
        await select(pilot, screen, "Full.manager")
        (folders.backups / "Full.manager").unlink()
        await pilot.press("i")
        assert app.screen is screen
        assert "Full.manager" in list(app._notifications)[-1].message


async def test_the_view_follows_files_added_and_removed_elsewhere(folders, monkeypatch) -> None:
    # A backup from cron, a file removed from a shell: the open view shows it, without a key.
    monkeypatch.setattr(backups_screen, "FOLDER_CHECK_SECONDS", 0.05)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        names = {b.path.name for b in screen.backups}
        shutil.copyfile(folders.backups / "Full.manager", folders.backups / "Nightly.manager")
        (folders.backups / "Lean.manager").unlink()
        for _ in range(200):  # the view's timer, every 0.05 s here
            if {b.path.name for b in screen.backups} != names:
                break
            await pilot.pause(0.05)
        await wait_for(app, "scan", pilot=pilot)
        assert {b.path.name for b in screen.backups} == names - {"Lean.manager"} | {"Nightly.manager"}


async def ask_to_delete(app, pilot, name: str) -> BackupsScreen:
    """The view open, the row of ``name`` selected, d pressed: "Delete the backup …?" is asked."""
    screen = await open_view(app, pilot)
    await select(pilot, screen, name)
    await pilot.press("d")
    assert isinstance(app.screen, ConfirmScreen)
    return screen


async def test_delete_asks_first_and_then_deletes_the_file(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ask_to_delete(app, pilot, "Lean.manager")
        await pilot.press("escape")  # keep it
        assert (folders.backups / "Lean.manager").exists()
        await pilot.press("d")
        assert app.focused is app.screen.query_one("#confirm-no")  # the safe answer first
        await pilot.press("left")  # ← and → go from button to button (a helper looked for them)
        assert app.focused is app.screen.query_one("#confirm-yes")
        await pilot.press("right", "right")  # round the row
        assert app.focused is app.screen.query_one("#confirm-yes")
        await pilot.press("enter")
        await wait_for(app, "scan", pilot=pilot)
        assert not (folders.backups / "Lean.manager").exists()
        assert "Lean.manager" not in [b.path.name for b in screen.backups]
        assert any("Deleted Lean.manager" in n.message for n in app._notifications)


async def test_a_backup_that_is_a_link_can_be_deleted(folders) -> None:
    # Review: the identity of a link was taken from its target, so it never matched and Delete always
    # said the file had been replaced.
    (folders.backups / "Link.manager").symlink_to(folders.backups / "Lean.manager")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await ask_to_delete(app, pilot, "Link.manager")
        await pilot.press("y")
        await wait_for(app, "scan", pilot=pilot)
    assert not (folders.backups / "Link.manager").is_symlink() and (folders.backups / "Lean.manager").is_file()


async def test_delete_spares_a_file_put_under_that_name_while_it_asked(folders) -> None:
    """Found with a second app and the CLI: while "Delete?" was asked, another backup took the file's name
    (backup --force, a new one after a prune); confirming deleted that newer backup."""
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await ask_to_delete(app, pilot, "Lean.manager")
        newer = (folders.backups / "Full.manager").read_bytes()
        replacement = folders.backups / ".replacement"
        replacement.write_bytes(newer)
        os.replace(replacement, folders.backups / "Lean.manager")  # as a backup is published
        await pilot.press("y")
        await wait_for(app, "scan", pilot=pilot)
        assert (folders.backups / "Lean.manager").read_bytes() == newer
        assert any("Lean.manager is not the backup listed any more" in n.message for n in app._notifications)


async def test_the_view_clears_what_a_killed_backup_left_in_its_folder(folders) -> None:
    # A backup killed mid-way (the app's window closed with kill -9) left a hidden file as large as a
    # backup, which the view neither showed nor counted, and only a backup into that folder removed.
    crashed = folders.backups / ".Lean.manager.0123456789abcdef.tmp"
    crashed.write_bytes(b"partial")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot)
        assert not crashed.exists()


async def test_change_folder_shows_the_backups_there(folders, tmp_path: Path) -> None:
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    os.replace(folders.backups / "Lean.manager", elsewhere / "Lean.manager")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(app, pilot)
        await pilot.press("f")
        assert isinstance(app.screen, FolderScreen)
        app.screen.query_one("#folder", Input).value = str(tmp_path / "nowhere")
        await pilot.pause()
        assert "There is no folder" in str(app.screen.query_one("#folder-note", Label).content)
        app.screen.query_one("#folder", Input).value = str(elsewhere)
        await pilot.press("enter")
        await wait_for(app, "scan", pilot=pilot)
        assert [b.path.name for b in screen.backups] == ["Lean.manager"]
        assert str(elsewhere) in str(screen.query_one("#folder-line", Label).content)


async def test_tab_completes_a_typed_folder_lists_several_then_moves_on(folders, tmp_path: Path) -> None:
    """A folder is typed over SSH: Tab completes it as in the import picker, folders only (a file
    named alike is no candidate), lists what is left, and a Tab with nothing to complete moves on."""
    for name in ("usb-2025", "usb-2026"):
        (tmp_path / name).mkdir()
    (tmp_path / "usb-notes.txt").write_text("")
    (tmp_path / "usb-2026" / "keepbooks").mkdir()
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot)
        await pilot.press("f")
        field = app.screen.query_one("#folder", Input)
        field.value = str(tmp_path / "us")
        await pilot.press("tab")
        assert field.value == str(tmp_path / "usb-202")  # not "usb-": the file is no candidate
        note = app.screen.query_one("#folder-note", Label)
        assert str(note.content) == "usb-2025  usb-2026"
        assert app.focused is field
        await pilot.press("6", "tab")
        assert field.value == f"{tmp_path / 'usb-2026'}/"
        await pilot.press("tab")  # its only sub-folder
        assert field.value == f"{tmp_path / 'usb-2026' / 'keepbooks'}/"
        assert str(note.content) == ""  # an existing folder: nothing to say
        await pilot.press("tab")
        assert app.focused is not field


async def test_tab_on_a_typed_folder_nothing_matches_keeps_the_focus(folders, tmp_path: Path) -> None:
    """As in the import picker (found by a disaster-recovery drill): Tab on a typo left the field, and
    the Backspace meant for the typo went elsewhere."""
    (tmp_path / "usb-2026").mkdir()
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot)
        await pilot.press("f")
        field = app.screen.query_one("#folder", Input)
        note = app.screen.query_one("#folder-note", Label)
        field.value = str(tmp_path / "usx")
        await pilot.press("tab")
        assert app.focused is field and str(note.content) == "No match." and note.has_class("error")
        await pilot.press("backspace", "b", "tab")
        assert field.value == f"{tmp_path / 'usb-2026'}/" and app.focused is field
        field.value = str(tmp_path / "usx")
        await pilot.press("tab", "tab")  # said once: the second Tab goes on, as Tab does (review: stuck)
        assert app.focused is not field


async def test_a_folder_the_system_refuses_is_a_note_not_a_crash(folders, tmp_path: Path) -> None:
    """Typing a folder inside one this user may not enter crashed the app as the text changed."""
    too_long = tmp_path / ("x" * 300)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(app, pilot)
        await pilot.press("f")
        app.screen.query_one("#folder", Input).value = str(too_long)
        await pilot.pause()
        assert isinstance(app.screen, FolderScreen)
        assert str(app.screen.query_one("#folder-note", Label).content) == (
            f"Cannot open {too_long}: the name is too long.")
        assert app.screen.query_one("#use").disabled


async def test_an_empty_or_missing_folder_says_so_and_escape_goes_back(tmp_path: Path) -> None:
    folders = make_folders(tmp_path)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        titles = [str(hit.text) async for hit in ScreenActions(app.screen).discover()]
        assert "Backups view" in titles
        screen = await open_view(app, pilot)
        assert "does not exist yet" in str(screen.query_one("#empty", Label).content)
        await pilot.press("escape")
        assert isinstance(app.screen, CompaniesScreen)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_a_missing_folder_is_said_whole_at_80_columns(tmp_path: Path, language: str) -> None:
    """Found by a disaster-recovery drill: "The folder /tmp/drill/new/backups does not exist yet. Press f to
    look in anothe" was cut at the screen's edge, in English and more so in French."""
    folders = make_folders(tmp_path)
    set_language(language)
    try:
        app = app_for(folders)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_view(app, pilot)
            empty = screen.query_one("#empty", Label)
            text = str(empty.content)
            assert str(folders.backups) in text and text.endswith(("another folder.", "un autre dossier."))
            shown = [empty.render_line(y).text.strip() for y in range(empty.size.height)]
            assert " ".join(line for line in shown if line) == text  # every word, none cut at the edge
            assert empty.region.right <= 80
    finally:
        set_language("en")


async def test_a_backups_folder_on_a_disk_not_mounted_is_said_so_not_just_missing_yet(tmp_path: Path) -> None:
    """A French bookkeeper's pass: "n'existe pas encore" (the first backup makes it) was said of a backups
    folder chosen on a disk that was not mounted, which no backup can make; the view and the picker now
    say it as the backup would."""
    folders = Folders(data=tmp_path / "data", backups=tmp_path / "nas" / "backups", backups_chosen=True)
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(app, pilot)
        said = (f"The backups folder {folders.backups} cannot be made: {tmp_path / 'nas'} does not exist (is its "
                "disk mounted?).")
        assert str(screen.query_one("#empty", Label).content) == said + " Press f to look in another folder."
        await pilot.press("escape", "i")
        await pilot.pause()
        assert said in str(app.screen.query_one("#path-note", Label).content)


async def test_a_backups_folder_the_system_refuses_is_no_crash_anywhere(tmp_path: Path) -> None:
    """A backups folder the system will not say anything about (a folder on its way this user may not
    enter; for root, a name too long): the backups view, the picker and the backup dialog each crashed
    from Path.is_dir() or exists() as they opened."""
    refused = tmp_path / ("x" * 300) / "backups"
    folders = Folders(data=tmp_path / "data", backups=refused, backups_chosen=True)
    add_sample(folders)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await wait_for(app, "scan", pilot=pilot)
        assert isinstance(app.screen, BackupsScreen)
        await pilot.press("escape", "i")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("escape", "enter")
        await wait_for(app, "summary", pilot=pilot)
        await pilot.press("b")
        await wait_for(app, "estimate", pilot=pilot)
        note = app.screen.query_one("#filename-note", Label)
        assert str(note.content) == f"Cannot open {refused}: the name is too long."
        assert app.screen.query_one("#start").disabled and app.is_running


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_columns_fit_the_terminal_after_a_resize_and_a_refill(folders, language: str) -> None:
    """As in the companies list (a French bookkeeper at 80 columns): a long company name pushed the
    contents ("sans pièces jointes ni courriels") out of sight, and a column kept the width of a row gone
    or of a wider terminal: Textual's columns only grow."""
    long = "Société Coopérative de Production des Artisans Boulangers Réunis"
    company = add_sample(folders, name=long)
    with Catalog(folders) as catalog:
        archive.backup_company(catalog, company, folders.backups / "Long.manager",
                               include=archive.Include(attachments=False, emails=False))
    set_language(language)
    try:
        app = app_for(folders)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_view(app, pilot)
            table = screen.query_one("#backups", DataTable)

            async def fits(width: int) -> bool:
                """Every column in sight, the first as wide as the names it shows and no wider."""
                await pilot.pause()
                first = table.ordered_columns[0]
                names = [cell_len(row[0]) for row in rows(screen)] + [cell_len(str(first.label))]
                return (table.virtual_size.width <= width - table.styles.scrollbar_size_vertical
                        and first.content_width == max(names))

            assert await fits(80)
            await pilot.resize_terminal(132, 43)
            assert await fits(132) and long in [row[0] for row in rows(screen)]
            await pilot.resize_terminal(80, 24)
            assert await fits(80)
            (folders.backups / "Long.manager").unlink()
            await pilot.press("r")
            await wait_for(app, "scan", pilot=pilot)
            assert table.row_count == 4 and await fits(80)
    finally:
        set_language("en")


async def test_the_folder_line_keeps_the_size_whole_in_french(folders) -> None:
    # A helper's pass at 80 columns: "… 1,1" ended the line and "Mo" began the next (Textual's wrapping
    # breaks at the no-break space French puts between a number and its unit).
    set_language("fr")
    try:
        app = app_for(folders)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_view(app, pilot)
            line = screen.query_one("#folder-line")
            size = str(line.content).rsplit(", ", 1)[1]
            assert "\u202f" in size or "\xa0" in size
            for width in range(60, 130):  # the end of the line falls everywhere in turn
                await pilot.resize_terminal(width, 24)
                await pilot.pause()
                shown = [line.render_line(y).text.strip() for y in range(line.size.height)]
                assert any(size in row for row in shown), (width, shown)
    finally:
        set_language("en")
