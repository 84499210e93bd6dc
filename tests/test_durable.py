"""Files put on disk for good (store/durable.py): the backup file, written past the page cache, gets
every byte in order with O_DIRECT or without it, a failed write is raised and leaves nothing, the
file is fsynced before it gets its name; early syncs report their failures and drop from the page
cache only what they were asked to."""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import random
from pathlib import Path

import pytest

from store import archive, archive_write, durable
from store.catalog import Catalog
from store.durable import BUFFER_BYTES, DirectFile, EarlySync
from store.errors import StorageError
from test_archive_support import (folders_at, leftovers, make_company, original_rows, restored_rows, state,
                                  sweep_backup_failures)


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(folders_at(tmp_path)) as opened:
        yield opened


def pieces(total: int, seed: int = 1) -> list[bytes]:
    """``total`` random bytes in pieces of every kind of size: tiny, unaligned, larger than a buffer."""
    rng = random.Random(seed)
    out, left = [], total
    while left:
        size = min(left, rng.choice([1, 511, 4096, 70_000, BUFFER_BYTES - 3, BUFFER_BYTES + 4097]))
        out.append(rng.randbytes(size))
        left -= size
    return out


def offers_direct(folder: Path) -> bool:
    """Whether this file system takes O_DIRECT, asked the way DirectFile asks."""
    fd = os.open(folder / "probe", os.O_WRONLY | os.O_CREAT)
    try:
        return durable._set_direct(fd, True)
    finally:
        os.close(fd)
        (folder / "probe").unlink()


# --- DirectFile ------------------------------------------------------------------------------------

def test_every_byte_lands_in_order_with_an_unaligned_end(tmp_path: Path) -> None:
    data = pieces(3 * BUFFER_BYTES + 12_345)
    path = tmp_path / "out"
    with DirectFile(path) as out:
        assert out.direct == offers_direct(tmp_path)
        for piece in data:
            out.write(piece)
        out.flush()
    assert path.read_bytes() == b"".join(data)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_file_system_refusing_direct_writes_gets_them_through_the_page_cache(tmp_path: Path,
                                                                                monkeypatch) -> None:
    """One that takes O_DIRECT when asked and then refuses the writes (EINVAL): what was refused is
    written again through the page cache, and so is everything after it."""
    direct: dict[int, bool] = {}
    refused: list[int] = []
    real_write = os.write

    def set_direct(fd: int, on: bool) -> bool:
        direct[fd] = on
        return on

    def write(fd: int, data) -> int:
        if direct.get(fd):
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(durable, "_set_direct", set_direct)
    monkeypatch.setattr(durable, "_write", write)
    data = pieces(2 * BUFFER_BYTES + 100, seed=2)
    path = tmp_path / "out"
    with DirectFile(path) as out:
        for piece in data:
            out.write(piece)
        out.flush()
        assert not out.direct and direct == {out.fd: False}
    assert refused == [BUFFER_BYTES] and path.read_bytes() == b"".join(data)


def test_a_write_failure_on_the_writing_thread_is_raised_to_the_caller(tmp_path: Path, monkeypatch) -> None:
    def write(fd: int, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable, "_write", write)
    with DirectFile(tmp_path / "out") as out:
        with pytest.raises(OSError) as raised:
            for piece in pieces(4 * BUFFER_BYTES, seed=3):
                out.write(piece)
            out.flush()
    assert raised.value.errno == errno.ENOSPC
    with pytest.raises(ValueError):  # closed: refused, not a wait for a writer that is gone
        out.write(b"more")


def test_backup_survives_a_failure_on_every_write_to_the_disk(catalog: Catalog, tmp_path: Path,
                                                              monkeypatch) -> None:
    """Each write(2) of the backup file fails in turn (the disk is full): a clear error naming the
    file, nothing left in the folder, the company untouched; then a backup that works."""
    company = make_company(catalog, transactions=100, attachments_mb=10)
    real_write = durable._write

    def fail_at(n: int) -> None:
        calls = [0]

        def write(fd: int, data) -> int:
            calls[0] += 1
            if calls[0] == n:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(fd, data)

        monkeypatch.setattr(durable, "_write", write)

    n = sweep_backup_failures(catalog, company, tmp_path / "out", fail_at)
    assert n > 2  # the sweep failed whole buffers as well as the last, partial one


def test_the_backup_is_on_disk_before_it_gets_its_name(catalog: Catalog, tmp_path: Path, monkeypatch) -> None:
    company = make_company(catalog, transactions=50, attachments_mb=1)
    events: list[str] = []
    real_fsync, real_publish = os.fsync, archive_write._publish

    def fsync(fd: int) -> None:
        events.append("fsync " + Path(os.readlink(f"/proc/self/fd/{fd}")).name)
        real_fsync(fd)

    def publish(temp: Path, *args) -> None:
        events.append("publish " + temp.name)
        real_publish(temp, *args)

    monkeypatch.setattr(archive_write.os, "fsync", fsync)
    monkeypatch.setattr(archive_write, "_publish", publish)
    archive.backup(company.books_path, tmp_path / "b.manager")
    published = next(i for i, event in enumerate(events) if event.startswith("publish "))
    temp = events[published].removeprefix("publish ")
    assert temp.endswith(".tmp") and f"fsync {temp}" in events[:published]


# --- EarlySync -------------------------------------------------------------------------------------

def cached_pages(path: Path) -> list[bool]:
    """Whether each page of ``path`` is in the page cache (mincore(2) on a read-only mapping)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    size, page = path.stat().st_size, mmap.PAGESIZE
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        assert address not in (None, ctypes.c_void_p(-1).value), os.strerror(ctypes.get_errno())
        try:
            vector = ctypes.create_string_buffer((size + page - 1) // page)
            assert libc.mincore(address, size, vector) == 0, os.strerror(ctypes.get_errno())
            return [bool(flag & 1) for flag in vector.raw]
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)


def drops_written_pages(folder: Path) -> bool:
    """Whether this file system lets written pages leave the page cache (not tmpfs: there the page
    cache is the file) and the system offers posix_fadvise (not macOS)."""
    if not durable.CAN_DROP:
        return False
    probe = folder / "probe"
    with open(probe, "wb") as out:
        out.write(os.urandom(1 << 20))
        out.flush()
        os.fdatasync(out.fileno())
        os.posix_fadvise(out.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    dropped = not any(cached_pages(probe))
    probe.unlink()
    return dropped


def test_early_syncs_drop_what_is_on_disk_between_the_given_bounds_from_the_page_cache(tmp_path: Path) -> None:
    """What the import writes after the books (the attachments) leaves the page cache once on disk,
    so 1 GB of attachments reuses a few MB of it; the books stay, and so does the end of the file
    (the pages of the attachment being written, which SQLite may read back)."""
    if not drops_written_pages(tmp_path):
        pytest.skip(f"the file system of {tmp_path} keeps written pages in memory (tmpfs)")
    mib = 1 << 20  # bounds on 2 MiB: the page cache drops whole folios, which can be that large
    path = tmp_path / "books.sqlite"
    with open(path, "wb") as out:
        sync = EarlySync(path, drop_from=4 * mib, keep_last=4 * mib)
        out.write(os.urandom(16 * mib))
        out.flush()
        sync.wrote(durable.SYNC_EVERY)  # one sync, now
        sync.check()  # waits for it
        sync.close()
    pages = cached_pages(path)
    per_mib = mib // mmap.PAGESIZE
    assert all(pages[:4 * per_mib])  # the books: kept
    assert not any(pages[4 * per_mib:12 * per_mib])  # on disk: dropped
    assert all(pages[12 * per_mib:])  # the last 4 MiB: kept


def test_without_o_direct_early_syncs_let_written_pages_go_and_lose_no_byte(catalog: Catalog, tmp_path: Path,
                                                                            monkeypatch) -> None:
    """Early syncs every 256 KiB: the backup, written through the page cache as on a file system
    without O_DIRECT, and the company imported from it leave the page cache as they reach the disk,
    and hold every attachment byte for byte."""
    monkeypatch.setattr(durable, "SYNC_EVERY", 256 << 10)
    monkeypatch.setattr(durable, "_set_direct", lambda fd, direct: False)
    company = make_company(catalog, transactions=100, attachments_mb=16)
    drops = drops_written_pages(tmp_path)
    result = archive.backup_company(catalog, company.id)
    assert not drops or not all(cached_pages(result.path))
    imported = archive.import_backup(catalog, result.path)
    assert not drops or not all(cached_pages(imported.books_path))
    assert restored_rows(imported.books_path)["attachment"] == original_rows(company.books_path)["attachment"]


def test_an_import_whose_early_sync_fails_adds_nothing_and_says_why(catalog: Catalog, monkeypatch) -> None:
    """A sync that fails while the attachments are written (an I/O error): that descriptor has
    reported it, the final fsync would not, so the import must."""
    company = make_company(catalog, transactions=100, attachments_mb=4)
    result = archive.backup_company(catalog, company.id)
    before = state(catalog.folders.data)
    monkeypatch.setattr(durable, "SYNC_EVERY", 256 << 10)

    def fdatasync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(durable, "_fdatasync", fdatasync)
    with pytest.raises(StorageError, match=r"input/output error \(the disk may be failing\)") as raised:
        archive.import_backup(catalog, result.path)
    assert str(result.path) in str(raised.value)
    assert state(catalog.folders.data) == before and leftovers(catalog.folders.data) == []


def test_a_backup_read_once_leaves_the_page_cache_behind_the_reader(catalog: Catalog, tmp_path: Path,
                                                                    monkeypatch) -> None:
    """Checking (or importing) a backup drops what it has read from the page cache as it goes: a
    backup read from the disk reuses a few MB of memory, and the server's hot data stays."""
    if not drops_written_pages(tmp_path):
        pytest.skip(f"the file system of {tmp_path} keeps written pages in memory (tmpfs)")
    company = make_company(catalog, transactions=100, attachments_mb=16)
    result = archive.backup_company(catalog, company.id)
    result.path.read_bytes()  # all of it in the page cache
    assert all(cached_pages(result.path))
    monkeypatch.setattr(durable, "DROP_EVERY", 1 << 20)
    assert archive.verify(result.path).counts["transactions"] == 100
    # What is left: what was read after the last drop, and the folios (up to 2 MiB) across it.
    assert sum(cached_pages(result.path)) * mmap.PAGESIZE <= 4 << 20 < result.size // 2
