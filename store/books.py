"""One company's books: the store API every change goes through.

Each change runs in one database transaction together with its history entry (when, who, action,
object, before/after as JSON), so the audit trail can never miss a change nor record one that failed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import mimetypes
import unicodedata
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import peewee
from babel.numbers import list_currencies
from peewee import SqliteDatabase

from store.chart import STANDARD_CHART
from store.db import bound, open_database
from store.errors import InvalidInput, NotFound, StorageError
from store.formats import format_path
from store.i18n import _
from store.migrations import upgrade_database
from store.models import (
    MODELS,
    SCHEMA_VERSION,
    Account,
    AccountGroup,
    Attachment,
    Contact,
    Email,
    History,
    Line,
    Settings,
    Transaction,
)

MAX_NAME_LENGTH = 200
BOOKS_FILENAME = "books.sqlite"

LineSpec = tuple[int, int]  # (account id, amount in minor units: debit > 0, credit < 0)
# A line's amount at most, in minor units (ten trillion in a currency with cents): SQLite's integers and
# sums stop at 2**63, where a larger line failed as a raw OverflowError and a year's totals as an
# "integer overflow" on the summary.
MAX_AMOUNT = 10**15


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (containers): still record something
        return "unknown"


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# The bidirectional overrides: they reverse the text after them ("Trojan source"), where a name shown in
# a list must read as it is stored. (The isolates, U+2066-2069, that copying right-to-left text from a
# messaging app brings, are harmless and allowed.)
BIDI_OVERRIDES = frozenset("\u202d\u202e")


def check_company_name(name: str, *, new: bool = True) -> str:
    """The name, stripped; refuse an empty, blank or overlong one, and control characters. A ``new`` name
    (made, renamed, imported under) may hold no DEL, C1 control (U+009B opens a terminal escape
    sequence) or bidirectional override either; a name read from a backup is held to the rule of the
    version that made it (C0 only), so that no backup made before the rule grew stricter is refused."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput(_("A company name cannot be empty."))
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(
            _("A company name can have at most {limit} characters ({count} given).").format(
                limit=MAX_NAME_LENGTH, count=len(cleaned)))
    if any(ord(ch) < 32 or new and (unicodedata.category(ch) == "Cc" or ch in BIDI_OVERRIDES) for ch in cleaned):
        raise InvalidInput(_("A company name cannot contain control characters."))
    return cleaned


def check_currency(currency: str) -> str:
    """An ISO 4217 code (Babel's list): any three letters passed ('EUE', 'ÀÉÈ'), and the company's money
    then showed as 'ÀÉÈ0.00' for good (the currency cannot be changed afterwards)."""
    code = (currency or "").strip().upper()
    if code not in list_currencies():
        raise InvalidInput(_("A currency is an ISO 4217 code such as EUR, USD or CHF ({value!r} is not one).")
                           .format(value=currency))
    return code


def create_books(path: Path, name: str, *, currency: str = "EUR", fiscal_year_start: int = 1,
                 uid: str | None = None, user: str | None = None,
                 created_at: dt.datetime | None = None) -> None:
    """Create a new company database at ``path`` with the standard chart of accounts."""
    name = check_company_name(name)
    currency = check_currency(currency)
    if not 1 <= fiscal_year_start <= 12:
        raise InvalidInput(_("The fiscal year starts in a month from 1 to 12."))
    created_at = created_at or now()
    db = open_database(path)
    try:
        with bound(db):
            with db.atomic():
                db.create_tables(MODELS)
                db.execute_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
                settings = Settings.create(uid=uid or str(uuid.uuid4()), name=name, currency=currency,
                                           fiscal_year_start=fiscal_year_start,
                                           created_at=created_at)
                for position, (group_name, kind, accounts) in enumerate(STANDARD_CHART):
                    group = AccountGroup.create(name=_(group_name), kind=kind, position=position)
                    for code, account_name in accounts:
                        Account.create(code=code, name=_(account_name), group=group)
                History.create(at=created_at, user=user or default_user(), action="create",
                               object_type="company", object_id=settings.id, before=None,
                               after=json.dumps({"name": name, "currency": currency}))
    finally:
        db.close()


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(_("{value!r} is not a date (expected YYYY-MM-DD).").format(value=value)) from None


def _transaction_state(txn: Transaction) -> dict[str, Any]:
    return {
        "date": str(txn.date), "reference": txn.reference, "description": txn.description,
        "kind": txn.kind, "contact": txn.contact_id,
        "lines": [[line.account_id, line.amount] for line in txn.lines.order_by(Line.id)],
    }


class Books:
    """An open company database. Use as a context manager, or call ``close``."""

    def __init__(self, path: Path, *, user: str | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        if not path.is_file():
            raise NotFound(_("There is no company database at {path}.").format(path=path))
        self.path = path
        self.user = user or default_user()
        self.on_change = on_change
        self.db: SqliteDatabase = open_database(path)
        try:
            upgrade_database(self.db, path)  # books of an older release are brought up to date on open
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> "Books":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Bind the models to this company for queries."""
        with bound(self.db):
            yield

    @contextmanager
    def _change(self) -> Iterator[None]:
        try:
            with bound(self.db), self.db.atomic():
                yield
        except peewee.IntegrityError as exc:
            raise InvalidInput(_("The change was refused by the books: {reason}.").format(reason=exc)) from exc
        except peewee.OperationalError as exc:
            raise StorageError(_("Cannot write to {path}: {reason}.").format(path=self.path, reason=exc)) from exc
        if self.on_change:
            self.on_change()

    def _record(self, action: str, object_type: str, object_id: int | None,
                before: dict | None, after: dict | None) -> None:
        History.create(at=now(), user=self.user, action=action, object_type=object_type,
                       object_id=object_id,
                       before=None if before is None else json.dumps(before, ensure_ascii=False),
                       after=None if after is None else json.dumps(after, ensure_ascii=False))

    # --- reading -------------------------------------------------------------------------------

    def settings(self) -> Settings:
        with self.reading():
            return Settings.get()

    def accounts(self) -> list[Account]:
        with self.reading():
            return list(Account.select(Account, AccountGroup).join(AccountGroup).order_by(Account.code))

    def account_id(self, code: str) -> int:
        with self.reading():
            account = Account.get_or_none(Account.code == code)
        if account is None:
            raise NotFound(_("There is no account {code}.").format(code=code))
        return account.id

    def transaction(self, transaction_id: int) -> dict[str, Any]:
        with self.reading():
            txn = Transaction.get_or_none(Transaction.id == transaction_id)
            if txn is None:
                raise NotFound(_("There is no transaction {id}.").format(id=transaction_id))
            return _transaction_state(txn)

    def attachment_content(self, attachment_id: int) -> bytes:
        with self.reading():
            attachment = Attachment.get_or_none(Attachment.id == attachment_id)
            if attachment is None:
                raise NotFound(_("There is no attachment {id}.").format(id=attachment_id))
            return bytes(attachment.content)

    def history(self, limit: int = 100) -> list[History]:
        with self.reading():
            return list(History.select().order_by(History.id.desc()).limit(limit))

    # --- changes -------------------------------------------------------------------------------

    def add_account(self, code: str, name: str, group_id: int) -> int:
        with self._change():
            account = Account.create(code=code.strip(), name=name.strip(), group=group_id)
            self._record("create", "account", account.id, None, {"code": account.code, "name": account.name})
        return account.id

    def add_contact(self, name: str, kind: str = "customer", email: str | None = None) -> int:
        with self._change():
            contact = Contact.create(name=name.strip(), kind=kind, email=email)
            self._record("create", "contact", contact.id, None, {"name": contact.name, "kind": kind, "email": email})
        return contact.id

    @staticmethod
    def _check_lines(lines: Sequence[LineSpec]) -> list[LineSpec]:
        checked = [(int(account), int(amount)) for account, amount in lines]
        if len(checked) < 2 or all(amount == 0 for _account, amount in checked):
            raise InvalidInput(_("A transaction needs at least two lines with amounts."))
        if any(abs(amount) > MAX_AMOUNT for _account, amount in checked):
            raise InvalidInput(_("An amount cannot be larger than {amount} (minor units).").format(amount=MAX_AMOUNT))
        total = sum(amount for _account, amount in checked)
        if total != 0:
            raise InvalidInput(
                _("The transaction does not balance: debits and credits differ by {amount} (minor units).")
                .format(amount=total))
        return checked

    def _write_lines(self, txn: Transaction, lines: list[LineSpec]) -> None:
        known = {a.id for a in Account.select(Account.id).where(Account.id.in_([a for a, _ in lines]))}
        missing = sorted({a for a, _ in lines} - known)
        if missing:
            raise InvalidInput(_("There is no account with id {ids}.").format(ids=", ".join(map(str, missing))))
        Line.insert_many([{"transaction": txn.id, "account": account, "amount": amount, "date": txn.date}
                          for account, amount in lines]).execute()

    def add_transaction(self, date: dt.date | str, description: str, lines: Sequence[LineSpec], *,
                        reference: str = "", kind: str = "journal", contact_id: int | None = None) -> int:
        checked = self._check_lines(lines)
        when = _as_date(date)
        with self._change():
            txn = Transaction.create(date=when, reference=reference, description=description, kind=kind,
                                     contact=contact_id)
            self._write_lines(txn, checked)
            self._record("create", "transaction", txn.id, None, _transaction_state(txn))
        return txn.id

    def edit_transaction(self, transaction_id: int, *, date: dt.date | str | None = None,
                         description: str | None = None, reference: str | None = None,
                         lines: Sequence[LineSpec] | None = None) -> None:
        checked = self._check_lines(lines) if lines is not None else None
        with self._change():
            txn = Transaction.get_or_none(Transaction.id == transaction_id)
            if txn is None:
                raise NotFound(_("There is no transaction {id}.").format(id=transaction_id))
            before = _transaction_state(txn)
            if date is not None:
                txn.date = _as_date(date)
            if description is not None:
                txn.description = description
            if reference is not None:
                txn.reference = reference
            txn.save()
            if checked is not None:
                Line.delete().where(Line.transaction == txn.id).execute()
                self._write_lines(txn, checked)
            elif date is not None:
                Line.update(date=txn.date).where(Line.transaction == txn.id).execute()
            self._record("update", "transaction", txn.id, before, _transaction_state(txn))

    def delete_transaction(self, transaction_id: int) -> None:
        with self._change():
            txn = Transaction.get_or_none(Transaction.id == transaction_id)
            if txn is None:
                raise NotFound(_("There is no transaction {id}.").format(id=transaction_id))
            before = _transaction_state(txn)
            txn.delete_instance(recursive=False)  # lines and attachments go by ON DELETE CASCADE
            self._record("delete", "transaction", transaction_id, before, None)

    def attach_file(self, transaction_id: int, filename: str, content: bytes,
                    media_type: str | None = None) -> int:
        media = media_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        digest = hashlib.sha256(content).hexdigest()
        with self._change():
            if Transaction.get_or_none(Transaction.id == transaction_id) is None:
                raise NotFound(_("There is no transaction {id}.").format(id=transaction_id))
            attachment = Attachment.create(transaction=transaction_id, filename=filename, media_type=media,
                                           size=len(content), sha256=digest, content=content)
            self._record("create", "attachment", attachment.id, None,
                         {"transaction": transaction_id, "filename": filename, "size": len(content),
                          "sha256": digest})
        return attachment.id

    def record_email(self, to_address: str, subject: str, body: str, *, object_type: str | None = None,
                     object_id: int | None = None, status: str = "sent",
                     sent_at: dt.datetime | None = None) -> int:
        with self._change():
            email = Email.create(to_address=to_address, subject=subject, body=body, sent_at=sent_at or now(),
                                 object_type=object_type, object_id=object_id, status=status)
            self._record("create", "email", email.id, None,
                         {"to": to_address, "subject": subject, "object_type": object_type,
                          "object_id": object_id, "status": status})
        return email.id

    def mark_restored(self, source: Path, *, source_uid: str, backup_created_at: dt.datetime,
                      name: str | None = None) -> None:
        """Make freshly restored books a company of their own: a new identity (so that backups of the
        original and of the copy are never taken for one company's), the given name, and a history
        entry that says where they came from."""
        with self._change():
            settings = Settings.get()
            before = {"uid": settings.uid, "name": settings.name}
            settings.uid = str(uuid.uuid4())
            if name is not None:
                settings.name = check_company_name(name)
            settings.save()
            self._record("restore", "company", settings.id, before,
                         {"uid": settings.uid, "name": settings.name, "restored_from": format_path(source.name),
                          "source_uid": source_uid, "backup_created_at": backup_created_at.isoformat()})

    def set_settings(self, *, name: str | None = None, currency: str | None = None) -> None:
        with self._change():
            settings = Settings.get()
            before = {"name": settings.name, "currency": settings.currency}
            if name is not None:
                settings.name = check_company_name(name)
            if currency is not None:
                settings.currency = check_currency(currency)
            settings.save()
            self._record("update", "company", settings.id, before,
                         {"name": settings.name, "currency": settings.currency})
