"""A company's summary: statements for a fiscal year, what it holds, and its last backup."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Label, Static
from textual.worker import Worker, WorkerState

from store import ledger
from store.books import Books
from store.catalog import Catalog, CompanyInfo
from store.contents import left_out_words
from store.errors import KeepbooksError, NotFound
from store.i18n import N_, _
from tui import formatting
from tui.language import TranslatedScreen
from tui.widgets.footer import KeysFooter
from tui.widgets.phrases import Phrases
from tui.widgets.sentence import Sentence, notice_path


class SummaryScreen(TranslatedScreen, Screen[None]):
    CSS_PATH = "summary.tcss"
    AUTO_FOCUS = "#backup"
    BINDINGS = [
        Binding("b", "backup", N_("Backup"), id="summary.backup"),
        Binding("p", "year(-1)", N_("Previous year"), id="summary.previous_year"),
        Binding("n", "year(1)", N_("Next year"), id="summary.next_year"),
        Binding("escape", "back", N_("Back"), id="summary.back"),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.on_date: dt.date | None = None  # a day inside the fiscal year shown
        self.summary: ledger.Summary | None = None
        self.opened_at = time.perf_counter()
        self.loaded_in: float | None = None  # seconds from creation to the first figures (bench)
        self._catalog_version = -1  # the catalog's data_version when the last backup was shown

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="title-bar"):
            with Vertical(id="title-text"):
                yield Label("", id="company-name", markup=False)
                yield Label(_("Loading…"), id="fiscal-year", classes="muted")
            yield Button(_("Backup"), id="backup", variant="primary")
        with Horizontal(id="statements"):
            yield Static("", id="balance-sheet", classes="panel")
            yield Static("", id="profit-and-loss", classes="panel")
        with Vertical(id="holdings", classes="panel"):
            yield Phrases(id="holdings-text")
            yield Sentence("", id="last-backup")  # "(2,7 ko)" kept whole: broken at ordinary spaces only
        yield KeysFooter()

    def on_mount(self) -> None:
        self._titles()
        try:
            info = self.catalog.get(self.company_id)
        except KeepbooksError as exc:
            self.notify(exc.message, severity="error", markup=False)
            self.app.pop_screen()
            return
        self.query_one("#company-name", Label).update(self.catalog.shown_name(info))
        self.show_last_backup(info)
        self.on_date = self.app.today()  # type: ignore[attr-defined]
        self.load(info.books_path, self.on_date)
        from tui.screens.companies import CATALOG_CHECK_SECONDS  # the list imports this module

        self._catalog_version = self.catalog.data_version()
        self.set_interval(CATALOG_CHECK_SECONDS, self._follow_catalog)

    def _follow_catalog(self) -> None:
        """A backup made meanwhile by cron or in another window shows up, as in the list (a helper saw
        the older one named here while the list had the new one)."""
        if not self.is_current or (version := self.catalog.data_version()) == self._catalog_version:
            return
        self._catalog_version = version
        if (info := self._company()) is not None:
            self.show_last_backup(info)

    def _titles(self) -> None:
        self.query_one("#balance-sheet").border_title = _("Balance sheet")
        self.query_one("#profit-and-loss").border_title = _("Profit and loss")
        self.query_one("#holdings").border_title = _("Holdings")

    async def retranslate(self) -> None:
        """Redrawn in the language just chosen from the figures already read (a load still running
        fills the new widgets when it ends)."""
        await self.recompose()
        self._titles()
        if (info := self._company()) is None:
            return
        self.query_one("#company-name", Label).update(self.catalog.shown_name(info))
        self.show_last_backup(info)
        if not any(w.group == "summary" and w.is_running for w in self.workers):
            if self.summary is not None:
                self.show_summary(self.summary)
            elif self.on_date is not None:  # the year failed: read again, or "Loading…" stays (review)
                self.load(info.books_path, self.on_date)
        self.query_one("#backup", Button).focus()

    # --- loading ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary")
    def load(self, books_path: Path, on_date: dt.date) -> ledger.Summary:
        with Books(books_path) as books:
            return ledger.summary(books, on_date)

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "summary":
            return
        if event.state == WorkerState.SUCCESS:
            self.show_summary(event.worker.result)  # type: ignore[arg-type]
            if self.loaded_in is None:
                self.loaded_in = time.perf_counter() - self.opened_at
        elif event.state == WorkerState.ERROR:
            text = formatting.error_text(event.worker.error)
            self.query_one("#fiscal-year", Label).update(Text(_("Cannot read the books"), style="bold red"))
            # Not the year shown before under the year that failed (a helper read them as its figures), nor
            # when the language changes (retranslate draws self.summary). The panel says why, in full: the year
            # line showed the start of a long sentence only (books another program changed: file and value).
            self.summary = None
            self.query_one("#balance-sheet", Static).update(Text(text))
            self.query_one("#profit-and-loss", Static).update("")
            self.notify(text, title=_("Cannot read the books"), severity="error", markup=False)

    # --- drawing ---------------------------------------------------------------------------------

    def show_summary(self, summary: ledger.Summary) -> None:
        self.summary = summary
        start, end = summary.fiscal_year
        self.query_one("#fiscal-year", Label).update(
            _("Fiscal year {period} · {currency}").format(period=formatting.period(start, end),
                                                         currency=summary.currency))
        self.query_one("#balance-sheet", Static).update(self._balance_sheet(summary))
        self.query_one("#profit-and-loss", Static).update(self._profit_and_loss(summary.profit_and_loss))
        self.query_one("#holdings-text", Phrases).show(self._holdings(summary.holdings))

    def _money(self, minor_units: int) -> str:
        assert self.summary is not None
        return formatting.money(minor_units, self.summary.currency)

    @staticmethod
    def _table() -> Table:
        # A space always between a label cut short and its figure ("Passif et capitaux pr…1 512 313,16 €"):
        # padding on the left of each cell but the first.
        table = Table(box=None, show_header=False, expand=True, padding=(0, 0, 0, 1), pad_edge=False)
        table.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        return table

    def _balance_sheet(self, summary: ledger.Summary) -> Table:
        sheet, table = summary.balance_sheet, self._table()
        for group in sheet.groups:
            if group.kind == "asset":
                table.add_row(group.name, self._money(group.amount))
        table.add_row(Text(_("Total assets"), style="bold"), Text(self._money(sheet.assets), style="bold"))
        for group in sheet.groups:
            if group.kind == "liability":
                table.add_row(group.name, self._money(group.amount))
        for group in sheet.groups:
            if group.kind == "equity":
                table.add_row(group.name, self._money(group.amount))
        # No year is ever closed into an account: the prior years' result is shown apart from this one's.
        table.add_row(_("Prior years' result"), self._money(summary.prior_result))
        table.add_row(_("Result of the year"), self._money(summary.profit_and_loss.net_result))
        table.add_row(Text(_("Liabilities and equity"), style="bold"),
                      Text(self._money(sheet.liabilities + sheet.equity), style="bold"))
        if not sheet.balances:
            table.add_row(Text(_("Does not balance!"), style="bold red"), "")
        return table

    def _profit_and_loss(self, pnl: ledger.ProfitAndLoss) -> Table:
        table = self._table()
        for group in pnl.groups:
            table.add_row(group.name, self._money(group.amount))
        table.add_row(Text(_("Net result"), style="bold"), Text(self._money(pnl.net_result), style="bold"))
        return table

    @staticmethod
    def _holdings(holdings: ledger.Holdings) -> list[str]:
        return [
            _("Transactions {count}").format(count=formatting.count(holdings.transactions)),
            _("Attachments {count} ({size})").format(count=formatting.count(holdings.attachments),
                                                     size=formatting.size(holdings.attachment_bytes)),
            _("Emails {count}").format(count=formatting.count(holdings.emails)),
            _("History {count}").format(count=formatting.count(holdings.history)),
            _("Database {size}").format(size=formatting.size(holdings.database_bytes)),
        ]

    def show_last_backup(self, info: CompanyInfo) -> None:
        label = self.query_one("#last-backup", Sentence)
        if info.last_backup_at is None:
            text, warn = _("Last backup: never"), True
        else:
            size = formatting.size(info.last_backup_size or 0)
            text = _("Last backup: {when} · {file} ({size})").format(
                when=formatting.date_time(info.last_backup_at), file=info.last_backup_file, size=size)
            left_out = left_out_words(info.last_backup_left_out) if info.last_backup_left_out else None
            if left_out and left_out not in (info.last_backup_file or ""):  # a default name says it already
                text = _("{backup}, {contents}").format(backup=text, contents=left_out)
            warn = info.last_backup_gone  # deleted or pruned since
            if warn:
                text = _("{backup}: this file is gone").format(backup=text)
        label.update(text)
        label.set_class(warn, "-warning")

    # --- actions ---------------------------------------------------------------------------------

    def action_year(self, step: int) -> None:
        if self.on_date is None or (info := self._company()) is None:
            return
        # A year from the day asked for last, not from the year shown: keys pressed while a year
        # loads all count (the load under way gives way to the next one).
        year = self.on_date.year + step
        try:
            on_date = self.on_date.replace(year=year)
        except ValueError:  # 29 February
            on_date = self.on_date.replace(year=year, day=28)
        if not self._has_books(on_date):
            self.app.bell()
            self.notify(_("No transactions before that year.") if step < 0
                        else _("No transactions after that year."), markup=False)
            return
        self.on_date = on_date
        self.query_one("#fiscal-year", Label).update(_("Loading…"))
        self.load(info.books_path, self.on_date)

    def _has_books(self, on_date: dt.date) -> bool:
        """Whether the fiscal year of ``on_date`` is worth showing: it holds transactions, or today (p
        went back year after empty year, to 2021, 2020…)."""
        if self.summary is None:
            return True  # not known yet: the first load tells
        held, today = self.summary.holdings, self.app.today()  # type: ignore[attr-defined]
        start, end = ledger.fiscal_year(self.summary.fiscal_year[0].month, on_date)
        first = min(held.first_date or today, today)
        last = max(held.last_date or today, today)
        return start <= last and end >= first

    def _company(self) -> CompanyInfo | None:
        """This company as the catalog has it; None, back on the list, when it has been removed
        meanwhile (in another window)."""
        try:
            return self.catalog.get(self.company_id)
        except KeepbooksError as exc:
            name = self.query_one("#company-name", Label).content
            text = (_("{name} was removed meanwhile, in another window.").format(name=name)
                    if isinstance(exc, NotFound) and name else exc.message)
            self.notify(text, title=_("This company is gone"), severity="error", markup=False)
            self.app.pop_screen()
            return None

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#backup")
    def action_backup(self) -> None:
        from tui.screens.backup import BackupScreen

        if (info := self._company()) is not None:
            self.app.push_screen(BackupScreen(info), self._backup_done)

    def _backup_done(self, result: object | None) -> None:
        if result is None:
            return
        size = formatting.size(result.size)  # type: ignore[attr-defined]
        file = notice_path(str(result.path), self.app.size.width)  # type: ignore[attr-defined]
        self.notify(_("Backup saved to {file} ({size}).").format(file=file, size=size),  # type: ignore[attr-defined]
                    title=_("Backup complete"), markup=False, timeout=10)
        if (info := self._company()) is not None:
            self.show_last_backup(info)
