"""Make the README's screenshots from the real app on sample data: `make screenshots`.

    .venv/bin/python -m tui.screenshots [--out screenshots] [--keep]

Creates sample companies in a scratch data folder, drives the app headless at 100×30 with the keys a
person would press, and saves SVGs of every screen and dialog a person meets: the companies list, the
new company and remove dialogs, a company's summary and its keys panel (F1), the backup dialog and a
backup in progress (a company big enough that the backup takes a few seconds), the import picker with
the preview of that backup, the backups view with a backup's details, its verification, the question
before deleting it and the folder dialog, then the import of that backup and its progress; then, in
French, the summary, the backup dialog, the remove dialog and the import dialog (``*-fr.svg``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

from store import archive, sample
from store.catalog import Catalog
from store.config import Folders
from store.formats import format_number
from store.i18n import set_language
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Label, ProgressBar
from textual.worker import WorkerFailed

from tui.app import KeepbooksApp
from tui.screens.confirm import ConfirmScreen

SIZE = (100, 30)
Save = Callable[[str], None]  # saves the screen as it is now to the named SVG
SCRATCH = Path("/tmp/keepbooks-screenshots")
COMPANIES = [  # (name, transactions, attachment MB, days since the last backup or None, language)
    ("Harbour Lights Design", 60_000, 500, None, "en"),
    ("Boulangerie Martin", 3_000, 8, 2, "fr"),  # created in French: its chart of accounts is French
    ("Kestrel Engineering", 8_000, 20, 12, "en"),
]


def make_data(root: Path) -> Folders:
    shutil.rmtree(root, ignore_errors=True)
    folders = Folders(data=root / "data", backups=root / "backups")
    folders.backups.mkdir(parents=True)
    with Catalog(folders) as catalog:
        for seed, (name, transactions, megabytes, backed_up, language) in enumerate(COMPANIES, start=1):
            spec = sample.SampleSpec(transactions=transactions, attachments_mb=megabytes, seed=seed)
            print(f"  sample company {name} ({format_number(transactions)} transactions, {megabytes} MB)…",
                  flush=True)
            set_language(language)
            try:
                info = catalog.create(name, populate=lambda path, spec=spec: sample.populate(path, spec))
            finally:
                set_language("en")
            if backed_up is not None:
                when = dt.datetime.now().replace(second=0, microsecond=0) - dt.timedelta(days=backed_up)
                file = folders.backups / f"{name} ({when.date().isoformat()}).manager"
                # a real file for the backups view (written now; the list shows the dates recorded above)
                archive.backup(info.books_path, file, include=archive.Include(attachments=backed_up < 10))
                catalog.record_backup(info.id, file, file.stat().st_size, when=when)
    return folders


def saver(app: KeepbooksApp, out: Path, saved: list[Path]) -> Save:
    def save(name: str) -> None:
        path = out / name
        app.save_screenshot(filename=path.name, path=str(path.parent))
        saved.append(path)
        print(f"  {path}", flush=True)

    return save


async def settle(pilot: Pilot, group: str | None = None) -> None:
    """Wait for the workers of ``group`` (every worker when None), then for the screen to show their
    results. Not every worker after the import picker: its tree's loader never ends."""
    if group is None:
        await pilot.app.workers.wait_for_complete()
    else:
        for worker in list(pilot.app.workers):
            if worker.group == group:
                await worker.wait()
    await pilot.pause()


async def wait_until(ready: Callable[[], bool], what: str) -> None:
    """Poll ``ready`` for up to a minute. Not Pilot.pause: it waits for the app to be idle, which a
    running backup or import never is (a second lost at each)."""
    for _step in range(3000):
        if ready():
            return
        await asyncio.sleep(0.02)
    raise SystemExit(f"{what} never came; no screenshot")


async def start_and_catch_progress(app: App, what: str) -> None:
    """Press Enter in a dialog that runs something, and return once its progress shows a phase between
    20 and 95 % done, with its speed."""
    screen = app.screen
    bar = screen.query_one("#bar", ProgressBar)
    numbers = screen.query_one("#numbers", Label)
    # Pilot.press waits for the app to be idle, which a running backup or import never is: send the key bare.
    app.simulate_key("enter")
    await wait_until(lambda: bar.percentage is not None and 0.2 <= bar.percentage <= 0.95
                     and "/s" in str(numbers.content), f"the {what}'s progress")


async def take(folders: Folders, out: Path) -> list[Path]:
    saved: list[Path] = []
    app = KeepbooksApp(folders)
    save = saver(app, out, saved)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        save("companies.svg")
        await companies_dialogs(pilot, save)
        # the list is sorted by name: Boulangerie, Harbour Lights, Kestrel; open the big one
        await pilot.press("enter")
        await settle(pilot)
        save("summary.svg")
        await pilot.press("f1")
        await pilot.pause()
        save("keys-panel.svg")
        await pilot.press("f1")
        await pilot.press("b")
        await settle(pilot)
        save("backup-dialog.svg")
        await start_and_catch_progress(app, "backup")
        save("backup-progress.svg")
        await settle(pilot)
        # back to the list; the import picker starts in the backups folder: H and Tab complete the new
        # file's name (typing its whole path, key by key, took five seconds)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("i")
        picker = app.screen
        await asyncio.wait_for(picker.tree_loaded.wait(), 30)  # type: ignore[attr-defined]
        await pilot.press("H", "tab", "enter")
        await settle(pilot, "preview")  # the preview (not the tree's loader, which never ends)
        save("import-picker.svg")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        await settle(pilot, "scan")
        save("backups-view.svg")
        await backups_dialogs(pilot, save)
    return saved


async def companies_dialogs(pilot: Pilot, save: Save) -> None:
    """From the list: the new company dialog (a name typed), then the remove dialog of Kestrel
    Engineering, whose last backup it names. Both cancelled; the cursor ends on Harbour Lights."""
    await pilot.press("n", *"Atelier Dupont")
    await pilot.pause()
    save("new-company.svg")
    await pilot.press("escape")
    await pilot.press("down", "down", "delete")
    await settle(pilot, "holdings")  # its transactions, attachments… counted
    save("remove.svg")
    await pilot.press("escape", "up")
    await pilot.pause()


async def backups_dialogs(pilot: Pilot, save: Save) -> None:
    """From the backups view (newest first: Harbour Lights, Kestrel, Boulangerie): Kestrel's backup
    verified and its details, the question before deleting it (kept), the folder dialog; then Harbour
    Lights' backup imported as a new company under the name suggested, and stopped."""
    await pilot.press("down", "v")
    await settle(pilot, "verify")
    save("verify.svg")
    await pilot.press("escape", "enter")
    await pilot.pause()
    save("backup-details.svg")
    await pilot.press("escape", "d")
    await pilot.pause()
    save("delete-backup.svg")
    await pilot.press("escape", "f", "ctrl+w", "tab")  # Tab lists the folders there
    await pilot.pause()
    save("backups-folder.svg")
    await pilot.press("escape", "up", "i")
    await pilot.pause()
    save("import-dialog.svg")  # the name is taken: the dialog suggests another, → takes it
    await pilot.press("right")
    await start_and_catch_progress(pilot.app, "import")
    save("import-progress.svg")
    # Stopped (Escape, then y to "Stop the import?"): a second company of 540 MB took seconds to finish
    # and showed in the French run's list.
    pilot.app.simulate_key("escape")
    await wait_until(lambda: isinstance(pilot.app.screen, ConfirmScreen), "the question to stop the import")
    pilot.app.simulate_key("y")
    for worker in list(pilot.app.workers):
        if worker.group == "import":
            with contextlib.suppress(WorkerFailed):  # it ends by raising Cancelled, once its clean-up is done
                await worker.wait()
    await pilot.pause()


async def take_french(folders: Folders, out: Path) -> list[Path]:
    """The summary (money as 1 234,56 €, dates as 27/11/2026), the backup dialog, the remove dialog and
    the import dialog (its suggested name on a line of its own), in French."""
    saved: list[Path] = []
    set_language("fr")
    try:
        app = KeepbooksApp(folders)
        save = saver(app, out, saved)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            # Boulangerie Martin, a French company: no backup of today yet, so the dialog has no
            # "already exists" note
            await pilot.press("enter")
            await settle(pilot)
            save("summary-fr.svg")
            await pilot.press("b")
            await settle(pilot)
            save("backup-dialog-fr.svg")
            await pilot.press("escape", "escape", "delete")
            await settle(pilot, "holdings")
            save("remove-fr.svg")
            await pilot.press("escape", "b")
            await settle(pilot, "scan")
            await pilot.press("i")  # Harbour Lights' backup, the newest
            await pilot.pause()
            save("import-dialog-fr.svg")
    finally:
        set_language("en")
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--keep", action="store_true", help=f"keep the scratch data in {SCRATCH}")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print("making sample data…", flush=True)
    folders = make_data(SCRATCH)
    try:
        print("taking screenshots…", flush=True)
        asyncio.run(take(folders, args.out.resolve()))
        asyncio.run(take_french(folders, args.out.resolve()))
    finally:
        if not args.keep:
            shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
