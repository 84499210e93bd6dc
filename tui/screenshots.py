"""Make the README's screenshots from the real app on sample data: `make screenshots`.

    .venv/bin/python -m tui.screenshots [--out screenshots] [--keep]

Creates sample companies in a scratch data folder, drives the app headless at 100×30 with the keys a
person would press, and saves SVGs of the companies list, a company's summary, the backup dialog and
a backup in progress (a company big enough that the backup takes a few seconds), then the import
picker with the preview of that backup and the backups view; then, in French, the summary and the
backup dialog (``*-fr.svg``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
from pathlib import Path

from store import archive, sample
from store.catalog import Catalog
from store.config import Folders
from store.formats import format_number
from store.i18n import set_language
from textual.widgets import Label, ProgressBar

from tui.app import KeepbooksApp

SIZE = (100, 30)
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


def saver(app: KeepbooksApp, out: Path, saved: list[Path]):
    def save(name: str) -> None:
        path = out / name
        app.save_screenshot(filename=path.name, path=str(path.parent))
        saved.append(path)
        print(f"  {path}", flush=True)

    return save


async def take(folders: Folders, out: Path) -> list[Path]:
    saved: list[Path] = []
    app = KeepbooksApp(folders)
    save = saver(app, out, saved)

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        save("companies.svg")
        # the list is sorted by name: Boulangerie, Harbour Lights, Kestrel; open the big one
        await pilot.press("down", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        save("summary.svg")
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        save("backup-dialog.svg")
        screen = app.screen
        bar = screen.query_one("#bar", ProgressBar)
        numbers = screen.query_one("#numbers", Label)
        # Pilot.press waits for the app to be idle, which a running backup never is: send the key bare.
        app.simulate_key("enter")
        for _step in range(3000):  # up to a minute: wait for a phase between 20 and 95 % done, with its speed
            await asyncio.sleep(0.02)
            if bar.percentage is not None and 0.2 <= bar.percentage <= 0.95 and "/s" in str(numbers.content):
                break
        else:
            raise SystemExit("the backup never showed its progress; no progress screenshot")
        save("backup-progress.svg")
        await app.workers.wait_for_complete()
        await pilot.pause()
        # back to the list; the import picker starts in the backups folder: type the new file's name
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("i")
        picker = app.screen
        await asyncio.wait_for(picker.tree_loaded.wait(), 30)  # type: ignore[attr-defined]
        newest = max(folders.backups.glob("*.manager"), key=lambda p: p.stat().st_mtime)
        await pilot.press(*str(newest), "enter")
        for worker in list(app.workers):  # the preview (not the tree's loader, which never ends)
            if worker.group == "preview":
                await worker.wait()
        await pilot.pause()
        save("import-picker.svg")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        for worker in list(app.workers):
            if worker.group == "scan":
                await worker.wait()
        await pilot.pause()
        save("backups-view.svg")
    return saved


async def take_french(folders: Folders, out: Path) -> list[Path]:
    """The summary (money as 1 234,56 €, dates as 27/11/2026) and the backup dialog, in French."""
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
            await app.workers.wait_for_complete()
            await pilot.pause()
            save("summary-fr.svg")
            await pilot.press("b")
            await app.workers.wait_for_complete()
            await pilot.pause()
            save("backup-dialog-fr.svg")
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
