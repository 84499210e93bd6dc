"""The backup file written past the page cache (store/durable.py): every byte lands in order, with
O_DIRECT or without it (a file system that refuses it), and a failed write is raised, never lost."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import random
from pathlib import Path

import pytest

from store import archive, durable
from store.catalog import Catalog
from store.durable import BUFFER_BYTES, DirectFile
from store.errors import StorageError
from test_archive_support import folders_at, leftovers, make_company, original_rows, restored_rows


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


def is_direct(fd: int) -> bool:
    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)


def test_every_byte_lands_in_order_with_an_unaligned_end(tmp_path: Path) -> None:
    data = pieces(3 * BUFFER_BYTES + 12_345)
    path = tmp_path / "out"
    with DirectFile(path) as out:
        direct_at_start = out.direct
        for piece in data:
            out.write(piece)
        out.flush()
    assert path.read_bytes() == b"".join(data)
    assert path.stat().st_mode & 0o777 == 0o600
    assert direct_at_start == offers_direct(tmp_path)


def offers_direct(folder: Path) -> bool:
    """Whether this file system takes O_DIRECT, asked the way DirectFile asks."""
    fd = os.open(folder / "probe", os.O_WRONLY | os.O_CREAT)
    try:
        return durable._set_direct(fd, True)
    finally:
        os.close(fd)


def test_a_file_system_refusing_direct_writes_gets_them_through_the_page_cache(tmp_path: Path,
                                                                                monkeypatch) -> None:
    real_write = os.write
    refused = []

    def write(fd: int, data) -> int:
        if is_direct(fd):
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(durable.os, "write", write)
    data = pieces(2 * BUFFER_BYTES + 100, seed=2)
    path = tmp_path / "out"
    with DirectFile(path) as out:
        out.direct = True  # as if the file system had accepted O_DIRECT when asked
        durable._set_direct(out.fd, True)
        for piece in data:
            out.write(piece)
        out.flush()
        assert not out.direct and not is_direct(out.fd)
    assert refused and path.read_bytes() == b"".join(data)


def test_a_write_failure_on_the_writing_thread_is_raised_to_the_caller(tmp_path: Path, monkeypatch) -> None:
    def write(fd: int, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(durable.os, "write", write)
    with DirectFile(tmp_path / "out") as out:
        with pytest.raises(OSError) as raised:
            for piece in pieces(4 * BUFFER_BYTES, seed=3):
                out.write(piece)
            out.flush()
    assert raised.value.errno == errno.ENOSPC


def test_backup_reports_a_full_disk_met_by_the_writing_thread(catalog: Catalog, tmp_path: Path,
                                                              monkeypatch) -> None:
    company = make_company(catalog, transactions=100, attachments_mb=6)
    real_write = os.write
    calls = [0]

    def write(fd: int, data) -> int:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(durable.os, "write", write)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(StorageError, match="the disk is full"):
        archive.backup(company.books_path, folder / "b.manager")
    assert list(folder.iterdir()) == [] and leftovers(folder) == []


def test_pages_dropped_from_the_cache_once_on_disk_are_read_back_whole(catalog: Catalog, tmp_path: Path,
                                                                       monkeypatch) -> None:
    """Early syncs every 256 KiB, each dropping what is on disk from the page cache (store.durable):
    the backup, written through the page cache as on a file system without O_DIRECT, and the company
    imported from it hold every attachment byte for byte."""
    monkeypatch.setattr(durable, "SYNC_EVERY", 256 << 10)
    monkeypatch.setattr(durable, "_set_direct", lambda fd, direct: False)
    company = make_company(catalog, transactions=100, attachments_mb=4)
    result = archive.backup_company(catalog, company.id)
    imported = archive.import_backup(catalog, result.path)
    assert restored_rows(imported.books_path)["attachment"] == original_rows(company.books_path)["attachment"]


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


def test_early_syncs_drop_what_is_on_disk_after_the_given_offset_from_the_page_cache(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    """What the import writes after the books (the attachments) leaves the page cache once on disk,
    so 1 GB of attachments reuses a few MB of it; the books stay."""
    monkeypatch.setattr(durable, "SYNC_EVERY", 2 << 20)
    path = tmp_path / "books.sqlite"
    with open(path, "wb") as out:
        sync = durable.EarlySync(path, drop_from=1 << 20)
        for _ in range(8):
            out.write(os.urandom(1 << 20))
            out.flush()
            sync.wrote(1 << 20)
        sync.close()  # waits for the syncs started: the first came after 2 MiB
    pages = cached_pages(path)
    per_mib = (1 << 20) // mmap.PAGESIZE
    assert all(pages[:per_mib])  # the books: kept
    assert not any(pages[per_mib:2 * per_mib])  # on disk by the first sync: dropped
