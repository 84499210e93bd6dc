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
