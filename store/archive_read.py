"""Reading a .manager file: inspect (the manifest only), verify (every check) and import.

A backup from outside is untrusted input. The reader never calls tarfile's extract: it reads the
members the manifest implies, in order, each no longer than declared; it feeds the decompressor a
bounded number of whole zstd blocks at a time so a bomb cannot inflate in memory; it requires the last
zstd frame to end with the archive, and nothing after it.
The company database inside is opened read-only with trusted_schema off and integrity-checked before
any other query, then compared with the schema its version must have; last, the values keepbooks relies
on are checked (store.values).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import sqlite3
import stat
import tarfile
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

import zstandard

from store.archive_format import (
    ALLOWED_MODE,
    BLOCK,
    CHUNK,
    COUNTED_TABLES,
    DATABASE_NAME,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    MAX_PAX_BYTES,
    MAX_WINDOW_BYTES,
    OPTIONAL,
    RECORD,
    SQLITE_MAGIC,
    SUMS_NAME,
    ZSTD_MAGIC,
    ArchiveError,
    Damaged,
    Manifest,
    NotReplaceable,
    attachment_member,
    attachment_rows,
    damaged,
    known_schemas,
    not_a_backup,
    parse_manifest,
    schema_difference,
    schema_of,
    shown,
    sums_line,
)
from store.archive_write import Hasher, InOrder, join_cancellable, system_temp_workspace
from store.books import Books
from store.durable import EarlySync, ReadOnce, disk_full, fsync_path
from store.migrations import upgrade
from store.errors import StorageError, system_reason
from store.i18n import N_, _
from store.progress import Progress, ProgressCallback, check_cancel, no_progress
from store.values import books_problem

if TYPE_CHECKING:
    from store.catalog import CompanyInfo

RAW_CHUNK = 1 << 20  # compressed bytes read from the file at a time
KEEP_MARGIN = 4 << 20  # pages kept in the page cache beyond the largest attachment's (_Filler)
# SQLite's page cache while the attachments are written: at least its default (2,000 KiB), enough for
# the largest attachment and KEEP_MARGIN, at most this (peak memory stays well under 150 MB).
MAX_FILL_CACHE = 32 << 20
INSPECT_CHUNK = 1 << 14
# zstd blocks per decompress call: each yields at most 128 KiB, so a call yields at most ~1 MiB whatever
# the compression ratio: this is what bounds memory against bombs (see _Blocks), and what the helper
# threads' queues hold per item.
BLOCKS_PER_CALL = 8
SPACE_MARGIN = 16 << 20

_TYPE_NAMES = {tarfile.SYMTYPE: N_("a symbolic link"), tarfile.LNKTYPE: N_("a hard link"),
               tarfile.CHRTYPE: N_("a device"), tarfile.BLKTYPE: N_("a device"), tarfile.FIFOTYPE: N_("a pipe"),
               tarfile.DIRTYPE: N_("a folder"), tarfile.CONTTYPE: N_("a special file"),
               tarfile.GNUTYPE_SPARSE: N_("a sparse file"), tarfile.GNUTYPE_LONGNAME: N_("a long-name record"),
               tarfile.GNUTYPE_LONGLINK: N_("a long-link record"), tarfile.XGLTYPE: N_("a global header")}
_PAX_KEYS = {"path", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"}


def _write(target: BinaryIO, data: bytes | memoryview) -> None:
    """Every byte the import writes goes through here (a hook for fault-injection tests)."""
    target.write(data)


class _Truncated(Damaged):
    """The file stops before the end of the backup."""


def _truncated(path: Path, problem: str) -> _Truncated:
    return _Truncated(damaged(path, problem).message)


class _Corrupt(Damaged):
    """The zstd frames do not decode (a checksum that fails, a corrupt block): whatever they hold, the
    file is damaged, even in its first frame, where "not a backup" would send a person the wrong way."""


def _corrupt(path: Path, reason: object = None) -> _Corrupt:
    if reason is None:
        return _Corrupt(damaged(path, _("its compressed data is corrupt")).message)
    return _Corrupt(damaged(path, _("its compressed data is corrupt ({reason})").format(reason=reason)).message)


# --- the compressed stream -------------------------------------------------------------------------

def _frame_header_size(descriptor: int) -> int:
    """The bytes of a zstd frame header (magic included), from its Frame_Header_Descriptor (RFC 8878)."""
    single = descriptor >> 5 & 1
    return 5 + (1 - single) + (0, 1, 2, 4)[descriptor & 3] + (single, 2, 4, 8)[descriptor >> 6]


def _block(header: bytes | memoryview) -> tuple[int, bool] | None:
    """A zstd block's 3-byte header: the bytes of the block with it, and whether it is the frame's last;
    None for a reserved type or an oversized block (corrupt)."""
    value = int.from_bytes(header, "little")
    kind, size = value >> 1 & 3, value >> 3
    if kind == 3 or size > _Blocks.MAX_BLOCK:
        return None
    return 3 + (1 if kind == 1 else size), bool(value & 1)


class _Blocks:
    """Where to cut a zstd frame's bytes so that one decompress call covers at most ``limit`` blocks.

    A block holds at most 128 KiB once decompressed, whatever its type (format rule; a larger
    Block_Size is corrupt), so a call yields at most (limit + 1) × 128 KiB: memory stays bounded
    against bombs, while incompressible data still goes through in pieces of megabytes. Only the
    headers are read here; the decompressor checks everything else."""

    MAX_BLOCK = 128 << 10

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.state = "frame"  # frame header, then blocks, then the checksum, then the end
        self.left = 0  # bytes of the current unit (header, block, checksum) not yet passed
        self.checksum = 0

    @property
    def ended(self) -> bool:
        return self.state == "end" and not self.left

    def cut(self, raw: memoryview) -> int:
        """How many leading bytes of ``raw`` to decompress now (0: more input is needed first)."""
        pos = blocks = 0
        while True:
            if self.left:
                step = min(self.left, len(raw) - pos)
                pos += step
                self.left -= step
                if self.left:
                    return pos
            if self.state == "frame":
                if len(raw) - pos < 5:
                    return pos
                descriptor = raw[pos + 4]
                self.checksum = 4 if descriptor & 4 else 0
                self.left = _frame_header_size(descriptor)
                self.state = "block"
            elif self.state == "block":
                if blocks == self.limit or len(raw) - pos < 3:
                    return pos
                block = _block(raw[pos:pos + 3])
                if block is None:
                    return -1
                self.left, last = block
                blocks += 1
                if last:
                    self.state = "checksum"
            elif self.state == "checksum":
                self.left = self.checksum
                self.state = "end"
            else:
                return pos


class _Stream:
    """Decompressed bytes of the file's zstd frames (one after the other: their contents are one
    stream), read exactly, with bounded memory."""

    def __init__(self, fh: BinaryIO, path: Path, *, raw_chunk: int = RAW_CHUNK,
                 progress: ProgressCallback = no_progress, phase: str = "", total: int = 0,
                 cancel: threading.Event | None = None, initial: bytes = b"") -> None:
        self.fh, self.path, self.raw_chunk = fh, path, raw_chunk
        self.progress, self.phase, self.total, self.cancel = progress, phase, total, cancel
        self.dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW_BYTES)
        self.dobj = self.dctx.decompressobj()
        self.blocks = _Blocks(BLOCKS_PER_CALL)
        self.buffer = memoryview(bytearray(raw_chunk))
        self.raw = memoryview(initial)
        self.pending = memoryview(b"")  # output of the last decompress call not handed out yet
        self.consumed = len(initial)  # compressed bytes read
        self.read_once = ReadOnce(fh)
        self.produced = 0  # decompressed bytes handed out

    def _read_raw(self) -> bool:
        """Append the file's next compressed bytes to ``raw``; False at the end of the file. Into one
        buffer, reused (fresh memory costs a page fault per 4 KiB) once ``raw`` is all consumed: the
        decompressor keeps none of its input."""
        check_cancel(self.cancel)
        try:
            if self.raw:  # a header cut in two: rare
                more = self.fh.read(self.raw_chunk)
                size = len(more)
                if more:
                    self.raw = memoryview(bytes(self.raw) + more)
            else:
                size = self.fh.readinto(self.buffer)
                self.raw = self.buffer[:size]
        except OSError as exc:  # the file's fault (its disk's): an older backup may read (import --latest)
            raise unreadable(self.path, exc) from None
        if not size:
            return False
        self.consumed += size
        self.read_once.read_to(self.consumed)
        self.progress(Progress(self.phase, self.consumed, self.total))
        return True

    def _more(self) -> None:
        if not self._read_raw():
            raise _truncated(self.path, _("it is truncated (the compressed data stops before its end)"))

    def _next_frame(self) -> bool:
        """Start decompressing the frame after the one that has just ended; False at the end of the file."""
        if not self.raw and not self._read_raw():
            return False
        while len(self.raw) < len(ZSTD_MAGIC):
            if not self._read_raw():
                raise _truncated(self.path, _("it is truncated (the compressed data stops before its end)"))
        if self.raw[:len(ZSTD_MAGIC)] != ZSTD_MAGIC:  # skippable frames and anything else: refused
            raise _corrupt(self.path)
        self.dobj = self.dctx.decompressobj()
        self.blocks = _Blocks(BLOCKS_PER_CALL)
        return True

    def _fill(self, *, next_frame: bool = True) -> bool:
        """Decompress more into ``pending``; False at the end of the last frame (with ``next_frame``
        False: at the end of the current frame)."""
        while True:
            if self.dobj.eof and not (next_frame and self._next_frame()):
                return False
            if self.blocks.ended:  # the headers say the frame is over, the decompressor does not
                raise _corrupt(self.path)
            end = self.blocks.cut(self.raw) if self.raw else 0
            if end < 0:
                raise _corrupt(self.path)
            if end == 0:
                self._more()
                continue
            piece, self.raw = self.raw[:end], self.raw[end:]
            try:
                data = self.dobj.decompress(piece)
            except zstandard.ZstdError as exc:  # past the zstd magic: a damaged file, first frame too
                raise _corrupt(self.path, exc) from None
            if data:
                self.pending = memoryview(data)
                return True

    def read_some(self, size: int) -> memoryview:
        """Between 1 and ``size`` bytes, without copying; a frame that ends sooner is truncated."""
        if not self.pending and not self._fill():
            raise _truncated(self.path, _("it is truncated (the archive stops before its end)"))
        data, self.pending = self.pending[:size], self.pending[size:]
        self.produced += len(data)
        return data

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes; a frame that ends sooner is truncated."""
        if len(self.pending) >= size:
            return bytes(self.read_some(size))
        out = bytearray()
        while len(out) < size:
            out += self.read_some(size - len(out))
        return bytes(out)

    def read_rest(self, limit: int) -> bytes:
        """What remains in the current frame, refusing more than ``limit`` bytes."""
        out = bytearray(self.pending)
        self.pending = memoryview(b"")
        while len(out) <= limit and self._fill(next_frame=False):
            out += self.pending[:limit + 1 - len(out)]
            self.pending = memoryview(b"")
        if len(out) > limit:
            raise damaged(self.path, _("it holds unexpected data after its last member"))
        self.produced += len(out)
        return bytes(out)

    def finish(self) -> None:
        """The last frame has ended (its checksum was checked) and the file holds nothing after it."""
        if not self.dobj.eof:
            raise damaged(self.path, _("it is truncated (the compressed data stops before its end)"))
        if self.dobj.unused_data or self.raw or self.fh.read(1):
            raise damaged(self.path, _("it has extra data after its end (garbage or a second part)"))


# --- tar members ---------------------------------------------------------------------------------

def _parse_pax(data: bytes, path: Path) -> dict[str, str]:
    records: dict[str, str] = {}
    pos = 0
    try:
        while pos < len(data):
            space = data.index(b" ", pos)
            length = int(data[pos:space])
            record = data[space + 1:pos + length]
            if length <= 0 or not record.endswith(b"\n"):
                raise ValueError
            key, value = record[:-1].decode("utf-8").split("=", 1)
            records[key] = value
            pos += length
    except ValueError:
        raise damaged(path, _("a tar extended header is malformed")) from None
    unknown = set(records) - _PAX_KEYS
    if unknown:
        raise damaged(path, _("a tar extended header holds unexpected fields ({fields})")
                      .format(fields=", ".join(shown(key, 30) for key in sorted(unknown)[:3])))
    return records


class _EndOfArchive(Exception):
    """A zero block where a member header should be: the tar archive ends here."""


def _header(stream: _Stream) -> tarfile.TarInfo:
    block = stream.read(BLOCK)
    if block[257:265] != b"ustar\x0000":
        if block == b"\0" * BLOCK:
            raise _EndOfArchive
        raise damaged(stream.path, _("a tar header is not in POSIX format"))
    try:
        return tarfile.TarInfo.frombuf(block, "utf-8", "strict")
    except (tarfile.HeaderError, UnicodeDecodeError, ValueError):
        raise damaged(stream.path, _("a tar header is corrupt")) from None


def _member(stream: _Stream) -> tarfile.TarInfo:
    """The next member's header, with the name, size and owner its extended header gives; refuses
    anything but a regular file."""
    info = _header(stream)
    pax: dict[str, str] = {}
    if info.type == tarfile.XHDTYPE:
        if info.size > MAX_PAX_BYTES:
            raise damaged(stream.path, _("a tar extended header is too large"))
        pax = _parse_pax(stream.read(info.size), stream.path)
        stream.read(-info.size % BLOCK)
        info = _header(stream)
    if info.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        kind = _(_TYPE_NAMES.get(info.type, N_("an unknown kind of member")))
        raise damaged(stream.path, _("member {name} is {kind}, not a file").format(name=shown(info.name), kind=kind))
    try:
        info.size = int(pax.get("size", info.size))
        info.uid, info.gid = int(pax.get("uid", info.uid)), int(pax.get("gid", info.gid))
    except ValueError:
        raise damaged(stream.path, _("a tar extended header is malformed")) from None
    info.name = pax.get("path", info.name)
    info.uname, info.gname = pax.get("uname", info.uname), pax.get("gname", info.gname)
    return info


def _check_owner_and_mode(info: tarfile.TarInfo, path: Path) -> None:
    """A member as keepbooks writes it: owned by root (0, no names), with no setuid, setgid or sticky bit
    and writable by its owner alone. A manual restore as FORMAT.md shows it (tar -x), run as root, gives
    the files the owner and mode in the archive: a setuid file or one a stranger owns or may write."""
    if info.mode & ~ALLOWED_MODE:
        raise damaged(path, _("member {name} has unsafe permissions {mode}")
                      .format(name=shown(info.name), mode=f"{info.mode:04o}"))
    if (info.uid, info.gid, info.uname, info.gname) != (0, 0, "", ""):
        owner = f"{info.uname or info.uid}:{info.gname or info.gid}"
        raise damaged(path, _("member {name} belongs to {owner}, where keepbooks writes root (0:0)")
                      .format(name=shown(info.name), owner=shown(owner, 40)))


def _expect(stream: _Stream, expected: str, size: int, seen: set[str]) -> None:
    try:
        info = _member(stream)
        name, actual = info.name, info.size
    except _EndOfArchive:
        raise damaged(stream.path, _("member {name} is missing").format(name=expected)) from None
    if name != expected:
        parts = name.split("/")
        if name.startswith("/") or ".." in parts or "\\" in name or "\0" in name:
            raise damaged(stream.path, _("it holds a member with an unsafe name {name}").format(name=shown(name)))
        if name in seen or name == MANIFEST_NAME:
            raise damaged(stream.path, _("member {name} appears twice").format(name=shown(name)))
        raise damaged(stream.path, _("it holds unexpected member {name} where {expected} should be")
                      .format(name=shown(name), expected=expected))
    if actual != size:
        raise damaged(stream.path, _("member {name} has {actual} bytes where {size} were declared")
                      .format(name=expected, actual=actual, size=size))
    _check_owner_and_mode(info, stream.path)
    seen.add(name)


def _data(stream: _Stream, size: int, hasher: Hasher | _Filler | None = None,
          sink: Callable[[memoryview], None] | None = None) -> Future[str] | None:
    """Read a member's data (and its padding) into ``sink``; returns its sha256 to come, from ``hasher``."""
    digest = hashlib.sha256() if hasher is not None else None
    left = size
    while left:
        chunk = stream.read_some(min(CHUNK, left))
        if hasher is not None:
            hasher.update(digest, chunk)
        if sink is not None:
            sink(chunk)
        left -= len(chunk)
    if stream.read(-size % BLOCK).strip(b"\0"):
        raise damaged(stream.path, _("a tar member's padding is not empty"))
    return hasher.hexdigest(digest) if hasher is not None else None


class _Filler(InOrder):
    """Hashes the attachments' contents and writes them back into the staging database on a helper
    thread, while the next pieces are decompressed (one thread for both: with a lane each, the reader
    waited on whichever was full). The calling thread still reads the list of attachments on the same
    connection between batches; the sqlite3 module is serialised (threadsafety 3), and the writes
    touch only the content of rows already listed."""

    def __init__(self, conn: sqlite3.Connection, db_path: Path) -> None:
        super().__init__("keepbooks-import", depth=8)
        self.conn = conn
        self.blob: sqlite3.Blob | None = None
        # SQLite writes an attachment's zeroblob pages, then its content over them. With the whole
        # attachment in SQLite's cache the zeros are never written (with the default 2,000 KiB, one over
        # 2 MB was written as zeros, read back and written again). One larger than MAX_FILL_CACHE still
        # is: the page drops below keep the last largest-attachment's worth in the page cache, so the
        # zeros are read back from memory, not the disk. The attachments' pages are added after the
        # books' (the snapshot has no free pages): those leave the page cache once on disk, the books
        # stay for the checks and the first screens.
        largest = conn.execute("SELECT coalesce(max(size), 0) FROM attachment").fetchone()[0]
        cache_kib = min(max(largest + KEEP_MARGIN, 2000 << 10), MAX_FILL_CACHE) >> 10
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
        self.sync = EarlySync(db_path, drop_from=db_path.stat().st_size, keep_last=largest + KEEP_MARGIN)

    def _start(self, attachment_id: int, size: int) -> None:
        self.conn.execute("UPDATE attachment SET content = zeroblob(?) WHERE id = ?", (size, attachment_id))
        self.blob = self.conn.blobopen("attachment", "content", attachment_id)

    def _end(self) -> None:
        if self.blob is not None:
            self.blob.close()
            self.blob = None

    def start(self, attachment_id: int, size: int) -> None:
        self.submit(self._start, attachment_id, size)

    def update(self, digest: Any, chunk: memoryview) -> None:
        """Hash ``chunk`` and write it, in one call on the helper thread (as Hasher.update)."""
        self.submit(self._hash_and_write, digest, chunk)
        self.sync.wrote(len(chunk))

    def _hash_and_write(self, digest: Any, chunk: memoryview) -> None:
        digest.update(chunk)
        _write(self.blob, chunk)

    def hexdigest(self, digest: Any) -> Future[str]:
        return self.submit(digest.hexdigest)

    def end(self) -> None:
        self.submit(self._end)

    def finish(self) -> None:
        """Until every write has run; raises the first failure, an early sync's included (its file
        descriptor has reported it: the final fsync, through another one, would not)."""
        self.wait()
        self.sync.check()

    def close(self) -> None:
        super().close()
        self._end()
        self.sync.close()


class _Checksums:
    """The members' SHA-256, computed on a helper thread while decompression goes on, in member order.
    Attachments are compared with their row's checksum as soon as their digest is ready, and all of
    them before SHA256SUMS is compared: nothing is added before every check has passed. The expected
    SHA256SUMS is kept as its length and hash, so memory does not grow with the number of members."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hasher = Hasher()
        self.pending: deque[tuple[str, Future[str] | str, tuple[int, str] | None]] = deque()
        self.expected = hashlib.sha256()
        self.expected_size = 0

    def add(self, name: str, digest: Future[str] | str | None, row: tuple[int, str] | None = None) -> None:
        """A member and its digest; ``row``: the attachment's (id, sha256) it must match."""
        assert digest is not None
        self.pending.append((name, digest, row))
        self.settle(wait=False)

    def settle(self, wait: bool) -> None:
        while self.pending and (wait or isinstance(self.pending[0][1], str) or self.pending[0][1].done()):
            name, digest, row = self.pending.popleft()
            hexdigest = digest if isinstance(digest, str) else digest.result()
            if row is not None and hexdigest != row[1]:
                raise damaged(self.path, _("attachment {id} does not match its checksum").format(id=row[0]))
            line = sums_line(hexdigest, name)
            self.expected.update(line)
            self.expected_size += len(line)

    def close(self) -> None:
        self.hasher.close()


# --- opening the file ------------------------------------------------------------------------------

class _Unreadable(ArchiveError):
    """The backup file could not be read (an I/O error of its disk): the file's fault, not this machine's."""


def unreadable(path: Path, exc: OSError) -> ArchiveError:
    return _Unreadable(_("{file} cannot be read: {reason}.").format(file=path, reason=system_reason(exc)))


def _open(path: Path) -> tuple[BinaryIO, int | None, bytes]:
    """The open file, its size (None for a pipe: it has none) and its first bytes (read, not seeked back:
    the file may be a pipe)."""
    try:
        if path.is_dir():
            raise not_a_backup(path, _("it is a folder"))
        fh = open(path, "rb")
    except FileNotFoundError:
        raise ArchiveError(_("{file} does not exist.").format(file=path)) from None
    except PermissionError:
        raise ArchiveError(_("{file} cannot be read: permission denied.").format(file=path)) from None
    except OSError as exc:
        raise unreadable(path, exc) from None
    try:
        status = os.fstat(fh.fileno())
        size = status.st_size if stat.S_ISREG(status.st_mode) else None
        head = fh.read(4)
    except OSError as exc:
        fh.close()
        raise unreadable(path, exc) from None
    if not head:
        fh.close()
        raise not_a_backup(path, _("it is empty"))
    if head != ZSTD_MAGIC:
        fh.close()
        raise not_a_backup(path, _("it is not zstd-compressed"))
    return fh, size, head


def _read_manifest(stream: _Stream) -> tuple[Manifest, str]:
    """The manifest and its sha256. Another zstd file or another tar fails here as "not a backup"; frames
    that do not decode or stop short, as damaged."""
    try:
        info = _member(stream)
    except (_Truncated, _Corrupt, _Unreadable):
        raise
    except (ArchiveError, _EndOfArchive):
        raise not_a_backup(stream.path, _("it does not start with a keepbooks manifest")) from None
    if info.name != MANIFEST_NAME or info.size > MAX_MANIFEST_BYTES:
        raise not_a_backup(stream.path, _("it does not start with a keepbooks manifest"))
    _check_owner_and_mode(info, stream.path)
    data = bytearray()
    _data(stream, info.size, sink=data.extend)
    return parse_manifest(bytes(data), stream.path), hashlib.sha256(data).hexdigest()


def inspect(path: Path) -> Manifest:
    """The manifest of a backup, reading only the start of the file."""
    path = Path(path)
    fh, size, head = _open(path)
    with fh:
        try:
            manifest, _digest = _read_manifest(_Stream(fh, path, raw_chunk=INSPECT_CHUNK, initial=head))
        except OSError as exc:
            raise unreadable(path, exc) from None
    return dataclasses.replace(manifest, file_size=size)


def check_replaceable(path: Path, company_uid: str) -> None:
    """Raise NotReplaceable unless a backup of the company ``company_uid`` may replace the file at ``path``
    (--force, the app's Replace): a backup of that same company, or an empty file. Another company's backup
    is kept (file names carry catalog ids, which a restore renumbers), and so is whatever cannot be told to
    be ours: a file that is not a keepbooks backup, one damaged before its manifest's end (another
    program's zstd file reads as damaged too), one made by a newer version, one this user cannot read."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return
        manifest = inspect(path)
    except FileNotFoundError:
        return  # gone meanwhile: nothing is replaced
    except (ArchiveError, OSError) as exc:
        problem = exc if isinstance(exc, ArchiveError) else unreadable(path, exc)
        raise NotReplaceable(path, _("{reason} It was left as it is; choose another file or folder.")
                             .format(reason=problem)) from None
    if manifest.company_uid != company_uid:
        raise NotReplaceable(path, _("{file} holds a backup of another company ({name}): it was left as it is; "
                                     "choose another file or folder.").format(file=path,
                                                                             name=shown(manifest.company_name)))


def is_whole(path: Path) -> bool:
    """Whether the file's zstd frames run whole to its very end, read from their headers alone (3 bytes
    a block of up to 128 KiB): a backup cut short (a full disk, a copy killed half-way) still shows its
    manifest, and this tells it apart without reading it all. It says nothing of the contents (verify)."""
    with open(path, "rb") as fh:
        fd, size, pos = fh.fileno(), os.fstat(fh.fileno()).st_size, 0
        if hasattr(os, "posix_fadvise"):  # a few bytes a block: no read-ahead of the whole file into memory
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        while pos < size:
            header = os.pread(fd, 5, pos)
            if len(header) < 5 or header[:4] != ZSTD_MAGIC:
                return False
            descriptor = header[4]
            pos += _frame_header_size(descriptor)
            last = False
            while not last:
                header = os.pread(fd, 3, pos)
                block = _block(header) if len(header) == 3 else None
                if block is None:
                    return False
                length, last = block
                pos += length
            pos += 4 if descriptor & 4 else 0
        return 0 < pos == size


# --- checking the database inside ----------------------------------------------------------------

def _open_untrusted(db_path: Path) -> sqlite3.Connection:
    """``db_path`` may be relative: a backup's snapshot is beside the backup, and -o may be relative."""
    conn = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA cell_size_check = ON")
    conn.execute("PRAGMA query_only = ON")
    return conn


# The heading SQLite puts before the problems of a page ("*** in database main ***\nPage 16: …").
_HEADING = re.compile(r"^\*\*\* in database \S+ \*\*\*$")


def _check_integrity(conn: sqlite3.Connection, path: Path, pragma: str, argument: str = "20") -> None:
    """``argument``: how many problems to list, or the one table to check (with its indexes)."""
    result = conn.execute(f"PRAGMA {pragma}({argument})").fetchall()
    if result != [("ok",)]:
        problems = [line for (row,) in result for line in str(row).splitlines() if not _HEADING.match(line)]
        raise damaged(path, _("its company database fails SQLite's integrity check ({detail})")
                      .format(detail=shown(problems[0] if problems else str(result[0][0]), 120)))


def _check_relations(conn: sqlite3.Connection, path: Path) -> None:
    """What quick_check leaves out: every index against its table, and every foreign key."""
    _check_integrity(conn, path, "integrity_check")
    if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise damaged(path, _("its company database has broken links between its records"))


def _check_values(conn: sqlite3.Connection, path: Path) -> None:
    """The values keepbooks relies on (store.values: amounts, balance, dates, kinds, settings), once the
    structure and the links are known sound; on the checks' thread, where they end before the attachments
    are read (reference company: 0.25 s of SQL, 0.4-0.6 s beside the decompression; they end 1.1-1.5 s
    before the attachments of an import, 0.2-0.3 s before those of a verify)."""
    problem = books_problem(conn)
    if problem is not None:
        raise damaged(path, _("in its company database, {problem}").format(problem=problem))


# Failures of this machine (disk, memory), not of the backup's content.
_LOCAL_FAILURES = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM}


def _database_error(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    """What to report when the received database cannot be read: this machine's failure as it is (the
    import reports it as such), anything else as a damaged backup."""
    if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in _LOCAL_FAILURES:
        return exc
    return damaged(path, _("its company database cannot be read ({reason})").format(reason=exc))


def _check_header(db_path: Path, path: Path) -> None:
    """books.sqlite is an SQLite database in rollback-journal mode, before SQLite opens it at all."""
    with open(db_path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or header[:16] != SQLITE_MAGIC or header[18:20] != b"\x01\x01":
        raise damaged(path, _("its company database is not an SQLite database in the expected mode"))


def _check_database(db_path: Path, manifest: Manifest, path: Path) -> None:
    """The checks of books.sqlite on the calling thread, on a read-only, untrusted connection, SQLite's
    quick_check first, then against the manifest; the rest (indexes, foreign keys) is _ParallelChecks'."""
    conn = _open_untrusted(db_path)
    try:
        _check_integrity(conn, path, "quick_check")
        _check_against_manifest(conn, manifest, path)
    except sqlite3.DatabaseError as exc:
        raise _database_error(path, exc) from None
    finally:
        conn.close()


def _check_against_manifest(conn: sqlite3.Connection, manifest: Manifest, path: Path) -> None:
    """books.sqlite holds what the manifest says: its schema, its rows, its company, its attachments list."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != manifest.schema_version:
        raise damaged(path, _("its company database has another schema version than its manifest"))
    extra, missing = schema_difference(schema_of(conn), known_schemas()[manifest.schema_version])
    if extra or missing:
        detail = ", ".join([*(f"+{shown(n, 40)}" for n in extra[:3]), *(f"-{n}" for n in missing[:3])])
        raise damaged(path, _("its company database does not have the expected tables ({detail})")
                      .format(detail=detail))
    for category, table in COUNTED_TABLES.items():
        count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        if count != manifest.counts[category]:
            raise damaged(path, _("its company database holds {count} rows of {table} where the manifest "
                                  "says {declared}").format(count=count, table=table,
                                                            declared=manifest.counts[category]))
        if category in OPTIONAL and not manifest.include.has(category) and count:
            raise damaged(path, _("it holds {table} rows although they were left out").format(table=table))
    settings = conn.execute("SELECT uid, name FROM settings").fetchall()
    if settings != [(manifest.company_uid, manifest.company_name)]:
        raise damaged(path, _("its company settings do not match its manifest"))
    total, bad = conn.execute(
        "SELECT total(size), count(*) FILTER (WHERE length(content) != 0 OR typeof(size) != 'integer' "
        "OR size < 0 OR typeof(sha256) != 'text' OR length(sha256) != 64 OR sha256 GLOB '*[^0-9a-f]*') "
        "FROM attachment").fetchone()
    if bad or int(total) != manifest.attachments_size:
        raise damaged(path, _("its attachments list does not match its manifest"))


def check_copied(conn: sqlite3.Connection, transferred: list[str], copied: list[str], path: Path,
                 stopped: threading.Event) -> None:
    """The import's checks of the records a backup copies from the company's books ``path`` (Damaged,
    naming ``path``, if one fails), made on the books themselves, on ``conn``, a connection in the
    backup's read transaction, while the copy runs: SQLite copies a damaged record as it is (found by
    a reliability audit). ``transferred``: the tables whose records and index entries the copy takes
    as they are (SQLite's transfer optimisation), each checked with its indexes by integrity_check;
    the other copied tables' rows are decoded and written anew, and their indexes built from them.
    ``copied``: every table the backup holds rows of, whose foreign keys are checked. The values are
    those of tables always transferred whole. ``stopped`` interrupts the checks."""
    conn.set_progress_handler(lambda: 1 if stopped.is_set() else 0, 100_000)
    for table in transferred:
        _check_integrity(conn, path, "integrity_check", f'"{table}"')
    for table in copied:
        if conn.execute(f'PRAGMA foreign_key_check("{table}")').fetchone() is not None:
            raise damaged(path, _("its company database has broken links between its records"))
    _check_values(conn, path)


def check_written(db_path: Path, manifest: Manifest, path: Path, stopped: threading.Event, *,
                  every_check: bool) -> None:
    """The rest of the import's checks of a backup's books.sqlite (Damaged, naming ``path``, if one
    fails), for a backup to make on its snapshot before it says the backup is made: the header, and
    the schema, rows and company the manifest says. What the snapshot holds passed check_copied on its
    way in, or was decoded and written anew, by SQLite, which wrote every page of the file itself.
    ``every_check``: the books failed check_copied, so every check the import makes is made here, on
    the snapshot. ``stopped`` interrupts it."""
    _check_header(db_path, path)
    conn = _open_untrusted(db_path)
    try:
        conn.set_progress_handler(lambda: 1 if stopped.is_set() else 0, 100_000)
        if every_check:
            _check_relations(conn, path)
            _check_values(conn, path)
        _check_against_manifest(conn, manifest, path)
    except sqlite3.DatabaseError as exc:
        raise _database_error(path, exc) from None
    finally:
        conn.close()


class _ParallelChecks:
    """The checks of the received database that quick_check leaves out (every index against its
    table, every foreign key: _check_relations), then of its values (_check_values), on a helper
    thread, from as soon as the database is out of the backup: they run while quick_check and the
    checks against the manifest run on the calling thread, then while the attachments are read.
    An import writes the attachments into the database, so its checks read a private copy
    (``private_copy``), made first on this thread (the caller waits for it before it changes the
    database: wait_for_copy); a verify, which writes nothing, reads the database itself. Either waits
    for their verdict before it adds anything or says the file is sound. integrity_check is the first
    statement this thread runs: no other SQL meets a database before a check of its structure, on
    either thread."""

    def __init__(self, db_path: Path, path: Path, *, private_copy: bool) -> None:
        self.source = db_path
        self.copy: Path | None = db_path.with_name("checks.sqlite") if private_copy else None
        self.db_path = self.copy or db_path
        self.path = path
        self.stopped = threading.Event()
        self.copied = threading.Event()
        if self.copy is None:
            self.copied.set()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="keepbooks-checks", daemon=True)
        self.thread.start()

    def _make_copy(self, copy: Path) -> None:
        try:
            shutil.copyfile(self.source, copy)
        except BaseException as exc:
            self.error = exc  # before the caller learns the copy is over
            raise
        finally:
            self.copied.set()

    def _run(self) -> None:
        try:
            if self.copy is not None:
                self._make_copy(self.copy)
                if self.stopped.is_set():
                    return
            conn = _open_untrusted(self.db_path)
            try:
                conn.set_progress_handler(lambda: 1 if self.stopped.is_set() else 0, 100_000)
                _check_relations(conn, self.path)
                _check_values(conn, self.path)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if not self.stopped.is_set():
                self.error = _database_error(self.path, exc)
        except BaseException as exc:
            self.error = exc
        finally:
            if self.copy is not None:
                self.copy.unlink(missing_ok=True)

    def wait_for_copy(self) -> None:
        """Until the database may change: the private copy is made (or failed). Not cancellable, as
        the copy itself (a fraction of a second per 100 MB of books) is not."""
        self.copied.wait()
        self.raise_if_failed()

    def result(self, cancel: threading.Event | None) -> None:
        """Wait for the verdict, a cancel still stopping the wait; raises if a check failed."""
        join_cancellable(self.thread, cancel)
        self.raise_if_failed()

    def raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def _check_space(work: Path, needed: int, path: Path) -> None:
    """Refuse early when ``work`` (a private folder, removed on failure: its parent is named) has not
    the room for ``needed`` bytes and a margin."""
    free = shutil.disk_usage(work).free
    needed += SPACE_MARGIN
    if needed > free:
        raise StorageError(_("There is not enough free space in {folder} to read {file}: it needs {needed} MB, "
                             "{free} MB are free.").format(folder=work.parent, file=path, needed=needed // 10**6 + 1,
                                                          free=free // 10**6))


def _read_all(path: Path, work: Path, *, fill: bool, progress: ProgressCallback,
              cancel: threading.Event | None) -> Manifest:
    """Read and check the whole backup. books.sqlite goes to ``work``; with ``fill`` the attachments'
    contents are written back into it, else they are only checked."""
    fh, file_size, head = _open(path)
    phase = _("Importing the backup") if fill else _("Checking the backup")
    with fh:
        stream = _Stream(fh, path, progress=progress, phase=phase, total=file_size or 0, cancel=cancel,
                         initial=head)
        manifest, manifest_sha256 = _read_manifest(stream)
        # An import also writes the attachments and a private copy of the database (_ParallelChecks).
        needed = manifest.database_size + (manifest.database_size + manifest.attachments_size if fill else 0)
        _check_space(work, needed, path)
        seen = {MANIFEST_NAME}
        checksums = _Checksums(path)
        try:
            checksums.add(MANIFEST_NAME, manifest_sha256)
            _expect(stream, DATABASE_NAME, manifest.database_size, seen)
            db_path = work / DATABASE_NAME
            with open(db_path, "xb") as out:
                head_bytes = bytearray()

                def sink(chunk: memoryview) -> None:
                    if len(head_bytes) < len(SQLITE_MAGIC):
                        head_bytes.extend(chunk[:len(SQLITE_MAGIC) - len(head_bytes)])
                        if not SQLITE_MAGIC.startswith(bytes(head_bytes)):
                            raise damaged(path, _("its company database is not an SQLite database"))
                    _write(out, chunk)

                checksums.add(DATABASE_NAME, _data(stream, manifest.database_size, checksums.hasher, sink))
                out.flush()
            _check_header(db_path, path)
            checks: _ParallelChecks | None = None
            conn: sqlite3.Connection | None = None
            filler: _Filler | None = None
            try:
                checks = _ParallelChecks(db_path, path, private_copy=fill)
                _check_database(db_path, manifest, path)
                if fill:
                    checks.wait_for_copy()
                    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
                    conn.execute("PRAGMA trusted_schema = OFF")
                    conn.execute("PRAGMA journal_mode = OFF")  # staging: discarded whole if anything fails
                    conn.execute("PRAGMA synchronous = OFF")
                    filler = _Filler(conn, db_path)
                    conn.execute("BEGIN")
                else:
                    conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, isolation_level=None)
                    conn.execute("PRAGMA trusted_schema = OFF")
                for attachment_id, size, sha256 in attachment_rows(conn):
                    checks.raise_if_failed()  # no need to read the rest of a file already refused
                    name = attachment_member(attachment_id)
                    _expect(stream, name, size, seen)
                    if filler is not None:
                        filler.start(attachment_id, size)
                        digest = _data(stream, size, filler)
                        filler.end()
                    else:
                        digest = _data(stream, size, checksums.hasher)
                    checksums.add(name, digest, (attachment_id, sha256))
                checksums.settle(wait=True)
                checks.result(cancel)
                if filler is not None:
                    filler.finish()
                    conn.execute("COMMIT")
                    conn.execute("PRAGMA journal_mode = WAL")
            finally:
                if checks is not None:
                    checks.stop()
                if filler is not None:
                    filler.close()
                if conn is not None:
                    conn.close()
        finally:
            checksums.close()
        _expect(stream, SUMS_NAME, checksums.expected_size, seen)
        actual = hashlib.sha256()
        _data(stream, checksums.expected_size, sink=actual.update)
        if actual.digest() != checksums.expected.digest():
            raise damaged(path, _("a member does not match its checksum in {sums}").format(sums=SUMS_NAME))
        end = stream.read(2 * BLOCK)
        rest = stream.read_rest(RECORD)
        if end.strip(b"\0") or rest.strip(b"\0"):
            raise damaged(path, _("it holds unexpected data after its last member"))
        stream.finish()
    return dataclasses.replace(manifest, file_size=file_size)


# --- public entry points (re-exported by store.archive) ------------------------------------------

def _io_error(path: Path, exc: OSError | sqlite3.Error, folder: Path) -> StorageError:
    """An import that could not write under ``folder`` (the companies folder) or read ``path``."""
    if disk_full(exc, folder):
        reason = _("the disk holding {folder} is full").format(folder=folder)
    elif isinstance(exc, OSError):
        reason = system_reason(exc)
    else:
        reason = str(exc)
    return StorageError(_("Cannot import {file}: {reason}.").format(file=path, reason=reason))


def verify(path: Path, *, progress: ProgressCallback = no_progress,
           cancel: threading.Event | None = None) -> Manifest:
    """Make every check import makes, adding nothing; returns the manifest when the file would import."""
    path = Path(path)
    work = system_temp_workspace("keepbooks-verify")
    try:
        return _read_all(path, work.folder, fill=False, progress=progress, cancel=cancel)
    except OSError as exc:
        raise StorageError(_("Cannot check {file}: {reason}.").format(file=path, reason=system_reason(exc))) from exc
    except sqlite3.Error as exc:
        raise StorageError(_("Cannot check {file}: {reason}.").format(file=path, reason=exc)) from exc
    finally:
        work.cleanup()


@dataclasses.dataclass(frozen=True)
class Imported:
    """The company an import added, and the manifest of the backup it came from (what that held)."""

    company: CompanyInfo
    manifest: Manifest


def import_backup(catalog, path: Path, *, name: str | None = None, progress: ProgressCallback = no_progress,
                  cancel: threading.Event | None = None) -> CompanyInfo:
    """import_company's new company alone."""
    return import_company(catalog, path, name=name, progress=progress, cancel=cancel).company


def import_company(catalog, path: Path, *, name: str | None = None, progress: ProgressCallback = no_progress,
                   cancel: threading.Event | None = None) -> Imported:
    """Check the whole backup, then add it as one new company, or add nothing.

    The new company gets a new id and a new books uid (its history records the backup and the uid it
    came from): it is a company of its own, whose backups prune never mixes with the original's."""
    from store.books import check_company_name

    path = Path(path)
    if name is not None:
        name = check_company_name(name)
    staging = catalog.staging()
    try:
        try:
            manifest = _read_all(path, staging.path, fill=True, progress=progress, cancel=cancel)
            upgrade(staging.books_path)  # checked above against its own schema version
            with Books(staging.books_path) as books:
                books.mark_restored(path, source_uid=manifest.company_uid,
                                    backup_created_at=manifest.created_at, name=name)
            check_cancel(cancel)
            fsync_path(staging.books_path)
            fsync_path(staging.path)
        except (OSError, sqlite3.Error) as exc:
            raise _io_error(path, exc, staging.path.parent) from exc
    except BaseException:
        staging.discard()
        raise
    return Imported(catalog.add_prepared(staging, name or manifest.company_name), manifest)
