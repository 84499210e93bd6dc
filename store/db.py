"""SQLite access: every connection uses WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from peewee import DatabaseProxy, SqliteDatabase

BUSY_TIMEOUT_MS = 5000
# A new company's page size (an existing one keeps its own; a backup's snapshot, and so an imported
# company, gets this one too). Attachments live in the database: with 16 KiB pages a backup reads
# them in a quarter of the system calls (reference company: -0.2 s of system time per backup).
PAGE_SIZE = 16384
PRAGMAS = {
    "page_size": PAGE_SIZE,  # before journal_mode: a database in WAL mode keeps the page size it has
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
}

_local = threading.local()


class ThreadDatabase(DatabaseProxy):
    """A database proxy whose target is chosen per thread.

    The models are shared classes, but each thread works on its own company (the UI thread on the
    summary, a worker on a backup, a test writer on another company), so the binding is thread-local.
    """

    __slots__ = ()

    @property
    def obj(self):  # type: ignore[override]
        return getattr(_local, "database", None)

    @obj.setter
    def obj(self, value) -> None:
        _local.database = value

    def __setattr__(self, attr: str, value) -> None:
        object.__setattr__(self, attr, value)


database = ThreadDatabase()


def open_database(path: Path) -> SqliteDatabase:
    return SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=BUSY_TIMEOUT_MS / 1000)


@contextmanager
def bound(db: SqliteDatabase) -> Iterator[SqliteDatabase]:
    """Bind the models to ``db`` in this thread for the duration of the block."""
    previous = database.obj
    database.initialize(db)
    try:
        yield db
    finally:
        database.initialize(previous)


def connect(path: Path, *, readonly: bool = False, immutable: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection with the project's pragmas (used by the catalog and the archive).
    ``immutable`` (read-only): the file is read as it stands, without locks (a snapshot)."""
    if readonly:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro{'&immutable=1' if immutable else ''}", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn
