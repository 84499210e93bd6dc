"""Putting files on disk for good: fsync, early syncs while a file is written, and the backup file
itself, written past the page cache.

A backup is written once and not read again soon. Through the page cache, each of its bytes is
first copied into fresh kernel memory (dear in a VM that hands freed memory back to its host: there
it can cost ten times what reused memory costs) and pushes the server's hot data out of the cache,
only to be written to disk by the fsync at the end. With O_DIRECT, the disk reads it straight from a
few reused buffers instead.
"""

from __future__ import annotations

import errno
import fcntl
import io
import mmap
import os
import queue
import shutil
import sqlite3
import stat
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

SYNC_EVERY = 64 << 20  # bytes written between two early syncs (EarlySync)
# O_DIRECT needs aligned addresses, offsets and lengths: 4 KiB suits most disks (on the others a
# write fails with EINVAL and the rest goes through the page cache).
DIRECT_ALIGN = 4096
BUFFER_BYTES = 4 << 20
BUFFERS = 2  # one filled by the caller while the other is written (a third: +4 MB of peak memory, no faster)
DROP_EVERY = 32 << 20  # bytes read between two drops (ReadOnce)
# What Linux offers and macOS does not: there, early syncs are full fsyncs and nothing is dropped.
_fdatasync = getattr(os, "fdatasync", os.fsync)
CAN_DROP = hasattr(os, "posix_fadvise")


FULL_BELOW = 1 << 20  # free bytes under which a failed write is put down to a full disk


def disk_full(exc: BaseException, folder: Path) -> bool:
    """Whether a write under ``folder`` failed because its disk is full. SQLite does not always say
    so: it may report 'disk I/O error', or fail the rollback that follows ('cannot rollback - no
    transaction is active'), so the space left is looked at too."""
    seen: BaseException | None = exc
    for _depth in range(10):  # the error and what it was raised from (a chain is short, never a loop)
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(seen, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW
    except OSError:
        return False


def fsync_path(path: Path) -> None:
    """Make a file or a folder (its entries) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EarlySync:
    """Starts putting a file on disk while it is still being written: every SYNC_EVERY bytes a helper
    thread runs fdatasync (unless the previous one still runs), so the fsync that durability needs at
    the end finds little left to write. A failed sync is kept for ``check``: its file descriptor has
    reported the failure, so an fsync through a descriptor opened later would not.

    With ``drop_from``, what is on disk from that offset on then leaves the page cache, but for the
    last ``keep_last`` bytes of the file (pages the writer may still read back): the next writes
    reuse that memory instead of fresh memory for every byte (in a VM that hands freed memory back
    to its host, writing 1 GB into fresh memory took 2.5-2.9 s of system time, reusing a few MB
    0.45 s), and a large import or backup does not push the server's hot data out of the cache."""

    def __init__(self, path: Path, drop_from: int | None = None, keep_last: int = 0) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.drop_from, self.keep_last = drop_from, keep_last
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keepbooks-sync")
        self.running: Future[None] | None = None
        self.since = 0
        self.error: OSError | None = None

    def wrote(self, size: int) -> None:
        self.since += size
        if self.since >= SYNC_EVERY and (self.running is None or self.running.done()):
            self.since = 0
            self.running = self.pool.submit(self._sync)

    def _sync(self) -> None:
        try:
            _fdatasync(self.fd)
        except OSError as exc:
            self.error = self.error or exc
            return
        if self.drop_from is not None and CAN_DROP:
            try:
                end = os.fstat(self.fd).st_size - self.keep_last
                if end > self.drop_from:
                    os.posix_fadvise(self.fd, self.drop_from, end - self.drop_from, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass  # only advice: the pages stay cached

    def check(self) -> None:
        """Wait for the sync under way; raise the first failure a sync met."""
        if self.running is not None:
            self.running.result()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        try:
            self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            os.close(self.fd)


class ReadOnce:
    """A file read once from start to end (a backup being imported or checked): every DROP_EVERY
    bytes, what has been read leaves the page cache. A backup read from the disk then reuses a few
    MB of memory instead of needing fresh memory for all of it, and the server's hot data stays.
    Pipes and other streams are left alone."""

    def __init__(self, fh: BinaryIO) -> None:
        try:
            fd = fh.fileno()
            self.fd: int | None = fd if CAN_DROP and stat.S_ISREG(os.fstat(fd).st_mode) else None
        except (AttributeError, OSError, io.UnsupportedOperation):
            self.fd = None
        self.dropped = 0

    def read_to(self, offset: int) -> None:
        """Everything before ``offset`` has been read."""
        if self.fd is not None and offset - self.dropped >= DROP_EVERY:
            try:
                os.posix_fadvise(self.fd, 0, offset, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass  # only advice
            self.dropped = offset


def _set_direct(fd: int, direct: bool) -> bool:
    """Turn O_DIRECT on or off for ``fd``; False where the file system does not offer it (tmpfs
    before Linux 6.6, some network file systems)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_DIRECT if direct else flags & ~os.O_DIRECT)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return False
        raise
    return direct


def _write(fd: int, data: memoryview) -> int:
    """One write(2) (a hook for fault-injection tests)."""
    return os.write(fd, data)


class DirectFile:
    """A new, private, write-only file (created exclusively), filled through BUFFERS page-aligned
    buffers that a helper thread writes with O_DIRECT while the caller fills the next one. Where the
    file system refuses direct writes, the same thread writes through the page cache, with EarlySync.
    The last, partial buffer is written by ``flush`` without O_DIRECT (its length is not aligned).

    A write failure (a full disk) is raised by the caller's next ``write`` or by ``flush``; the
    buffers after it are dropped. ``close`` without ``flush`` leaves out the last, partial buffer:
    the file is a temporary one, removed when anything failed."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self.path = path
        self.sync: EarlySync | None = None
        self.thread: threading.Thread | None = None
        self.free: queue.Queue[mmap.mmap] = queue.Queue()
        self.full: queue.Queue[tuple[mmap.mmap, int] | None] = queue.Queue()
        self.error: BaseException | None = None
        self.filled = 0
        try:
            self.direct = hasattr(os, "O_DIRECT") and _set_direct(self.fd, True)
            if not self.direct:
                self.sync = EarlySync(path, drop_from=0)
            self.current = mmap.mmap(-1, BUFFER_BYTES)
            for _ in range(BUFFERS - 1):
                self.free.put(mmap.mmap(-1, BUFFER_BYTES))
            self.thread = threading.Thread(target=self._run, name="keepbooks-write", daemon=True)
            self.thread.start()
        except BaseException:
            self.close()
            raise

    def _run(self) -> None:
        while (item := self.full.get()) is not None:
            buffer, length = item
            try:
                if self.error is None:
                    self._write_out(buffer, length)
            except BaseException as exc:
                self.error = exc
            finally:
                self.free.put(buffer)
                self.full.task_done()
        self.full.task_done()

    def _write_out(self, buffer: mmap.mmap, length: int) -> None:
        if self.direct and length % DIRECT_ALIGN:
            # The last piece: its length is not a multiple of the disk's blocks.
            self.direct = _set_direct(self.fd, False)
        view = memoryview(buffer)[:length]
        try:
            while view:
                try:
                    written = _write(self.fd, view)
                except OSError as exc:
                    if not (self.direct and exc.errno == errno.EINVAL):
                        raise
                    # Refused after all (a disk with larger blocks, a partial write that left the
                    # offset unaligned): the rest goes through the page cache.
                    self._buffered()
                    continue
                if self.sync is not None:
                    self.sync.wrote(written)
                view = view[written:]
        finally:
            view.release()  # the buffer can be unmapped at close, even when a traceback holds this frame

    def _buffered(self) -> None:
        self.direct = _set_direct(self.fd, False)
        if self.sync is None:
            self.sync = EarlySync(self.path, drop_from=0)

    def _raise_failure(self) -> None:
        if self.fd < 0:
            raise ValueError("I/O operation on closed file")
        if self.error is not None:
            raise self.error

    def write(self, data: bytes | memoryview) -> int:
        self._raise_failure()
        view = memoryview(data).cast("B")
        size = len(view)
        while view:
            part = min(BUFFER_BYTES - self.filled, len(view))
            self.current[self.filled:self.filled + part] = view[:part]
            self.filled += part
            view = view[part:]
            if self.filled == BUFFER_BYTES:
                self._hand_over()
        return size

    def _hand_over(self) -> None:
        self.full.put((self.current, self.filled))
        self.current, self.filled = self.free.get(), 0
        self._raise_failure()

    def flush(self) -> None:
        """Write everything written so far, the last partial buffer included."""
        self._raise_failure()
        if self.filled:
            self._hand_over()
        self.full.join()
        self._raise_failure()
        if self.sync is not None:
            self.sync.check()

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if self.fd < 0:
            return
        try:
            if self.thread is not None and self.thread.is_alive():
                self.full.put(None)
                self.thread.join()
            if self.sync is not None:
                self.sync.close()
        finally:
            os.close(self.fd)
            self.fd = -1
            # Unmapped now rather than when a failure's traceback, which holds this object, is freed.
            buffers = [getattr(self, "current", None)]
            while not self.free.empty():
                buffers.append(self.free.get())
            for buffer in buffers:
                if buffer is not None:
                    buffer.close()

    def __enter__(self) -> DirectFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
