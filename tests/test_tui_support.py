"""Shared set-up of the TUI tests (no tests here): a data folder with one small, fixed sample company.

Everything a screen shows is pinned (today, catalog times, the sample's seed and years) so that
snapshots are stable from run to run.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from store import sample
from store.catalog import Catalog
from store.config import Folders

TODAY = dt.date(2026, 6, 1)
CREATED = dt.datetime(2026, 5, 28, 14, 30)
SPEC = sample.SampleSpec(transactions=400, attachments_mb=0.5, seed=3, start_year=2025)
COMPANY = sample.company_name(SPEC.seed)


def make_folders(root: Path) -> Folders:
    return Folders(data=root / "data", backups=root / "backups")


def add_sample(folders: Folders, spec: sample.SampleSpec = SPEC, name: str | None = None) -> int:
    with Catalog(folders) as catalog:
        info = catalog.create(name or sample.company_name(spec.seed),
                              populate=lambda path: sample.populate(path, spec))
        catalog.touch(info.id, CREATED)
        return info.id


def fixed_root(name: str) -> Path:
    """A data folder at a fixed path (it is shown in the header, so snapshots need it stable)."""
    root = Path("/tmp/keepbooks-tui-tests") / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    return root


def app_for(folders: Folders):
    from tui.app import KeepbooksApp

    return KeepbooksApp(folders, today=lambda: TODAY)


def make_backups(folders: Folders, company_id: int = 1) -> dict[str, Path]:
    """Backups of a company in the backups folder: a full one, one without history, a file that is not a
    backup, a truncated (damaged) copy whose manifest still reads, and a text file."""
    from store import archive

    folders.backups.mkdir(parents=True, exist_ok=True)
    with Catalog(folders) as catalog:
        full = archive.backup_company(catalog, company_id, folders.backups / "Full.manager").path
        lean = archive.backup_company(catalog, company_id, folders.backups / "Lean.manager",
                                      include=archive.Include(history=False)).path
    junk = folders.backups / "junk.manager"
    junk.write_text("not a backup at all")
    damaged = folders.backups / "Damaged.manager"
    data = full.read_bytes()
    damaged.write_bytes(data[: len(data) * 2 // 3])
    notes = folders.backups / "notes.txt"
    notes.write_text("a file that is not a backup")
    return {"full": full, "lean": lean, "junk": junk, "damaged": damaged, "notes": notes}


def copy_tree(source: Path, target: Path) -> Path:
    """A copy of a prepared data + backups folder (making the sample and its backups once is faster)."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


async def wait_for(app, *groups: str) -> None:
    """Wait for the workers of the given groups, whether they succeed or fail.

    Never all workers: a mounted DirectoryTree's loader runs until the screen closes."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for worker in list(app.workers):
        if worker.group in groups:
            try:
                await worker.wait()
            except (WorkerFailed, WorkerCancelled):
                pass
