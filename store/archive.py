"""The .manager archive: backup, inspect, verify and import one company (format: docs/FORMAT.md).

This module is the API the TUI and the CLI use; the work lives in archive_format (values, names,
manifest), archive_write (backup) and archive_read (inspect, verify, import).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path

from store.archive_format import (
    EXTENSION,
    FORMAT_NAME,
    FORMAT_VERSION,
    ArchiveError,
    BackupResult,
    DestinationExists,
    Estimate,
    Include,
    Manifest,
    NewerVersion,
    NotReplaceable,
    books_damage_warning,
    check_backup_filename,
    default_backup_name,
)
from store.archive_read import Imported, check_replaceable, import_backup, import_company, inspect, verify
from store.archive_write import backup, backup_to_stream, clean_leftovers, estimate
from store.catalog import Catalog, CompanyInfo
from store.config import backups_folder
from store.contents import CATEGORIES
from store.progress import ProgressCallback, no_progress

__all__ = [
    "EXTENSION", "FORMAT_NAME", "FORMAT_VERSION", "ArchiveError", "BackupResult", "DestinationExists",
    "Estimate", "Imported", "Include", "Manifest", "NewerVersion", "NotReplaceable", "backup", "backup_company",
    "backup_to_stream", "books_damage_warning", "check_backup_filename", "check_replaceable", "clean_leftovers",
    "company_backup_name", "default_backup_name", "estimate", "file_names", "import_backup", "import_company",
    "inspect", "verify",
]


def left_out_of(include: Include) -> list[str]:
    """The categories a backup with ``include`` leaves out, as the catalog records them."""
    return [category for category in CATEGORIES if not include.has(category)]


def file_names(companies: list[CompanyInfo], on: dt.date | None = None,
               include: Include | None = None) -> dict[int, str]:
    """The default backup name of each company; companies whose names give the same file name (the
    same name ignoring case, as some file systems do, or names that differ only in characters a file
    name cannot hold) get their id in it, so that one never takes, or replaces, the other's file."""
    names = {c.id: default_backup_name(c.name, on, include) for c in companies}
    with_id = {c.id: default_backup_name(c.name, on, include, tag=f" #{c.id}") for c in companies}
    while True:  # again: a name with an id may meet another company's plain one ("Acme #2" and Acme #2)
        taken = Counter(name.casefold() for name in names.values())
        clashing = [i for i, name in names.items() if taken[name.casefold()] > 1 and name != with_id[i]]
        if not clashing:
            return names
        for i in clashing:
            names[i] = with_id[i]


def company_backup_name(catalog: Catalog, company: CompanyInfo, on: dt.date | None = None,
                        include: Include | None = None) -> str:
    """The default backup name of one company of the catalog (see file_names); its own name alone if
    it has just been removed from the catalog (its backup then fails, saying so)."""
    named = file_names(catalog.companies(), on, include)
    return named.get(company.id) or default_backup_name(company.name, on, include)


def backup_company(catalog: Catalog, company_id: int, destination: Path | None = None, *,
                   include: Include = Include(), force: bool = False, progress: ProgressCallback = no_progress,
                   cancel: threading.Event | None = None) -> BackupResult:
    """Back up a company of the catalog and record the backup (date, file, size) in the catalog.

    ``destination`` None: the backups folder with the default name; an existing folder: the default
    name inside it; anything else: that file (``.manager`` added when missing)."""
    info = catalog.get(company_id)
    if destination is None:
        destination = backups_folder(catalog.folders) / company_backup_name(catalog, info, include=include)
    elif Path(destination).is_dir():
        destination = Path(destination) / company_backup_name(catalog, info, include=include)
    result = backup(info.books_path, Path(destination), include=include, force=force, progress=progress,
                    cancel=cancel)
    catalog.record_backup(company_id, result.path, result.size, left_out=left_out_of(include))
    return result
