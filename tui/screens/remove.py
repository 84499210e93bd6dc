"""Remove a company: say what goes, offer a backup first (the default), then move it to the trash."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static
from textual.worker import Worker, WorkerState

from store import ledger
from store.books import Books
from store.catalog import CompanyInfo
from store.i18n import N_, _
from tui import formatting
from tui.language import TranslatedScreen
from tui.widgets.button_row import ButtonRow
from tui.widgets.sentence import PathText, Sentence

Choice = str  # "backup" (back up, then remove) or "remove"


class RemoveScreen(TranslatedScreen, ModalScreen[Choice | None]):
    """Returns "backup", "remove", or None when nothing is to be done."""

    CSS_PATH = ["modals.tcss", "remove.tcss"]
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="remove.cancel")]

    def __init__(self, company: CompanyInfo) -> None:
        super().__init__()
        self.company = company

    def compose(self) -> ComposeResult:
        trash = self.app.folders.trash  # type: ignore[attr-defined]
        with Vertical(classes="dialog", id="remove-dialog"):
            shown = self.app.catalog.shown_name(self.company)  # type: ignore[attr-defined]
            yield Sentence(_("Remove {name}?").format(name=shown), classes="dialog-title")
            yield Static(self._facts(None), id="facts")
            yield Sentence(_("Its folder will be moved to {trash}, not deleted: keepbooks untrash puts it back.")
                           .format(trash=trash), id="where", classes="muted")
            with ButtonRow():
                yield Button(_("Back up first"), id="backup", variant="primary")
                yield Button(_("Remove"), id="remove", variant="error")
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)  # its own keys: the screen's behind it showed through (n, del…)

    def on_mount(self) -> None:
        self.query_one("#backup", Button).focus()  # the safe choice is the default
        self.count(self.company.books_path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="holdings")
    def count(self, books_path: Path) -> ledger.Holdings:
        with Books(books_path) as books:
            return ledger.holdings(books)

    @on(Worker.StateChanged)
    def _counted(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "holdings":
            return
        if event.state == WorkerState.SUCCESS:
            self.query_one("#facts", Static).update(self._facts(event.worker.result))  # type: ignore[arg-type]
        elif event.state == WorkerState.ERROR:
            self.query_one("#facts", Static).update(self._facts(None, formatting.error_text(event.worker.error)))

    def _facts(self, holdings: ledger.Holdings | None, problem: str | None = None) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        company = self.company
        table.add_row(_("Size"), formatting.size(company.size_bytes))
        waiting = problem or _("counting…")
        if holdings is None:
            table.add_row(_("Transactions"), waiting)
        else:
            table.add_row(_("Transactions"), formatting.count(holdings.transactions))
            table.add_row(_("Attachments"), _("{count} ({size})").format(
                count=formatting.count(holdings.attachments), size=formatting.size(holdings.attachment_bytes)))
            table.add_row(_("Emails"), formatting.count(holdings.emails))
            table.add_row(_("History"), formatting.count(holdings.history))
        table.add_row(_("Last change"), formatting.date_time(company.last_change))
        if company.last_backup_at is None:
            table.add_row(_("Last backup"), Text(_("never"), style="bold"))
            return table
        gone = company.last_backup_gone  # what "Back up first" is for: the last one is no more
        last = _("{when} · {file}").format(when=formatting.date_time(company.last_backup_at),
                                           file=company.last_backup_file)
        table.add_row(_("Last backup"), PathText(last, style="bold" if gone else ""))
        if gone:  # on a line of its own: after the file's name it would cut a long name, or be cut
            table.add_row("", Text(_("This file is gone."), style="bold"))
        return table

    @on(Button.Pressed, "#backup")
    def _backup_first(self) -> None:
        self.dismiss("backup")

    @on(Button.Pressed, "#remove")
    def _remove(self) -> None:
        self.dismiss("remove")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
