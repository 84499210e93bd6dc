"""Format version 2: a backup is several zstd frames, data that does not compress is stored in raw
frames, version 1 files (one frame) still import, and what the frames may not hold is refused.
Import's checks that run beside the attachments (indexes, foreign keys) refuse what they must, and
neither a cancel nor a failure leaves them running."""

from __future__ import annotations

import io
import errno
import random
import re
import shutil
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

import pytest
import zstandard

from store import archive, archive_read
from store.archive_write import FRAME_BYTES, Frames, stored_frame
from store.books import Books
from store.catalog import Catalog
from store.errors import Cancelled, StorageError
from test_archive_support import (decompress, edit_manifest, fix, folders_at, make_company, pack, state,
                                  system_temp_leftovers, unpack)


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(folders_at(tmp_path)) as opened:
        yield opened


def frames(data: bytes) -> list[tuple[bool, bytes]]:
    """Each frame of ``data`` as (stored: only raw blocks, its content), read with python-zstandard."""
    found, position = [], 0
    while position < len(data):
        size = zstandard.frame_header_size(data[position:position + 18])
        descriptor = data[position + 4]
        offset, raw_only = position + size, True
        while True:
            header = int.from_bytes(data[offset:offset + 3], "little")
            kind, length = header >> 1 & 3, header >> 3
            raw_only = raw_only and kind == 0
            offset += 3 + (1 if kind == 1 else length)
            if header & 1:
                break
        offset += 4 if descriptor & 4 else 0
        content = zstandard.ZstdDecompressor().decompressobj().decompress(data[position:offset])
        found.append((raw_only, content))
        position = offset
    return found


@pytest.mark.parametrize("sizes", [[0], [1], [128 << 10], [(128 << 10) + 1], [100, 200_000, 5, 131_000],
                                   [1 << 20] * 3])
def test_a_stored_frame_is_a_zstd_frame_any_reader_reads(sizes: list[int]) -> None:
    rng = random.Random(len(sizes))
    pieces = [rng.randbytes(size) for size in sizes]
    data = b"".join(pieces)
    frame = b"".join(bytes(part) for part in stored_frame(pieces, len(data)))
    reader = zstandard.ZstdDecompressor().decompressobj()
    assert reader.decompress(frame) == data and reader.eof
    assert zstandard.get_frame_parameters(frame).content_size == len(data)
    assert zstandard.get_frame_parameters(frame).has_checksum
    broken = bytearray(frame)
    broken[-5 if data else -7] ^= 1  # the last data byte (or the empty block's header): the checksum notices
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().decompressobj().decompress(bytes(broken))


def test_photos_are_stored_text_is_compressed_and_the_manifest_is_alone_in_the_first_frame(
        catalog: Catalog, tmp_path: Path) -> None:
    company = make_company(catalog, transactions=50, attachments_mb=0.01)
    rng = random.Random(7)
    photo = rng.randbytes(3 << 20)
    text = b"".join(b"Invoice %d: 12 croissants, 4 baguettes, total %d.00 EUR\n" % (n, n % 97)
                    for n in range(60_000))
    with Books(company.books_path) as books:
        books.attach_file(1, "photo.jpg", photo)
        books.attach_file(2, "invoice.txt", text)
    result = archive.backup(company.books_path, tmp_path / "mixed.manager")
    data = result.path.read_bytes()
    found = frames(data)

    manifest_frame = tarfile.open(fileobj=io.BytesIO(found[0][1] + b"\0" * 1024), mode="r:")
    assert [member.name for member in manifest_frame.getmembers()] == ["manifest.json"]
    stored = b"".join(content for raw_only, content in found if raw_only)
    assert photo in stored  # the photo's bytes are in raw frames, not compressed again
    assert text[:100_000] not in stored
    assert len(data) < len(photo) + len(text) // 5
    assert max(len(content) for _raw, content in found) <= FRAME_BYTES + (1 << 20) + 1024
    assert b"".join(content for _raw, content in found) == decompress(data)
    members = dict(unpack(result.path))
    assert photo in members.values() and text in members.values()
    assert archive.verify(result.path).counts == result.manifest.counts


def _frames_held_until_a_wait(monkeypatch, pieces: list[bytes]) -> tuple[tuple[int, int], int, bytes, int]:
    """Write ``pieces`` through Frames whose workers start only when the writer first waits for one
    of them: (frames and bytes in flight at that first wait), the most bytes in flight after a
    write, the output, the limit."""
    released = threading.Event()
    first_wait: list[tuple[int, int]] = []
    compress, write_next = Frames._compress, Frames._write_next

    def held(self, *args):
        released.wait(timeout=60)  # only a safety net against a hang
        return compress(self, *args)

    def waiting(self) -> None:
        if not released.is_set():
            released.set()
            first_wait.append((len(self.pending), self.in_flight))
        write_next(self)

    monkeypatch.setattr(Frames, "_compress", held)
    monkeypatch.setattr(Frames, "_write_next", waiting)
    out = io.BytesIO()
    frames_out = Frames(out, workers=2)
    try:
        most = 0
        for piece in pieces:
            frames_out.write(piece)
            most = max(most, frames_out.in_flight)
        frames_out.finish()
    finally:
        released.set()
        frames_out.close()
    [waited] = first_wait
    return waited, most, out.getvalue(), frames_out.limit


def test_alternating_photos_and_documents_keep_the_workers_fed_within_a_bound_in_bytes(monkeypatch) -> None:
    # Each switch between a photo (stored) and a document (compressed) ends a frame, so a company's
    # frames are small: what may wait for the workers is counted in bytes, not frames (two small
    # frames at a time left the workers waiting for the reader), and stays bounded all the same.
    rng = random.Random(3)
    photos = [rng.randbytes(64 << 10) for _ in range(100)]
    documents = [b"".join(b"Invoice %d, line %d: 3 baguettes\n" % (n, line) for line in range(2000))
                 for n in range(100)]
    pieces = [piece for pair in zip(documents, photos) for piece in pair]
    (waiting_frames, waiting_bytes), most, data, limit = _frames_held_until_a_wait(monkeypatch, pieces)
    assert waiting_frames > 100 and waiting_bytes > limit  # the bound, reached in bytes
    assert most <= limit < sum(map(len, pieces))
    found = frames(data)
    assert [raw for raw, _content in found] == [False, True] * 100
    assert b"".join(content for _raw, content in found) == b"".join(pieces)


def test_full_frames_one_piece_over_their_size_still_wait_one_per_worker(monkeypatch) -> None:
    # A frame ends at the piece that takes it to FRAME_BYTES: after a tar header, it holds a chunk
    # more. Two such frames (one per worker) may wait while the next one is filled.
    chunk = b"".join(b"Ledger line %d: 12.50 EUR\n" % n for n in range(45_000))[:1 << 20]
    pieces = [b"h" * 512, chunk, chunk, chunk, chunk] * 3
    (waiting_frames, _bytes), _most, data, _limit = _frames_held_until_a_wait(monkeypatch, pieces)
    assert waiting_frames == 3  # the third frame, just ended, is the first one that has to wait
    assert decompress(data) == b"".join(pieces)


def test_a_version_1_backup_in_one_frame_still_imports(catalog: Catalog, tmp_path: Path) -> None:
    company = make_company(catalog, transactions=80, attachments_mb=0.5)
    members = unpack(archive.backup(company.books_path, tmp_path / "v2.manager").path)

    def version_1(manifest: dict) -> None:
        manifest["format_version"] = 1

    old = pack(tmp_path / "v1.manager", edit_manifest(members, version_1))
    assert len(frames(old.read_bytes())) == 1
    assert archive.inspect(old).format_version == 1
    imported = archive.import_backup(catalog, old, name="From version 1")
    conn = sqlite3.connect(imported.books_path)
    try:
        assert conn.execute('SELECT count(*) FROM "transaction"').fetchone() == (80,)
    finally:
        conn.close()


def test_a_skippable_frame_between_two_frames_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    company = make_company(catalog, transactions=40, attachments_mb=0.3)
    good = archive.backup(company.books_path, tmp_path / "good.manager").path.read_bytes()
    assert len(frames(good)) >= 2
    reader = zstandard.ZstdDecompressor().decompressobj()
    reader.decompress(good)  # the first frame only: what it leaves is where the second one starts
    first_size = len(good) - len(reader.unused_data)
    skippable = (0x184D2A50).to_bytes(4, "little") + (4).to_bytes(4, "little") + b"junk"
    bad = tmp_path / "skippable.manager"
    bad.write_bytes(good[:first_size] + skippable + good[first_size:])
    before = state(catalog.folders.data)
    with pytest.raises(archive.ArchiveError, match="corrupt"):
        archive.import_backup(catalog, bad)
    assert state(catalog.folders.data) == before


def _stale_index(members: list) -> list:
    """books.sqlite where one email's date changed in its table but not in its index: a structure
    quick_check accepts, an integrity_check refuses."""
    members = list(members)
    data = dict(members)["books.sqlite"]
    with sqlite3.connect(":memory:") as probe:
        probe.deserialize(data)
        pages = [page for (page,) in probe.execute("SELECT pageno FROM dbstat WHERE name = 'email_sent_at'")]
        page_size = probe.execute("PRAGMA page_size").fetchone()[0]
        email_id, sent_at = probe.execute("SELECT id, sent_at FROM email ORDER BY id LIMIT 1").fetchone()
        probe.execute("UPDATE email SET sent_at = ? WHERE id = ?", (sent_at.replace("20", "19", 1), email_id))
        probe.commit()
        changed = bytearray(probe.serialize())
    for page in pages:  # the index as it was: stale
        start = (page - 1) * page_size
        changed[start:start + page_size] = data[start:start + page_size]
    with sqlite3.connect(":memory:") as check:
        check.deserialize(bytes(changed))
        assert check.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        assert check.execute("PRAGMA integrity_check").fetchall() != [("ok",)]
    members[[name for name, _data in members].index("books.sqlite")] = ("books.sqlite", bytes(changed))
    return fix(members)


def test_an_index_that_disagrees_with_its_table_is_refused_by_import_and_verify(catalog: Catalog,
                                                                                tmp_path: Path) -> None:
    company = make_company(catalog, transactions=60, attachments_mb=0.4)
    members = unpack(archive.backup(company.books_path, tmp_path / "good.manager").path)
    bad = pack(tmp_path / "stale-index.manager", _stale_index(members))
    before, companies = state(catalog.folders.data), catalog.companies()
    for operation in (archive.verify, lambda path: archive.import_backup(catalog, path)):
        with pytest.raises(archive.ArchiveError, match="integrity check"):
            operation(bad)
    assert state(catalog.folders.data) == before and catalog.companies() == companies


def _endless_checks(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite work that would never end (a huge database's integrity_check): only a stop ends it."""
    conn.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")


def _checks_running() -> bool:
    return any(thread.name == "keepbooks-checks" and thread.is_alive() for thread in threading.enumerate())


@pytest.mark.parametrize("operation", ["import", "verify"])
def test_a_cancel_while_the_parallel_checks_finish_stops_at_once(catalog: Catalog, tmp_path: Path, monkeypatch,
                                                                 operation: str) -> None:
    company = make_company(catalog, transactions=40, attachments_mb=0.2)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path
    cancel = threading.Event()
    run = {"import": lambda: archive.import_backup(catalog, backup, cancel=cancel),
           "verify": lambda: archive.verify(backup, cancel=cancel)}[operation]

    waiting = archive_read._ParallelChecks.result

    def cancel_then_wait(self, cancel_event) -> None:
        cancel.set()
        waiting(self, cancel_event)

    monkeypatch.setattr(archive_read, "_check_relations", _endless_checks)
    monkeypatch.setattr(archive_read._ParallelChecks, "result", cancel_then_wait)
    before = state(catalog.folders.data)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run()
    assert time.monotonic() - started < 5
    assert not _checks_running() and not system_temp_leftovers()
    assert state(catalog.folders.data) == before and len(catalog.companies()) == 1


@pytest.mark.parametrize("failing", ["the staging connection", "the checks' copy of the database",
                                     "a check against the manifest (import)", "a check against the manifest (verify)"])
def test_a_failure_after_the_parallel_checks_start_stops_them(catalog: Catalog, tmp_path: Path, monkeypatch,
                                                              failing: str) -> None:
    company = make_company(catalog, transactions=40, attachments_mb=0.2)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path

    def no_more_files(*args, **kwargs) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    def refused_while_the_checks_run(*args, **kwargs) -> None:
        assert _checks_running()  # they start before quick_check, beside the calling thread's checks
        no_more_files()

    if failing == "the staging connection":
        monkeypatch.setattr(archive_read._Filler, "__init__", no_more_files)
    elif failing == "the checks' copy of the database":  # made on their thread: the import still stops
        monkeypatch.setattr(archive_read.shutil, "copyfile", no_more_files)
    else:  # a refusal on the calling thread must stop them too
        monkeypatch.setattr(archive_read, "_check_database", refused_while_the_checks_run)
    monkeypatch.setattr(archive_read, "_check_relations", _endless_checks)
    before = state(catalog.folders.data)
    with pytest.raises(StorageError, match="too many open files"):
        if failing.endswith("(verify)"):
            archive.verify(backup)
        else:
            archive.import_backup(catalog, backup)
    assert not _checks_running() and not system_temp_leftovers()
    assert state(catalog.folders.data) == before and len(catalog.companies()) == 1


def test_the_import_copies_the_database_for_its_checks_beside_quick_check_and_fills_it_after(
        catalog: Catalog, tmp_path: Path, monkeypatch) -> None:
    # The index and foreign-key checks read a private copy of the received database: it is made on
    # their thread while the calling thread runs its own checks, and the attachments are written into
    # the database only once it is made (else the checks could read a database being filled).
    company = make_company(catalog, transactions=40, attachments_mb=0.2)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path
    slow_disk = threading.Event()  # the copy ends only once the calling thread waits for it or fills
    events: list[str] = []
    copyfile, check_database = shutil.copyfile, archive_read._check_database
    wait_for_copy, start_filling = archive_read._ParallelChecks.wait_for_copy, archive_read._Filler.__init__

    def checked(*args) -> None:
        check_database(*args)
        events.append("quick_check and the manifest's checks done")

    def slow_copy(source, target) -> None:
        slow_disk.wait(timeout=10)  # a safety net: on the calling thread it would wait for ever
        copyfile(source, target)
        events.append(f"copied on {threading.current_thread().name}")

    def waiting(self) -> None:
        events.append("waiting for the copy")
        slow_disk.set()
        wait_for_copy(self)

    def filling(self, *args) -> None:
        events.append("filling")
        slow_disk.set()
        start_filling(self, *args)

    monkeypatch.setattr(archive_read, "_check_database", checked)
    monkeypatch.setattr(archive_read.shutil, "copyfile", slow_copy)
    monkeypatch.setattr(archive_read._ParallelChecks, "wait_for_copy", waiting)
    monkeypatch.setattr(archive_read._Filler, "__init__", filling)
    archive.import_backup(catalog, backup)
    assert events == ["quick_check and the manifest's checks done", "waiting for the copy",
                      "copied on keepbooks-checks", "filling"]


def test_every_connection_to_a_received_database_checks_its_structure_first(catalog: Catalog, tmp_path: Path,
                                                                            monkeypatch) -> None:
    """The database out of a backup is untrusted: on each connection that reads it (the calling
    thread's and the checks', for verify and for import), SQLite's own check of its structure is the
    first statement; nothing else reads an unchecked file."""
    company = make_company(catalog, transactions=40, attachments_mb=0.2)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path
    statements: list[list[str]] = []
    opened = archive_read._open_untrusted

    def traced(db_path: Path) -> sqlite3.Connection:
        conn = opened(db_path)
        log: list[str] = []
        statements.append(log)
        conn.set_trace_callback(log.append)
        return conn

    monkeypatch.setattr(archive_read, "_open_untrusted", traced)
    archive.verify(backup)
    archive.import_backup(catalog, backup)
    assert len(statements) == 4
    assert all(log and re.fullmatch(r"PRAGMA (quick_check|integrity_check)\(20\)", log[0]) for log in statements), \
        [log[:2] for log in statements]


def test_a_backup_cut_short_or_with_bytes_after_its_end_is_not_whole(catalog: Catalog, tmp_path: Path) -> None:
    # Read from the frames' headers alone: what prune relies on before keeping a backup.
    company = make_company(catalog, transactions=40, attachments_mb=0.3)
    good = archive.backup(company.books_path, tmp_path / "good.manager").path
    assert archive_read.is_whole(good)
    data = good.read_bytes()
    for size in (0, 5, 3000, len(data) // 2, len(data) - 4, len(data) - 1):
        (tmp_path / "cut.manager").write_bytes(data[:size])
        assert not archive_read.is_whole(tmp_path / "cut.manager"), size
    (tmp_path / "more.manager").write_bytes(data + b"\0")
    assert not archive_read.is_whole(tmp_path / "more.manager")
