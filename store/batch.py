"""Back up every company of the catalog, one file each; a company that fails does not stop the others."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from store.archive import BackupResult, DestinationExists, Include, backup_company, file_names
from store.catalog import Catalog, CompanyInfo
from store.config import backups_folder, existing_folder
from store.errors import Cancelled, KeepbooksError, NotFound, refused_path
from store.i18n import _
from store.progress import ProgressCallback, no_progress


@dataclass(frozen=True)
class Outcome:
    company: CompanyInfo
    result: BackupResult | None  # None when the company failed
    error: str | None = None  # one sentence for people
    exists: bool = False  # it failed because its file exists (and replacing it was not asked for)
    removed: bool = False  # not backed up: removed from the catalog since the list was read (not a failure)


def backup_all(catalog: Catalog, folder: Path | None = None, *, include: Include = Include(),
               force: bool = False, progress_for: Callable[[CompanyInfo], ProgressCallback] | None = None,
               cancel: threading.Event | None = None) -> Iterator[Outcome]:
    """Back up each company into ``folder`` (default: the backups folder), yielding as each ends.

    Each backup is recorded in the catalog (date, file, size). Errors of one company (damaged
    database, I/O error, an existing file) are reported in its Outcome, as is a company removed since
    the list was read (``removed``); cancelling stops everything."""
    if folder is None:
        folder = backups_folder(catalog.folders)
    folder = existing_folder(Path(folder).expanduser())
    companies = catalog.companies()
    names = file_names(companies, include=include)
    for company in companies:
        progress = progress_for(company) if progress_for else no_progress
        try:
            result = backup_company(catalog, company.id, folder / names[company.id], include=include, force=force,
                                    progress=progress, cancel=cancel)
        except Cancelled:
            raise
        except DestinationExists as exc:
            yield Outcome(company, None, str(exc), exists=True)
        except NotFound as exc:  # removed meanwhile (someone in the app), or its books are gone (a failure)
            yield Outcome(company, None, str(exc), removed=not catalog.exists(company.id))
        except KeepbooksError as exc:
            yield Outcome(company, None, str(exc))
        except Exception as exc:  # a bug met on one company's data must not cost the others their backup
            yield Outcome(company, None, refused_path(exc) or _("internal error: {error}").format(error=repr(exc)))
        else:
            yield Outcome(company, result)
