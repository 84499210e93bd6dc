"""Summary totals on a small fixed company, checked against values computed by hand."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from store import ledger
from store.books import Books, create_books
from store.catalog import folder_size
from store.errors import StorageError


@pytest.fixture
def books(tmp_path: Path) -> Books:
    path = tmp_path / "books.sqlite"
    create_books(path, "Fixed", fiscal_year_start=4)  # fiscal years run April to March
    with Books(path) as opened:
        code = opened.account_id
        # Fiscal year 2025-04-01 .. 2026-03-31
        opened.add_transaction("2025-04-01", "Capital", [(code("5120"), 1_000_000), (code("1010"), -1_000_000)])
        opened.add_transaction("2025-05-10", "Sale", [(code("4110"), 120_000), (code("7070"), -100_000),
                                                       (code("4457"), -20_000)])
        opened.add_transaction("2025-06-01", "Rent", [(code("6130"), 50_000), (code("4456"), 10_000),
                                                       (code("4010"), -60_000)])
        opened.add_transaction("2025-07-01", "Customer pays", [(code("5120"), 120_000), (code("4110"), -120_000)])
        # Next fiscal year
        opened.add_transaction("2026-04-15", "Service", [(code("5120"), 30_000), (code("7060"), -30_000)])
        opened.add_transaction("2026-05-01", "Computer", [(code("2183"), 80_000), (code("5120"), -80_000)])
        opened.record_email("a@example.com", "Invoice", "Body")
        opened.attach_file(2, "invoice.pdf", b"x" * 1234)
        yield opened


def test_fiscal_year_boundaries() -> None:
    assert ledger.fiscal_year(4, dt.date(2026, 3, 31)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert ledger.fiscal_year(4, dt.date(2026, 4, 1)) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert ledger.fiscal_year(1, dt.date(2026, 11, 27)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_first_fiscal_year_totals(books: Books) -> None:
    summary = ledger.summary(books, on=dt.date(2025, 12, 1))
    assert summary.fiscal_year == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    pnl = summary.profit_and_loss
    assert (pnl.income, pnl.expenses, pnl.net_result) == (100_000, 50_000, 50_000)
    sheet = summary.balance_sheet
    # Bank 1,000,000 + 120,000; VAT deductible 10,000; receivable 0.
    assert sheet.assets == 1_130_000
    # Payable 60,000 + VAT collected 20,000.
    assert sheet.liabilities == 80_000
    # Capital 1,000,000 + result 50,000.
    assert sheet.equity == 1_050_000
    assert sheet.balances
    groups = {g.name: g.amount for g in sheet.groups}
    assert groups == {"Fixed assets": 0, "Current assets": 1_130_000, "Liabilities": 80_000, "Equity": 1_000_000}


def test_second_fiscal_year_carries_the_balance_sheet_but_not_the_result(books: Books) -> None:
    summary = ledger.summary(books, on=dt.date(2026, 6, 1))
    pnl = summary.profit_and_loss
    assert (pnl.income, pnl.expenses) == (30_000, 0)
    sheet = summary.balance_sheet
    assert sheet.assets == 1_130_000 + 30_000  # the computer moved money from bank to fixed assets
    assert {g.name: g.amount for g in sheet.groups}["Fixed assets"] == 80_000
    assert sheet.equity == 1_000_000 + 50_000 + 30_000 and sheet.balances
    # The first year's result is kept apart from this year's (a helper's bookkeeper read them as one).
    assert (sheet.result, summary.prior_result, pnl.net_result) == (80_000, 50_000, 30_000)


def test_a_sale_committed_while_the_summary_reads_does_not_move_the_prior_years_result(
        books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    # The balance sheet and the profit and loss were two reads on two connections; a sale committed between
    # them counted in one and not the other, and the prior years' result (their difference) moved by it.
    read = ledger._totals_by_group
    committed, one_at_a_time = [], threading.Lock()

    def read_then_sell(*args):  # type: ignore[no-untyped-def]
        with one_at_a_time:
            rows = read(*args)
            if committed:
                return rows
            with Books(books.path) as writer:
                code = writer.account_id
                committed.append(writer.add_transaction("2026-06-15", "Sale", [(code("5120"), 7_000),
                                                                                (code("7060"), -7_000)]))
            return rows

    monkeypatch.setattr(ledger, "_totals_by_group", read_then_sell)
    summary = ledger.summary(books, on=dt.date(2026, 6, 1))
    assert committed
    assert summary.prior_result == 50_000
    assert summary.balance_sheet.balances


def test_holdings_count_what_the_company_holds(books: Books) -> None:
    holdings = ledger.summary(books, on=dt.date(2026, 6, 1)).holdings
    assert holdings.transactions == 6
    assert (holdings.attachments, holdings.attachment_bytes) == (1, 1234)
    assert holdings.emails == 1
    assert holdings.history == 1 + 6 + 1 + 1  # company creation, transactions, email, attachment
    assert holdings.database_bytes > 0
    # As the companies list counts it, while the summary's own connection is open: a helper saw 344.1 kB
    # in the summary against 311.3 kB in the list (the -shm index the summary's reading made).
    assert books.path.with_name(books.path.name + "-shm").exists()
    assert holdings.database_bytes == folder_size(books.path.parent) == ledger.database_size(books.path)


def test_lines_on_the_first_and_last_day_of_a_year_count_in_it_and_only_in_it(tmp_path: Path) -> None:
    path = tmp_path / "edges.sqlite"
    create_books(path, "Edges", fiscal_year_start=1)
    with Books(path) as books:
        code = books.account_id
        books.add_transaction("2024-12-31", "Late sale", [(code("5120"), 1_000), (code("7070"), -1_000)])
        books.add_transaction("2025-01-01", "First sale", [(code("5120"), 20_000), (code("7070"), -20_000)])
        books.add_transaction("2025-12-31", "Last rent", [(code("6130"), 3_000), (code("5120"), -3_000)])
        books.add_transaction("2026-01-01", "Next sale", [(code("5120"), 400_000), (code("7070"), -400_000)])
        summary = ledger.summary(books, on=dt.date(2025, 6, 1))
        assert (summary.profit_and_loss.income, summary.profit_and_loss.expenses) == (20_000, 3_000)
        # As of 2025-12-31: that day's line in, the next day's out.
        assert summary.balance_sheet.assets == 1_000 + 20_000 - 3_000 and summary.balance_sheet.balances
        empty = ledger.summary(books, on=dt.date(2030, 6, 1))  # a year without a line
        assert (empty.profit_and_loss.income, empty.profit_and_loss.expenses) == (0, 0)
        assert empty.balance_sheet.assets == 418_000 and empty.balance_sheet.balances


# Found by a reliability audit: a live database changed by another program (sqlite3) into values keepbooks
# never writes made the summary fail as "unexpected error ValueError('month must be in 1..12')" (a
# TypeError, a KeyError, an 'integer overflow'): now a sentence naming the file and the value.
LIVE_CASES = {
    "month 13": ("UPDATE settings SET fiscal_year_start = 13", "setting fiscal_year_start is 13, not a month"),
    "month text": ("UPDATE settings SET fiscal_year_start = 'x'", "setting fiscal_year_start is “x”"),
    "currency": ("UPDATE settings SET currency = 'ZZZZ'", "setting currency is “ZZZZ”, not an ISO 4217 code"),
    "account kind": ("UPDATE account_group SET kind = 'evil' WHERE id = 2", "account group 2 has kind “evil”"),
    "group position": ("UPDATE account_group SET position = 'top' WHERE id = 2", "account group 2 has position “top”"),
    "huge amount": ("UPDATE line SET amount = 9223372036854775807 WHERE id IN (1, 9)",  # both on 5120: SUM overflows
                    "line 1 of transaction 1 has amount 9223372036854775807"),
    "transaction date": ("UPDATE \"transaction\" SET date = 'soon' WHERE id = 6", "transaction 6 has date “soon”"),
}


@pytest.mark.parametrize("case", LIVE_CASES)
def test_values_changed_by_another_program_are_named_not_failed_on(books: Books, case: str) -> None:
    statement, problem = LIVE_CASES[case]
    with sqlite3.connect(books.path) as other:
        other.execute(statement)
    with pytest.raises(StorageError) as raised:
        ledger.summary(books, on=dt.date(2025, 12, 1))
    assert str(raised.value).startswith(f"The books in {books.path} hold a value keepbooks cannot use: {problem}")
