"""SVG snapshots of each screen (pytest-textual-snapshot). Update with `pytest --snapshot-update`.

Dates, names and sizes are pinned (see test_tui_support), and the data folder lives at a fixed path
because the header shows it.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from store import archive
from store.catalog import Catalog
from store.errors import Cancelled
from store.i18n import set_language
from store.progress import Progress
from test_tui_support import add_sample, app_for, fixed_root, make_folders, record_backup
from tui.widgets import progress as progress_widget

SIZE = (100, 30)
SMALL = (80, 24)


@pytest.fixture
def folders(request):
    folders = make_folders(fixed_root(request.node.name.replace("[", "-").replace("]", "")))
    add_sample(folders)
    second = add_sample(folders, name="Atelier Lefèvre")
    with Catalog(folders) as catalog:
        record_backup(catalog, second, folders.backups / "Atelier Lefèvre (2026-05-30).manager", 2_345_678,
                              when=dt.datetime(2026, 5, 30, 18, 5))
    return folders


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_backup_dialog(pilot) -> None:
    """The backup dialog of the second company (the one never backed up), its estimate shown."""
    await pilot.press("down", "enter")
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_companies_screen(snap_compare, folders, size) -> None:
    assert snap_compare(app_for(folders), terminal_size=size, run_before=settle)


def test_companies_empty_state(snap_compare, tmp_path) -> None:
    folders = make_folders(fixed_root("empty"))
    assert snap_compare(app_for(folders), terminal_size=SIZE)


def test_new_company_modal(snap_compare, folders) -> None:
    assert snap_compare(app_for(folders), terminal_size=SIZE, press=["n", *"Studio", "tab", "backspace"])


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_summary_screen(snap_compare, folders, size) -> None:
    async def open_company(pilot) -> None:
        await pilot.press("down", "enter")  # the second row: the company never backed up
        await settle(pilot)

    assert snap_compare(app_for(folders), terminal_size=size, run_before=open_company)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_backup_dialog(snap_compare, folders, size) -> None:
    assert snap_compare(app_for(folders), terminal_size=size, run_before=open_backup_dialog)


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_backup_dialog_in_french(snap_compare, folders, french, size) -> None:
    """French words, sizes and money behind it (1 234,56 €); the file name keeps its ISO date."""
    assert snap_compare(app_for(folders), terminal_size=size, run_before=open_backup_dialog)


def test_backup_dialog_with_an_invalid_name(snap_compare, folders) -> None:
    async def open_dialog(pilot) -> None:
        await open_backup_dialog(pilot)
        await pilot.press("/", "tab", "space")

    assert snap_compare(app_for(folders), terminal_size=SIZE, run_before=open_dialog)


def scripted_clock(*readings: float):
    """The progress view's clock, reading the given times in turn (only the UI thread reads it)."""
    values = iter(readings)
    return lambda: next(values)


def test_backup_in_progress(snap_compare, folders, monkeypatch) -> None:
    reported = threading.Event()

    def steady_backup(catalog, company_id, destination, *, include, force, progress, cancel):
        progress(Progress("Compressing attachments", 1_000_000, 10_000_000, step=3, steps=3))
        progress(Progress("Compressing attachments", 3_400_000, 10_000_000, step=3, steps=3))
        reported.set()
        cancel.wait(timeout=30)  # set by Textual when the app closes after the snapshot
        raise Cancelled("Cancelled; nothing was kept.")

    monkeypatch.setattr(archive, "backup_company", steady_backup)
    monkeypatch.setattr(progress_widget, "PROGRESS_INTERVAL", 0)  # both reports reach the screen
    # the first report starts the phase, the second comes 4 s later: 2.4 MB in 4 s, 6.6 MB left
    monkeypatch.setattr(progress_widget, "clock", scripted_clock(101.0, 105.0))

    async def start(pilot) -> None:
        await open_backup_dialog(pilot)
        await pilot.press("enter")
        import asyncio
        await asyncio.to_thread(reported.wait, 30)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app_for(folders), terminal_size=SIZE, run_before=start)


# --- import picker and backups view ---------------------------------------------------------------
# The tree shows file names and the path field a full path, so the files live in a fixed folder; the
# manifests' dates and sizes are pinned (a backup's time and compressed size change from run to run).

PINNED = {  # file name → (backed up at, in local time; file size)
    "Full.manager": (dt.datetime(2026, 5, 30, 18, 5), 612_345),
    "Lean.manager": (dt.datetime(2026, 5, 29, 7, 40), 498_765),
    "Damaged.manager": (dt.datetime(2026, 5, 20, 12, 0), 408_230),
}


@pytest.fixture(scope="module")
def backups_root():
    import os

    from test_tui_support import make_backups

    folders = make_folders(fixed_root("import"))
    add_sample(folders)
    files = make_backups(folders)
    stamp = dt.datetime(2026, 5, 1, 9, 0).timestamp()
    os.utime(files["junk"], (stamp, stamp))
    return folders


@pytest.fixture
def pinned_inspect(monkeypatch):
    import dataclasses

    real_inspect = archive.inspect

    def inspect(path):
        manifest = real_inspect(path)
        when, size = PINNED[path.name]
        return dataclasses.replace(manifest, created_at=when.astimezone(), file_size=size)

    monkeypatch.setattr(archive, "inspect", inspect)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_import_picker_with_a_preview(snap_compare, backups_root, pinned_inspect, size) -> None:
    async def pick(pilot) -> None:
        import asyncio

        from test_tui_support import wait_for

        await pilot.press("i")
        await asyncio.wait_for(pilot.app.screen.tree_loaded.wait(), 10)
        pilot.app.screen.query_one("#path").value = f"{backups_root.backups}/Le"
        await pilot.press("tab", "enter")
        await wait_for(pilot.app, "preview")
        await pilot.pause()

    assert snap_compare(app_for(backups_root), terminal_size=size, run_before=pick)


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x30", "80x24"])
def test_backups_view(snap_compare, backups_root, pinned_inspect, size) -> None:
    async def view(pilot) -> None:
        from test_tui_support import wait_for

        await pilot.press("b")
        await wait_for(pilot.app, "scan")
        await pilot.pause()

    assert snap_compare(app_for(backups_root), terminal_size=size, run_before=view)
