"""Helpers shared by the archive tests (no tests here): sample companies, data-folder fingerprints,
and a tool to take a backup apart and put a (possibly hostile) one together again."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

import zstandard

from store import sample
from store.catalog import Catalog, CompanyInfo
from store.config import Folders, resolve_folders

START_YEAR = 2024


def folders_at(root: Path) -> Folders:
    return resolve_folders(root / "data", root / "backups")


def make_company(catalog: Catalog, *, transactions: int = 200, attachments_mb: float = 0.3, seed: int = 1,
                 name: str = "Boulangerie Martin") -> CompanyInfo:
    spec = sample.SampleSpec(transactions=transactions, attachments_mb=attachments_mb, seed=seed,
                             start_year=START_YEAR)
    return catalog.create(name, populate=lambda path: sample.populate(path, spec))


def state(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (SQLite's shared-memory index aside: readers rewrite it)."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.endswith("-shm"):
            result[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


TEMP_NAME = re.compile(r"(\.tmp(\.d|\.lock)?$)|(^\.tmp-)")


def leftovers(*folders: Path) -> list[str]:
    """Temporary files of ours left in the given folders (backup temp files, import staging)."""
    found = []
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if TEMP_NAME.search(path.name):
                    found.append(str(path))
    return found


def sweep_backup_failures(catalog: Catalog, company: CompanyInfo, folder: Path,
                          fail_at: Callable[[int], None]) -> int:
    """Back up ``company`` into the new ``folder`` again and again, ``fail_at(n)`` making the n-th
    write fail with a full disk (n = 1, 2, …), until a backup goes through: each failure names the
    file and leaves the folder empty, the backup that goes through verifies, and the companies are
    untouched throughout. Returns the n that went through."""
    from store import archive
    from store.errors import StorageError

    source = state(catalog.folders.companies)
    folder.mkdir()
    n = 0
    while True:
        n += 1
        fail_at(n)
        try:
            archive.backup(company.books_path, folder / "b.manager")
        except StorageError as exc:
            assert "the disk is full" in str(exc) and "b.manager" in str(exc)
            assert list(folder.iterdir()) == [], n
            continue
        break
    with sqlite3.connect(company.books_path) as conn:
        transactions = conn.execute('SELECT count(*) FROM "transaction"').fetchone()[0]
    conn.close()
    assert archive.verify(folder / "b.manager").counts["transactions"] == transactions
    assert state(catalog.folders.companies) == source and leftovers(folder) == []
    return n


def damage_table(books_path: Path, table: str, where: str) -> None:
    """Flip bytes in the middle leaf page of ``table``, as a failing disk would (a reliability audit's
    corrupt.py): ``where`` "records" in the records' content (SQLite copies such records as they are),
    "header" in the page's b-tree header (SQLite cannot read the page), "fragments" in its count of
    fragmented free bytes (the records are whole, SQLite's check fails)."""
    conn = sqlite3.connect(books_path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,))]
    finally:
        conn.close()
    offset = (pages[len(pages) // 2] - 1) * page_size
    with open(books_path, "r+b") as fh:
        fh.seek(offset)
        page = bytearray(fh.read(page_size))
        if where == "records":
            for i in range(page_size - 200, page_size - 100, 7):
                page[i] ^= 0x55
        elif where == "fragments":
            page[7] = (page[7] + 3) % 256
        else:
            page[3:5] = b"\xff\xff"  # the page's cell count
        fh.seek(offset)
        fh.write(page)


def system_temp_leftovers() -> list[str]:
    temp = Path(tempfile.gettempdir())
    return [p.name for p in temp.iterdir() if p.name.startswith(".keepbooks-") and ".tmp" in p.name]


def table_rows(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def restored_rows(db: Path) -> dict[str, list[tuple]]:
    """The rows of imported books as they were in the backup: without the import's own change (the new
    books uid in settings and the "restore" history entry at the end), which test_archive checks."""
    rows = table_rows(db)
    settings_uid = 1  # settings(id, uid, name, …)
    rows["settings"] = [row[:settings_uid] + (None,) + row[settings_uid + 1:] for row in rows["settings"]]
    assert rows["history"] and rows["history"][-1][3] == "restore"
    rows["history"] = rows["history"][:-1]
    return rows


def original_rows(db: Path) -> dict[str, list[tuple]]:
    """The rows of the books that were backed up, in the shape ``restored_rows`` gives."""
    rows = table_rows(db)
    rows["settings"] = [row[:1] + (None,) + row[2:] for row in rows["settings"]]
    return rows


# --- taking a backup apart and putting one together ------------------------------------------------

Member = tuple[str, bytes]


def decompress(data: bytes) -> bytes:
    """The content of every zstd frame in ``data``, one after the other (as `zstd -d` gives it)."""
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()


def unpack(path: Path) -> list[Member]:
    data = decompress(path.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def sums(members: list[Member]) -> bytes:
    return b"".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n".encode() for name, data in members
                    if name != "SHA256SUMS")


def fix(members: list[Member]) -> list[Member]:
    """Make the manifest's database size and SHA256SUMS agree with the members again, so that a test
    reaches the check it aims at."""
    members = list(members)
    names = [name for name, _data in members]
    if "manifest.json" in names and "books.sqlite" in names and members[names.index("manifest.json")][1][:1] == b"{":
        index = names.index("manifest.json")
        try:
            manifest = json.loads(members[index][1])
        except ValueError:
            return members
        manifest["sizes"]["books.sqlite"] = len(members[names.index("books.sqlite")][1])
        members[index] = ("manifest.json", json.dumps(manifest).encode())
    if "SHA256SUMS" in names:
        members[names.index("SHA256SUMS")] = ("SHA256SUMS", sums(members))
    return members


def edit_manifest(members: list[Member], change: Callable[[dict], None]) -> list[Member]:
    members = list(members)
    for i, (name, data) in enumerate(members):
        if name == "manifest.json":
            manifest = json.loads(data)
            change(manifest)
            members[i] = (name, json.dumps(manifest).encode())
    return fix(members)


def edit_database(members: list[Member], change: Callable[[sqlite3.Connection], None]) -> list[Member]:
    members = list(members)
    for i, (name, data) in enumerate(members):
        if name == "books.sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "b.sqlite"
                db.write_bytes(data)
                conn = sqlite3.connect(db, isolation_level=None)
                change(conn)
                conn.close()
                members[i] = (name, db.read_bytes())
    return fix(members)


def tar_bytes(members: list[Member | tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]], *,
              format: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=format) as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            elif isinstance(member[0], tarfile.TarInfo):
                tar.addfile(member[0], io.BytesIO(member[1]))
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def compress(data: bytes, **params) -> bytes:
    return zstandard.ZstdCompressor(level=3, write_checksum=True, **params).compress(data)


def pack(path: Path, members: list, *, after: bytes = b"") -> Path:
    path.write_bytes(compress(tar_bytes(members)) + after)
    return path
