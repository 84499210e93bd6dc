"""The values keepbooks relies on in a company's books, which SQLite's column types do not enforce (an
INTEGER column takes 'lots'): found wrong in bulk, by aggregate SQL, on a plain sqlite3 connection.

Import and verify run every check on a backup's database (store.archive_read); the summary runs the
cheap ones on a live database that another program may have changed (store.ledger). Each check returns
the first problem found, as a phrase naming the value and where it is, or None. They accept every state
keepbooks writes (store.books): what create_books, check_currency, _check_lines and _as_date let through.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from store.books import MAX_AMOUNT, check_currency
from store.errors import InvalidInput
from store.formats import format_number, quoted
from store.i18n import _, ngettext
from store.models import ACCOUNT_KINDS

# A date as keepbooks writes it (YYYY-MM-DD), from year 1 (Python's dates; SQLite's take year 0). date(x)
# alone returns '2025-02-30' as it is: a modifier makes SQLite carry it over into March, so it differs.
_VALID_DATE = "(date({column}, '+0 days') IS {column} AND {column} >= '0001-01-01')"

# One pass over the lines, in transaction order (the line_transaction_id index), each line's transaction
# found by its primary key: the first transaction whose lines do not all hold an amount in range, do
# not sum to zero, or do not all have the transaction's date. A text amount makes sum() a real, as a
# real amount does; text sorts above every number, so max() finds it out of range.
_LINES = f"""
    SELECT line.transaction_id FROM line JOIN "transaction" ON "transaction".id = line.transaction_id
    GROUP BY line.transaction_id
    HAVING typeof(sum(line.amount)) != 'integer' OR sum(line.amount) != 0
        OR min(line.amount) < -{MAX_AMOUNT} OR max(line.amount) > {MAX_AMOUNT}
        OR min(line.date IS "transaction".date) = 0
    LIMIT 1"""
_BAD_AMOUNT = f"(typeof(amount) != 'integer' OR amount NOT BETWEEN -{MAX_AMOUNT} AND {MAX_AMOUNT})"


def _shown(value: Any) -> str:
    """A value read from the books, in a sentence: text quoted, anything else as Python writes it."""
    text = value if isinstance(value, str) else repr(value)
    text = text if len(text) <= 40 else text[:40] + "…"
    return quoted(text) if isinstance(value, str) else text


def settings_problem(conn: sqlite3.Connection) -> str | None:
    """The company's currency and the month its fiscal year starts in (the settings row is one, and
    matches the manifest: archive_read checks that)."""
    for currency, month in conn.execute("SELECT currency, fiscal_year_start FROM settings"):
        if type(month) is not int or not 1 <= month <= 12:
            return _("setting fiscal_year_start is {value}, not a month from 1 to 12").format(value=_shown(month))
        if not _is_currency(currency):
            return _("setting currency is {value}, not an ISO 4217 code").format(value=_shown(currency))
    return None


def _is_currency(value: Any) -> bool:
    """What create_books and set_settings accept (and store upper-cased)."""
    try:
        return isinstance(value, str) and bool(check_currency(value))
    except InvalidInput:
        return False


def groups_problem(conn: sqlite3.Connection) -> str | None:
    """The account groups' kinds (the statements sign and sort by them), names and positions."""
    kinds = ", ".join(f"'{kind}'" for kind in ACCOUNT_KINDS)
    row = conn.execute(f"SELECT id, kind, name, position FROM account_group WHERE kind NOT IN ({kinds}) "
                       "OR typeof(name) != 'text' OR typeof(position) != 'integer' ORDER BY id LIMIT 1").fetchone()
    if row is None:
        return None
    group, kind, name, position = row
    if kind not in ACCOUNT_KINDS:
        return _("account group {id} has kind {value}, not one of {kinds}").format(
            id=group, value=_shown(kind), kinds=", ".join(ACCOUNT_KINDS))
    if not isinstance(name, str):
        return _("account group {id} has name {value}, not a text").format(id=group, value=_shown(name))
    return _("account group {id} has position {value}, not a whole number").format(id=group, value=_shown(position))


def transactions_problem(conn: sqlite3.Connection) -> str | None:
    """The transactions' dates (the transaction_date index: no table read)."""
    row = conn.execute(f'SELECT id, date FROM "transaction" WHERE NOT {_VALID_DATE.format(column="date")} '
                       "LIMIT 1").fetchone()
    if row is None:
        return None
    return _("transaction {id} has date {value}, not a date (YYYY-MM-DD)").format(id=row[0], value=_shown(row[1]))


def amounts_problem(conn: sqlite3.Connection) -> str | None:
    """A line whose amount is not a whole number of minor units within MAX_AMOUNT (a whole scan of the
    lines: where _LINES cannot sum them, or to explain a transaction it found)."""
    row = conn.execute(f"SELECT id, transaction_id, amount FROM line WHERE {_BAD_AMOUNT} LIMIT 1").fetchone()
    return None if row is None else _bad_amount(*row)


def _bad_amount(line: int, transaction: int, amount: Any) -> str:
    return _("line {line} of transaction {id} has amount {value}, not a whole number of minor units up to ±{max}"
             ).format(line=line, id=transaction, value=_shown(amount), max=format_number(MAX_AMOUNT))


def lines_problem(conn: sqlite3.Connection) -> str | None:
    """The lines' amounts, that each transaction's sum to zero (the balance sheet balances) and that
    they have their transaction's date (a transaction is in a period whole). Every line's transaction
    exists (foreign_key_check): the inner join leaves none out."""
    try:
        row = conn.execute(_LINES).fetchone()
    except sqlite3.OperationalError as exc:
        problem = amounts_problem(conn) if "integer overflow" in str(exc) else None
        if problem is None:  # else lines within range whose sum passes 2**63: only 9,223 at the largest
            raise
        return problem
    if row is None:
        return None
    transaction = row[0]
    lines = conn.execute('SELECT line.id, line.amount, line.date, "transaction".date FROM line '
                         'JOIN "transaction" ON "transaction".id = line.transaction_id '
                         "WHERE line.transaction_id = ? ORDER BY line.id", (transaction,)).fetchall()
    for line, amount, _date, _own in lines:
        if type(amount) is not int or abs(amount) > MAX_AMOUNT:
            return _bad_amount(line, transaction, amount)
    for line, _amount, date, own in lines:
        if date != own:
            return _("line {line} of transaction {id} has date {value}, not its transaction's ({date})").format(
                line=line, id=transaction, value=_shown(date), date=_shown(own))
    total = sum(amount for _line, amount, _date, _own in lines)
    return ngettext("transaction {id} does not balance (its lines sum to {amount} minor unit)",
                    "transaction {id} does not balance (its lines sum to {amount} minor units)",
                    abs(total)).format(id=transaction, amount=format_number(total))


def books_problem(conn: sqlite3.Connection) -> str | None:
    """Every check, the cheap ones first: the first problem found in a backup's books, or None."""
    for check in (settings_problem, groups_problem, transactions_problem, lines_problem):
        if (problem := check(conn)) is not None:
            return problem
    return None
