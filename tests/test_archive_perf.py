"""The code paths added to make backup and import fast (bench/archive.py measures them; no timing here):
block-wise decompression with bounded output, headers cut across reads, helper threads that hash,
read and write in order and report the first failure, and the backup's damaged-attachment check,
made while the books are copied (CheckAhead) or on the reading thread's digest."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import threading
from pathlib import Path

import pytest
import zstandard

from store import archive, archive_read, archive_write
from store.archive_format import BLOCK, CHUNK, attachment_rows
from store.archive_write import CheckAhead, InOrder, Prefetch, _attachment_pieces, _in_lists
from store.books import Books
from store.catalog import Catalog
from store.errors import StorageError
from test_archive_support import folders_at, leftovers, make_company, state


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(folders_at(tmp_path)) as opened:
        yield opened


def _frame(data: bytes, **params) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True, **params).compress(data)


def test_one_decompress_call_yields_a_bounded_amount_whatever_the_ratio(tmp_path: Path) -> None:
    # 64 MiB of zeros compress to a few kilobytes: fed in pieces of whole blocks, no call may yield
    # more than (blocks per call + 1) blocks of 128 KiB.
    path = tmp_path / "zeros.zst"
    path.write_bytes(_frame(b"\0" * (64 << 20)))
    assert path.stat().st_size < 64 << 10
    bound = (archive_read.BLOCKS_PER_CALL + 1) * (128 << 10)
    with open(path, "rb") as fh:
        stream = archive_read._Stream(fh, path)
        largest = total = 0
        while stream._fill():
            largest = max(largest, len(stream.pending))
            total += len(stream.pending)
            stream.pending = memoryview(b"")
        stream.finish()
    assert total == 64 << 20
    assert largest <= bound


@pytest.mark.parametrize("raw_chunk", [1, 2, 3, 5, 7, 4096])
def test_headers_cut_across_reads_give_the_same_bytes(tmp_path: Path, raw_chunk: int) -> None:
    data = bytes(range(256)) * 4000 + b"\0" * 300_000 + bytes(reversed(range(256))) * 3000
    path = tmp_path / "mixed.zst"
    path.write_bytes(_frame(data, level=3))
    with open(path, "rb") as fh:
        stream = archive_read._Stream(fh, path, raw_chunk=raw_chunk)
        out = bytearray()
        while len(out) < len(data):
            out += stream.read_some(len(data) - len(out))
        assert stream.read_rest(0) == b""  # the checksum, fed to the decompressor after the data
        stream.finish()
    assert out == data


def test_a_block_larger_than_the_format_allows_is_refused(tmp_path: Path) -> None:
    empty = _frame(b"")  # frame header, one empty last block (3 bytes), checksum (4 bytes)
    oversized = ((200 << 10) << 3) | 1  # a last raw block of 200 KiB: the format allows 128 KiB
    path = tmp_path / "big-block.zst"
    path.write_bytes(empty[:-7] + oversized.to_bytes(3, "little") + b"x" * (200 << 10))
    with open(path, "rb") as fh, pytest.raises(archive.ArchiveError, match="corrupt"):
        stream = archive_read._Stream(fh, path)
        stream.read(1)


def test_in_order_runs_calls_in_order_and_reports_the_first_failure() -> None:
    lane = InOrder("test", depth=2)
    seen: list[int] = []

    def fail() -> None:
        raise OSError(28, "No space left on device")

    try:
        for n in range(50):
            lane.submit(seen.append, n)
        lane.wait()
        assert seen == list(range(50))
        lane.submit(fail)
        with pytest.raises(OSError, match="No space"):
            lane.wait()
        with pytest.raises(OSError):  # later calls are refused, not run
            lane.submit(seen.append, 99)
        assert 99 not in seen
    finally:
        lane.close()


def test_prefetch_hands_items_in_order_raises_the_helpers_failure_and_stops_early() -> None:
    assert list(Prefetch(iter(range(1000)), depth=3)) == list(range(1000))

    def broken():
        yield 1
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        list(Prefetch(broken()))

    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    pieces = Prefetch(endless(), depth=2)
    assert next(iter(pieces)) == 0
    pieces.close()  # the helper stops and closes its iterator on its own thread
    assert closed.is_set() and not pieces.thread.is_alive()


def test_the_reading_thread_hands_over_a_chunk_of_data_at_a_time_not_a_piece(catalog: Catalog) -> None:
    # A company's attachments are small (a median of half a megabyte): handed over piece by piece
    # (member, data, digest), the reading and compressing threads kept waiting on each other.
    company = make_company(catalog, transactions=300, attachments_mb=0)
    rng = random.Random(5)
    contents = [rng.randbytes(rng.randrange(1, 200_000)) for _ in range(40)] + [rng.randbytes(CHUNK * 2 + 7)]
    with Books(company.books_path) as books:
        for number, content in enumerate(contents):
            books.attach_file(number + 1, f"scan-{number}.jpg", content)
    src = sqlite3.connect(company.books_path)
    try:
        rows = list(attachment_rows(src))
        batches = list(_in_lists(_attachment_pieces(src, checked=10)))
    finally:
        src.close()
    assert len(rows) == len(contents)
    weights = [sum(len(piece[1]) if piece[0] == "data" else BLOCK if piece[0] == "member" else 0
                   for piece in batch) for batch in batches]
    assert all(weight >= CHUNK for weight in weights[:-1]) and all(weight < 2 * CHUNK + BLOCK for weight in weights)
    pieces = [piece for batch in batches for piece in batch]  # in order: member, its data, its digest
    expected = []
    for (attachment_id, size, sha256), content in zip(rows, contents):
        expected.append(("member", attachment_id, size, sha256))
        chunks = [content[start:start + CHUNK] for start in range(0, size, CHUNK)]
        expected += [("data", chunk) for chunk in chunks] + [("digest", sha256)]
    assert pieces == expected


def test_tiny_or_empty_attachments_fill_the_reading_threads_lists_too(catalog: Catalog, monkeypatch) -> None:
    # A member weighs its tar header: a company of empty attachments is not handed over in one list.
    monkeypatch.setattr(archive_write, "CHUNK", 8 * BLOCK)
    company = make_company(catalog, transactions=100, attachments_mb=0)
    with Books(company.books_path) as books:
        for number in range(40):
            books.attach_file(number + 1, f"empty-{number}.txt", b"" if number % 2 else b"x")
    src = sqlite3.connect(company.books_path)
    try:
        batches = list(_in_lists(_attachment_pieces(src, checked=0)))
    finally:
        src.close()
    assert [sum(piece[0] == "member" for piece in batch) for batch in batches] == [8, 8, 8, 8, 8, 0]


@pytest.mark.parametrize("found_by", ["checking ahead", "the stream"])
def test_an_attachment_whose_content_does_not_match_its_checksum_stops_the_backup(catalog: Catalog, tmp_path: Path,
                                                                                  monkeypatch, found_by: str) -> None:
    # CheckAhead hashes attachments while the books are copied; the stream hashes the ones it did not
    # reach. Either way the damaged one stops the backup.
    if found_by == "checking ahead":
        def finish(self) -> int:  # let it check every attachment
            self.thread.join()
            if self.error is not None:
                raise self.error
            return self.checked
        monkeypatch.setattr(CheckAhead, "finish", finish)
    else:
        monkeypatch.setattr(CheckAhead, "_run", lambda self: None)
    company = make_company(catalog, transactions=80, attachments_mb=0.6)
    conn = sqlite3.connect(company.books_path)
    damaged_id = conn.execute("SELECT max(id) FROM attachment").fetchone()[0]
    conn.execute("UPDATE attachment SET sha256 = ? WHERE id = ?", ("0" * 64, damaged_id))
    conn.commit()
    conn.close()
    before = state(catalog.folders.companies)
    with pytest.raises(StorageError, match=f"attachment {damaged_id} .*damaged"):
        archive.backup(company.books_path, tmp_path / "x.manager")
    assert list(tmp_path.glob("*.manager")) == [] and leftovers(tmp_path) == []
    assert state(catalog.folders.companies) == before


def test_backup_reads_the_same_state_as_it_copies_while_a_writer_waits(catalog: Catalog, tmp_path: Path) -> None:
    """A writer holding the write lock when the backup starts: the backup waits for its commit (the two
    read transactions start together), then holds no lock; the manifest's counts match the copy."""
    company = make_company(catalog, transactions=60, attachments_mb=0.2)
    writer = sqlite3.connect(company.books_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO email (to_address, subject, body, sent_at, status) "
                   "VALUES ('a@example.com', 'late', '', '2025-01-01 10:00:00', 'sent')")
    result: list = []
    thread = threading.Thread(target=lambda: result.append(archive.backup(company.books_path,
                                                                          tmp_path / "w.manager")))
    thread.start()
    thread.join(0.3)
    assert thread.is_alive()  # waiting for the barrier, not reading a state in between
    writer.execute("COMMIT")
    thread.join(30)
    writer.close()
    manifest = result[0].manifest
    assert archive.verify(result[0].path) == manifest
    conn = sqlite3.connect(company.books_path)
    assert manifest.counts["emails"] == conn.execute("SELECT count(*) FROM email").fetchone()[0]
    conn.close()


def _bytes_written() -> int:
    """What this process has written so far (Linux: /proc/self/io), page cache included."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts the bytes written through /proc/self/io")
def test_import_writes_a_large_attachment_once(catalog: Catalog, tmp_path: Path) -> None:
    """An attachment larger than SQLite's default page cache (2 MB) used to be written as zeros, read
    back and written again: twice its size on the disk."""
    company = make_company(catalog, transactions=20, attachments_mb=0.1)
    content = os.urandom(12 << 20)  # stored as it is: the file holds it once
    with sqlite3.connect(company.books_path) as conn:
        conn.execute("UPDATE attachment SET content = ?, size = ?, sha256 = ? "
                     "WHERE id = (SELECT min(id) FROM attachment)",
                     (content, len(content), hashlib.sha256(content).hexdigest()))
    conn.close()
    backup = archive.backup(company.books_path, tmp_path / "large.manager")
    assert backup.manifest.attachments_size >= len(content)
    before = _bytes_written()
    archive.import_backup(catalog, backup.path)
    written = _bytes_written() - before
    books = backup.manifest.database_size  # written twice: the books, then the checks' private copy
    assert written < backup.manifest.attachments_size * 1.25 + 2 * books + (1 << 20)
