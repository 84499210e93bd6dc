"""The companies catalog: list, find, create atomically, remove to the trash, clean crash leftovers."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from store.books import Books
from store.catalog import LOCK_NAME, Catalog
from store.config import resolve_folders
from store.errors import Ambiguous, InvalidInput, NotFound, StorageError
from store.i18n import set_language
from store.locks import OwnerLock


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    with Catalog(resolve_folders(tmp_path / "data")) as opened:
        yield opened


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_created_companies_are_listed_with_their_size(catalog: Catalog) -> None:
    first = catalog.create("Boulangerie Martin", currency="eur")
    second = catalog.create("Atelier Lefèvre")
    listed = catalog.companies()
    assert [c.name for c in listed] == ["Atelier Lefèvre", "Boulangerie Martin"]
    assert {c.id for c in listed} == {first.id, second.id}
    assert all(c.size_bytes > 0 and c.last_backup_at is None for c in listed)
    with catalog.open_books(first.id) as books:
        assert books.settings().currency == "EUR"


def test_companies_come_in_the_order_a_person_reads_names(catalog: Catalog) -> None:
    """Found by a helper in French: "Épicerie du Marché" came after "Transports Roux" (code point order),
    and "Lefèvre 973" before "Lefèvre 98"."""
    for name in ("Transports Roux", "Épicerie du Marché", "Lefèvre 98", "lefèvre 973", "Lefèvre 97", "Zoé",
                 "Œuvres sociales", "Łódź Trading"):
        catalog.create(name)
    assert [c.name for c in catalog.companies()] == [
        "Épicerie du Marché", "Lefèvre 97", "Lefèvre 98", "lefèvre 973", "Łódź Trading", "Œuvres sociales",
        "Transports Roux", "Zoé"]  # Œ and Ł came after Z (a second helper): NFKD leaves them whole


def test_a_change_updates_last_change(catalog: Catalog) -> None:
    info = catalog.create("Acme")
    catalog.touch(info.id, info.last_change.replace(year=2000))
    with catalog.open_books(info.id) as books:
        books.add_contact("Client")
    assert catalog.get(info.id).last_change.year > 2000


def test_find_by_name_or_id_and_ambiguous_names(catalog: Catalog) -> None:
    a = catalog.create("Acme")
    b = catalog.create("Acme")
    other = catalog.create("Northwind")
    assert catalog.find("northwind").id == other.id
    assert catalog.find(str(a.id)).id == a.id and catalog.find(f"#{b.id}").id == b.id
    with pytest.raises(Ambiguous) as error:
        catalog.find("Acme")
    assert f"{a.id}, {b.id}" in str(error.value)
    with pytest.raises(NotFound, match="Nobody"):
        catalog.find("Nobody")


def test_a_failed_creation_leaves_nothing(catalog: Catalog) -> None:
    before = tree(catalog.folders.companies)

    def explode(_path: Path) -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        catalog.create("Doomed", populate=explode)
    with pytest.raises(InvalidInput):
        catalog.create("   ")
    assert catalog.companies() == []
    assert tree(catalog.folders.companies) == before


def test_remove_moves_the_folder_to_the_trash(catalog: Catalog) -> None:
    info = catalog.create("Old company")
    with catalog.open_books(info.id) as books:
        books.add_contact("Kept in the trash")
    where = catalog.remove(info.id)
    assert catalog.companies() == []
    assert where.parent == catalog.folders.trash and not info.folder.exists()
    with Books(where / "books.sqlite") as books:  # the books are intact
        assert books.settings().name == "Old company"


def test_removing_while_another_program_writes_the_catalog_is_a_message_and_changes_nothing(catalog: Catalog) -> None:
    """Found in the app: a catalog held by another writer made remove raise sqlite3's error, and the app
    quit with a traceback."""
    info = catalog.create("Boulangerie Martin")
    catalog.conn.execute("PRAGMA busy_timeout = 50")
    with closing(sqlite3.connect(catalog.folders.catalog, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match=r"^Cannot remove Boulangerie Martin: the companies catalog .* "
                                               r"cannot be changed now \(database is locked\); try again"):
            catalog.remove(info.id)
        other.execute("ROLLBACK")
    assert info.books_path.is_file() and [c.id for c in catalog.companies()] == [info.id]


def test_a_removal_the_catalog_refuses_is_a_message_and_moves_nothing(catalog: Catalog) -> None:
    # Review: a failing DELETE (an I/O error; a trigger stands in for it) escaped as sqlite3's error.
    info = catalog.create("Boulangerie Martin")
    catalog.conn.execute("CREATE TEMP TRIGGER refuse BEFORE DELETE ON company BEGIN SELECT RAISE(ABORT, 'disk I/O "
                         "error'); END")
    with pytest.raises(StorageError, match=r"^Cannot remove Boulangerie Martin: .* \(disk I/O error\); try again"):
        catalog.remove(info.id)
    assert info.books_path.is_file() and [c.id for c in catalog.companies()] == [info.id]


def test_a_removal_the_catalog_cannot_record_puts_the_folder_back(catalog: Catalog) -> None:
    """Review: the folder went to the trash, the COMMIT failed (a full disk), and the message said to try
    again, the company listed with its folder gone."""
    info = catalog.create("Boulangerie Martin")

    class CommitFails:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return self.conn.execute(sql, *args)

        def __getattr__(self, name: str):
            return getattr(self.conn, name)

    real, catalog.conn = catalog.conn, CommitFails(catalog.conn)  # type: ignore[assignment]
    try:
        with pytest.raises(StorageError, match=r"could not record it \(database or disk is full\); nothing was"):
            catalog.remove(info.id)
    finally:
        catalog.conn = real
    assert info.books_path.is_file() and [c.id for c in catalog.companies()] == [info.id]
    assert not catalog.folders.trash.exists() or not any(catalog.folders.trash.iterdir())


def test_a_removed_company_is_put_back_from_the_trash(catalog: Catalog, tmp_path: Path) -> None:
    """'It can be put back by hand' said the app; the README's way (move the folder back under
    companies/) made an orphan that the next start moved to the trash again."""
    info = catalog.create("Old company")
    with catalog.open_books(info.id) as books:
        books.add_contact("Kept in the trash")
        uid = books.settings().uid
    catalog.record_backup(info.id, tmp_path / "old.manager", 1234, left_out=["attachments"])
    where = catalog.remove(info.id)
    back = catalog.untrash(where)
    assert back.id != info.id and back.name == "Old company" and not where.exists()
    # A review: put back, its last backup without attachments showed as whole.
    assert (back.last_backup_size, back.last_backup_left_out) == (1234, ("attachments",))
    assert [c.id for c in catalog.companies()] == [back.id]
    with catalog.open_books(back.id) as books:
        assert books.settings().uid == uid
    with closing(sqlite3.connect(back.books_path)) as conn:
        assert ("Kept in the trash",) in conn.execute("SELECT name FROM contact").fetchall()
    again = catalog.remove(back.id)
    link = tmp_path / "link"
    link.symlink_to(again)  # through a link, the link moved and the books stayed in the trash
    for wrong in (tmp_path, back.folder, catalog.folders.trash / "nothing", link):
        with pytest.raises(InvalidInput, match="is not a removed company"):
            catalog.untrash(wrong)
    assert catalog.companies() == [] and (again / "books.sqlite").is_file()
    with closing(sqlite3.connect(again / "books.sqlite")) as conn, conn:
        conn.execute("UPDATE settings SET created_at = 'not a date'")
    with pytest.raises(StorageError, match="Cannot read the company in"):
        catalog.untrash(again)  # refused before it is listed: the list would fail on it every time
    assert catalog.companies() == []


def test_leftovers_of_a_crash_are_cleaned_but_work_in_progress_is_not(tmp_path: Path) -> None:
    folders = resolve_folders(tmp_path / "data")
    with Catalog(folders) as catalog:
        kept = catalog.create("Kept")
        live = catalog.staging()  # another process's import in progress holds its lock
    dead = folders.companies / ".tmp-deadbeef"
    dead.mkdir()
    (dead / "books.sqlite").write_bytes(b"half written")
    (folders.companies / f".tmp-deadbeef{LOCK_NAME}").touch()  # nobody holds it: its owner died
    orphan = folders.companies / "999"  # renamed in, but the catalog transaction never committed
    orphan.mkdir()
    stray_lock = folders.companies / f".tmp-0123456789abcdef{LOCK_NAME}"  # killed after its folder moved in
    stray_lock.touch()

    with Catalog(folders) as catalog:
        assert [c.id for c in catalog.companies()] == [kept.id]
    assert not dead.exists() and live.path.exists()
    assert not stray_lock.exists() and (folders.companies / f"{live.path.name}{LOCK_NAME}").exists()
    assert not orphan.exists() and any(p.name.startswith("orphan-999") for p in folders.trash.iterdir())
    live.discard()


def test_an_unusable_data_folder_is_named_in_the_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match=str(blocker)):
        Catalog(resolve_folders(blocker / "data"))


def test_owner_lock_is_exclusive(tmp_path: Path) -> None:
    first, second = OwnerLock(tmp_path / "x.lock"), OwnerLock(tmp_path / "x.lock")
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()
    assert not os.path.exists(tmp_path / "x.lock")


def test_a_new_data_folder_is_for_its_user_alone(tmp_path: Path) -> None:
    # Found by an exploratory pass: under the usual umask (022) every user of the server could copy any
    # company's books (folders 755, books 644), while its backups were private (600).
    old = os.umask(0o022)
    try:
        with Catalog(resolve_folders(tmp_path / "home" / "keepbooks", tmp_path / "backups")) as catalog:
            company = catalog.create("Boulangerie Martin")
    finally:
        os.umask(old)
    assert (tmp_path / "home" / "keepbooks").stat().st_mode & 0o777 == 0o700
    assert company.books_path.is_file()  # inside it, whatever its own mode


def test_a_catalog_that_cannot_record_a_backup_says_the_backup_is_there(catalog: Catalog, tmp_path: Path,
                                                                        monkeypatch) -> None:
    # It was an "internal error" and exit 1, though the backup file was whole and in place.
    from store import archive

    company = catalog.create("Boulangerie Martin")

    class ReadOnly:
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def execute(self, sql, *args):
            if sql.lstrip().startswith("UPDATE company SET last_backup_at"):
                raise sqlite3.OperationalError("attempt to write a readonly database")
            return self.conn.execute(sql, *args)

    monkeypatch.setattr(catalog, "conn", ReadOnly(catalog.conn))
    target = tmp_path / "b.manager"
    with pytest.raises(StorageError) as raised:
        archive.backup_company(catalog, company.id, target)
    assert str(raised.value) == (f"The backup {target} was written, but the companies catalog {catalog.folders.catalog} "
                                 "could not record it: attempt to write a readonly database.")
    assert archive.verify(target).company_name == "Boulangerie Martin"


def test_a_data_folder_that_is_a_file_is_said_to_be_one(tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("not a folder")
    with pytest.raises(StorageError, match=f"^{a_file} is not a folder.$"):
        Catalog(resolve_folders(a_file, tmp_path / "backups"))


def test_a_catalog_of_an_earlier_version_gets_the_column_of_what_a_backup_left_out(tmp_path: Path) -> None:
    folders = resolve_folders(tmp_path / "data")
    with Catalog(folders) as catalog:
        acme = catalog.create("Acme")
        catalog.record_backup(acme.id, tmp_path / "acme.manager", 10, left_out=["attachments"])
        catalog.conn.execute("ALTER TABLE company DROP COLUMN last_backup_left_out")  # as an earlier version made it
    with Catalog(folders, readonly=True) as catalog:  # read as it stands: not recorded
        assert catalog.get(acme.id).last_backup_left_out is None
    with Catalog(folders) as catalog:  # opened for writing: the column is added
        assert catalog.get(acme.id).last_backup_left_out is None
        catalog.record_backup(acme.id, tmp_path / "acme.manager", 10, left_out=["emails", "history"])
        assert catalog.get(acme.id).last_backup_left_out == ("emails", "history")
        catalog.record_backup(acme.id, tmp_path / "acme.manager", 10)
        assert catalog.get(acme.id).last_backup_left_out == ()


def test_a_catalog_of_an_earlier_version_gets_what_each_last_backup_left_out_from_its_file(tmp_path: Path) -> None:
    """A review: once the column was added, a company whose last backup (made by an earlier version) left out
    the attachments still showed it as whole ("2026-05-31", not "2026-05-31, partial") until the next backup.
    The file's manifest says; a file that cannot tell leaves it "not recorded", and the catalog opens."""
    from store.archive import Include, backup_company  # store.archive imports store.catalog

    folders = resolve_folders(tmp_path / "data")
    with Catalog(folders) as catalog:
        ids = {name: catalog.create(name).id for name in ("Sans PJ", "Whole", "Gone", "Damaged", "Other's file",
                                                          "Streamed")}
        backup_company(catalog, ids["Sans PJ"], tmp_path / "sans-pj.manager", include=Include(attachments=False))
        backup_company(catalog, ids["Whole"], tmp_path / "whole.manager")
        gone = backup_company(catalog, ids["Gone"], tmp_path / "gone.manager", include=Include(emails=False)).path
        damaged = backup_company(catalog, ids["Damaged"], tmp_path / "damaged.manager",
                                 include=Include(history=False)).path
        catalog.record_backup(ids["Other's file"], tmp_path / "sans-pj.manager", 10)  # since replaced, say
        catalog.record_backup(ids["Streamed"], Path("<stdout>"), 10, left_out=["attachments"])
        catalog.conn.execute("ALTER TABLE company DROP COLUMN last_backup_left_out")  # as an earlier version made it
    gone.unlink()
    with open(damaged, "r+b") as fh:  # its first frame, the manifest's, no longer decodes
        fh.seek(12)
        fh.write(b"\xff" * 64)
    with Catalog(folders) as catalog:  # opened for writing: the column is added, and filled where it can be
        shown = {name: catalog.get(company_id) for name, company_id in ids.items()}
    assert shown["Sans PJ"].last_backup_left_out == ("attachments",)
    assert shown["Sans PJ"].as_json()["last_backup_left_out"] == ["attachments"]  # keepbooks companies --json
    assert shown["Whole"].last_backup_left_out == ()
    assert shown["Gone"].last_backup_left_out is None and shown["Gone"].last_backup_gone
    assert shown["Damaged"].last_backup_left_out is None
    assert shown["Other's file"].last_backup_left_out is None  # another company's backup tells nothing of this one
    assert shown["Streamed"].last_backup_left_out is None
    assert all(info.last_backup_at is not None for info in shown.values())
    with Catalog(folders) as catalog:  # once: a later opening reads no manifest
        catalog.record_backup(ids["Whole"], tmp_path / "whole.manager", 10, left_out=["emails"])
    (tmp_path / "sans-pj.manager").unlink()
    with Catalog(folders) as catalog:
        assert catalog.get(ids["Whole"]).last_backup_left_out == ("emails",)
        assert catalog.get(ids["Sans PJ"]).last_backup_left_out == ("attachments",)


def test_a_name_typed_without_its_accents_or_case_finds_the_company(catalog: Catalog) -> None:
    """A French bookkeeper's pass: "cafe du port" (a server's keyboard) did not find "Café du Port", which
    the app's filter finds; and the message quoted the name as Python does, 'cafe du porte', in French too."""
    cafe = catalog.create("Café du Port")
    assert catalog.find("cafe du port").id == cafe.id
    with pytest.raises(NotFound, match="^There is no company named “cafe du porte”.$"):
        catalog.find("cafe du porte")
    # An exploratory pass: "backup 99" said there was no company named “99”; 99 was meant as an id.
    with pytest.raises(NotFound, match="^There is no company with id 99, nor named “#99”; `keepbooks companies` "
                                       "lists them.$"):
        catalog.find("#99")
    catalog.create("Cafe du Port")  # its case aside, it is the one typed (review: "cafe" had become ambiguous)
    assert catalog.find("cafe du port").name == "Cafe du Port"
    catalog.create("CAFÉ DU PORT")
    with pytest.raises(Ambiguous) as error:
        catalog.find("café du port")
    assert str(error.value) == (f"No company is named “café du port”, and several match it with case or accents "
                                f"aside: “Café du Port” (id {cafe.id}), “CAFÉ DU PORT” (id {cafe.id + 2}); give the "
                                "id instead.")
    set_language("fr")
    try:
        with pytest.raises(NotFound) as error:
            catalog.find("x\nz")  # a line break, escaped in the message
        assert str(error.value) == "Aucune entreprise ne s’appelle «\u00a0x\\nz\u00a0»."
    finally:
        set_language("en")


def test_an_id_that_is_also_another_companys_name_is_ambiguous(catalog: Catalog) -> None:
    """A script asking for company "2" got company #2 where a company is named "2": the wrong books. The
    message says what to type for each, in forms no other company can be taken for."""
    acme = catalog.create("Acme")
    named_like_an_id = catalog.create(str(acme.id))
    with pytest.raises(Ambiguous) as error:
        catalog.find(str(acme.id))
    assert str(error.value) == (f"“{acme.id}” is the id of “Acme” and the name of company #{named_like_an_id.id}: "
                                f"give #{acme.id} for the first, #{named_like_an_id.id} for the second.")
    hash_named = catalog.create(f"#{acme.id}")  # now both of Acme's id forms are other companies' names
    for text in (str(acme.id), f"#{acme.id}"):
        with pytest.raises(Ambiguous) as error:
            catalog.find(text)
        other = named_like_an_id.id if text == str(acme.id) else hash_named.id
        assert str(error.value) == (f"“{text}” is the id of “Acme” and the name of company #{other}: give 'Acme' "
                                    f"for the first, #{other} for the second.")
    assert catalog.find("Acme").id == acme.id
    assert catalog.find(f"#{named_like_an_id.id}").id == named_like_an_id.id
    assert catalog.find(str(hash_named.id)).id == hash_named.id


@pytest.mark.parametrize("name", ["Acme\x7f", "Acme\x9b31m", "Acme \u202eroc", "Acme \u202droc"])
def test_names_with_control_or_reordering_characters_are_refused(catalog: Catalog, name: str) -> None:
    """DEL and the C1 controls (U+009B starts a terminal escape sequence when printed) and the bidi
    overrides (the name would read other than it is) passed; only the C0 controls were refused."""
    with pytest.raises(InvalidInput, match="control characters"):
        catalog.create(name)
    assert catalog.companies() == []


def test_a_backup_of_a_name_made_before_the_stricter_rule_still_imports(catalog: Catalog, tmp_path: Path) -> None:
    """Names with DEL or a C1 control were accepted until the rule grew stricter: their backups must still
    read and import (under a name of today's rules); right-to-left isolates stay allowed."""
    from store import archive

    assert catalog.create("\u2067שלום\u2069 Ltd").name == "\u2067שלום\u2069 Ltd"
    info = catalog.create("Acme")
    with sqlite3.connect(info.books_path) as conn:  # named as an older version let it be
        conn.execute("UPDATE settings SET name = ?", ("Acme\x7f",))
    backup = archive.backup_company(catalog, info.id, tmp_path / "old.manager").path
    assert archive.inspect(backup).company_name == "Acme\x7f"
    with pytest.raises(InvalidInput, match="control characters"):
        archive.import_backup(catalog, backup)
    assert archive.import_backup(catalog, backup, name="Acme (restored)").name == "Acme (restored)"


def contact_names(books: Path) -> list[str]:
    with closing(sqlite3.connect(books)) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM contact ORDER BY id")]


def forget_catalog(folders) -> None:
    for end in ("", "-wal", "-shm"):
        Path(f"{folders.catalog}{end}").unlink(missing_ok=True)


def test_a_lost_catalog_is_rebuilt_from_the_company_folders(tmp_path: Path) -> None:
    """Found by a reliability audit: with catalog.sqlite deleted, the next opening moved every company to the
    trash as an orphan, and the app showed an empty list without a word."""
    folders = resolve_folders(tmp_path / "data")
    with Catalog(folders) as catalog:
        first = catalog.create("Boulangerie Martin")
        second = catalog.create("Café du Port")
        with catalog.open_books(second.id) as books:
            books.add_contact("Kept")
    forget_catalog(folders)
    empty = folders.companies / "7"  # half made by hand: no books to list
    empty.mkdir()
    (folders.companies / "8").mkdir()
    (folders.companies / "8" / "books.sqlite").write_bytes(b"not a database")

    with Catalog(folders) as catalog:
        listed = [(c.id, c.name, c.created_at, c.missing) for c in catalog.companies()]
        assert listed == [(first.id, "Boulangerie Martin", first.created_at, False),
                          (second.id, "Café du Port", second.created_at, False)]
        assert [(c.id, c.name) for c in catalog.restored] == [(first.id, "Boulangerie Martin"),
                                                              (second.id, "Café du Port")]
        assert contact_names(catalog.get(second.id).books_path) == ["Kept"]
        assert catalog.create("Next").id == 3
    trashed = {item.folder.name: item for item in catalog.set_aside}
    assert sorted(trashed) == ["7", "8"] and all(item.moved_to.parent == folders.trash for item in trashed.values())
    assert "Cannot read the company in" in trashed["8"].message
    assert sorted(p.name.split("-")[1] for p in folders.trash.iterdir()) == ["7", "8"]  # only those
    with Catalog(folders) as catalog:
        assert catalog.restored == [] and catalog.set_aside == []  # said once


def test_a_damaged_catalog_says_how_to_rebuild_the_list(tmp_path: Path) -> None:
    """Found by a reliability audit: "database disk image is malformed" alone, and no way forward."""
    folders = resolve_folders(tmp_path / "data")
    with Catalog(folders) as catalog:
        catalog.create("Boulangerie Martin")
        catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = catalog.conn.execute("PRAGMA page_size").fetchone()[0]
        root = catalog.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'company'").fetchone()[0]
    with open(folders.catalog, "r+b") as file:  # the company table's page: no longer a b-tree page
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 8)
    for readonly in (False, True):
        with Catalog(folders, readonly=readonly) as catalog, pytest.raises(StorageError) as raised:
            catalog.companies()
        assert str(raised.value).startswith(f"The companies catalog {folders.catalog} is damaged (database disk "
                                            "image is malformed). The companies' books are in their own folders")
    folders.catalog.write_bytes(b"garbage " * 1024)
    for readonly in (False, True):
        with pytest.raises(StorageError) as raised:
            Catalog(folders, readonly=readonly)
        assert str(raised.value).startswith(f"The companies catalog {folders.catalog} is damaged (file is not a "
                                            "database). The companies' books are in their own folders")
        assert "move the catalog aside (with its -wal and -shm files, if any)" in str(raised.value)
    for end in ("", "-wal", "-shm"):  # as the message says
        if Path(f"{folders.catalog}{end}").exists():
            os.replace(f"{folders.catalog}{end}", f"{folders.catalog}{end}.damaged")
    with Catalog(folders) as catalog:
        assert [c.name for c in catalog.companies()] == ["Boulangerie Martin"]


class Killed(BaseException):
    """The process killed at this point: nothing after it runs, the catalog's transaction is rolled back."""


def kill_after_first_rename(monkeypatch) -> None:
    real = os.replace

    def replace(source, target):
        real(source, target)
        monkeypatch.setattr(os, "replace", real)
        raise Killed

    monkeypatch.setattr(os, "replace", replace)


def test_an_id_is_not_given_again_after_a_crash_between_the_folders_move_and_the_commit(catalog: Catalog,
                                                                                       monkeypatch) -> None:
    """Found by a reliability audit: the folder moved to companies/2, the INSERT rolled back, and id 2 was
    handed out again: the running app failed every import and new company ("Directory not empty")."""
    catalog.create("First")
    kill_after_first_rename(monkeypatch)
    with pytest.raises(Killed):
        catalog.create("Crashed")
    assert (catalog.folders.companies / "2" / "books.sqlite").is_file()
    assert catalog.create("Next").id == 3  # the catalog opened before the crash (the app) goes on
    with Catalog(catalog.folders) as reopened:
        assert [(c.id, c.name) for c in reopened.restored] == [(2, "Crashed")]
        assert [(c.id, c.name) for c in reopened.companies()] == [(2, "Crashed"), (1, "First"), (3, "Next")]


def test_a_removal_killed_before_its_commit_leaves_the_company_as_it_was(catalog: Catalog, monkeypatch) -> None:
    """Found by a reliability audit: the folder went to the trash, the row stayed: listed as missing for good.
    The next opening puts the folder back (the removal had not happened)."""
    info = catalog.create("Boulangerie Martin")
    with catalog.open_books(info.id) as books:
        books.add_contact("Kept")
    kill_after_first_rename(monkeypatch)
    with pytest.raises(Killed):
        catalog.remove(info.id)
    with Catalog(catalog.folders) as reopened:
        [listed] = reopened.companies()
        assert (listed.id, listed.missing) == (info.id, False) and reopened.restored == []
        assert contact_names(listed.books_path) == ["Kept"]
    assert list(catalog.folders.trash.iterdir()) == []
    assert catalog.remove(info.id).parent == catalog.folders.trash  # and it can be removed after all


def test_a_company_moved_in_or_out_is_synced_before_the_catalog_records_it(catalog: Catalog, monkeypatch) -> None:
    """Found by a reliability audit: no fsync of companies/ after the rename, so a power cut could keep the
    row and lose the rename (the folder still .tmp-…, then cleaned as a crash leftover)."""
    from store import catalog as catalog_module

    synced: list[tuple[str, int]] = []

    def fsync_path(path: Path) -> None:
        with closing(sqlite3.connect(catalog.folders.catalog)) as other:  # what is committed at that time
            synced.append((Path(path).name, other.execute("SELECT count(*) FROM company").fetchone()[0]))

    monkeypatch.setattr(catalog_module, "fsync_path", fsync_path, raising=False)
    info = catalog.create("Boulangerie Martin")
    assert ("companies", 0) in synced  # before its row was committed
    synced.clear()
    trashed = catalog.remove(info.id)
    assert {("companies", 1), ("trash", 1)} <= set(synced)
    synced.clear()
    catalog.untrash(trashed)
    assert {("companies", 0), ("trash", 0)} <= set(synced)
