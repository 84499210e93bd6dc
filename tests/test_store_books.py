"""The store API of one company's books: changes, their history, validation."""

from __future__ import annotations

import hashlib
import sqlite3
import json
from pathlib import Path

import pytest

from store.books import Books, create_books, default_user
from store.errors import InvalidInput, NotFound
from store.models import History


@pytest.fixture
def books(tmp_path: Path) -> Books:
    path = tmp_path / "books.sqlite"
    create_books(path, "Acme")
    with Books(path, user="alice") as opened:
        yield opened


def history_rows(books: Books) -> list[History]:
    with books.reading():
        return list(History.select().order_by(History.id))


def test_every_change_writes_its_history_entry(books: Books) -> None:
    bank, sales = books.account_id("5120"), books.account_id("7070")
    start = len(history_rows(books))
    txn = books.add_transaction("2026-03-01", "Sale", [(bank, 1200), (sales, -1200)], reference="INV-1")
    books.edit_transaction(txn, description="Sale of bread", lines=[(bank, 1500), (sales, -1500)])
    attachment = books.attach_file(txn, "invoice.pdf", b"%PDF-1.4 hello")
    email = books.record_email("client@example.com", "Invoice INV-1", "Hello", object_type="transaction",
                               object_id=txn)
    contact = books.add_contact("Client", "customer", "client@example.com")
    books.delete_transaction(txn)

    rows = history_rows(books)[start:]
    assert [(r.action, r.object_type, r.object_id) for r in rows] == [
        ("create", "transaction", txn), ("update", "transaction", txn), ("create", "attachment", attachment),
        ("create", "email", email), ("create", "contact", contact), ("delete", "transaction", txn)]
    assert all(r.user == "alice" for r in rows)
    update = rows[1]
    assert json.loads(update.before)["lines"] == [[bank, 1200], [sales, -1200]]
    assert json.loads(update.after)["lines"] == [[bank, 1500], [sales, -1500]]
    assert json.loads(update.after)["description"] == "Sale of bread"
    assert json.loads(rows[-1].before)["reference"] == "INV-1" and rows[-1].after is None


def test_user_defaults_to_the_os_user(tmp_path: Path) -> None:
    path = tmp_path / "books.sqlite"
    create_books(path, "Acme")
    with Books(path) as books:
        books.add_contact("Someone")
        assert history_rows(books)[-1].user == default_user()


@pytest.mark.parametrize("lines, message", [
    ([("5120", 1000), ("7070", -900)], "does not balance"),
    ([("5120", 1000)], "at least two lines"),
    ([("5120", 0), ("7070", 0)], "at least two lines"),
    # A helper: 2**63 was a raw OverflowError, and a year's sums past it an "integer overflow" on the summary.
    ([("5120", 2**63), ("7070", -2**63)], "cannot be larger"),
    ([("5120", 10**15 + 1), ("7070", -10**15 - 1)], "cannot be larger"),
])
def test_unbalanced_or_empty_transactions_are_refused_and_leave_no_trace(books: Books, lines, message) -> None:
    before = history_rows(books)
    specs = [(books.account_id(code), amount) for code, amount in lines]
    with pytest.raises(InvalidInput, match=message):
        books.add_transaction("2026-03-01", "Broken", specs)
    assert history_rows(books) == before


def test_a_failed_change_writes_no_history(books: Books) -> None:
    before = len(history_rows(books))
    with pytest.raises(InvalidInput, match="no account"):
        books.add_transaction("2026-03-01", "Unknown account", [(9999, 10), (books.account_id("5120"), -10)])
    with pytest.raises(NotFound):
        books.attach_file(12345, "x.pdf", b"x")
    assert len(history_rows(books)) == before


def test_attachment_content_round_trips_byte_exact(books: Books) -> None:
    bank, sales = books.account_id("5120"), books.account_id("7070")
    txn = books.add_transaction("2026-03-01", "Sale", [(bank, 100), (sales, -100)])
    content = bytes(range(256)) * 1000 + b"\x00end"
    attachment = books.attach_file(txn, "scan.jpg", content)
    assert books.attachment_content(attachment) == content
    with books.reading():
        row = History.select().where(History.object_type == "attachment").get()
    assert json.loads(row.after)["sha256"] == hashlib.sha256(content).hexdigest()


def test_a_new_company_has_large_pages_in_wal_mode(books: Books, tmp_path: Path) -> None:
    # Attachments live in the database: large pages make reading them for a backup cheaper.
    conn = sqlite3.connect(tmp_path / "books.sqlite")
    assert conn.execute("PRAGMA page_size").fetchone() == (16384,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_a_bad_date_is_refused_with_a_clear_message(books: Books) -> None:
    bank, sales = books.account_id("5120"), books.account_id("7070")
    with pytest.raises(InvalidInput, match="not a date"):
        books.add_transaction("31/02/2026", "Sale", [(bank, 100), (sales, -100)])


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "tab\tname"])
def test_bad_company_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput):
        create_books(tmp_path / "books.sqlite", name)


def test_the_chart_of_accounts_is_created_in_the_interface_language(tmp_path: Path) -> None:
    from store.i18n import current_language, set_language

    previous = current_language()
    set_language("fr")
    try:
        create_books(tmp_path / "fr.sqlite", "Boulangerie Martin")
    finally:
        set_language(previous)
    create_books(tmp_path / "en.sqlite", "Northwind")
    with Books(tmp_path / "fr.sqlite") as french, Books(tmp_path / "en.sqlite") as english:
        assert {a.code: a.name for a in french.accounts()}["5120"] == "Banque"
        assert {a.code: a.group.name for a in french.accounts()}["4010"] == "Dettes"
        assert {a.code: a.name for a in english.accounts()}["5120"] == "Bank"


def test_books_of_an_older_schema_are_upgraded_on_open(tmp_path: Path, monkeypatch) -> None:
    from playhouse.migrate import migrate

    from store import migrations
    from store.errors import StorageError

    path = tmp_path / "books.sqlite"
    create_books(path, "Acme")
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX email_sent_at")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    monkeypatch.setitem(migrations.MIGRATIONS, 0, lambda db, migrator: migrate(
        migrator.add_index("email", ("sent_at",), False)))
    with Books(path) as books:
        assert migrations.version_of(books.db) == 1
        assert "email_sent_at" in {index.name for index in books.db.get_indexes("email")}

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer version of keepbooks"):
        Books(path)
