"""The queries the screens need: balance sheet, profit and loss, and what a company holds."""

from __future__ import annotations

import datetime as dt
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import peewee
from peewee import fn

from store import values
from store.books import Books
from store.errors import StorageError
from store.i18n import _
from store.models import Account, AccountGroup, Attachment, Email, History, Line, Settings, Transaction


@dataclass(frozen=True)
class GroupTotal:
    name: str
    kind: str
    amount: int  # minor units, shown with its natural sign (assets positive, liabilities positive…)


@dataclass(frozen=True)
class BalanceSheet:
    as_of: dt.date
    groups: list[GroupTotal]
    assets: int
    liabilities: int
    equity: int  # includes the accumulated result up to the date
    result: int  # that accumulated result: income less expenses of every line up to the date

    @property
    def balances(self) -> bool:
        return self.assets == self.liabilities + self.equity


@dataclass(frozen=True)
class ProfitAndLoss:
    start: dt.date
    end: dt.date
    groups: list[GroupTotal]
    income: int
    expenses: int

    @property
    def net_result(self) -> int:
        return self.income - self.expenses


@dataclass(frozen=True)
class Holdings:
    transactions: int
    attachments: int
    attachment_bytes: int
    emails: int
    history: int
    database_bytes: int
    first_date: dt.date | None = None  # of the transactions: the years there is anything to show
    last_date: dt.date | None = None


@dataclass(frozen=True)
class Summary:
    name: str
    currency: str
    fiscal_year: tuple[dt.date, dt.date]
    balance_sheet: BalanceSheet
    profit_and_loss: ProfitAndLoss
    holdings: Holdings

    @property
    def prior_result(self) -> int:
        """The result of the years before this one, part of the equity until it is closed into an account
        (keepbooks closes no year): a bookkeeper reads it apart from this year's, the net result."""
        return self.balance_sheet.result - self.profit_and_loss.net_result


# A natural sign per kind: debit-positive kinds keep the sign, credit-positive kinds flip it.
_SIGN = {"asset": 1, "expense": 1, "liability": -1, "equity": -1, "income": -1}


def fiscal_year(settings_start_month: int, on: dt.date) -> tuple[dt.date, dt.date]:
    """The fiscal year that contains ``on``, for a year starting in the given month."""
    year = on.year if on.month >= settings_start_month else on.year - 1
    start = dt.date(year, settings_start_month, 1)
    next_start = dt.date(year + 1, settings_start_month, 1)
    return start, next_start - dt.timedelta(days=1)


def _totals_by_group(start: dt.date, end: dt.date) -> list[tuple[int, str, str, int, int]]:
    """(group position, group name, kind, raw signed sum up to ``end``, raw signed sum in [start, end]).

    Both sums come from one read of each account's range of the (account, date, amount) index, so the
    balance sheet and the year's profit and loss are of the same moment: the prior years' result, the
    difference of the two, cannot take in a change committed between two reads."""
    up_to_end = Line.select(fn.SUM(Line.amount)).where((Line.account == Account.id) & (Line.date <= end))
    in_year = (Line.select(fn.SUM(Line.amount))
               .where((Line.account == Account.id) & Line.date.between(start, end)))
    groups: dict[int, list] = {}
    query = Account.select(Account.id, AccountGroup.id, AccountGroup.name, AccountGroup.kind,
                           AccountGroup.position, up_to_end.alias("total"), in_year.alias("year")).join(AccountGroup)
    for account in query:
        group = account.group
        entry = groups.setdefault(group.id, [group.position, group.name, group.kind, 0, 0])
        entry[3] += account.total or 0
        entry[4] += account.year or 0
    return [tuple(v) for v in sorted(groups.values(), key=lambda v: (v[0], v[1]))]


def unusable(books: Books, problem: str) -> StorageError:
    """Books holding a value keepbooks never writes (store.values): another program has changed them."""
    return StorageError(_("The books in {file} hold a value keepbooks cannot use: {problem}. Another program has "
                          "changed this file: correct the value with it, or import a backup of the company made "
                          "before the change.").format(file=books.path, problem=problem))


def statements(books: Books, start: dt.date, end: dt.date) -> tuple[BalanceSheet, ProfitAndLoss]:
    """The balance sheet at ``end`` and the profit and loss of [start, end], read together."""
    with books.reading():
        try:
            rows = _totals_by_group(start, end)
        except (peewee.OperationalError, sqlite3.OperationalError) as exc:  # SUM overflows past MAX_AMOUNT
            problem = values.amounts_problem(books.db.connection()) if "integer overflow" in str(exc) else None
            if problem is None:
                raise
            raise unusable(books, problem) from None
    sheet_groups = [GroupTotal(name, kind, _SIGN[kind] * total) for _pos, name, kind, total, _year in rows
                    if kind in ("asset", "liability", "equity")]
    result = -sum(total for _pos, _name, kind, total, _year in rows if kind in ("income", "expense"))
    assets = sum(g.amount for g in sheet_groups if g.kind == "asset")
    liabilities = sum(g.amount for g in sheet_groups if g.kind == "liability")
    equity = sum(g.amount for g in sheet_groups if g.kind == "equity") + result
    sheet = BalanceSheet(as_of=end, groups=sheet_groups, assets=assets, liabilities=liabilities, equity=equity,
                         result=result)
    pnl_groups = [GroupTotal(name, kind, _SIGN[kind] * year) for _pos, name, kind, _total, year in rows
                  if kind in ("income", "expense")]
    pnl = ProfitAndLoss(start=start, end=end, groups=pnl_groups,
                        income=sum(g.amount for g in pnl_groups if g.kind == "income"),
                        expenses=sum(g.amount for g in pnl_groups if g.kind == "expense"))
    return sheet, pnl


def holdings(books: Books) -> Holdings:
    with books.reading():
        attachments, attachment_bytes = Attachment.select(
            fn.COUNT(Attachment.id), fn.COALESCE(fn.SUM(Attachment.size), 0)).scalar(as_tuple=True)
        emails = Email.select(fn.COUNT(Email.id)).scalar()
        history = History.select(fn.COUNT(History.id)).scalar()
        transactions = Transaction.select(fn.COUNT(Transaction.id)).scalar()
        # Peewee converts them with the field's own converter: dates, or None without transactions.
        first_date, last_date = Transaction.select(fn.MIN(Transaction.date), fn.MAX(Transaction.date)).scalar(
            as_tuple=True)
    if not all(isinstance(day, dt.date | None) for day in (first_date, last_date)):  # not a date: kept as read
        if (problem := values.transactions_problem(books.db.connection())) is not None:
            raise unusable(books, problem)
    database_bytes = database_size(books.path)
    return Holdings(transactions=transactions, attachments=attachments, attachment_bytes=attachment_bytes,
                    emails=emails, history=history, database_bytes=database_bytes,
                    first_date=first_date, last_date=last_date)


def database_size(path: Path) -> int:
    """The books file with its write-ahead log, as the companies list counts them: not the -shm index,
    which exists only while a connection is open (the summary's own made it 33 kB larger than the list)."""
    return sum(part.stat().st_size for part in (path, path.with_name(path.name + "-wal")) if part.exists())


def summary(books: Books, on: dt.date | None = None) -> Summary:
    """Everything the summary screen shows, for the fiscal year that contains ``on`` (today by default).

    The statements (one read) and the holdings run side by side, each on its own connection (SQLite works
    outside the GIL): one after the other they took 1.5 × the 300 ms budget on the reference company."""
    # The values the statements rely on, cheap to check (a row and a few): the month a year starts in, the
    # currency, the account groups' kinds. The lines' are checked on import, too costly to check here.
    conn = books.db.connection()
    if (problem := values.settings_problem(conn) or values.groups_problem(conn)) is not None:
        raise unusable(books, problem)
    with books.reading():
        settings = Settings.get()
    start, end = fiscal_year(settings.fiscal_year_start, on or dt.date.today())

    def run(query, *args):  # type: ignore[no-untyped-def]
        with Books(books.path) as own:  # a connection per thread
            return query(own, *args)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="summary") as pool:
        read = pool.submit(run, statements, start, end)
        held = pool.submit(run, holdings)
        sheet, pnl = read.result()
        return Summary(name=settings.name, currency=settings.currency, fiscal_year=(start, end),
                       balance_sheet=sheet, profit_and_loss=pnl, holdings=held.result())
