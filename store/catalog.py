"""The companies catalog: one small SQLite file listing the companies, one folder per company.

Listing reads only the catalog and stats the folders, so a thousand companies list instantly.
A company folder appears under its final name only in the same catalog transaction that adds its row.
A company folder found without a row (the catalog lost, or a process killed between the folder's move
and the COMMIT) is added back to the list when the catalog is next opened for writing: the books are
the truth, the catalog only lists them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
import re
import secrets
import shutil
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import peewee

from store.books import BOOKS_FILENAME, Books, check_company_name, create_books, now
from store.config import Folders, ensure_folder
from store.db import connect
from store.durable import disk_full, fsync_path
from store.errors import Ambiguous, InvalidInput, KeepbooksError, NotFound, StorageError, system_reason
from store.formats import format_path, name_order, quoted, searchable
from store.i18n import _
from store.locks import OwnerLock, owner_is_gone

STAGING_PREFIX = ".tmp-"
LOCK_NAME = ".owner.lock"
COMPANY_FOLDER = re.compile(r"[1-9][0-9]*")  # companies/<id>, the id as the catalog writes it

CATALOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS company (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_change TEXT NOT NULL,
    last_backup_at TEXT,
    last_backup_file TEXT,
    last_backup_size INTEGER,
    last_backup_left_out TEXT
);
CREATE INDEX IF NOT EXISTS company_name ON company(name);
"""
# Columns added since the first catalogs, added to theirs when opened for writing (read as NULL before).
ADDED_COLUMNS = {"last_backup_left_out": "TEXT"}


@dataclass(frozen=True)
class CompanyInfo:
    id: int
    name: str
    folder: Path
    created_at: dt.datetime
    last_change: dt.datetime
    size_bytes: int
    last_backup_at: dt.datetime | None
    last_backup_file: str | None
    last_backup_size: int | None
    missing: bool = False  # its books are not in its folder (removed by hand, a disk not mounted)
    # What its last backup left out (attachments, emails, history); None: not known (never backed up, or by an
    # earlier version to a file that could not tell when the catalog got this column: _fill_left_out)
    last_backup_left_out: tuple[str, ...] | None = None

    @property
    def books_path(self) -> Path:
        return self.folder / BOOKS_FILENAME

    @property
    def last_backup_gone(self) -> bool:
        """Its last backup's file is no longer where it was written (deleted, pruned, moved): the date
        alone would say the company is safe."""
        file = self.last_backup_file
        if file is None or file == "<stdout>" or not Path(file).is_absolute():
            return False  # streamed, or recorded by an older version as given: nothing to look at
        try:
            return not Path(file).exists()
        except OSError:
            return False

    def as_json(self) -> dict:
        data = asdict(self)
        data["folder"] = str(self.folder)
        for key in ("created_at", "last_change", "last_backup_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["last_backup_left_out"] = (None if self.last_backup_left_out is None
                                        else list(self.last_backup_left_out))
        return data


def folder_size(folder: Path) -> int:
    """The company's files, but not a -shm index, there only while a connection (the app's) is open."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and not entry.name.endswith("-shm"):
                    total += entry.stat(follow_symlinks=False).st_size
    except FileNotFoundError:
        return 0
    return total


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _move(source: Path, target: Path) -> None:
    """Rename a company folder, durably: both folders are synced before the catalog's COMMIT records the
    move, so that a power cut never leaves a row whose folder is still under its old name. When the sync
    fails the folder goes back where it was and the error is raised."""
    os.replace(source, target)
    try:
        for folder in dict.fromkeys((target.parent, source.parent)):
            fsync_path(folder)
    except OSError:
        os.replace(target, source)
        raise


def read_company(folder: Path) -> tuple[str, str]:
    """The name and the creation time (ISO) of the company whose books are in ``folder``, from their
    settings; a StorageError when the folder holds no books keepbooks can read."""
    try:
        with closing(connect(folder / BOOKS_FILENAME, readonly=True)) as conn:
            name, created_at = conn.execute("SELECT name, created_at FROM settings ORDER BY id LIMIT 1").fetchone()
        name = check_company_name(name, new=False)  # as it was allowed when the company was made
        created = dt.datetime.fromisoformat(created_at).isoformat()  # the list parses it on every read
    except (sqlite3.Error, TypeError, ValueError, InvalidInput) as exc:
        raise StorageError(_("Cannot read the company in {path}: {reason}.").format(
            path=folder, reason=exc)) from exc
    return name, created


def has_company_folders(folders: Folders) -> bool:
    """Whether companies/ holds a company's books: a data folder, even when its catalog is lost."""
    try:
        return any(COMPANY_FOLDER.fullmatch(entry.name) and (entry / BOOKS_FILENAME).is_file()
                   for entry in folders.companies.iterdir())
    except OSError:
        return False


def _damaged(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the catalog file itself is damaged (not busy, not a full disk)."""
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _catalog_error(folders: Folders, exc: sqlite3.Error) -> StorageError:
    if _damaged(exc):  # "database disk image is malformed" alone left no way forward
        return StorageError(_("The companies catalog {path} is damaged ({reason}). The companies' books are in "
                              "their own folders, in {companies}: move the catalog aside (with its -wal and -shm "
                              "files, if any), and the app, or the next keepbooks command that writes there, "
                              "rebuilds the list from the company folders (without the dates of their last "
                              "backups).").format(path=folders.catalog, reason=exc, companies=folders.companies))
    reason = _("the disk is full") if disk_full(exc, folders.data) else exc
    return StorageError(_("Cannot open the companies catalog {path}: {reason}.").format(
        path=folders.catalog, reason=reason))


def _trash_name(name: str) -> str:
    """The company's name as a removed company's folder in the trash holds it: a name safe in paths."""
    return re.sub(r"[^\w.-]+", "_", name)[:40]


@dataclass(frozen=True)
class SetAside:
    """A folder under companies/, not listed and holding no books keepbooks can read: moved to the trash."""
    folder: Path
    moved_to: Path
    reason: str

    @property
    def message(self) -> str:
        return _("{folder} was not in the companies list and holds no books keepbooks can read ({reason}); it "
                 "was moved to {path}.").format(folder=self.folder, reason=self.reason, path=self.moved_to)


def restored_message(info: CompanyInfo) -> str:
    """What the CLI and the app say of a company the catalog added back to the list from its folder."""
    return _("{name} (#{id}) was not in the companies list (the list was lost, or a program stopped while "
             "adding it): added back from its folder {folder}.").format(name=info.name, id=info.id,
                                                                        folder=info.folder)


class Staging:
    """A private folder inside companies/ where a new company is prepared before it is added."""

    def __init__(self, companies: Path) -> None:
        self.path = companies / f"{STAGING_PREFIX}{secrets.token_hex(8)}"
        # The lock first: a catalog opened meanwhile by another process must never see the folder
        # without a live owner, or it would clean it away as a crash leftover.
        self._lock = OwnerLock(companies / f"{self.path.name}{LOCK_NAME}")
        self._lock.acquire()
        try:
            self.path.mkdir()
        except BaseException:
            self._lock.release()
            raise

    @property
    def books_path(self) -> Path:
        return self.path / BOOKS_FILENAME

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.release()


TRASH_ENTRY = "catalog-entry.json"  # in a removed company's folder: what the list knew of it


def _backup_columns(entry: dict) -> tuple:
    """An entry's last backup as the catalog's columns hold it: date, file, size, what it left out (a
    review: put back, a company whose last backup was partial showed it as whole)."""
    left_out = entry.get("last_backup_left_out")
    return (entry.get("last_backup_at"), entry.get("last_backup_file"), entry.get("last_backup_size"),
            None if left_out is None else ",".join(left_out))


def _read_entry(path: Path) -> dict:
    """A removed company's catalog entry; empty when there is none or it does not read as one."""
    try:
        entry = json.loads(path.read_text()) if path.is_file() and not path.is_symlink() else {}
        if not isinstance(entry, dict):
            return {}
        for key in ("last_change", "last_backup_at"):
            if entry.get(key) is not None:
                dt.datetime.fromisoformat(entry[key])  # the list parses them on every read
        if not isinstance(entry.get("last_backup_size"), (int, type(None))):
            return {}
        if not isinstance(entry.get("last_backup_file"), (str, type(None))):
            return {}
        left_out = entry.get("last_backup_left_out")
        if left_out is not None and not (isinstance(left_out, list) and all(isinstance(c, str) for c in left_out)):
            return {}
        return entry
    except (OSError, ValueError, TypeError):
        return {}


def _books_uid(books_path: Path) -> str | None:
    with closing(connect(books_path, readonly=True)) as conn:
        row = conn.execute("SELECT uid FROM settings ORDER BY id LIMIT 1").fetchone()
    return None if row is None else row[0]


def _left_out_by_file(file: str, books_path: Path) -> list[str] | None:
    """What the backup ``file`` of the books at ``books_path`` left out, from its manifest (its first frame
    alone); None when that cannot be told: streamed, recorded as given (a relative path), gone, not a regular
    file (a pipe would block), unreadable, damaged, not a keepbooks backup, or a backup of other books."""
    from store.archive import inspect, left_out_of  # store.archive imports this module

    path = Path(file)
    try:
        if not path.is_absolute() or not path.is_file() or not books_path.is_file():
            return None
        manifest = inspect(path)
        uid = _books_uid(books_path)
    except (KeepbooksError, OSError, sqlite3.Error):
        return None
    return left_out_of(manifest.include) if manifest.company_uid == uid else None


class Catalog:
    def __init__(self, folders: Folders, *, readonly: bool = False) -> None:
        """``readonly``: to list the companies of a data folder this user may read but not write (a
        monitoring account, a file system snapshot); nothing is made, cleaned or written.

        Opened for writing, ``restored`` lists the companies found in their folders without a row and
        added back to the list, ``set_aside`` the unlisted folders without readable books moved to the
        trash: for the caller to tell the user."""
        self.folders = folders
        self.restored: list[CompanyInfo] = []
        self.set_aside: list[SetAside] = []
        if readonly:
            self.conn = self._open_readonly()
            self._columns = self._columns_present()
            return
        ensure_folder(folders.data, private=True)
        ensure_folder(folders.companies)
        try:
            self.conn = connect(folders.catalog)
            self.conn.executescript(CATALOG_SCHEMA)
            self._add_columns()
            self._columns = self._columns_present()
            self._clean_leftovers()
        except sqlite3.Error as exc:
            raise _catalog_error(folders, exc) from exc

    def _open_readonly(self) -> sqlite3.Connection:
        path = self.folders.catalog
        # In WAL mode a reader maps the -shm file beside the database; when no process has the catalog
        # open there is none, and in a folder this user may not write none can be made: the file is
        # then read as it stands (immutable), which is whole only when there is no -wal either.
        immutable = (not os.access(path.parent, os.W_OK)
                     and not any(Path(f"{path}{end}").exists() for end in ("-shm", "-wal")))
        try:
            conn = connect(path, readonly=True, immutable=immutable)
            conn.execute("SELECT count(*) FROM company").fetchone()
            return conn
        except sqlite3.Error as exc:
            raise _catalog_error(self.folders, exc) from exc

    def _add_columns(self) -> None:
        """A catalog made by an earlier version gets the columns added since (NULL in its rows), in one
        transaction with what can be filled in: a crash leaves the catalog as it was, done again next time."""
        with self._write() as conn:
            present = {row[1] for row in conn.execute("PRAGMA table_info(company)")}
            for column, kind in ADDED_COLUMNS.items():
                if column not in present:
                    conn.execute(f"ALTER TABLE company ADD COLUMN {column} {kind}")
            if "last_backup_left_out" not in present:
                self._fill_left_out(conn)

    def _fill_left_out(self, conn: sqlite3.Connection) -> None:
        """What each company's last backup left out, read from its file's manifest (a catalog of an
        earlier version showed a backup made without attachments as whole until the next backup). Those that
        cannot be told keep NULL, "not known", as before."""
        rows = conn.execute("SELECT id, last_backup_file FROM company WHERE last_backup_file IS NOT NULL").fetchall()
        for company_id, file in rows:
            left_out = _left_out_by_file(file, self.folders.companies / str(company_id) / BOOKS_FILENAME)
            if left_out is not None:
                conn.execute("UPDATE company SET last_backup_left_out = ? WHERE id = ?",
                             (",".join(left_out), company_id))

    def _columns_present(self) -> str:
        """The columns _info reads; those a read-only catalog of an earlier version lacks, as NULL."""
        present = {row[1] for row in self.conn.execute("PRAGMA table_info(company)")}
        added = ", ".join(column if column in present else f"NULL AS {column}" for column in ADDED_COLUMNS)
        return f"{self._BASE_COLUMNS}, {added}"

    def close(self) -> None:
        self.conn.close()

    def data_version(self) -> int:
        """A number that changes when another connection (a command from cron or a shell, another
        window) commits a change to the catalog (SQLite's data_version: no query of the companies)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def __enter__(self) -> "Catalog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: concurrent writers of the catalog wait for each other."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _clean_leftovers(self) -> None:
        """Remove staging folders of crashed processes; add company folders without a row back to the list
        (the catalog lost, a crash before its COMMIT); move the unlisted ones without books to the trash."""
        for entry in self.folders.companies.iterdir():
            if not entry.name.startswith(STAGING_PREFIX):
                continue
            if entry.name.endswith(LOCK_NAME):  # a lock whose folder was added or removed before a crash
                staging = self.folders.companies / entry.name[: -len(LOCK_NAME)]
                if not staging.exists() and owner_is_gone(entry):
                    entry.unlink(missing_ok=True)
            elif entry.is_dir():
                lock = self.folders.companies / f"{entry.name}{LOCK_NAME}"
                if owner_is_gone(lock):
                    shutil.rmtree(entry, ignore_errors=True)
                    lock.unlink(missing_ok=True)
        restored: list[int] = []
        with self._write() as conn:  # a company's folder moves in or out only inside this lock: no race
            rows = conn.execute("SELECT id, name FROM company").fetchall()
            present = set(os.listdir(self.folders.companies))
            self._finish_interrupted_removals([(id_, name) for id_, name in rows if str(id_) not in present])
            known = {str(id_) for id_, _name in rows}
            for name in sorted(present - known, key=lambda name: (len(name), name)):
                entry = self.folders.companies / name
                if not name.isdigit() or not entry.is_dir():
                    continue
                if COMPANY_FOLDER.fullmatch(name) and not entry.is_symlink():
                    try:
                        self._add_back(conn, entry)
                        restored.append(int(name))
                        continue
                    except StorageError as exc:
                        reason = exc.message
                else:
                    reason = _("not a name keepbooks gives a company's folder")
                self.set_aside.append(SetAside(entry, self._move_to_trash(entry, f"orphan-{name}"), reason))
        for company_id in restored:  # after the COMMIT: killed before it, the next opening reads them again
            (self.folders.companies / str(company_id) / TRASH_ENTRY).unlink(missing_ok=True)
        self.restored = [self.get(company_id) for company_id in restored]

    def _add_back(self, conn: sqlite3.Connection, folder: Path) -> None:
        """List the company whose books are in ``folder`` under the folder's number, with the name its books
        hold; its last change is the books' (or what the list knew, kept when it went to the trash)."""
        name, created = read_company(folder)
        entry = _read_entry(folder / TRASH_ENTRY)  # put back from the trash by a process killed before COMMIT
        changed = max(path.stat().st_mtime for path in (folder / BOOKS_FILENAME, folder / f"{BOOKS_FILENAME}-wal")
                      if path.exists())
        conn.execute(
            "INSERT INTO company (id, name, created_at, last_change, last_backup_at, last_backup_file, "
            "last_backup_size, last_backup_left_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (int(folder.name), name, created,
             entry.get("last_change") or dt.datetime.fromtimestamp(changed).replace(microsecond=0).isoformat(),
             *_backup_columns(entry)))

    def _finish_interrupted_removals(self, unfound: list[tuple[int, str]]) -> None:
        """A removal killed between the folder's move to the trash and the COMMIT left the company listed
        (``unfound``: those without a folder), its folder in the trash without the entry written after
        the COMMIT: the folder comes back, as if the removal had not been asked for."""
        if not unfound or not self.folders.trash.is_dir():
            return
        for company_id, name in unfound:
            folder = self.folders.companies / str(company_id)
            label = re.compile(rf"{company_id}-{re.escape(_trash_name(name))}-(\d{{8}}-\d{{6}})(?:-(\d+))?")
            found = []
            for entry in self.folders.trash.iterdir():
                match = label.fullmatch(entry.name)
                if (match and entry.is_dir() and not entry.is_symlink() and not (entry / TRASH_ENTRY).exists()
                        and (entry / BOOKS_FILENAME).is_file()):
                    found.append(((match.group(1), int(match.group(2) or 1)), entry))
            for _when, entry in sorted(found, reverse=True):  # the latest removal, of the very company
                try:
                    if read_company(entry)[0] == name:
                        _move(entry, folder)
                        break
                except StorageError:
                    continue

    def _move_to_trash(self, folder: Path, label: str) -> Path:
        trash = ensure_folder(self.folders.trash)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = trash / f"{label}-{stamp}"
        suffix = 1
        while target.exists():
            suffix += 1
            target = trash / f"{label}-{stamp}-{suffix}"
        _move(folder, target)
        return target

    # --- reading -------------------------------------------------------------------------------

    def _info(self, row: sqlite3.Row | tuple) -> CompanyInfo:
        company_id, name, created_at, last_change, backup_at, backup_file, backup_size, left_out = row
        folder = self.folders.companies / str(company_id)
        return CompanyInfo(id=company_id, name=name, folder=folder,
                           created_at=_parse_time(created_at), last_change=_parse_time(last_change),
                           size_bytes=folder_size(folder), last_backup_at=_parse_time(backup_at),
                           last_backup_file=backup_file, last_backup_size=backup_size,
                           missing=not (folder / BOOKS_FILENAME).is_file(),
                           last_backup_left_out=None if left_out is None else tuple(filter(None, left_out.split(","))))

    _BASE_COLUMNS = "id, name, created_at, last_change, last_backup_at, last_backup_file, last_backup_size"

    def companies(self) -> list[CompanyInfo]:
        """Every company, in name order as a person reads it (formats.name_order), then by id."""
        try:
            rows = self.conn.execute(f"SELECT {self._columns} FROM company ORDER BY id").fetchall()
        except sqlite3.DatabaseError as exc:
            if _damaged(exc):  # a damaged page the opening did not read (its queries took the name index)
                raise _catalog_error(self.folders, exc) from exc
            raise
        return sorted((self._info(row) for row in rows), key=lambda info: name_order(info.name))

    def exists(self, company_id: int) -> bool:
        """Whether the company is (still) in the list: another window may have removed it meanwhile."""
        return self.conn.execute("SELECT 1 FROM company WHERE id = ?", (company_id,)).fetchone() is not None

    def shown_name(self, company: CompanyInfo) -> str:
        """The company's name as the app shows it: with its id when another company has the same name
        (case aside), as the list does, so that "Remove Acme?" says which Acme."""
        names = [row[0] for row in self.conn.execute("SELECT name FROM company")]
        shared = sum(name.casefold() == company.name.casefold() for name in names) > 1
        return f"{company.name} #{company.id}" if shared else company.name

    def get(self, company_id: int) -> CompanyInfo:
        row = self.conn.execute(f"SELECT {self._columns} FROM company WHERE id = ?", (company_id,)).fetchone()
        if row is None:
            raise NotFound(_("There is no company with id {id}.").format(id=company_id))
        return self._info(row)

    def find(self, name_or_id: str) -> CompanyInfo:
        """A company by exact name, or by id (``7`` or ``#7``). Several of the same name, or an id that is
        also another company's name (a company named "2"): ambiguous, never a guess."""
        text = name_or_id.strip()
        rows = self.conn.execute(f"SELECT {self._columns} FROM company WHERE name = ? ORDER BY id",
                                 (text,)).fetchall()
        match = re.fullmatch(r"#?(\d+)", text)
        if match:
            row = self.conn.execute(f"SELECT {self._columns} FROM company WHERE id = ?",
                                    (int(match.group(1)),)).fetchone()
            if row is not None:
                named = [other for other in rows if other[0] != row[0]]
                if named:
                    raise Ambiguous(_("{text} is the id of {name} and the name of company #{other}: give "
                                      "{first} for the first, {second} for the second.").format(
                        text=quoted(text), name=quoted(row[1]), other=named[0][0],
                        first=self._reference(row[0], row[1]),
                        second=self._reference(named[0][0], named[0][1])))
                return self._info(row)
        exact = bool(rows)
        if not rows:  # case aside; then accents too, as the app's filter: "cafe du port" from a server's keyboard
            every = self.conn.execute(f"SELECT {self._columns} FROM company ORDER BY id").fetchall()
            rows = ([row for row in every if row[1].casefold() == text.casefold()]
                    or [row for row in every if searchable(row[1]) == searchable(text)])
        if not rows and match:  # an exploratory pass: "no company named “99”" when 99 was meant as an id
            raise NotFound(_("There is no company with id {id}, nor named {name}; `keepbooks companies` lists "
                             "them.").format(id=int(match.group(1)), name=quoted(text)))
        if not rows:
            raise NotFound(_("There is no company named {name}.").format(name=quoted(text)))
        if len(rows) > 1 and exact:
            ids = ", ".join(str(row[0]) for row in rows)
            raise Ambiguous(_("Several companies are named {name} (ids {ids}); give the id instead.")
                            .format(name=quoted(text), ids=ids))
        if len(rows) > 1:  # none has that very name: say theirs (a quick check: "are named" was untrue)
            companies = ", ".join(_("{name} (id {id})").format(name=quoted(row[1]), id=row[0]) for row in rows)
            raise Ambiguous(_("No company is named {name}, and several match it with case or accents aside: "
                              "{companies}; give the id instead.").format(name=quoted(text), companies=companies))
        return self._info(rows[0])

    def _reference(self, company_id: int, name: str) -> str:
        """What to type for this company that no other company's name or id can be taken for (find)."""
        names = Counter(row[0].casefold() for row in self.conn.execute("SELECT name FROM company"))
        for form in (f"#{company_id}", str(company_id)):
            if not names[form.casefold()]:
                return form
        return repr(name)  # a name no id can be taken for: the id forms are both other companies' names

    def open_books(self, company_id: int, *, user: str | None = None) -> Books:
        info = self.get(company_id)
        return Books(info.books_path, user=user, on_change=lambda: self.touch(company_id))

    # --- changes -------------------------------------------------------------------------------

    def staging(self) -> Staging:
        return Staging(self.folders.companies)

    def add_prepared(self, staging: Staging, name: str, *, created_at: dt.datetime | None = None) -> CompanyInfo:
        """Add the company prepared in ``staging`` under a new id, atomically; the staging is consumed."""
        name = check_company_name(name)
        stamp = now().isoformat()
        try:
            with self._write() as conn:
                company_id = self._new_id(conn)
                conn.execute("INSERT INTO company (id, name, created_at, last_change) VALUES (?, ?, ?, ?)",
                             (company_id, name, (created_at or now()).isoformat(), stamp))
                _move(staging.path, self.folders.companies / str(company_id))
        except (OSError, sqlite3.Error) as exc:
            staging.discard()
            raise StorageError(_("Cannot add the company to {path}: {reason}.").format(
                path=self.folders.data, reason=exc)) from exc
        staging.discard()  # the folder has moved: this only drops the lock
        return self.get(company_id)

    def _new_id(self, conn: sqlite3.Connection) -> int:
        """An id above every id the catalog gave and every company folder's number: a folder left by a
        process killed between its move and the COMMIT (its row rolled back) keeps its number, and is
        added back under it on the next opening, rather than make every later addition fail on it."""
        given = conn.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'company'), 0), "
                             "coalesce((SELECT max(id) FROM company), 0))").fetchone()[0]
        numbers = [int(entry.name) for entry in self.folders.companies.iterdir()
                   if COMPANY_FOLDER.fullmatch(entry.name)]
        return max([given, *numbers]) + 1

    def create(self, name: str, *, currency: str = "EUR", fiscal_year_start: int = 1,
               populate: Callable[[Path], None] | None = None) -> CompanyInfo:
        """Create a company (optionally filled by ``populate(books_path)``): all of it, or nothing."""
        name = check_company_name(name)
        staging = self.staging()
        try:
            create_books(staging.books_path, name, currency=currency, fiscal_year_start=fiscal_year_start)
            if populate is not None:
                populate(staging.books_path)
        except (sqlite3.Error, peewee.PeeweeException, OSError) as exc:  # peewee wraps sqlite3's
            staging.discard()
            reason = _("the disk is full") if disk_full(exc, self.folders.data) else exc
            raise StorageError(_("Cannot create the company in {path}: {reason}.").format(
                path=self.folders.data, reason=reason)) from exc
        except BaseException:
            staging.discard()
            raise
        return self.add_prepared(staging, name)

    def touch(self, company_id: int, when: dt.datetime | None = None) -> None:
        self.conn.execute("UPDATE company SET last_change = ? WHERE id = ?",
                          ((when or now()).isoformat(), company_id))

    def rename(self, company_id: int, name: str) -> None:
        name = check_company_name(name)
        with self.open_books(company_id) as books:
            books.set_settings(name=name)
        self.conn.execute("UPDATE company SET name = ? WHERE id = ?", (name, company_id))

    def record_backup(self, company_id: int, file: Path, size: int, when: dt.datetime | None = None,
                      left_out: Sequence[str] = ()) -> None:
        """``left_out``: the categories the backup left out (attachments, emails, history): the list says
        so (a French bookkeeper's pass: a nightly job without attachments looked like a whole backup)."""
        try:
            self.conn.execute(
                "UPDATE company SET last_backup_at = ?, last_backup_file = ?, last_backup_size = ?, "
                "last_backup_left_out = ? WHERE id = ?",
                ((when or now()).isoformat(), format_path(file if str(file) == "<stdout>" else Path(file).absolute()),
                 size, ",".join(left_out), company_id))
        except sqlite3.Error as exc:  # the backup itself is whole and in place: say so
            raise StorageError(_("The backup {file} was written, but the companies catalog {path} could not "
                                 "record it: {reason}.").format(file=file, path=self.folders.catalog,
                                                                reason=exc)) from exc

    def untrash(self, folder: Path) -> CompanyInfo:
        """Put a removed company back from the trash, under a new id, with its name and books as they
        were (its identity too: its backups are pruned with its older ones)."""
        folder = Path(folder).absolute()
        books = folder / BOOKS_FILENAME
        # Not through a symbolic link: the link would move, and the books stay in the trash.
        if (folder.is_symlink() or folder.parent.resolve() != self.folders.trash.resolve()
                or not folder.is_dir() or not books.is_file()):
            raise InvalidInput(_("{path} is not a removed company: those are the folders in {trash} that hold a "
                                 "{books}.").format(path=folder, trash=self.folders.trash, books=BOOKS_FILENAME))
        name, created = read_company(folder)
        entry = _read_entry(folder / TRASH_ENTRY)
        try:
            with self._write() as conn:  # the row and the folder's move stand or fall together
                company_id = self._new_id(conn)
                conn.execute(
                    "INSERT INTO company (id, name, created_at, last_change, last_backup_at, last_backup_file, "
                    "last_backup_size, last_backup_left_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (company_id, name, created, entry.get("last_change") or now().isoformat(),
                     *_backup_columns(entry)))
                _move(folder, self.folders.companies / str(company_id))
        except OSError as exc:
            raise StorageError(_("Cannot put {path} back: {reason}.").format(
                path=folder, reason=system_reason(exc))) from exc
        except sqlite3.Error as exc:
            raise StorageError(_("Cannot put {path} back: {reason}.").format(path=folder, reason=exc)) from exc
        # After the COMMIT: killed before it, the folder is added back on the next opening with this entry.
        try:
            (self.folders.companies / str(company_id) / TRASH_ENTRY).unlink(missing_ok=True)
        except OSError:
            pass  # it is back and listed: a stale entry is harmless (remove() deletes it)
        return self.get(company_id)

    def _not_now(self, info: CompanyInfo, exc: sqlite3.Error) -> StorageError:
        return StorageError(_("Cannot remove {name}: the companies catalog {path} cannot be changed now ({reason}); "
                              "try again in a moment.").format(name=info.name, path=self.folders.catalog, reason=exc))

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may have rolled back already: what failed is what to report

    def _undo_removal(self, info: CompanyInfo, trashed: Path, exc: sqlite3.Error) -> None:
        """The catalog could not record a removal whose folder had gone to the trash: the folder goes back,
        so that the list and the folders agree again; always raises, saying where things are."""
        self._rollback()
        try:
            _move(trashed, info.folder)
        except OSError:
            raise StorageError(_("Cannot remove {name}: the companies catalog could not record it ({reason}); its "
                                 "folder is in {trash}.").format(name=info.name, reason=exc, trash=trashed)) from exc
        raise StorageError(_("Cannot remove {name}: the companies catalog {path} could not record it ({reason}); "
                             "nothing was removed.").format(name=info.name, path=self.folders.catalog,
                                                            reason=exc)) from exc

    def remove(self, company_id: int) -> Path:
        """Move the company's folder to the trash and drop it from the list; returns where it went."""
        info = self.get(company_id)
        safe = _trash_name(info.name)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:  # another program holds the catalog's write lock: a message, not a crash
            raise self._not_now(info, exc) from exc
        try:
            self.conn.execute("DELETE FROM company WHERE id = ?", (company_id,))
            # One left by a put-back killed after its COMMIT would make this removal, killed before its
            # COMMIT, look finished to the next opening (_finish_interrupted_removals): the company lost.
            (info.folder / TRASH_ENTRY).unlink(missing_ok=True)
            trashed = self._move_to_trash(info.folder, f"{company_id}-{safe}")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, OSError):
                raise StorageError(_("Cannot move {path} to the trash: {reason}.").format(
                    path=info.folder, reason=system_reason(exc))) from exc
            if isinstance(exc, sqlite3.Error):  # nothing moved, nothing recorded
                raise self._not_now(info, exc) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # the folder moved, the row not dropped (a full disk): the folder comes back
            self._undo_removal(info, trashed, exc)
        # What the list knew of it, for untrash (its last backup, its last change): kept beside its books.
        entry = {key: value for key, value in info.as_json().items()
                 if key in ("last_change", "last_backup_at", "last_backup_file", "last_backup_size",
                            "last_backup_left_out")}
        try:
            (trashed / TRASH_ENTRY).write_text(json.dumps(entry))
        except OSError:
            pass  # put back, it would show "never backed up": wrong, but nothing is lost
        return trashed
