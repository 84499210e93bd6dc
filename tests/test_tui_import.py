"""Import a company from the file picker: typed path and Tab, the tree, the filter, the preview, the import
step (name, success, cancel, failure). Waits are on the workers started and on the tree's own event."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Button, DataTable, Input, Label

from store import archive
from store.catalog import Catalog
from store.i18n import set_language
from test_tui_support import (COMPANY, TODAY, app_for, company_names, copy_of, hold_at_first_report, prepare,
                               wait_for)
from tui.screens.companies import CompaniesScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.import_company import ImportScreen
from tui.screens.picker import BackupTree, PickerScreen
from tui.widgets.backup_preview import BackupPreview

SIZE = (100, 30)
RESTORED = f"{COMPANY} (restored {TODAY.isoformat()})"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prepared")
    prepare(root, backups=True)
    return root


@pytest.fixture
def folders(prepared: Path, tmp_path: Path):
    return copy_of(prepared, tmp_path)


async def open_picker(app, pilot) -> PickerScreen:
    await pilot.press("i")
    screen = app.screen
    assert isinstance(screen, PickerScreen)
    await asyncio.wait_for(screen.tree_loaded.wait(), 10)
    await pilot.pause()
    return screen


async def tree_shows(screen: PickerScreen) -> list[str]:
    await asyncio.wait_for(screen.tree_loaded.wait(), 10)
    return [str(node.label) for node in screen.query_one("#tree", BackupTree).root.children]


async def choose(app, pilot, screen: PickerScreen, path: Path) -> None:
    field = screen.query_one("#path", Input)
    field.value = str(path)
    await pilot.press("enter")
    await wait_for(app, "preview", pilot=pilot)


def preview_text(screen: PickerScreen) -> str:
    return screen.query_one("#preview", BackupPreview).plain


def leftovers(folders) -> list[str]:
    """Anything in companies/ besides the company folders themselves (staging folders, locks)."""
    return sorted(p.name for p in folders.companies.iterdir() if not p.name.isdigit())


async def test_typed_path_completes_on_tab_and_enter_previews_the_backup(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        field = screen.query_one("#path", Input)
        assert app.focused is field
        field.post_message(events.Paste(f"{folders.backups}/"))  # a pasted folder, then typed keys
        await pilot.pause()
        await pilot.press("F", "u", "tab")
        assert field.value == str(folders.backups / "Full.manager")
        assert app.focused is field
        await pilot.press("enter")
        await wait_for(app, "preview", pilot=pilot)
        text = preview_text(screen)
        manifest = archive.inspect(folders.backups / "Full.manager")
        assert f"Company: {COMPANY}" in text and "Transactions: 400" in text
        assert f"keepbooks {manifest.app_version}" in text
        assert not screen.query_one("#import", Button).disabled


async def test_a_path_pasted_as_bash_escapes_it_is_found(folders) -> None:
    """Found by a disaster-recovery drill: the path bash's Tab completion writes (``Café\\ Élysée\\ \\(…\\)``),
    pasted, was "There is no file or folder…"; quoted paths and file:// URLs were already understood."""
    name = "Café Élysée (2026-11-28).manager"
    shutil.copy(folders.backups / "Full.manager", folders.backups / name)
    escaped = f"{folders.backups}/Café\\ Élysée\\ \\(2026-11-28\\).manager"
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        field = screen.query_one("#path", Input)
        await pilot.press(*"Cafx", "enter")  # a typo first: said, and unsaid by the next change of the text
        note = screen.query_one("#path-note", Label)
        assert str(note.content).startswith("There is no file or folder")
        field.value = ""
        field.post_message(events.Paste(escaped))
        await pilot.pause()
        assert str(note.content) == ""  # a French bookkeeper's pass: it stayed under the path pasted
        await pilot.press("enter")
        await wait_for(app, "preview", pilot=pilot)
        assert screen.selected == folders.backups / name and field.value == str(folders.backups / name)
        assert f"Company: {COMPANY}" in preview_text(screen) and not screen.query_one("#import", Button).disabled
        field.value = f"{folders.backups}/Café\\ Él"  # half of it, then Tab
        await pilot.press("tab")
        assert field.value == str(folders.backups / name) and app.focused is field


async def test_tab_lists_several_candidates_then_moves_on(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        screen.query_one("#path", Input).value = f"{folders.backups}/"  # typed (typing is tested above)
        await pilot.press("tab")
        note = str(screen.query_one("#path-note", Label).content)
        assert "Full.manager" in note and "Lean.manager" in note
        assert app.focused is screen.query_one("#path", Input)
        await pilot.press("tab")  # nothing more to complete: Tab goes on to the next field
        assert app.focused is not screen.query_one("#path", Input)


async def test_tab_on_a_typo_keeps_the_focus_so_backspace_fixes_it(folders, monkeypatch) -> None:
    """Found by a disaster-recovery drill: Tab on a path nothing matched moved the focus to the tree, so
    the Backspace meant for the typo was the tree's "parent folder", and the tree climbed to /."""
    app = app_for(folders)
    bells: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(None))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        field = screen.query_one("#path", Input)
        note = screen.query_one("#path-note", Label)
        for typo in (f"{folders.backups}/Fulx", f"{folders.backups.parent}/backupz/Full"):  # a name, a folder
            field.value = typo
            await pilot.press("tab")
            assert app.focused is field and field.value == typo and len(bells) == 1
            assert str(note.content) == "No match." and note.has_class("error")
            await pilot.press("backspace")
            assert field.value == typo[:-1] and screen.folder == folders.backups
            assert str(note.content) == ""  # it was said of the text before
            bells.clear()
        field.value = f"{folders.backups}/Fu"
        await pilot.press("tab")  # completes as before
        assert field.value == str(folders.backups / "Full.manager") and app.focused is field
        await pilot.press("tab")  # complete already: on to the tree, as from an empty field
        assert app.focused is screen.query_one("#tree", BackupTree)
        field.value = ""
        field.focus()
        await pilot.press("tab")
        assert app.focused is screen.query_one("#tree", BackupTree) and not bells


async def test_tab_lists_as_many_candidates_as_the_note_shows_and_says_how_many_more(folders) -> None:
    """Found by a disaster-recovery drill: the names Tab listed were cut after the note's two lines, so the
    one wanted could be hidden, with nothing to say there were more."""
    names = [f"Café Élysée (2026-11-{day:02}).manager" for day in range(1, 13)]
    for name in names:
        shutil.copy(folders.backups / "Full.manager", folders.backups / name)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_picker(app, pilot)
        field = screen.query_one("#path", Input)
        field.value = f"{folders.backups}/Ca"
        await pilot.press("tab")
        assert field.value == f"{folders.backups}/Café Élysée (2026-11-"  # what they share, completed
        note = screen.query_one("#path-note", Label)
        text = str(note.content)
        assert [note.render_line(y).text.rstrip() for y in range(note.size.height)] == text.split("\n")  # all seen
        listed = [name for name in names if name in text]
        more = re.search(r"… and (\d+) more$", text)
        assert listed == names[:len(listed)] and listed and more and len(listed) + int(more[1]) == len(names)


async def test_tree_starts_in_the_backups_folder_and_goes_up_home_and_to_a_typed_folder(
        folders, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    (home / "exports").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        assert screen.folder == folders.backups
        assert await tree_shows(screen) == ["Damaged.manager", "Full.manager", "junk.manager", "Lean.manager"]
        await pilot.press("ctrl+l")  # parent folder
        assert screen.folder == folders.backups.parent
        assert await tree_shows(screen) == ["backups", "data"]
        await pilot.press("ctrl+g")  # home
        assert await tree_shows(screen) == ["exports"] and screen.folder == home
        screen.query_one("#path", Input).value = str(folders.backups)
        await pilot.press("enter")  # a typed folder opens in the tree
        assert await tree_shows(screen) == ["Damaged.manager", "Full.manager", "junk.manager", "Lean.manager"]
        assert screen.folder == folders.backups
        await pilot.press("down")  # to the tree; Enter on a file selects it
        tree = screen.query_one("#tree", BackupTree)
        assert app.focused is tree
        tree.move_cursor(tree.root.children[1])
        await pilot.press("enter")
        await wait_for(app, "preview", pilot=pilot)
        assert screen.selected == folders.backups / "Full.manager"
        assert screen.query_one("#path", Input).value == str(folders.backups / "Full.manager")
        assert COMPANY in preview_text(screen)
        await pilot.press("backspace")  # in the tree, backspace goes to the parent folder
        assert await tree_shows(screen) == ["backups", "data"]


async def test_at_80_columns_files_of_one_company_and_day_are_told_apart(folders) -> None:
    """A French bookkeeper's pass at 80x24: three rows of the tree read "📄 Boulangerie Élise & Fils (2026-1",
    after Enter the path field showed "…/backups/Boulangerie Élise" and the preview no file name; the first
    ↓ from the path field highlighted no row, and ↑ on the first row did not go back up to the field."""
    for name in ("Boulangerie Élise & Fils (2026-11-28).manager",
                 "Boulangerie Élise & Fils (2026-11-28) bis.manager"):
        shutil.copy(folders.backups / "Full.manager", folders.backups / name)
    app = app_for(folders)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_picker(app, pilot)
        tree = screen.query_one("#tree", BackupTree)
        await pilot.pause()
        first, second = [tree.render_line(y).text.strip() for y in range(2)]  # " bis" sorts first
        assert first.startswith("📄 Boulangerie") and second.startswith("📄 Boulangerie")
        assert first.endswith(") bis.manager") and second.endswith("-28).manager")
        assert tree.virtual_size.width <= tree.content_region.width  # no name runs past the tree's edge
        field = screen.query_one("#path", Input)
        await pilot.press("down")
        assert app.focused is tree and tree.cursor_line == 0  # the first row, at the first ↓
        await pilot.press("up")
        assert app.focused is field
        await pilot.press("down", "enter")
        await wait_for(app, "preview", pilot=pilot)
        bis = folders.backups / "Boulangerie Élise & Fils (2026-11-28) bis.manager"
        assert screen.selected == bis and field.value == str(bis)
        assert field.render_line(0).text.strip().endswith("(2026-11-28) bis.manager")  # its end in sight
        assert f"File: {bis.name}" in preview_text(screen)


async def test_the_filter_toggle_shows_every_file(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        assert "notes.txt" not in await tree_shows(screen)
        await pilot.press("ctrl+f")
        assert "notes.txt" in await tree_shows(screen)
        assert "all files" in str(screen.query_one("#folder", Label).content)
        await pilot.press("ctrl+f")
        assert "notes.txt" not in await tree_shows(screen)


@pytest.mark.parametrize("name, reason", [("junk.manager", "is not a keepbooks backup"),
                                          ("notes.txt", "is not a keepbooks backup")])
async def test_a_file_that_is_not_a_backup_says_why_and_cannot_be_imported(folders, name, reason) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / name)
        text = preview_text(screen)
        assert "This file cannot be imported." in text and reason in text and "Traceback" not in text
        assert screen.query_one("#preview").has_class("-problem")
        assert screen.query_one("#import", Button).disabled
        await pilot.press("enter")  # again: still refused
        assert app.screen is screen
        # Gone to another folder, the refusal and its note stayed, about a file no longer in view (a helper).
        await pilot.press("ctrl+l")
        await asyncio.wait_for(screen.tree_loaded.wait(), 10)
        assert "Select a backup" in preview_text(screen) and not screen.query_one("#preview").has_class("-problem")
        assert str(screen.query_one("#path-note", Label).content) == ""
        assert str(screen.query_one("#folder", Label).content).startswith(f"{folders.backups.parent} · ")
        assert "reading" not in str(screen.query_one("#folder", Label).content)


async def test_editing_the_path_after_a_preview_unselects_the_file(folders) -> None:
    """The preview of file A stayed, Import stayed enabled and imported A, after the path was cleared or
    changed to another file: the user imported a backup the screen no longer named."""
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Full.manager")
        assert not screen.query_one("#import", Button).disabled and COMPANY in preview_text(screen)
        field = screen.query_one("#path", Input)
        field.value = str(folders.backups / "Lean.manager")  # typed over, not yet submitted
        await pilot.pause()
        assert screen.query_one("#import", Button).disabled
        assert COMPANY not in preview_text(screen) and "Select a backup" in preview_text(screen)
        screen.action_import()
        await pilot.pause()
        assert app.screen is screen  # nothing to import until Enter reads the new file
        await pilot.press("enter")
        await wait_for(app, "preview", pilot=pilot)
        assert screen.selected == folders.backups / "Lean.manager" and not screen.query_one("#import").disabled


async def test_a_path_the_system_refuses_is_a_note_not_a_crash(folders) -> None:
    """A typed path inside a folder this user may not enter crashed the app (PermissionError from
    path.exists(), exit 0); a name too long (which root meets too) raises the same way."""
    too_long = folders.backups / ("x" * 300) / "a.manager"
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        screen.query_one("#path", Input).value = str(too_long)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        note = screen.query_one("#path-note", Label)
        assert str(note.content) == f"Cannot open {too_long}: the name is too long." and note.has_class("error")


async def test_a_folder_this_user_may_not_read_says_so_not_that_it_is_empty(folders, tmp_path,
                                                                          monkeypatch) -> None:
    """An unreadable folder read as 'No .manager files here' (and, all files shown, 'This folder is empty')."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: real_access(path, mode) and Path(path) != locked)
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        screen.tree_loaded.clear()
        screen.query_one("#path", Input).value = str(locked)
        await pilot.press("enter")
        await asyncio.wait_for(screen.tree_loaded.wait(), 10)
        assert str(screen.query_one("#tree-empty", Label).content) == f"Cannot open {locked}: permission denied."


async def test_import_with_the_suggested_name_selects_the_new_company(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Lean.manager")
        await pilot.press("enter")  # Enter again: the import step
        step = app.screen
        assert isinstance(step, ImportScreen)
        name = step.query_one("#name", Input)
        assert name.value == COMPANY  # the backup's name, which exists already: said, and a name suggested
        note = str(step.query_one("#name-note", Label).content)
        assert "already exists" in note and RESTORED in note
        assert note.splitlines()[1] == f"Suggested: {RESTORED} (press → to use it)."  # a line of its own
        await pilot.pause()
        await pilot.press("right")  # accepts the suggestion
        assert name.value == RESTORED
        await pilot.press("enter")
        await wait_for(app, "import", pilot=pilot)
        assert isinstance(app.screen, CompaniesScreen)
        table = app.screen.query_one("#companies", DataTable)
        assert str(table.get_row_at(table.cursor_row)[0]) == RESTORED
        assert any(RESTORED in n.message and not n.markup for n in app._notifications)
        # The same backup again, the same day: the suggestion was the name the first import took.
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Lean.manager")
        await pilot.press("enter")
        again = f"{COMPANY} (restored {TODAY.isoformat()}, copy 2)"
        assert f"Suggested: {again} (press → to use it)." in str(app.screen.query_one("#name-note", Label).content)
        await pilot.pause()
        await pilot.press("right", "enter")
        await wait_for(app, "import", pilot=pilot)
    assert sorted(company_names(folders)) == sorted([COMPANY, RESTORED, again])
    with Catalog(folders) as catalog, catalog.open_books(catalog.find(RESTORED).id) as books:
        assert books.settings().name == RESTORED
    assert leftovers(folders) == []


async def test_in_french_the_suggested_name_says_the_day_as_french_readers_write_it(folders) -> None:
    # Two French passes: "(restaurée le 2026-06-01)"; 01/06/2026 cannot be (the name goes into file names).
    set_language("fr")
    try:
        app = app_for(folders)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_picker(app, pilot)
            await choose(app, pilot, screen, folders.backups / "Lean.manager")
            await pilot.press("enter")
            assert isinstance(app.screen, ImportScreen)
            assert app.screen.suggestion == f"{COMPANY} (restaurée le 1er juin 2026)"
    finally:
        set_language("en")


async def open_import_step(app, pilot, file: Path) -> tuple[PickerScreen, ImportScreen]:
    screen = await open_picker(app, pilot)
    await choose(app, pilot, screen, file)
    await pilot.press("enter")
    assert isinstance(app.screen, ImportScreen)
    return screen, app.screen


async def test_an_invalid_name_is_refused_as_you_type(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen, step = await open_import_step(app, pilot, folders.backups / "Full.manager")
        step.query_one("#name", Input).value = "   "
        await pilot.pause()
        assert "cannot be empty" in str(step.query_one("#name-note", Label).content)
        assert step.query_one("#start", Button).disabled
        await pilot.press("escape")  # back to the picker, nothing imported
        assert app.screen is screen
    assert company_names(folders) == [COMPANY]


async def test_a_name_typed_replaces_the_backups_name(folders) -> None:
    """Typing appended to the name already there: 'Fiduciaire Léman & Fils SàrlLéman – copie de mardi'."""
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        await open_import_step(app, pilot, folders.backups / "Full.manager")
        await pilot.press(*"Copie de mardi")
        assert app.screen.query_one("#name", Input).value == "Copie de mardi"


async def test_cancel_asks_then_stops_and_adds_nothing(folders, monkeypatch) -> None:
    reached, release = hold_at_first_report(monkeypatch, archive, "import_backup")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Full.manager")
        await pilot.press("enter", "enter")
        step = app.screen
        assert isinstance(step, ImportScreen) and step.running
        assert await asyncio.to_thread(reached.wait, 30)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # "Continue"
        assert app.screen is step and step.running
        await pilot.press("escape", "y")  # "Stop"
        release.set()
        await wait_for(app, "import", pilot=pilot)
        assert app.screen is screen  # back in the picker to choose again
        assert any("Import cancelled" in n.message for n in app._notifications)
    assert company_names(folders) == [COMPANY]
    assert leftovers(folders) == []


async def test_an_import_that_ends_while_stop_is_asked_leaves_a_notice_then_the_new_company(
        folders, monkeypatch) -> None:
    """Review: the import ended while "Stop the import?" was asked; the notice that takes the question's
    place was closed by the picker closing itself behind it, and the app quit on an error."""
    reached, release = hold_at_first_report(monkeypatch, archive, "import_backup")
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Full.manager")
        await pilot.press("enter", "right", "enter")  # the import step, the suggested name, Import
        assert await asyncio.to_thread(reached.wait, 30)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        release.set()
        await wait_for(app, "import", pilot=pilot)
        await pilot.pause()
        assert str(app.screen.query_one("#notice-text").content).startswith("The import ended before you answered")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CompaniesScreen) and app.is_running
        table = app.screen.query_one("#companies", DataTable)
        assert str(table.get_row_at(table.cursor_row)[0]) == RESTORED
    assert sorted(company_names(folders)) == sorted([COMPANY, RESTORED])


async def test_a_damaged_file_shows_the_reason_and_nothing_is_added(folders) -> None:
    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_picker(app, pilot)
        await choose(app, pilot, screen, folders.backups / "Damaged.manager")
        assert COMPANY in preview_text(screen)  # its manifest still reads: the damage shows on import
        await pilot.press("enter")
        step = app.screen
        await pilot.press("enter")
        await wait_for(app, "import", pilot=pilot)
        assert app.screen is step and not step.running
        error = str(step.query_one("#error", Label).content)
        assert "nothing was added" in error and "is damaged" in error and "truncated" in error
        assert "Traceback" not in error
        assert app.focused is step.query_one("#name", Input)
    assert company_names(folders) == [COMPANY]
    assert leftovers(folders) == []


async def test_palette_entry_and_escape_close_the_picker(folders) -> None:
    from tui.commands import ScreenActions

    app = app_for(folders)
    async with app.run_test(size=SIZE) as pilot:
        [hit] = [hit async for hit in ScreenActions(app.screen).search("Import a company")]
        await hit.command()
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await asyncio.wait_for(app.screen.tree_loaded.wait(), 10)
        await pilot.press("escape")
        assert isinstance(app.screen, CompaniesScreen)
