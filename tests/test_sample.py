"""The sample generator: deterministic, realistic enough to exercise backups."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import zlib
from pathlib import Path

from store.books import create_books
from store.sample import SampleSpec, populate

TABLES = ["account", "contact", "transaction", "line", "attachment", "email", "history"]


def generate(path: Path, **spec) -> Path:
    # A fixed creation time: the company's "create" history entry is not the generator's, and with
    # the clock it differed whenever two generations straddled a second.
    create_books(path, "Sample", created_at=dt.datetime(2025, 1, 1, 9, 0))
    populate(path, SampleSpec(start_year=2025, **spec))
    return path


def fingerprint(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    result = {}
    for table in TABLES:
        digest = hashlib.sha256()
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY id'):
            digest.update(repr(row).encode())
        result[table] = digest.hexdigest()
    conn.close()
    return result


def test_same_seed_same_books_other_seed_other_books(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.sqlite", transactions=300, attachments_mb=0.5, seed=7)
    b = generate(tmp_path / "b.sqlite", transactions=300, attachments_mb=0.5, seed=7)
    c = generate(tmp_path / "c.sqlite", transactions=300, attachments_mb=0.5, seed=8)
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a)["line"] != fingerprint(c)["line"]


def test_generated_books_balance_and_cover_two_fiscal_years(tmp_path: Path) -> None:
    path = generate(tmp_path / "s.sqlite", transactions=2000, attachments_mb=2, seed=1)
    conn = sqlite3.connect(path)
    assert conn.execute('SELECT COUNT(*) FROM "transaction"').fetchone()[0] == 2000
    unbalanced = conn.execute("SELECT transaction_id FROM line GROUP BY transaction_id HAVING SUM(amount) != 0")
    assert unbalanced.fetchall() == []
    years = {row[0] for row in conn.execute('SELECT DISTINCT substr(date, 1, 4) FROM "transaction"')}
    assert years == {"2025", "2026"}
    kinds = {row[0] for row in conn.execute('SELECT DISTINCT kind FROM "transaction"')}
    assert {"sale", "purchase", "receipt", "payment"} <= kinds
    # History for every transaction, email and attachment.
    for table, object_type in (("transaction", "transaction"), ("email", "email"), ("attachment", "attachment")):
        missing = conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE id NOT IN '
                               f"(SELECT object_id FROM history WHERE object_type = ?)", (object_type,))
        assert missing.fetchone()[0] == 0
    # Emails are linked to sale invoices.
    linked = conn.execute('SELECT COUNT(*) FROM email JOIN "transaction" t ON t.id = email.object_id '
                          "WHERE t.kind = 'sale'").fetchone()[0]
    assert linked == conn.execute("SELECT COUNT(*) FROM email").fetchone()[0] == 200


def test_attachments_come_in_two_kinds_up_to_the_requested_size(tmp_path: Path) -> None:
    path = generate(tmp_path / "s.sqlite", transactions=500, attachments_mb=3, seed=3)
    conn = sqlite3.connect(path)
    total = conn.execute("SELECT SUM(size) FROM attachment").fetchone()[0]
    assert total == 3_000_000
    ratios = {}
    for media, content in conn.execute("SELECT media_type, content FROM attachment"):
        ratios.setdefault(media, []).append(len(zlib.compress(content, 1)) / len(content))
    assert max(ratios["image/jpeg"]) > 0.99  # scans do not compress
    assert max(ratios["application/pdf"]) < 0.6  # text PDFs do
    for content, digest in conn.execute("SELECT content, sha256 FROM attachment"):
        assert hashlib.sha256(content).hexdigest() == digest
