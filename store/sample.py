"""Deterministic sample companies: demo data, benchmarks and tests.

The same seed (and start year) gives the same books: names, amounts, dates, attachment bytes.
Attachments come in two kinds, as in real books: incompressible "scans" and compressible text "PDFs".
Bulk inserts go through one sqlite3 connection inside one transaction, for speed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from store.db import connect
from store.i18n import _
from store.progress import Progress, ProgressCallback, check_cancel, no_progress

FRENCH_COMPANIES = ["Boulangerie Martin", "Atelier Lefèvre", "Cabinet Moreau", "Menuiserie Girard",
                    "Épicerie du Marché", "Transports Roux", "Librairie des Quais", "Garage Fournier",
                    "Fromagerie Bonnet", "Studio Lambert"]
ENGLISH_COMPANIES = ["Northwind Trading", "Harbour Lights Design", "Oakridge Consulting",
                     "Blue Fern Bakery", "Kestrel Engineering", "Maple & Stone Joinery", "Riverside Books",
                     "Granite Peak Outfitters", "Silverline Logistics", "Copperleaf Studio"]
FIRST_NAMES = ["Marie", "Jean", "Camille", "Louis", "Chloé", "Hugo", "Léa", "Arthur", "Emma", "Noah",
               "Olivia", "James", "Amelia", "George", "Isla", "Thomas", "Manon", "Lucas", "Sophie", "Oscar"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Mercier", "Smith", "Jones", "Taylor",
              "Brown", "Wilson", "Evans", "Laurent", "Fontaine", "Chevalier", "Walker", "Wright", "Morel"]
SUPPLIERS = ["Papeterie Centrale", "Orange Business", "EDF Entreprises", "Metro Cash & Carry",
             "Office Depot", "Staples", "Brico Pro", "Amazon Business", "Foncière du Centre",
             "Crédit Agricole", "Vodafone", "British Gas", "Würth France", "Manutan"]
ITEMS = ["consulting day", "pastries", "repair work", "oak table", "delivery", "design study", "books",
         "maintenance contract", "training session", "cheese platter", "software licence", "audit",
         "installation", "spare parts", "photography", "translation", "catering", "cleaning"]
USERS = ["marie", "paul", "admin", "claire"]
WORDS = ("invoice facture total montant quantity quantité price prix VAT TVA due échéance paid payé "
         "customer client supplier fournisseur reference référence date delivery livraison order "
         "commande item article description service amount balance solde bank banque account compte "
         "thank merci regards cordialement terms conditions page of de net gross brut").split()

MEGABYTE = 1_000_000  # decimal, as sizes are shown everywhere (store/formats.py)

# Accounts of the standard chart that the generator posts to.
SALES_ACCOUNTS = ["7060", "7070"]
PURCHASE_ACCOUNTS = ["6010", "6130", "6260"]


@dataclass(frozen=True)
class SampleSpec:
    transactions: int = 2000
    attachments_mb: float = 5
    seed: int = 1
    start_year: int | None = None  # first of the two fiscal years; default: last calendar year
    email_ratio: float = 0.1  # emails per transaction (reference: 20,000 for 200,000)


def company_name(seed: int) -> str:
    rng = random.Random(f"name-{seed}")
    return rng.choice(FRENCH_COMPANIES + ENGLISH_COMPANIES)


def _text_pdf(rng: random.Random, pool: list[bytes], size: int, title: str) -> bytes:
    header = (f"%PDF-1.4\n% {title}\n1 0 obj << /Type /Page >> endobj\nstream\n").encode()
    body = bytearray(header)
    while len(body) < size:
        body += b"".join(rng.choices(pool, k=64))
    return bytes(body[:size - 6]) + b"\n%%EOF"


def populate(path: Path, spec: SampleSpec, *, progress: ProgressCallback = no_progress,
             cancel: threading.Event | None = None) -> None:
    """Fill the freshly created company database at ``path`` with sample books."""
    rng = random.Random(spec.seed)
    start_year = spec.start_year or dt.date.today().year - 1
    first_day = dt.date(start_year, 1, 1)
    days = (dt.date(start_year + 2, 1, 1) - first_day).days
    conn = connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a staging database: it is synced once at the end
        conn.execute("BEGIN")
        accounts = dict(conn.execute("SELECT code, id FROM account"))
        customers, suppliers = _contacts(conn, rng)
        conn.execute("UPDATE settings SET created_at = ?", (f"{start_year}-01-01 09:00:00",))
        progress(Progress(_("Writing transactions"), 0, spec.transactions, "items"))
        invoices = _transactions(conn, rng, spec, accounts, customers, suppliers, first_day, days,
                                 progress, cancel)
        _emails(conn, rng, spec, invoices)
        _attachments(conn, rng, spec, invoices, progress, cancel)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _contacts(conn: sqlite3.Connection, rng: random.Random) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    customers, suppliers = [], []
    for _i in range(200):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{name.lower().replace(' ', '.')}@example.com"
        cur = conn.execute("INSERT INTO contact (name, kind, email) VALUES (?, 'customer', ?)", (name, email))
        customers.append((cur.lastrowid, name))
    for name in SUPPLIERS:
        cur = conn.execute("INSERT INTO contact (name, kind, email) VALUES (?, 'supplier', ?)",
                           (name, f"billing@{name.lower().split()[0]}.example"))
        suppliers.append((cur.lastrowid, name))
    return customers, suppliers


def _transactions(conn, rng, spec, accounts, customers, suppliers, first_day, days, progress,
                  cancel) -> list[tuple[int, str, str, str, dt.date]]:
    """Insert transactions, their lines and history; returns invoices (id, kind, reference, contact, date)."""
    txns, lines, history, invoices = [], [], [], []
    counters = {"sale": 0, "purchase": 0}
    base_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM \"transaction\"").fetchone()[0]
    line_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM line").fetchone()[0]
    batch = 5000

    def flush() -> None:
        conn.executemany("INSERT INTO \"transaction\" (id, date, reference, description, kind, contact_id) "
                         "VALUES (?, ?, ?, ?, ?, ?)", txns)
        conn.executemany("INSERT INTO line (id, transaction_id, account_id, amount, date) VALUES (?, ?, ?, ?, ?)",
                         lines)
        conn.executemany("INSERT INTO history (at, user, action, object_type, object_id, before, after) "
                         "VALUES (?, ?, 'create', 'transaction', ?, NULL, ?)", history)
        txns.clear(), lines.clear(), history.clear()

    for n in range(spec.transactions):
        txn_id = base_id + n + 1
        date = first_day + dt.timedelta(days=days * n // max(1, spec.transactions))
        if n == 0:
            kind, contact, ref = "journal", None, "OPEN"
            desc = "Share capital contribution"
            posting = [(accounts["5120"], 5_000_000), (accounts["1010"], -5_000_000)]
        else:
            kind = rng.choices(["sale", "receipt", "purchase", "payment"], weights=[35, 30, 20, 15])[0]
            net = rng.randrange(2_000, 500_000)
            vat = net * 20 // 100
            if kind in ("sale", "receipt"):
                contact_id, contact_name = rng.choice(customers)
            else:
                contact_id, contact_name = rng.choice(suppliers)
            contact = contact_id
            if kind == "sale":
                counters["sale"] += 1
                ref = f"INV-{date.year}-{counters['sale']:06d}"
                desc = f"{rng.choice(ITEMS).capitalize()} for {contact_name}"
                posting = [(accounts["4110"], net + vat), (accounts[rng.choice(SALES_ACCOUNTS)], -net),
                           (accounts["4457"], -vat)]
            elif kind == "purchase":
                counters["purchase"] += 1
                ref = f"BILL-{date.year}-{counters['purchase']:06d}"
                desc = f"{rng.choice(ITEMS).capitalize()} from {contact_name}"
                posting = [(accounts[rng.choice(PURCHASE_ACCOUNTS)], net), (accounts["4456"], vat),
                           (accounts["4010"], -(net + vat))]
            elif kind == "receipt":
                ref = f"RCPT-{n:07d}"
                desc = f"Payment received from {contact_name}"
                posting = [(accounts["5120"], net), (accounts["4110"], -net)]
            else:
                ref = f"PAY-{n:07d}"
                desc = f"Payment to {contact_name}"
                posting = [(accounts["4010"], net), (accounts["5120"], -net)]
            if kind in ("sale", "purchase"):
                invoices.append((txn_id, kind, ref, contact_name, date))
        txns.append((txn_id, date.isoformat(), ref, desc, kind, contact))
        for account_id, amount in posting:
            line_id += 1
            lines.append((line_id, txn_id, account_id, amount, date.isoformat()))
        at = f"{date.isoformat()} {rng.randrange(8, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        after = json.dumps({"date": date.isoformat(), "reference": ref, "description": desc, "kind": kind,
                            "contact": contact, "lines": [[a, m] for a, m in posting]}, ensure_ascii=False)
        history.append((at, rng.choice(USERS), txn_id, after))
        if len(txns) >= batch:
            flush()
            check_cancel(cancel)
            progress(Progress(_("Writing transactions"), n + 1, spec.transactions, "items"))
    flush()
    return invoices


def _emails(conn, rng, spec, invoices) -> None:
    sales = [inv for inv in invoices if inv[1] == "sale"]
    count = min(len(sales), int(spec.transactions * spec.email_ratio))
    rows, history = [], []
    for inv_id, _kind, ref, contact_name, date in rng.sample(sales, count) if count else []:
        to = f"{contact_name.lower().replace(' ', '.')}@example.com"
        subject = f"Invoice {ref}"
        body = (f"Dear {contact_name},\n\nPlease find attached invoice {ref} dated {date.isoformat()}.\n"
                f"Payment is due within 30 days.\n\nKind regards,\nAccounts")
        sent = f"{date.isoformat()} {rng.randrange(8, 19):02d}:{rng.randrange(60):02d}:00"
        status = "sent" if rng.random() > 0.02 else "failed"
        rows.append((to, subject, body, sent, "transaction", inv_id, status))
    conn.executemany("INSERT INTO email (to_address, subject, body, sent_at, object_type, object_id, status) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    first = conn.execute("SELECT COALESCE(MIN(id), 1) FROM email").fetchone()[0]
    for offset, (to, subject, _body, sent, obj_type, obj_id, status) in enumerate(rows):
        history.append((sent, rng.choice(USERS), first + offset,
                        json.dumps({"to": to, "subject": subject, "object_type": obj_type, "object_id": obj_id,
                                    "status": status})))
    conn.executemany("INSERT INTO history (at, user, action, object_type, object_id, before, after) "
                     "VALUES (?, ?, 'create', 'email', ?, NULL, ?)", history)


def _attachments(conn, rng, spec, invoices, progress, cancel) -> None:
    budget = int(spec.attachments_mb * MEGABYTE)
    if budget <= 0 or not invoices:
        return
    pool = [(" ".join(rng.choices(WORDS, k=rng.randrange(6, 14))) + f" {rng.randrange(10**6)}\n").encode()
            for _i in range(512)]
    written = 0
    index = 0
    while written < budget:
        inv_id, kind, ref, contact_name, date = invoices[(index * 7919) % len(invoices)]
        remaining = budget - written
        if index % 2 == 0:  # a scanned receipt: photo-like, incompressible
            size = min(remaining, rng.randrange(150_000, 1_500_000))
            content = rng.randbytes(size)
            filename, media = f"scan-{ref}.jpg", "image/jpeg"
        else:  # a text PDF: compresses well
            size = min(remaining, rng.randrange(40_000, 600_000))
            content = _text_pdf(rng, pool, max(size, 64), f"{ref} {contact_name}")
            filename, media = f"{ref}.pdf", "application/pdf"
        digest = hashlib.sha256(content).hexdigest()
        cur = conn.execute("INSERT INTO attachment (transaction_id, filename, media_type, size, sha256, content) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (inv_id, filename, media, len(content), digest, content))
        conn.execute("INSERT INTO history (at, user, action, object_type, object_id, before, after) "
                     "VALUES (?, ?, 'create', 'attachment', ?, NULL, ?)",
                     (f"{date.isoformat()} 12:00:00", rng.choice(USERS), cur.lastrowid,
                      json.dumps({"transaction": inv_id, "filename": filename, "size": len(content),
                                  "sha256": digest})))
        written += len(content)
        index += 1
        if index % 16 == 0:
            check_cancel(cancel)
            progress(Progress(_("Writing attachments"), written, budget))
