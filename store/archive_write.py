"""Writing a .manager file: a consistent snapshot of one company, streamed through zstd into a tar.

Two read transactions on the company database, started together while a third connection holds the
write lock for a few milliseconds, see one committed state (WAL: writers are not blocked afterwards).
The first copies the included tables into a fresh snapshot database with SQLite's INSERT … SELECT
(only inserts into a new file, so what is left out never touches it); the second streams the
manifest, the snapshot and the attachments' contents, chunk by chunk. A helper thread reads and
hashes while the calling thread compresses (sqlite3, hashlib and zstandard release the GIL). The
company's schema is checked before the copy, and what is copied gets the import's checks of
books.sqlite on a helper thread before the archive ends (CopyChecks): a backup never says it wrote what
its import refuses.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import itertools
import os
import queue
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any, BinaryIO, Callable, Generator, Iterator

import xxhash
import zstandard

from store.archive_format import (
    APP_VERSION,
    BLOCK,
    CHUNK,
    COUNTED_TABLES,
    DATABASE_NAME,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_NAME,
    OPTIONAL,
    RECORD,
    SUMS_NAME,
    ZSTD_MAGIC,
    BackupResult,
    Damaged,
    DestinationExists,
    Estimate,
    Include,
    Manifest,
    attachment_member,
    attachment_rows,
    check_backup_filename,
    default_backup_name,
    known_schemas,
    padding,
    schema_difference,
    schema_of,
    shown,
    sums_line,
    tar_header,
)
from store.config import existing_folder
from store.db import BUSY_TIMEOUT_MS, PAGE_SIZE, connect
from store.durable import DirectFile, disk_full, fsync_path
from store.errors import InvalidInput, NotFound, StorageError, system_reason
from store.i18n import _
from store.locks import OwnerLock, owner_is_gone
from store.models import SCHEMA_VERSION
from store.progress import Progress, ProgressCallback, check_cancel, in_steps, no_progress

COMPRESSION_LEVEL = 3
# The tar stream is cut into pieces of about FRAME_BYTES, each compressed into its own zstd frame by
# one of COMPRESSION_WORKERS threads (see Frames).
FRAME_BYTES = 4 << 20
SAMPLE_BYTES = 16 << 10
STORED_RATIO = 0.97  # samples that compress to more than this are stored, not compressed
RAW_BLOCK = 128 << 10  # the largest block a zstd frame may hold
# At most 4: each worker keeps a frame-sized buffer and a compressor, and more frames are in flight
# with more workers (peak memory must stay under 150 MB; with 8 it came near it).
COMPRESSION_WORKERS = max(1, min(os.cpu_count() or 1, 4))
SPOOL_BYTES = 4 << 20
# The snapshot's page size, whatever the source's (an import keeps it): a new company's.
SNAPSHOT_PAGE_SIZE = PAGE_SIZE

# Temporary names: ".<final name>.<16 hex>.tmp" (the file), "….tmp.d" (its work folder), "….tmp.lock".
_TEMP = re.compile(r"^\.(?P<final>.+\.manager|keepbooks-[a-z]+)\.[0-9a-f]{16}\.tmp(?P<dir>\.d)?$")
_ORPHAN_LOCK_AGE = 3600.0


# --- temporary files owned by this process -----------------------------------------------------

class Workspace:
    """A temporary file name and a private folder beside a destination, owned through a flock so that
    a later run cleans them after a crash but never while their owner still works."""

    def __init__(self, folder: Path, final_name: str) -> None:
        token = secrets.token_hex(8)
        self.file = folder / f".{final_name}.{token}.tmp"
        self.lock = OwnerLock(folder / f"{self.file.name}.lock")
        if not self.lock.acquire():  # a fresh random name: only a broken file system gets here
            raise StorageError(_("Cannot lock a temporary file in {folder}.").format(folder=folder))
        self.folder = folder / f"{self.file.name}.d"
        try:
            self.folder.mkdir(mode=0o700)
        except BaseException:
            self.lock.release()
            raise

    def cleanup(self) -> None:
        # The lock's name goes first: killed from here on, this leaves an unlocked file or folder,
        # which the next run cleans, never a lock alone, which it must leave for an hour.
        self.lock.path.unlink(missing_ok=True)
        try:
            self.file.unlink(missing_ok=True)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.lock.release(remove=False)


def system_temp_workspace(purpose: str) -> Workspace:
    """A workspace in the system temp folder (for work that has no destination folder: a stream, a
    verify), after cleaning what crashed runs left there."""
    folder = Path(tempfile.gettempdir())
    clean_leftovers(folder)
    try:
        return Workspace(folder, purpose)
    except OSError as exc:
        raise StorageError(_("Cannot create a temporary folder in {folder}: {reason}.")
                           .format(folder=folder, reason=system_reason(exc))) from exc


def stale_leftovers(folder: Path) -> list[Path]:
    """The temporary files and folders that crashed backups, verifies or imports left in ``folder``
    (those of a run still working hold their lock and are not listed), and locks left alone."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    names = {entry.name for entry in entries}
    stale = []
    for entry in entries:
        try:
            if _is_stale(folder, entry, names):
                stale.append(Path(entry.path))
        except OSError:
            continue
    return stale


def _is_stale(folder: Path, entry: os.DirEntry[str], names: set[str]) -> bool:
    match = _TEMP.match(entry.name)
    if match:
        base = entry.name[:-2] if match.group("dir") else entry.name
        return owner_is_gone(folder / f"{base}.lock")
    if entry.name.endswith(".tmp.lock") and _TEMP.match(entry.name[:-5]):
        base = entry.name[:-5]
        if base not in names and f"{base}.d" not in names:
            # a crash between taking the lock and creating the file: cleaned once it is old
            old = dt.datetime.now().timestamp() - entry.stat().st_mtime > _ORPHAN_LOCK_AGE
            return old and owner_is_gone(Path(entry.path))
    return False


def clean_leftovers(folder: Path) -> list[tuple[Path, int]]:
    """Remove what ``stale_leftovers`` lists; each path removed, with its size. Best effort: what cannot
    be removed (a folder this user may only read) stays for a run that can."""
    removed = []
    for path in stale_leftovers(folder):
        try:
            size = tree_size(path)
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            if not path.name.endswith(".lock"):
                (folder / f"{path.name.removesuffix('.d')}.lock").unlink(missing_ok=True)
        except OSError:
            continue
        removed.append((path, size))
    return removed


def tree_size(path: Path) -> int:
    """Bytes of a file, or of the files in a folder; 0 for what is gone meanwhile (another prune, the
    backups view, removing the same leftovers)."""
    try:
        if not path.is_dir() or path.is_symlink():
            return path.lstat().st_size
        return sum(child.lstat().st_size for child in path.rglob("*"))
    except FileNotFoundError:
        return 0


def open_output(path: Path) -> BinaryIO:
    """The temporary backup file, created exclusively and private, written past the page cache where
    the file system allows (DirectFile; a hook for fault-injection tests)."""
    return DirectFile(path)  # type: ignore[return-value]


# --- the source and its snapshot -----------------------------------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _open_source(books_path: Path) -> sqlite3.Connection:
    if not books_path.is_file():
        raise NotFound(_("There is no company database at {path}.").format(path=books_path))
    return connect(books_path)


def _begin_immediate(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, tried every millisecond for as long as ``conn``'s busy timeout. SQLite's own wait
    tries every 100 ms after its first few: another program that left the lock free 2 ms in every 150
    made backups fail after 5 s (6 of 15 in an exploratory pass)."""
    deadline = time.monotonic() + conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    conn.execute("PRAGMA busy_timeout = 0")
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(0.001)


def _open_snapshot(books_path: Path, snapshot: Path) -> tuple[sqlite3.Connection, ...]:
    """Three connections that see one committed state of the company: ``copier`` has the new snapshot
    database as main and the company attached as ``src`` (its transaction ends when the copy commits),
    ``reader`` keeps its read transaction to the end for the counts and the attachments, ``checker``
    until the checks of what is copied end (CopyChecks).

    A fourth connection holds the company's write lock only while the read transactions start
    (milliseconds): no commit can fall between them, and WAL readers never block writers after that."""
    reader = _open_source(books_path)
    barrier = copier = checker = None
    try:
        reader.execute("PRAGMA query_only = ON")
        checker = _open_source(books_path)
        checker.execute("PRAGMA query_only = ON")
        checker.execute("PRAGMA cell_size_check = ON")
        copier = sqlite3.connect(snapshot, isolation_level=None, check_same_thread=False)
        copier.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        copier.execute("PRAGMA journal_mode = OFF")  # a private temporary file: rebuilt if anything fails
        copier.execute("PRAGMA synchronous = OFF")
        copier.execute("ATTACH DATABASE ? AS src", (str(books_path),))
        barrier = connect(books_path)
        _begin_immediate(barrier)
        try:
            for conn, table in ((copier, "src.settings"), (reader, "settings"), (checker, "settings")):
                conn.execute("BEGIN")
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # the read snapshot starts here
        finally:
            barrier.execute("ROLLBACK")
    except BaseException:
        for conn in (copier, reader, checker):
            if conn is not None:
                conn.close()
        raise
    finally:
        if barrier is not None:
            barrier.close()
    return copier, reader, checker


def _copied(schema: frozenset[tuple[str, str, str, str]]) -> frozenset[tuple[str, str, str, str]]:
    """The objects of ``schema`` a snapshot gets (see _copy_snapshot): tables and indexes, not SQLite's own
    (statistics, its automatic indexes), nor views and triggers, which a backup leaves out."""
    return frozenset(row for row in schema if row[0] in ("table", "index") and not row[1].startswith("sqlite_"))


def _names(names: list[str]) -> str:
    return ", ".join([*(shown(name, 40) for name in names[:5]), *(["…"] if len(names) > 5 else [])])


def _check_schema(src: sqlite3.Connection, books_path: Path) -> None:
    """Refuse, before any long work, a company database whose tables and indexes are not its schema
    version's (the import compares them exactly): a table or an index added by a person or another
    program (found by a reliability audit: the backup was written, then refused by verify)."""
    version = src.execute("PRAGMA user_version").fetchone()[0]
    expected = known_schemas().get(version)
    if expected is None and version > SCHEMA_VERSION:
        raise StorageError(_("{path} was made by a newer version of keepbooks (schema {version}); upgrade "
                             "keepbooks to open it.").format(path=books_path, version=version))
    if expected is None:
        raise StorageError(_("{path} uses schema {version}, which this release cannot upgrade.")
                           .format(path=books_path, version=version))
    extra, missing = schema_difference(_copied(schema_of(src)), _copied(expected))
    if not extra and not missing:
        return
    changed = sorted(set(extra) & set(missing))
    added = [name for name in extra if name not in changed]
    missing = [name for name in missing if name not in changed]
    detail = "; ".join([*([_("added: {names}").format(names=_names(added))] if added else []),
                        *([_("missing: {names}").format(names=_names(missing))] if missing else []),
                        *([_("changed: {names}").format(names=_names(changed))] if changed else [])])
    if not missing and not changed:
        raise StorageError(_("The company database {path} holds tables or indexes that keepbooks does not know "
                             "({detail}), so an import would refuse a backup of it; the backup was not made. If "
                             "another program added them, remove them (DROP TABLE or DROP INDEX in sqlite3); else "
                             "restore the company from its last good backup with keepbooks import.")
                           .format(path=books_path, detail=detail))
    raise StorageError(_("The company database {path} does not have the tables and indexes keepbooks expects "
                         "({detail}), so an import would refuse a backup of it; the backup was not made. Restore "
                         "the company from its last good backup with keepbooks import.")
                       .format(path=books_path, detail=detail))


def _company(conn: sqlite3.Connection) -> tuple[str, str]:
    row = conn.execute("SELECT uid, name FROM settings ORDER BY id LIMIT 1").fetchone()
    if row is None:
        raise StorageError(_("The company database has no settings row."))
    return row[0], row[1]


def _count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]


def _last_rowid(conn: sqlite3.Connection, table: str) -> int:
    """The largest rowid of the source's ``table`` (0 when empty): about its rows, read in one step."""
    return conn.execute(f"SELECT coalesce(max(rowid), 0) FROM src.{_quote(table)}").fetchone()[0]


def _left_out_kinds(include: Include) -> list[str]:
    """History entries about a left-out category (an email's subject, an attachment's file name) are
    left out with it: what the user excluded leaves no trace, not even in the history."""
    return [table for category, table in OPTIONAL.items() if category != "history" and not include.has(category)]


def _excluded(include: Include) -> set[str]:
    return {table for category, table in OPTIONAL.items() if not include.has(category)}


def _transferred(include: Include, tables: list[str]) -> list[str]:
    """The ``tables`` a backup copies whole, by SQLite's transfer optimisation (see _copy_snapshot):
    all it includes but the attachments' rows, which lose their content on the way, and a history
    without the entries about a left-out category."""
    filtered = {"attachment", *(["history"] if include.history and _left_out_kinds(include) else [])}
    return [table for table in tables if table not in _excluded(include) and table not in filtered]


def _copy_snapshot(copier: sqlite3.Connection, include: Include, progress: ProgressCallback,
                   cancel: threading.Event | None) -> tuple[dict[str, int], int]:
    """Copy the included tables' rows from ``src`` into the new main database with the source's schema
    (no attachment contents: they travel as their own members). Rows are copied by SQLite itself
    (INSERT … SELECT), inside the read transaction; the COMMIT at the end also ends that transaction.
    Returns the rows copied per table (included tables only) and the schema version."""
    excluded = _excluded(include)
    left_out_kinds = _left_out_kinds(include) if include.history else []
    objects = copier.execute("SELECT type, name, tbl_name, sql FROM src.sqlite_master WHERE sql IS NOT NULL "
                             "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid").fetchall()
    tables = [(name, sql) for kind, name, _table, sql in objects if kind == "table"]
    indexes = [(table, sql) for kind, _name, table, sql in objects if kind == "index"]
    # The progress bar's weights: each table's largest rowid, read from the last page of its b-tree
    # (counting its rows reads every page of its smallest index before the copy can start). The counts
    # the manifest gives are SQLite's own, of the rows each copy inserted.
    estimates = {name: _last_rowid(copier, name) for name, _sql in tables if name not in excluded}
    copied: dict[str, int] = {}
    # Tables copied whole go through SQLite's transfer optimisation (INSERT INTO t SELECT * FROM src.t
    # into an empty table with the same schema and indexes: records and index entries are copied as
    # they are, in order, without sorting; CopyChecks checks them in the books meanwhile). The
    # others (the attachments' rows, which lose their content on the way, and a history without the
    # entries about a left-out category) get their indexes after their rows. Left-out entries are never
    # inserted: copying them and deleting them, even with secure_delete, leaves pieces of them in the
    # unused space of the pages SQLite rebalances.
    # A type stored as bytes is compared as text, and one missing is copied (and refused, as in a whole
    # copy): a review found b'email' kept and NULL dropped in silence. Not "IS NULL": SQLite takes it for
    # false on a NOT NULL column.
    history_where = (f"WHERE NOT coalesce(CAST(object_type AS TEXT) IN "
                     f"({', '.join('?' * len(left_out_kinds))}), 0)") if left_out_kinds else ""
    whole = set(_transferred(include, list(estimates)))
    total = sum(estimates.values())
    phase = _("Copying the books")
    progress(Progress(phase, 0, total, "items"))
    user_version = copier.execute("PRAGMA src.user_version").fetchone()[0]
    # Cancel is checked while SQLite works, not only between tables.
    copier.set_progress_handler(lambda: 1 if cancel is not None and cancel.is_set() else 0, 200_000)
    try:
        copier.execute(f"PRAGMA main.page_size = {SNAPSHOT_PAGE_SIZE}")  # before the first table exists
        for _name, sql in tables:
            copier.execute(sql)
        for table, sql in indexes:
            if table in whole:
                copier.execute(sql)
        done = 0
        for name, estimate in estimates.items():
            if name in whole:
                copier.execute(f"INSERT INTO main.{_quote(name)} SELECT * FROM src.{_quote(name)}")
            else:
                columns = [row[1] for row in copier.execute(f"PRAGMA src.table_info({_quote(name)})")]
                selected = ", ".join("x''" if name == "attachment" and column == "content" else _quote(column)
                                     for column in columns)
                where, parameters = (history_where, left_out_kinds) if name == "history" else ("", [])
                copier.execute(f"INSERT INTO main.{_quote(name)} ({', '.join(map(_quote, columns))}) "
                               f"SELECT {selected} FROM src.{_quote(name)} {where} ORDER BY rowid", parameters)
            copied[name] = copier.execute("SELECT changes()").fetchone()[0]
            done += estimate
            progress(Progress(phase, done, total, "items"))
        for table, sql in indexes:  # empty for left-out tables
            if table not in whole:
                copier.execute(sql)
        copier.execute(f"PRAGMA main.user_version = {int(user_version)}")
        copier.execute("COMMIT")
        return copied, user_version
    except sqlite3.OperationalError:
        check_cancel(cancel)  # "interrupted" by the progress handler: a cancel, not an error
        raise
    finally:
        copier.set_progress_handler(None, 0)


# --- the compressed stream -----------------------------------------------------------------------

Pieces = list[bytes | memoryview]


def compressible(piece: bytes | memoryview, sampler: zstandard.ZstdCompressor) -> bool:
    """Whether compressing ``piece`` is worth it, judged on a sample compressed at the fastest level:
    photos and scans (half the attachments of a typical company) are not, and storing them costs a
    copy where compressing them costs as much as compressing text."""
    middle = max(0, len(piece) // 2 - SAMPLE_BYTES // 2)
    sample = piece[middle:middle + SAMPLE_BYTES]
    return len(sampler.compress(sample)) < STORED_RATIO * len(sample)


def _blocks(pieces: Pieces) -> Iterator[list[bytes | memoryview]]:
    """The concatenated ``pieces`` cut into RAW_BLOCK bytes (the last one shorter), each as its slices."""
    block: list[bytes | memoryview] = []
    room = RAW_BLOCK
    for piece in pieces:
        view = memoryview(piece)
        while view:
            block.append(view[:room])
            room -= len(block[-1])
            view = view[len(block[-1]):]
            if not room:
                yield block
                block, room = [], RAW_BLOCK
    if block:
        yield block


def stored_frame(pieces: Pieces, size: int) -> Pieces:
    """The concatenated ``pieces`` as one zstd frame of raw blocks (RFC 8878 §3.1.1: no compression),
    with its content size and checksum like the frames the compressor writes; any zstd reader reads
    it. Returned as parts to write one after the other: the data is not copied."""
    checksum = xxhash.xxh64()
    parts: Pieces = [ZSTD_MAGIC + bytes([0xE4]) + size.to_bytes(8, "little")]  # single segment, 8-byte size, checksum
    written = 0
    blocks = list(_blocks(pieces)) or [[]]
    for block in blocks:
        length = sum(len(part) for part in block)
        written += length
        parts.append((length << 3 | (written == size)).to_bytes(3, "little"))  # block type 0: raw
        for part in block:
            checksum.update(part)
            parts.append(part)
    parts.append(checksum.intdigest().to_bytes(8, "little")[:4])
    return parts


class Frames:
    """A stream compressed as independent zstd frames of about FRAME_BYTES each, on worker threads,
    written to ``out`` in order (the format allows a file of several frames: their contents follow each
    other). Independent frames let every core compress at once without zstd's multithreading overhead
    (it re-reads each job's window: +80 % of CPU on two cores). Frames are written as soon as they and
    those before them are ready; at most ``limit`` bytes of them are in the works (one frame more
    while it waits), so memory stays flat. ``write`` keeps references to the pieces it gets: they must
    not change.

    On failure the caller skips ``finish``: the output then stops after some whole frame, before the
    tar archive's end, and the reader refuses it."""

    def __init__(self, out: BinaryIO, workers: int = COMPRESSION_WORKERS) -> None:
        self.out = out
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keepbooks-zstd")
        # Bytes of frames waiting for a worker or to be written: a full frame per worker keeps them
        # busy (reading a frame is ~10 times faster than compressing it). Counted in bytes, not
        # frames: a company's photos and documents alternate, each switch ends a frame (a median of
        # 0.5 MB on the reference company), and two such frames left the workers waiting for the
        # reader (the full backup was slower in 22 of 26 alternating pairs; peak memory +2-5 MB). A
        # frame ends at the piece that takes it to FRAME_BYTES: it may hold a CHUNK more.
        self.limit = workers * (FRAME_BYTES + CHUNK)
        self.in_flight = 0
        self.local = threading.local()
        self.pieces: Pieces = []
        self.size = 0
        self.stored = False  # whether the current frame is stored rather than compressed
        self.sampler = zstandard.ZstdCompressor(level=1, write_content_size=False)
        self.pending: deque[tuple[Future[Pieces], int]] = deque()  # each frame and its size

    def _compress(self, pieces: Pieces, size: int, stored: bool) -> Pieces:
        """One frame of ``pieces``, as parts to write. Each worker thread gathers its pieces into a
        buffer of its own, reused from frame to frame: fresh memory costs a page fault per 4 KiB
        (dearly in a VM), and zstd compresses one contiguous buffer 20 % faster than pieces."""
        if stored:
            return stored_frame(pieces, size)
        local = self.local
        if not hasattr(local, "cctx"):  # a compressor serves one thread at a time
            local.cctx = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL, write_checksum=True)
            local.buffer = bytearray()
        if len(local.buffer) < size:
            local.buffer = bytearray(size + CHUNK)
        buffer = memoryview(local.buffer)
        offset = 0
        for piece in pieces:
            buffer[offset:offset + len(piece)] = piece
            offset += len(piece)
        return [local.cctx.compress(buffer[:size])]

    def write(self, data: bytes | memoryview) -> int:
        """Add ``data`` to the stream. A piece of data large enough to judge is stored or compressed
        (see compressible); a piece of the other kind than the current frame's starts a new frame."""
        if len(data) >= 2 * SAMPLE_BYTES:
            stored = not compressible(data, self.sampler)
            if stored != self.stored:
                self.end_frame()
                self.stored = stored
        self.pieces.append(data)
        self.size += len(data)
        if self.size >= FRAME_BYTES:
            self.end_frame()
        return len(data)

    def end_frame(self) -> None:
        """End the current frame here (the manifest is alone in the first one: inspect reads only it)."""
        if not self.pieces:
            return
        pieces, size, self.pieces, self.size = self.pieces, self.size, [], 0
        self.pending.append((self.pool.submit(self._compress, pieces, size, self.stored), size))
        self.in_flight += size
        # Frames already compressed go out at once (a stream shows progress, their memory is freed);
        # beyond the limit, the oldest is waited for.
        while self.pending and (self.in_flight > self.limit or self.pending[0][0].done()):
            self._write_next()

    def _write_next(self) -> None:
        frame, size = self.pending.popleft()
        self.in_flight -= size
        for part in frame.result():
            self.out.write(part)

    def finish(self) -> None:
        """Compress and write everything written so far."""
        self.end_frame()
        while self.pending:
            self._write_next()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


# --- the tar stream ------------------------------------------------------------------------------

class InOrder:
    """Runs calls one after the other on a helper thread while the caller goes on: hashlib and sqlite3
    release the GIL, so hashing and writing overlap compressing or decompressing. At most ``depth``
    calls wait, so memory stays flat. The first failure is raised to the caller at its next call (or
    at ``wait``) and the calls after it are skipped."""

    def __init__(self, name: str, depth: int = 4) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self.slots = threading.BoundedSemaphore(depth)
        self.error: BaseException | None = None

    def _run(self, call: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            if self.error is not None:  # skipped: its result is the first failure, not a wrong value
                raise self.error
            return call(*args)
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.slots.release()

    def submit(self, call: Callable[..., Any], *args: Any) -> Future[Any]:
        if self.error is not None:
            raise self.error
        self.slots.acquire()
        try:
            return self.pool.submit(self._run, call, args)
        except BaseException:
            self.slots.release()
            raise

    def wait(self) -> None:
        """Until every call so far has run; raises the first failure."""
        self.submit(lambda: None).result()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class Hasher(InOrder):
    """SHA-256 of the members, chunk by chunk, in order, on a helper thread."""

    def __init__(self) -> None:
        super().__init__("keepbooks-sha256")

    def update(self, digest: Any, chunk: bytes | memoryview) -> None:
        self.submit(digest.update, chunk)

    def hexdigest(self, digest: Any) -> Future[str]:
        return self.submit(digest.hexdigest)


class _TarWriter:
    """Writes members one after the other; keeps the SHA256SUMS lines in a spooled temporary file.

    A member's checksum may be known a little after its data was written (``Hasher``): ``end`` takes
    an optional check run on it then, and ``finish`` waits for all of them before writing SHA256SUMS."""

    def __init__(self, out: BinaryIO, mtime: int, spool_dir: Path) -> None:
        self.out = out
        self.mtime = mtime
        self.written = 0
        self.sums = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=spool_dir)
        self.hasher = Hasher()
        self.pending: deque[tuple[str, Future[str] | str, Callable[[str], None] | None]] = deque()
        self.member = ("", 0)
        self.count = 0

    def _write(self, data: bytes | memoryview) -> None:
        self.out.write(data)
        self.written += len(data)

    def add(self, name: str, size: int, chunks: Iterator[bytes], *, listed: bool = True) -> None:
        """Write one member of ``size`` bytes from ``chunks``, hashed on the way; ``listed`` members get
        their line in SHA256SUMS."""
        self.begin(name, size)
        digest = hashlib.sha256()
        for chunk in chunks:
            if listed:
                self.hasher.update(digest, chunk)
            self.data(chunk)
        self.end(self.hasher.hexdigest(digest) if listed else None)

    def begin(self, name: str, size: int) -> None:
        self._write(tar_header(name, size, self.mtime))
        self.member = (name, size)
        self.count = 0

    def data(self, chunk: bytes | memoryview) -> None:
        self._write(chunk)
        self.count += len(chunk)

    def end(self, digest: Future[str] | str | None, check: Callable[[str], None] | None = None) -> None:
        """The member's data is complete; ``digest`` (None: not listed in SHA256SUMS) is its sha256."""
        name, size = self.member
        if self.count != size:
            raise StorageError(_("{name} changed size while it was being backed up.").format(name=name))
        self._write(b"\0" * padding(size))
        if digest is not None:
            self.pending.append((name, digest, check))
            self._settle(wait=False)

    def _settle(self, wait: bool) -> None:
        """Record the checksums that are ready (all of them with ``wait``), in member order."""
        while self.pending and (wait or isinstance(self.pending[0][1], str) or self.pending[0][1].done()):
            name, digest, check = self.pending.popleft()
            hexdigest = digest if isinstance(digest, str) else digest.result()
            if check is not None:
                check(hexdigest)
            self.sums.write(sums_line(hexdigest, name))

    def finish(self) -> None:
        self._settle(wait=True)
        size = self.sums.tell()
        self.sums.seek(0)
        self.add(SUMS_NAME, size, iter(lambda: self.sums.read(CHUNK), b""), listed=False)
        self.sums.close()
        end = 2 * BLOCK  # the end of the archive and its padding: one write, so one frame holds them
        self._write(b"\0" * (end + -(self.written + end) % RECORD))

    def close(self) -> None:
        self.hasher.close()
        self.sums.close()


def _file_chunks(path: Path, phase: str, progress: ProgressCallback, cancel: threading.Event | None,
                 counter: list[int], total: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            check_cancel(cancel)
            yield chunk
            counter[0] += len(chunk)
            progress(Progress(phase, counter[0], total))


def _attachment_pieces(src: sqlite3.Connection, checked: int) -> Iterator[tuple[Any, ...]]:
    """Every attachment as ("member", id, size, sha256), its chunks ("data", bytes), then ("digest",
    hex): read and hashed on a helper thread (see Prefetch). The first ``checked`` attachments were
    hashed already (see CheckAhead): their digest is their row's."""
    for index, (attachment_id, size, sha256) in enumerate(attachment_rows(src)):
        yield "member", attachment_id, size, sha256
        digest = hashlib.sha256() if index >= checked else None
        if size:
            with src.blobopen("attachment", "content", attachment_id, readonly=True) as blob:
                while chunk := blob.read(CHUNK):
                    if digest is not None:
                        digest.update(chunk)
                    yield "data", chunk
        yield "digest", digest.hexdigest() if digest is not None else str(sha256).lower()


def _in_lists(pieces: Generator[tuple[Any, ...], None, None]) -> Iterator[list[tuple[Any, ...]]]:
    """``pieces`` in lists weighing CHUNK bytes or more (but the last): a chunk weighs its data, a
    member its tar header, so that tiny or empty attachments fill lists too. The reading thread hands
    over a list at a time (a company's attachments are small: three hand-overs per attachment kept
    its threads waiting on each other)."""
    batch: list[tuple[Any, ...]] = []
    weight = 0
    with closing(pieces):  # closed on the thread that reads (a blob it holds open, see Prefetch)
        for piece in pieces:
            batch.append(piece)
            weight += len(piece[1]) if piece[0] == "data" else BLOCK if piece[0] == "member" else 0
            if weight >= CHUNK:
                yield batch
                batch, weight = [], 0
    if batch:
        yield batch


class CheckAhead:
    """Checks the attachments against their checksums, in order, on a helper thread, while the
    calling thread copies the books into the snapshot (SQLite's copy keeps one core busy and leaves
    the other idle). The stream of attachments that follows hashes only those not checked yet.

    ``src`` keeps its read transaction: the attachments read later are the bytes checked here."""

    def __init__(self, src: sqlite3.Connection, books_path: Path) -> None:
        self.src, self.books_path = src, books_path
        self.stopping = threading.Event()
        self.checked = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="keepbooks-check", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for attachment_id, _size, sha256 in attachment_rows(self.src):
                digest = hashlib.sha256()
                with self.src.blobopen("attachment", "content", attachment_id, readonly=True) as blob:
                    while chunk := blob.read(CHUNK):
                        if self.stopping.is_set():
                            return
                        digest.update(chunk)
                _attachment_check(self.books_path, attachment_id, sha256)(digest.hexdigest())
                self.checked += 1
        except BaseException as exc:
            self.error = exc

    def finish(self) -> int:
        """Stop checking; the number of attachments checked (the first ones, in id order)."""
        self.stop()
        if self.error is not None:
            raise self.error
        return self.checked

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def join_cancellable(thread: threading.Thread, cancel: threading.Event | None) -> None:
    """Wait for ``thread`` to end; a cancel stops the wait (Cancelled) within 50 ms."""
    while thread.is_alive():
        thread.join(0.05)
        check_cancel(cancel)


class CopyChecks:
    """The import's checks of books.sqlite, made by a backup on what it copies, on a helper thread
    (SQLite releases the GIL), and waited for before the archive ends: a backup never says it wrote what
    its import refuses. SQLite copies a damaged record as it is: found by a reliability audit, a backup
    of a damaged company was written, said so, and was then refused by verify.

    First on the books, on ``checker`` (a connection in the backup's read transaction), while the copy
    runs (archive_read.check_copied); then on the copy, once ``copied`` gives its manifest
    (archive_read.check_written: its header and manifest). When the books fail check_copied, the copy
    gets every check again itself, and its verdict is the one that counts: damage the copy does not
    carry, such as a page's count of free bytes, would not stop its import (a review: such books were
    refused, "a backup of it would not import", where the code before backed them up and verify passed).
    The books' problem is then kept (``books_damage``) for the user to be told: the books stay damaged.
    The checks read the books and the copy at different moments: a program writing into the books
    without SQLite's locks during a backup is not guarded against (it damages the books themselves)."""

    def __init__(self, checker: sqlite3.Connection, include: Include, books_path: Path, snapshot: Path) -> None:
        tables = [name for (name,) in checker.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                                      "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid")]
        self.transferred = _transferred(include, tables)
        self.included = [table for table in tables if table not in _excluded(include)]
        self.checker, self.books_path, self.snapshot = checker, books_path, snapshot
        self.read = books_path  # the database being read: a failure to read it is said of it
        self.manifest: Manifest | None = None
        self.books_damage: str | None = None  # the books' problem, once the copy passed without it
        self.ready = threading.Event()
        self.stopped = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="keepbooks-books-check", daemon=True)
        self.thread.start()

    def copied(self, manifest: Manifest) -> None:
        """The copy is made, and this is its manifest: its checks may start."""
        self.manifest = manifest
        self.ready.set()

    def _run(self) -> None:
        from store.archive_read import check_copied, check_written  # archive_read imports this module

        try:
            try:
                check_copied(self.checker, self.transferred, self.included, self.books_path, self.stopped)
                problem = None
            except Damaged as exc:
                problem = exc.problem or str(exc)
            except sqlite3.DatabaseError as exc:
                if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF not in _DAMAGED:
                    raise
                problem = _("its company database cannot be read ({reason})").format(reason=exc)
            while not self.ready.wait(0.05):
                if self.stopped.is_set():
                    return
            assert self.manifest is not None
            self.read = self.snapshot
            check_written(self.snapshot, self.manifest, self.books_path, self.stopped,
                          every_check=problem is not None)
            self.books_damage = problem
        except BaseException as exc:
            self.error = exc

    def result(self, cancel: threading.Event | None) -> str | None:
        """Wait for the verdict, a cancel still stopping the wait; raises if a check failed. Returns the
        problem of the books that the copy does not carry (None: the books passed their checks)."""
        join_cancellable(self.thread, cancel)
        self.raise_if_failed()
        return self.books_damage

    def raise_if_failed(self) -> None:
        """Raises if a check has failed already (no need to compress the rest of a backup refused)."""
        if isinstance(self.error, Damaged):
            raise StorageError(_("The company database {path} is damaged, and a backup of it would not import: "
                                 "{problem}. Restore the company from its last good backup with keepbooks import; "
                                 "the backup was not made.").format(path=self.books_path,
                                                                    problem=self.error.problem)) from self.error
        if isinstance(self.error, sqlite3.Error) and self.read == self.books_path:
            raise _read_error(self.books_path, self.error) from self.error
        if isinstance(self.error, (sqlite3.Error, OSError)):  # reading the copy failed, not the company's books
            reason = system_reason(self.error) if isinstance(self.error, OSError) else self.error
            raise StorageError(_("Cannot check the copy of the books written to {path}: {reason}; the backup was "
                                 "not made.").format(path=self.read, reason=reason)) from self.error
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetch:
    """Runs an iterator on a helper thread, at most ``depth`` items ahead of the caller: the helper
    reads and hashes (sqlite3 and hashlib release the GIL) while the caller compresses. ``close``
    stops the helper and waits for it, so its resources (a connection) are free again afterwards."""

    _END = object()

    def __init__(self, items: Iterator[Any], depth: int = 8) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(depth)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(items,), name="keepbooks-read", daemon=True)
        self.thread.start()

    def _run(self, items: Iterator[Any]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(self._END)
        except BaseException as exc:
            self._put(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # on this thread: a blob the generator holds open is closed here

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Any]:
        while (item := self.queue.get()) is not self._END:
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def _attachment_check(books_path: Path, attachment_id: int, sha256: str) -> Callable[[str], None]:
    def check(digest: str) -> None:
        if digest != str(sha256).lower():
            raise StorageError(_("The attachment {id} of {path} is damaged (its content does not "
                                 "match its checksum); the backup was not made.")
                               .format(id=attachment_id, path=books_path))
    return check


# What SQLite says of a damaged company database: a malformed file, or rows that break their own
# table's constraints when copied into the snapshot ("UNIQUE constraint failed: line.id").
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CONSTRAINT}


def _read_error(books_path: Path, exc: sqlite3.Error) -> StorageError:
    if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageError(_("Cannot read {path}: another program has been writing to it for more than "
                              "{seconds} seconds; try again when it has finished.").format(
                                  path=books_path, seconds=BUSY_TIMEOUT_MS // 1000))
    if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in _DAMAGED:
        return StorageError(_("The company database {path} is damaged ({reason}). Restore the company from its "
                              "last good backup with keepbooks import.").format(path=books_path, reason=exc))
    return StorageError(_("Cannot read {path}: {reason}.").format(path=books_path, reason=exc))


def _write_archive(books_path: Path, out: BinaryIO, work: Path, include: Include,
                   progress: ProgressCallback, cancel: threading.Event | None) -> tuple[Manifest, str | None]:
    """Stream a whole backup of ``books_path`` into ``out``; ``work`` is a private temporary folder. Returns
    its manifest and the problem of the books that the backup does not carry (CopyChecks), if any."""
    check_cancel(cancel)
    progress = in_steps(progress, 3 if include.attachments else 2)  # copy, the books, the attachments
    snapshot = work / DATABASE_NAME
    try:
        copier, src, checker = _open_snapshot(books_path, snapshot)
    except sqlite3.Error as exc:
        raise _read_error(books_path, exc) from exc
    tar: _TarWriter | None = None
    frames: Frames | None = None
    ahead: CheckAhead | None = None
    checks: CopyChecks | None = None
    try:
        try:
            _check_schema(src, books_path)
            checks = CopyChecks(checker, include, books_path, snapshot)
            ahead = CheckAhead(src, books_path) if include.attachments else None
            copied, schema_version = _copy_snapshot(copier, include, progress, cancel)
        except sqlite3.Error as exc:
            if disk_full(exc, work):  # the snapshot is written beside the backup: its disk is full
                raise StorageError(_("Cannot write the backup in {folder}: the disk is full.")
                                   .format(folder=work.parent)) from exc
            raise
        finally:
            copier.close()
        uid, name = _company(src)
        # The copy and ``src`` read the same commit (see _open_snapshot): its row counts are the backup's.
        counts = {category: copied.get(table, 0) for category, table in COUNTED_TABLES.items()}
        attachments_size = 0
        if include.attachments:
            # A size stored as 12.0 or '12' equals its content's length in SQL, but is no tar member's size.
            attachments_size, damaged_rows = src.execute(
                "SELECT total(size), count(*) FILTER (WHERE typeof(size) != 'integer' OR size != length(content)) "
                "FROM attachment").fetchone()
            attachments_size = int(attachments_size)
            if damaged_rows:
                raise StorageError(_("{count} attachments of {path} are damaged (their size does not match "
                                     "their content); the backup was not made.")
                                   .format(count=damaged_rows, path=books_path))
        created_at = dt.datetime.now().astimezone().replace(microsecond=0)
        manifest = Manifest(format=FORMAT_NAME, format_version=FORMAT_VERSION, app_version=APP_VERSION,
                            schema_version=schema_version,
                            company_uid=uid, company_name=name, created_at=created_at, include=include,
                            counts=counts, database_size=snapshot.stat().st_size,
                            attachments_size=attachments_size)
        checks.copied(manifest)
        frames = Frames(out)
        tar = _TarWriter(frames, int(created_at.timestamp()), work)
        manifest_bytes = manifest.to_bytes()
        tar.add(MANIFEST_NAME, len(manifest_bytes), iter([manifest_bytes]))
        frames.end_frame()  # the manifest alone in the first frame: inspect reads only that
        counter = [0]
        phase = _("Compressing the books")
        tar.add(DATABASE_NAME, manifest.database_size,
                _file_chunks(snapshot, phase, progress, cancel, counter, manifest.database_size))
        if include.attachments:
            counter = [0]
            phase = _("Compressing attachments")
            progress(Progress(phase, 0, attachments_size))
            checked = ahead.finish() if ahead is not None else 0
            pieces = Prefetch(_in_lists(_attachment_pieces(src, checked)), depth=4)  # lists of 1-2 MiB
            try:
                for piece in itertools.chain.from_iterable(pieces):
                    if piece[0] == "data":
                        tar.data(piece[1])
                        counter[0] += len(piece[1])
                        check_cancel(cancel)
                        checks.raise_if_failed()
                        progress(Progress(phase, counter[0], attachments_size))
                    elif piece[0] == "member":
                        _kind, attachment_id, size, sha256 = piece
                        tar.begin(attachment_member(attachment_id), size)
                    else:
                        tar.end(piece[1], _attachment_check(books_path, attachment_id, sha256))
            finally:
                pieces.close()
        books_damage = checks.result(cancel)  # before the archive's end: a stream that fails here stays unreadable
        tar.finish()
        frames.finish()
        check_cancel(cancel)
        return manifest, books_damage
    except sqlite3.Error as exc:
        raise _read_error(books_path, exc) from exc
    finally:
        if ahead is not None:
            ahead.stop()
        if checks is not None:
            checks.stop()
        checker.close()
        if tar is not None:
            tar.close()
        if frames is not None:
            frames.close()
        src.close()  # ends the read transaction
        snapshot.unlink(missing_ok=True)


# --- public entry points (re-exported by store.archive) ------------------------------------------

def _settings_company(books_path: Path) -> tuple[str, str]:
    """The company's uid and name, from its books."""
    try:
        conn = connect(books_path, readonly=True)
        try:
            return _company(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _read_error(books_path, exc) from exc


def _check_replaceable(destination: Path, company_uid: str) -> None:
    from store.archive_read import check_replaceable  # archive_read imports this module

    check_replaceable(destination, company_uid)


def _storage_error(path: Path, exc: OSError) -> StorageError:
    reason = system_reason(exc)
    return StorageError(_("Cannot write the backup {path}: {reason}.").format(path=path, reason=reason))


def resolve_destination(destination: Path, company: Callable[[], tuple[str, str]], force: bool,
                        include: Include | None = None) -> Path:
    """The file to write; ``company`` gives the company's uid and name when they are needed."""
    destination = Path(destination).expanduser()
    if destination.is_dir():  # the name made from the company's passes the same check as one typed
        destination = destination / check_backup_filename(default_backup_name(company()[1], include=include))
    elif destination.exists() and not destination.is_file():  # /dev/null, a pipe: not a backup's place
        raise StorageError(_("{path} is neither a folder nor a file.").format(path=destination))
    else:
        try:
            destination = destination.with_name(check_backup_filename(destination.name))
        except InvalidInput as exc:
            raise InvalidInput(_("{path}: {problem}").format(path=destination, problem=exc)) from None
    existing_folder(destination.parent)  # notes.txt/x: notes.txt is not a folder (it was said not to exist)
    if destination.is_dir():
        raise StorageError(_("{path} is a folder.").format(path=destination))
    if destination.exists():
        if not force:
            raise DestinationExists(destination)
        _check_replaceable(destination, company()[0])  # before the work, not only after it
    return destination


def _publish(temp: Path, destination: Path, force: bool, company_uid: str) -> None:
    """Give the complete temporary file its final name; never replace a file unless forced, nor another
    company's backup even then (checked again: the file may have come meanwhile)."""
    if force:
        _check_replaceable(destination, company_uid)
        os.replace(temp, destination)
        return
    try:
        os.link(temp, destination)  # fails if the name was taken meanwhile: nothing is replaced
    except FileExistsError:
        raise DestinationExists(destination) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if destination.exists():  # a file system without hard links
            raise DestinationExists(destination) from None
        os.replace(temp, destination)
        return
    temp.unlink()


def backup(books_path: Path, destination: Path, *, include: Include = Include(), force: bool = False,
           progress: ProgressCallback = no_progress, cancel: threading.Event | None = None) -> BackupResult:
    """Write a backup of the company at ``books_path`` to ``destination`` (a file, or a folder to put
    the default name in). The file appears complete and durable, or not at all."""
    books_path = Path(books_path)
    destination = resolve_destination(destination, lambda: _settings_company(books_path), force, include)
    folder = destination.parent
    clean_leftovers(folder)
    try:
        work = Workspace(folder, destination.name)
    except OSError as exc:
        raise _storage_error(destination, exc) from exc
    try:
        with open_output(work.file) as out:
            manifest, books_damage = _write_archive(books_path, out, work.folder, include, progress, cancel)
            out.flush()
            os.fsync(out.fileno())
        check_cancel(cancel)
        _publish(work.file, destination, force, manifest.company_uid)
        fsync_path(folder)
        size = destination.stat().st_size
    except OSError as exc:
        raise _storage_error(destination, exc) from exc
    except zstandard.ZstdError as exc:
        raise StorageError(_("Cannot write the backup {path}: {reason}.").format(path=destination,
                                                                                 reason=exc)) from exc
    finally:
        work.cleanup()
    return BackupResult(path=destination, size=size, manifest=manifest, books_damage=books_damage)


def backup_to_stream(books_path: Path, stream: BinaryIO, *, include: Include = Include(),
                     progress: ProgressCallback = no_progress,
                     cancel: threading.Event | None = None) -> tuple[Manifest, str | None]:
    """Write a backup to an open stream (stdout, a pipe); the work folder goes to the system temp dir.
    Returns its manifest and, as BackupResult.books_damage, the problem of the books it does not carry.
    A stream cannot be taken back: if this fails, what was written ends before the archive does, and
    the reader refuses it (a member or the archive's end is missing, or the last frame is unfinished)."""
    work = system_temp_workspace("keepbooks-backup")
    try:
        written = _write_archive(Path(books_path), stream, work.folder, include, progress, cancel)
        stream.flush()
        return written
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise StorageError(_("Cannot write the backup: {reason}.").format(reason=system_reason(exc))) from exc
    finally:
        work.cleanup()


def estimate(books_path: Path) -> Estimate:
    """Uncompressed bytes and counts per category, for the backup dialog. A category's bytes are those of
    its rows and index entries (dbstat's payload when SQLite has it, else the columns' lengths), not of
    its pages: with 16 kB pages, a company's empty table of emails and its index weighed 32.8 kB."""
    try:
        conn = connect(Path(books_path), readonly=True)
    except sqlite3.Error as exc:
        raise _read_error(books_path, exc) from exc
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        used = (conn.execute("PRAGMA page_count").fetchone()[0]
                - conn.execute("PRAGMA freelist_count").fetchone()[0]) * page_size
        attachments_count, attachments_bytes = conn.execute(
            "SELECT count(*), COALESCE(sum(size), 0) FROM attachment").fetchone()
        emails_count = _count(conn, "email")
        history = _history_lengths(conn)
        history_count = sum(count for count, _length in history.values())
        history_length = sum(length for _count, length in history.values())
        try:
            per_table = dict(conn.execute(
                "SELECT m.tbl_name, sum(s.payload) FROM dbstat('main', 1) s "
                "JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name").fetchall())
            emails_bytes = per_table.get("email", 0)
            history_bytes = per_table.get("history", 0)
        except sqlite3.Error:  # dbstat is optional in SQLite builds
            emails_bytes = conn.execute("SELECT COALESCE(sum(length(to_address) + length(subject) + "
                                        "length(body) + 40), 0) FROM email").fetchone()[0]
            history_bytes = history_length
        # The entries a backup leaves out with a category (_left_out_kinds): their share of the history's
        # bytes is their share of its text.
        history_about = {}
        for category, table in OPTIONAL.items():
            if category != "history":
                count, length = history.get(table, (0, 0))
                history_about[category] = (history_bytes * length // history_length if history_length else 0, count)
        base = max(0, used - emails_bytes - history_bytes - attachments_bytes)
        return Estimate(base_bytes=int(base), attachments_bytes=int(attachments_bytes),
                        attachments_count=attachments_count, emails_bytes=int(emails_bytes),
                        emails_count=emails_count, history_bytes=int(history_bytes), history_count=history_count,
                        history_about=history_about)
    except sqlite3.Error as exc:
        raise _read_error(books_path, exc) from exc
    finally:
        conn.close()


def _history_lengths(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Per kind of object (object_type: the table its entries are about), the history's entries and the
    length of their text, with about 60 bytes for their other columns (date, user, action, id)."""
    rows = conn.execute("SELECT object_type, count(*), COALESCE(sum(COALESCE(length(before), 0) + "
                        "COALESCE(length(after), 0) + length(object_type) + 60), 0) FROM history "
                        "GROUP BY object_type").fetchall()
    return {kind: (count, length) for kind, count, length in rows}

