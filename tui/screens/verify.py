"""Verify a backup: every check an import makes, adding nothing; progress, a confirmed Cancel, the result."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Footer, Label
from textual.worker import get_current_worker

from store import archive
from store.archive import Manifest
from store.i18n import N_, _, ngettext
from tui import formatting
from tui.screens.running import RunningDialog
from tui.widgets.button_row import ButtonRow
from tui.widgets.progress import ProgressView


class VerifyScreen(RunningDialog[bool | None]):
    """Starts at once; returns True (good), False (bad) or None (stopped)."""

    CSS_PATH = ["modals.tcss", "backups.tcss"]
    BINDINGS = [Binding("escape", "close", N_("Close"), id="verify.close")]
    WORK_GROUP = "verify"

    def __init__(self, path: Path) -> None:
        super().__init__(_("Stop checking the backup?"),
                         _("The check ended before you answered: there is nothing left to stop."),
                         _("The check ended before you answered; here is what it found."))
        self.path = path
        self.outcome: bool | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="verify-dialog"):
            yield Label(_("Verify {file}").format(file=self.path.name), classes="dialog-title", markup=False)
            yield ProgressView(id="running")
            yield Label("", id="result", markup=False)
            with ButtonRow():
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.start_running(self.run_verify(self.path), _("In {folder}").format(folder=self.path.parent))

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify")
    def run_verify(self, path: Path) -> Manifest:
        return archive.verify(path, progress=self.reporter(), cancel=get_current_worker().cancelled_event)

    def succeeded(self, manifest: Manifest) -> None:
        self.outcome = True
        transactions = manifest.counts["transactions"]
        self._show(ngettext("Good: every check passed. This backup of {name} ({transactions} transaction) "
                            "can be imported.",
                            "Good: every check passed. This backup of {name} ({transactions} transactions) "
                            "can be imported.", transactions).format(
            name=manifest.company_name, transactions=formatting.count(transactions)), "-good", _("Checked."))

    def failed(self, reason: str) -> None:
        self.outcome = False
        self._show(_("This backup cannot be imported: {reason}").format(reason=reason), "error", _("Check failed."))

    def _show(self, result: str, classes: str, phase: str) -> None:
        label = self.query_one("#result", Label)
        label.update(result)
        label.set_classes(classes)
        self.query_one(ProgressView).say(phase)
        self.query_one("#cancel", Button).label = _("Close")

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.close_or_ask(self.outcome)
