"""Verify a backup: every check an import makes, adding nothing; progress, a confirmed Cancel, the result."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label
from textual.worker import Worker, WorkerState, get_current_worker

from store import archive
from store.archive import Manifest
from store.errors import Cancelled
from store.i18n import N_, _, ngettext
from tui import formatting
from tui.language import TranslatedScreen
from tui.messages import Progressed
from tui.screens.import_company import error_text
from tui.widgets.progress import ProgressView, StopGuard, throttled


class VerifyScreen(TranslatedScreen, ModalScreen[bool | None]):
    """Starts at once; returns True (good), False (bad) or None (stopped)."""

    CSS_PATH = ["modals.tcss", "backups.tcss"]
    BINDINGS = [Binding("escape", "close", N_("Close"), id="verify.close")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.outcome: bool | None = None
        self._worker: Worker[Manifest] | None = None
        self._stop = StopGuard(self, _("Stop checking the backup?"), yes=_("Stop"), no=_("Continue"),
                               on_stopping=lambda: self.query_one(ProgressView).say(_("Stopping…")))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="verify-dialog"):
            yield Label(_("Verify {file}").format(file=self.path.name), classes="dialog-title", markup=False)
            yield ProgressView(id="running")
            yield Label("", id="result", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="close")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ProgressView).start(_("In {folder}").format(folder=self.path.parent))
        self.set_class(True, "-running")
        self.query_one("#close", Button).focus()
        self._worker = self.run_verify(self.path)

    @property
    def running(self) -> bool:
        return self.has_class("-running")

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify")
    def run_verify(self, path: Path) -> Manifest:
        cancel = get_current_worker().cancelled_event
        report = throttled(lambda progress: self.post_message(Progressed(progress)))
        return archive.verify(path, progress=report, cancel=cancel)

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        if not self._stop.stopping:
            self.query_one(ProgressView).show(message.progress)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "verify" or not worker.is_finished:
            return
        self._stop.finished()
        self.set_class(False, "-running")
        result = self.query_one("#result", Label)
        self.query_one("#close", Button).label = _("Close")
        if event.state == WorkerState.SUCCESS:
            manifest: Manifest = worker.result  # type: ignore[assignment]
            self.outcome = True
            transactions = manifest.counts["transactions"]
            result.update(ngettext("Good: every check passed. This backup of {name} ({transactions} transaction) "
                                   "can be imported.",
                                   "Good: every check passed. This backup of {name} ({transactions} transactions) "
                                   "can be imported.", transactions).format(
                name=manifest.company_name, transactions=formatting.count(transactions)))
            result.set_classes("-good")
            self.query_one(ProgressView).say(_("Checked."))
        elif isinstance(worker.error, Cancelled) or event.state == WorkerState.CANCELLED:
            self.dismiss(None)
        else:
            self.outcome = False
            result.update(_("This backup cannot be imported: {reason}").format(reason=error_text(worker.error)))
            result.set_classes("error")
            self.query_one(ProgressView).say(_("Check failed."))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if not self.running:
            self.dismiss(self.outcome)
            return
        self._stop.ask(self._worker)
