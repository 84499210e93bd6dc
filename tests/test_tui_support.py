"""Shared set-up of the TUI tests (no tests here): a data folder with one small, fixed sample company.

Everything a screen shows is pinned (today, catalog times, the sample's seed and years) so that
snapshots are stable from run to run.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
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


def record_backup(catalog: Catalog, company_id: int, file: Path, size: int, when: dt.datetime | None = None) -> None:
    """Record a backup as made, with its file there (a last backup whose file is gone is flagged)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    file.touch()
    catalog.record_backup(company_id, file, size, when=when)


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


def prepare(root: Path, *, others: tuple[str, ...] = (), backups: bool = False) -> dict[str, Path]:
    """Fill ``root`` once per test module: the sample company, more companies named ``others`` (copies of
    it), and with ``backups`` the files of ``make_backups``, which are returned."""
    folders = make_folders(root)
    add_sample(folders)
    for name in others:
        add_sample(folders, name=name)
    return make_backups(folders) if backups else {}


def copy_of(prepared: Path, tmp_path: Path) -> Folders:
    """Each test's own copy of the folders ``prepare`` filled."""
    return make_folders(copy_tree(prepared, tmp_path / "kb"))


def company_names(folders: Folders) -> list[str]:
    with Catalog(folders) as catalog:
        return [c.name for c in catalog.companies()]


def hold_at_first_report(monkeypatch, module, name: str) -> tuple[threading.Event, threading.Event]:
    """Make the store operation ``module.name`` (it takes ``progress=``) wait at its first progress report
    until ``release`` is set; ``reached`` tells it got there. The real operation does the work."""
    reached, release = threading.Event(), threading.Event()
    real = getattr(module, name)

    def held(*args, progress, **kwargs):
        def gated(report):
            if not reached.is_set():
                reached.set()
                release.wait(timeout=30)
            progress(report)
        return real(*args, progress=gated, **kwargs)

    monkeypatch.setattr(module, name, held)
    return reached, release


async def wait_for(app, *groups: str, pilot=None) -> None:
    """Wait for the workers of the given groups, whether they succeed or fail; with ``pilot``, then
    for the screen to show what they reported.

    Never all workers: a mounted DirectoryTree's loader runs until the screen closes."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for worker in list(app.workers):
        if worker.group in groups:
            try:
                await worker.wait()
            except (WorkerFailed, WorkerCancelled):
                pass
    if pilot is not None:
        await pilot.pause()
