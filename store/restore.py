"""Restore every company found in a folder of backups: for each, the newest backup that imports and holds
everything (else the newest that imports), added as a new company; a company that fails does not stop
the others, and one that a run before restored from one of these backups is not added again.

The folder is read and grouped by company as prune reads it (store.prune: the company's identity in
each manifest, so a renamed company is one). Each backup is checked by the import itself, which adds
nothing before every check has passed: a damaged one is passed over for the next, at no extra read.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from store.archive_format import ArchiveError, Include, NewerVersion
from store.archive_read import import_backup, is_whole, verify
from store.catalog import Catalog, CompanyInfo
from store.contents import left_out
from store.db import connect
from store.errors import Cancelled, KeepbooksError
from store.i18n import _, ngettext
from store.progress import ProgressCallback, check_cancel, no_progress
from store.prune import Found, Skipped, by_company, dated_ahead, scan


@dataclass(frozen=True)
class CompanyBackups:
    """One company's backups in the folder, in the order they are tried."""

    uid: str
    name: str  # the name in its newest backup
    backups: list[Found]


@dataclass(frozen=True)
class Latest:
    """What a folder holds to restore: its companies (by name), and what is not a backup of any."""

    folder: Path
    companies: list[CompanyBackups]
    skipped: list[Skipped]


@dataclass(frozen=True)
class Restored:
    """How one company's restore went."""

    uid: str
    name: str  # the name in its newest backup
    backup: Found | None  # the backup imported (or that would be, dry run); None when none could be
    company: CompanyInfo | None = None  # the company it made; None in a dry run or when it failed
    passed_over: list[Skipped] = field(default_factory=list)  # backups not taken, with why
    error: str | None = None  # one sentence for people when it failed
    already: bool = False  # restored before from ``backup`` (as ``company``): not imported again

    @property
    def failed(self) -> bool:
        return self.backup is None

    @property
    def whole(self) -> bool:
        return self.backup is not None and self.backup.include == Include()


def _preference(found: Found) -> tuple[bool, bool]:
    """Sorts before: not dated ahead of the clock (a wrong clock's date says nothing of how recent it
    is), then holding everything; a stable sort keeps the newest first within each."""
    return dated_ahead(found), found.include != Include()


def find_latest(folder: Path) -> Latest:
    """The backups of ``folder`` by company, each company's in the order they are tried; and the
    files that are not readable backups, with why (no-access said without prune's words)."""
    found, skipped = scan(Path(folder))
    companies = [CompanyBackups(uid, items[0].backup.company_name, sorted(items, key=_preference))
                 for uid, items in by_company(found).items()]
    companies.sort(key=lambda c: (c.name.casefold(), c.uid))
    skipped = [Skipped(item.path, item.reason, _("Skipped {file}: this user may not read it.").format(file=item.path))
               if item.reason == "no-access" else item for item in skipped]
    return Latest(Path(folder), companies, skipped)


def restored_here(catalog: Catalog) -> dict[tuple[str, dt.datetime], CompanyInfo]:
    """The companies of the catalog that a restore made, by what they came from: the original's identity
    and the date of the backup (their books' "restore" entry). A run stopped half-way (a full disk, ctrl+c)
    is run again: what it restored must not be added a second time."""
    restored: dict[tuple[str, dt.datetime], CompanyInfo] = {}
    for company in catalog.companies():
        try:
            with closing(connect(company.books_path, readonly=True)) as books:
                entries = books.execute("SELECT after FROM history WHERE action = 'restore'").fetchall()
        except sqlite3.Error:
            continue  # books that cannot be read were not restored from this folder as far as can be told
        for (after,) in entries:
            try:
                origin = json.loads(after)
                key = (origin["source_uid"], dt.datetime.fromisoformat(origin["backup_created_at"]))
            except (TypeError, ValueError, KeyError):
                continue
            restored.setdefault(key, company)
    return restored


def _cut_short(found: Found) -> Skipped | None:
    """A backup cut short, told from its frames' headers alone (~20 ms per GB) before an import reads it."""
    try:
        whole = is_whole(found.path)
    except OSError:
        whole = False  # the import would not read it either; said as cut short, the likeliest cause
    if whole:
        return None
    return Skipped(found.path, "incomplete", _("{file} is cut short (keepbooks verify says more); not imported.")
                   .format(file=found.path))


def _left_newer(company: CompanyBackups, chosen: Found, tried: int) -> list[Skipped]:
    """The backups not tried that a person would have taken for the newest: dated ahead of the clock,
    or newer than the one taken but not holding everything."""
    notes = []
    for item in company.backups[tried:]:
        if dated_ahead(item):
            notes.append(Skipped(item.path, "future", _(
                "Passed over {file}: it is dated {when}, ahead of this machine's clock (a clock set wrong?).")
                .format(file=item.path, when=item.backup.created_at.isoformat(" ", "minutes"))))
        elif item.backup.created_at > chosen.backup.created_at:
            notes.append(Skipped(item.path, "partial", _("Passed over {file}: newer, but without {categories}.")
                                 .format(file=item.path, categories=left_out(item.include))))
    return notes


def _better(company: CompanyBackups, rank: int) -> list[Skipped]:
    """The backup a person would rather have than the one ranked ``rank`` a company was restored from:
    the first before it that runs whole and is not dated ahead (review: a second run named the file the
    first had passed over as cut short). Not imported on its own, nor verified here (said so)."""
    for item in company.backups[:rank]:
        if not dated_ahead(item) and _cut_short(item) is None:
            return [Skipped(item.path, "better", _(
                "{file} is newer or holds more than the backup {name} was restored from; if keepbooks verify "
                "finds it sound, keepbooks import FILE adds it as a company of its own.").format(
                    file=item.path, name=company.name))]
    return []


def restore_company(catalog: Catalog | None, company: CompanyBackups, *, dry_run: bool = False,
                    restored: dict[tuple[str, dt.datetime], CompanyInfo] | None = None,
                    progress: ProgressCallback = no_progress, cancel: threading.Event | None = None) -> Restored:
    """Import the first of the company's backups that imports (verify it, in a dry run), passing over the
    damaged ones; a failure of this machine (a full disk) ends the company there: the next backup would
    fare no better. A company already restored from one of its backups here (``restored``: restored_here)
    is not imported again."""
    for rank, found in enumerate(company.backups):
        if (earlier := (restored or {}).get((company.uid, found.backup.created_at))) is not None:
            # A better one may have come since (a whole backup after a partial one): said, not imported, as
            # a second company of the same books would be a surprise too.
            return Restored(company.uid, company.name, found, earlier, passed_over=_better(company, rank),
                            already=True)
    passed_over: list[Skipped] = []
    for tried, found in enumerate(company.backups, start=1):
        check_cancel(cancel)
        problem = _cut_short(found)
        if problem is not None:
            passed_over.append(problem)
            continue
        try:
            if dry_run:
                verify(found.path, progress=progress, cancel=cancel)
                info = None
            else:
                assert catalog is not None  # only a dry run goes without one
                info = import_backup(catalog, found.path, progress=progress, cancel=cancel)
        except Cancelled:
            raise
        except ArchiveError as exc:  # the file's fault: an older backup may do
            reason = "newer" if isinstance(exc, NewerVersion) else "damaged"
            passed_over.append(Skipped(found.path, reason, _("{problem}; not imported.").format(
                problem=exc.message.rstrip("."))))
            continue
        except KeepbooksError as exc:
            return Restored(company.uid, company.name, None, passed_over=passed_over, error=exc.message)
        except Exception as exc:  # a bug met on one company's backup must not cost the others their restore
            return Restored(company.uid, company.name, None, passed_over=passed_over,
                            error=_("internal error: {error}").format(error=repr(exc)))
        passed_over += _left_newer(company, found, tried)
        return Restored(company.uid, company.name, found, info, passed_over)
    error = (passed_over[0].message if len(passed_over) == 1 else
             ngettext("none of its {count} backup can be imported", "none of its {count} backups can be imported",
                      len(passed_over)).format(count=len(passed_over)))
    return Restored(company.uid, company.name, None, passed_over=passed_over, error=error)


def import_latest(catalog: Catalog | None, latest: Latest, *, dry_run: bool = False,
                  progress_for: Callable[[CompanyBackups], ProgressCallback] | None = None,
                  cancel: threading.Event | None = None) -> Iterator[Restored]:
    """Restore each company of ``latest`` in turn (restore_company), yielding as each ends; cancelling
    stops everything (the import under way adds nothing; those done stay). ``catalog`` None: a dry run
    where there is no data folder yet (nothing was restored before)."""
    assert catalog is not None or dry_run
    restored = restored_here(catalog) if catalog is not None else {}
    for company in latest.companies:
        check_cancel(cancel)
        yield restore_company(catalog, company, dry_run=dry_run, restored=restored,
                              progress=progress_for(company) if progress_for else no_progress, cancel=cancel)
