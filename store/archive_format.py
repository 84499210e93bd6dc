"""The .manager format's vocabulary: values, errors, names, the manifest and tar headers (docs/FORMAT.md).

The writer (archive_write) and the reader (archive_read) share everything here, so the two cannot
disagree about a member name, a limit or a manifest field.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sqlite3
import sys
import tarfile
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from store import __version__
from store.books import check_company_name
from store.contents import contents
from store.errors import InvalidInput, KeepbooksError
from store.formats import quoted
from store.i18n import _
from store.models import SCHEMA_VERSION

FORMAT_NAME = "keepbooks-backup"
FORMAT_VERSION = 2
APP_VERSION = __version__
EXTENSION = ".manager"

MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "books.sqlite"
ATTACHMENT_PREFIX = "attachments/"
SUMS_NAME = "SHA256SUMS"

BLOCK = 512  # tar block
RECORD = 20 * BLOCK  # tar writers pad the archive to whole records of 10,240 bytes
MAX_MANIFEST_BYTES = 1 << 20
MAX_PAX_BYTES = 4096
ALLOWED_MODE = 0o755  # permission bits a member may have; keepbooks writes 0644 (archive_read._check_owner_and_mode)
MAX_WINDOW_BYTES = 1 << 25  # 32 MiB: writers must not use a larger zstd window (format rule)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SQLITE_MAGIC = b"SQLite format 3\x00"
CHUNK = 1 << 20  # bytes read and written at a time: memory stays flat, cancel is checked per chunk
BATCH_ROWS = 2000  # attachment rows fetched at a time

# What a manifest counts, and the table that holds each count.
COUNTED_TABLES = {"transactions": "transaction", "attachments": "attachment", "emails": "email",
                  "history": "history"}
# Categories a backup may leave out, and their table.
OPTIONAL = {"attachments": "attachment", "emails": "email", "history": "history"}

# Characters a file system (Windows, macOS, Linux) refuses in a file name.
REFUSED_CHARS = '/\\:*?"<>|'
MAX_FILENAME_BYTES = 200  # leaves room for the temporary name around it within 255 bytes

# The moments a manifest's created_at may name (docs/FORMAT.md): from the Unix epoch, which a clock reset to
# zero shows, to long after any real clock. Within them every UTC offset and time zone converts without
# leaving the years 1..9999 Python's datetime holds (9999-12-31T23:59+00:00 overflowed east of UTC).
EARLIEST_CREATED_AT = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST_CREATED_AT = dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc)  # not included


# --- values --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Include:
    """Which optional categories a backup holds."""

    attachments: bool = True
    emails: bool = True
    history: bool = True

    def has(self, category: str) -> bool:
        return bool(getattr(self, category))


@dataclass(frozen=True)
class Manifest:
    format: str
    format_version: int
    app_version: str
    schema_version: int
    company_uid: str
    company_name: str
    created_at: dt.datetime
    include: Include
    counts: dict[str, int]  # transactions, attachments, emails, history
    database_size: int  # bytes of the books.sqlite member
    attachments_size: int  # bytes of all attachments/<id> members together
    file_size: int | None = field(default=None, compare=False)  # size of the .manager file (inspect)

    @property
    def data_size(self) -> int:
        """Bytes of data the backup holds once decompressed (database and attachments)."""
        return self.database_size + self.attachments_size

    def to_json(self) -> dict[str, Any]:
        """The manifest as stored in the file (docs/FORMAT.md, "manifest.json")."""
        return {
            "format": self.format,
            "format_version": self.format_version,
            "app_version": self.app_version,
            "schema_version": self.schema_version,
            "company": {"uid": self.company_uid, "name": self.company_name},
            "created_at": self.created_at.isoformat(),
            "include": asdict(self.include),
            "counts": dict(self.counts),
            "sizes": {DATABASE_NAME: self.database_size, "attachments": self.attachments_size},
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Estimate:
    """What the backup dialog shows next to each checkbox (uncompressed bytes, counts)."""

    base_bytes: int
    attachments_bytes: int
    attachments_count: int
    emails_bytes: int
    emails_count: int
    history_bytes: int  # the whole history's
    history_count: int
    # The history entries about the rows of an optional category ("attachments", "emails"): (bytes, count).
    history_about: dict[str, tuple[int, int]] = field(default_factory=dict)

    def history(self, include: Include) -> tuple[int, int]:
        """The bytes and entries of the history a backup with ``include`` holds: the entries about a category
        left out are left out with it (the dialog said 2,212 entries where the backup held 2,001)."""
        size, count = self.history_bytes, self.history_count
        for category, (about_bytes, about_count) in self.history_about.items():
            if not include.has(category):
                size, count = size - about_bytes, count - about_count
        return max(0, size), max(0, count)

    def total(self, include: Include) -> int:
        return (self.base_bytes + (self.attachments_bytes if include.attachments else 0)
                + (self.emails_bytes if include.emails else 0) + (self.history(include)[0] if include.history else 0))


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest
    # What SQLite's checks found wrong in the company's books when the copy passed every check itself
    # (archive_write.CopyChecks): the backup is sound, the books are not (books_damage_warning). None: sound.
    books_damage: str | None = None


def books_damage_warning(books_path: Path, problem: str, backup: Path | None) -> str:
    """What to tell the user of a backup made of damaged books (BackupResult.books_damage): the damage
    is named, and the way out, which is this backup; ``backup`` None for one written to a stream."""
    if backup is None:
        return _("The company database {path} is damaged: {problem}; the backup written to standard output "
                 "does not carry the damage, so import it with keepbooks import and use the imported company "
                 "from now on.").format(path=books_path, problem=problem)
    return _("The company database {path} is damaged: {problem}; its backup {file} does not carry the damage, "
             "so import that backup with keepbooks import and use the imported company from now on.").format(
                 path=books_path, problem=problem, file=backup)


# --- errors --------------------------------------------------------------------------------------

class ArchiveError(KeepbooksError):
    """A file that is not a usable backup: the message names the file and the problem."""


class NewerVersion(ArchiveError):
    """The backup was made by a newer keepbooks than this one."""


class NotABackup(ArchiveError):
    """The file is not a keepbooks backup at all (text, another zstd or tar file, empty)."""


class Damaged(ArchiveError):
    """The file is a keepbooks backup, or starts as one, but is corrupt or cut short."""

    problem = ""  # what is wrong with it, without the file's name (see damaged)


class DestinationExists(KeepbooksError):
    """The backup's target file exists and replacing it was not asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(_("{path} already exists; choose another name or replace it.").format(path=path))
        self.path = path


class NotReplaceable(KeepbooksError):
    """The backup's target file exists and is not this company's backup: even a forced backup keeps it."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


def damaged(path: Path | str, problem: str) -> Damaged:
    error = Damaged(_("{file} is damaged: {problem}.").format(file=path, problem=problem))
    error.problem = problem
    return error


def not_a_backup(path: Path | str, problem: str) -> NotABackup:
    return NotABackup(_("{file} is not a keepbooks backup: {problem}.").format(file=path, problem=problem))


def newer_version(path: Path | str, version: str, format_version: int, schema_version: int) -> NewerVersion:
    """Names what is newer, the format or the books' schema, beside what this keepbooks reads: the app
    version alone said nothing when it was not newer than this one (a development build)."""
    if format_version > FORMAT_VERSION:
        message = _("{file} was made by a newer version of keepbooks ({version}): it is in backup format "
                    "{format}, and this keepbooks ({ours}) reads formats up to {supported}; upgrade to import it.")
        return NewerVersion(message.format(file=path, version=version, format=format_version, ours=APP_VERSION,
                                           supported=FORMAT_VERSION))
    message = _("{file} was made by a newer version of keepbooks ({version}): its books have schema {schema}, "
                "and this keepbooks ({ours}) reads schemas up to {supported}; upgrade to import it.")
    return NewerVersion(message.format(file=path, version=version, schema=schema_version, ours=APP_VERSION,
                                       supported=SCHEMA_VERSION))


def shown(text: str, limit: int = 80) -> str:
    """A name taken from a file, safe to print: quoted, control characters escaped, shortened."""
    return quoted(text if len(text) <= limit else text[:limit] + "…")


# --- file names ----------------------------------------------------------------------------------

def _cut_to_bytes(text: str, limit: int) -> str:
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def default_backup_name(company_name: str, on: dt.date | None = None, include: Include | None = None,
                        tag: str = "") -> str:
    """``<company name> (YYYY-MM-DD).manager`` with the characters file systems refuse replaced; a backup
    that leaves something out says what after the date: ``Acme (2026-11-28, without attachments).manager``
    (a drill found a backup made by hand without attachments taking the nightly whole backup's name, and
    the summary naming it as the last backup as if it held everything). ``tag`` (" #7") follows the name,
    which alone is cut to fit: two long names differing at their ends must keep their ids apart."""
    day = (on or dt.date.today()).isoformat()
    if include is not None and include != Include():
        day = _("{date}, {contents}").format(date=day, contents=contents(include))
    suffix = f"{_file_name_part(tag)} ({_file_name_part(day)}){EXTENSION}"
    cleaned = re.sub(r"^[\s.]+|[\s.]+$", "", _file_name_part(company_name)) or "company"  # never hidden, never "x."
    return _cut_to_bytes(cleaned, MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))).rstrip() + suffix


def _file_name_part(text: str) -> str:
    """``text`` as a file name can hold it. What the encoding can write first: "／" (full width) becomes
    "/" on its way to ASCII, and the refused characters are then replaced in what came out (a name could
    otherwise lead out of the folder)."""
    writable = "".join(_writable(ch) for ch in text)
    return "".join("_" if ch in REFUSED_CHARS or ord(ch) < 32 else ch for ch in writable)


def _writable(ch: str) -> str:
    """``ch`` as the file system's encoding can write it: under a locale that is not UTF-8 (a bare
    LANG=fr_FR on Debian is Latin-1) "–" or "€" cannot be in a file name; its letter without accent or
    "_" then (ASCII: "é" → "e", "…" → "...")."""
    encoding = sys.getfilesystemencoding()
    try:
        ch.encode(encoding)
        return ch
    except UnicodeEncodeError:
        return unicodedata.normalize("NFKD", ch).encode(encoding, "ignore").decode(encoding) or "_"


def check_backup_filename(name: str) -> str:
    """The file name to write, with ``.manager`` added when missing; InvalidInput when unusable."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput(_("A file name cannot be empty."))
    bad = sorted({ch for ch in cleaned if ch in REFUSED_CHARS or ord(ch) < 32})
    if bad:
        listed = " ".join(ascii(ch)[1:-1] if ord(ch) < 32 else ch for ch in bad)
        raise InvalidInput(_("A file name cannot contain {chars}.").format(chars=listed))
    if cleaned in (".", ".."):
        raise InvalidInput(_("{name!r} is not a file name.").format(name=cleaned))
    if cleaned.startswith("."):  # hidden: unseen by ls, and pruning leaves hidden files alone
        raise InvalidInput(_("A file name cannot start with a dot (the file would be hidden)."))
    if not cleaned.lower().endswith(EXTENSION):
        cleaned += EXTENSION
    try:
        encoded = os.fsencode(cleaned)
    except UnicodeEncodeError as exc:
        raise InvalidInput(_("A file name here cannot contain {chars}: this system's character set ({encoding}) "
                             "has no place for it.").format(chars=exc.object[exc.start:exc.end],
                                                            encoding=sys.getfilesystemencoding())) from None
    if len(encoded) > MAX_FILENAME_BYTES:
        raise InvalidInput(_("A file name can have at most {limit} bytes.").format(limit=MAX_FILENAME_BYTES))
    return cleaned


# --- manifest ------------------------------------------------------------------------------------

def _int(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _load_json(data: bytes) -> tuple[Any, list[str]]:
    """The JSON value and the keys that appear more than once in one of its objects: JSON readers differ
    on which of the two values they take (Python's the last, others the first), so a manifest with a
    repeated key reads as one backup to keepbooks and as another to a person's tool."""
    repeated: list[str] = []

    def to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                repeated.append(key)
            obj[key] = value
        return obj

    return json.loads(data.decode("utf-8"), object_pairs_hook=to_dict), repeated


def _created_at(value: Any, path: Path | str) -> dt.datetime:
    """The manifest's created_at: ISO 8601 with a UTC offset, between the epoch and the year 9000."""
    if not isinstance(value, str):
        raise ValueError("created_at")
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise damaged(path, _("its manifest's creation time {time} has no UTC offset").format(time=shown(value, 40)))
    if not EARLIEST_CREATED_AT <= when < LATEST_CREATED_AT:
        raise damaged(path, _("its manifest's creation time {time} is not between the years {first} and {last}")
                      .format(time=shown(value, 40), first=EARLIEST_CREATED_AT.year, last=LATEST_CREATED_AT.year))
    return when


def parse_manifest(data: bytes, path: Path | str) -> Manifest:
    """Check every field of a manifest; the newest-version test comes before any other field check."""
    try:
        obj, repeated = _load_json(data)
    except (UnicodeDecodeError, ValueError):
        raise not_a_backup(path, _("its manifest is not valid JSON")) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
        raise not_a_backup(path, _("its manifest does not name the keepbooks format"))
    if repeated:
        raise damaged(path, _("its manifest holds the field {field} more than once")
                      .format(field=shown(repeated[0], 40)))
    app_version = obj.get("app_version")
    app_version = app_version if isinstance(app_version, str) and len(app_version) < 40 else "?"
    format_version, schema_version = _int(obj.get("format_version")), _int(obj.get("schema_version"))
    if format_version is None or schema_version is None:
        raise damaged(path, _("the manifest has no valid format or schema version"))
    if format_version > FORMAT_VERSION or schema_version > SCHEMA_VERSION:
        raise newer_version(path, app_version, format_version, schema_version)
    if format_version < 1 or schema_version not in known_schemas():
        raise ArchiveError(_("{file} uses format {format} and schema {schema}, which this release cannot read.")
                           .format(file=path, format=format_version, schema=schema_version))
    try:
        company, include, counts, sizes = obj["company"], obj["include"], obj["counts"], obj["sizes"]
        uid, name = company["uid"], company["name"]
        if not isinstance(uid, str) or not re.fullmatch(r"[0-9A-Za-z-]{1,64}", uid):
            raise ValueError("uid")
        if not isinstance(name, str):
            raise ValueError("name")
        check_company_name(name, new=False)
        created_at = _created_at(obj["created_at"], path)
        flags = {key: include[key] for key in OPTIONAL}
        if any(type(flag) is not bool for flag in flags.values()) or set(include) != set(OPTIONAL):
            raise ValueError("include")
        checked_counts = {key: _int(counts[key]) for key in COUNTED_TABLES}
        if None in checked_counts.values() or set(counts) != set(COUNTED_TABLES):
            raise ValueError("counts")
        database_size, attachments_size = _int(sizes[DATABASE_NAME]), _int(sizes["attachments"])
        if database_size is None or attachments_size is None or set(sizes) != {DATABASE_NAME, "attachments"}:
            raise ValueError("sizes")
    except (KeyError, TypeError, ValueError, InvalidInput):
        raise damaged(path, _("its manifest is incomplete or has invalid values")) from None
    return Manifest(format=FORMAT_NAME, format_version=format_version, app_version=app_version,
                    schema_version=schema_version, company_uid=uid, company_name=name, created_at=created_at,
                    include=Include(**flags), counts=checked_counts, database_size=database_size,
                    attachments_size=attachments_size)


# --- the database schema each schema version has -----------------------------------------------

def _normalize(sql: str) -> str:
    return " ".join(sql.split())


@functools.cache
def current_schema() -> frozenset[tuple[str, str, str, str]]:
    """(type, name, table, SQL) of every object a company database of SCHEMA_VERSION holds."""
    from store.db import bound
    from store.models import MODELS
    from peewee import SqliteDatabase

    db = SqliteDatabase(":memory:")
    with bound(db):
        db.create_tables(MODELS)
        rows = db.execute_sql("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    db.close()
    return frozenset((kind, name, table, _normalize(sql)) for kind, name, table, sql in rows if sql)


def known_schemas() -> dict[int, frozenset[tuple[str, str, str, str]]]:
    """Every schema version this release reads. When SCHEMA_VERSION grows, freeze the old one here and
    add its migration to store.migrations.MIGRATIONS."""
    return {SCHEMA_VERSION: current_schema()}


def schema_of(conn: sqlite3.Connection) -> frozenset[tuple[str, str, str, str]]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return frozenset((kind, name, table, _normalize(sql or "")) for kind, name, table, sql in rows)


def schema_difference(actual: frozenset[tuple[str, str, str, str]],
                      expected: frozenset[tuple[str, str, str, str]]) -> tuple[list[str], list[str]]:
    """The names of the objects ``actual`` has that ``expected`` has not, and of those it lacks, sorted
    (an object whose definition differs is in both)."""
    extra = sorted(name for _kind, name, _table, _sql in actual - expected)
    missing = sorted(name for _kind, name, _table, _sql in expected - actual)
    return extra, missing


# --- tar headers -------------------------------------------------------------------------------

def tar_header(name: str, size: int, mtime: int) -> bytes:
    """The header block(s) of a regular-file member (POSIX pax; an extended header only when needed)."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o644
    info.type = tarfile.REGTYPE
    info.uid = info.gid = 0  # root, no names: the reader refuses any other owner
    info.uname = info.gname = ""
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "strict")


def padding(size: int) -> int:
    return -size % BLOCK


def attachment_rows(conn: sqlite3.Connection) -> Iterator[tuple[int, int, str]]:
    """(id, size, sha256) of every attachment in id order, by batches, so that no statement stays open
    while blobs are read or written."""
    last = 0
    while True:
        rows = conn.execute("SELECT id, size, sha256 FROM attachment WHERE id > ? ORDER BY id LIMIT ?",
                            (last, BATCH_ROWS)).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def attachment_member(attachment_id: int) -> str:
    return f"{ATTACHMENT_PREFIX}{attachment_id}"


def sums_line(digest: str, name: str) -> bytes:
    return f"{digest}  {name}\n".encode("ascii")


