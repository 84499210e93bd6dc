"""The import step: the new company's name, then the import itself with progress and a confirmed Cancel.

Opened from the file picker and from the backups view, once a file's manifest has been read. The work
is ``store.archive.import_backup`` in a thread worker: it checks every part of the file while it
restores it into a private staging folder, and adds the company only when all of it is good.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from store import archive
from store.archive import Manifest
from store.books import check_company_name
from store.catalog import Catalog, CompanyInfo
from store.config import Folders
from store.errors import Cancelled, InvalidInput, KeepbooksError
from store.i18n import N_, _
from tui.language import TranslatedScreen
from tui.messages import Progressed
from tui.widgets.backup_preview import holds
from tui.widgets.progress import ProgressView, StopGuard, throttled


def restored_name(name: str, day: str) -> str:
    return _("{name} (restored {date})").format(name=name, date=day)


def error_text(error: BaseException | None) -> str:
    if isinstance(error, KeepbooksError):
        return error.message
    return _("unexpected error {error!r}").format(error=error)


class ImportScreen(TranslatedScreen, ModalScreen[CompanyInfo | None]):
    """Returns the new company, or None when nothing was imported."""

    CSS_PATH = ["modals.tcss", "import_company.tcss"]
    BINDINGS = [Binding("escape", "close", N_("Cancel"), id="import.close")]

    def __init__(self, path: Path, manifest: Manifest) -> None:
        super().__init__()
        self.path = path
        self.manifest = manifest
        self._worker: Worker[CompanyInfo] | None = None
        self._stop = StopGuard(self, _("Stop the import? Nothing will be added."), yes=_("Stop"),
                               no=_("Continue"),
                               on_stopping=lambda: self.query_one(ProgressView).say(_("Stopping…")))

    def compose(self) -> ComposeResult:
        today = self.app.today().isoformat()  # type: ignore[attr-defined]
        self.suggestion = restored_name(self.manifest.company_name, today)
        taken = self._name_taken(self.manifest.company_name)
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label(_("Import {name}").format(name=self.manifest.company_name), classes="dialog-title",
                        markup=False)
            yield Label(_("From {file}").format(file=self.path), classes="muted", markup=False)
            yield Label(_("Holds {contents}.").format(contents=holds(self.manifest.include)), classes="muted")
            with Vertical(id="form"):
                yield Label(_("Name of the new company"), classes="field-label")
                yield Input(self.manifest.company_name, id="name", select_on_focus=False,
                            suggester=SuggestFromList([self.suggestion]) if taken else None)
                yield Label("", id="name-note", markup=False)
            yield ProgressView(id="running")
            yield Label("", id="error", classes="error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Import"), id="start", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        field = self.query_one("#name", Input)
        if field.value == self.manifest.company_name:  # untouched: set again, now mounted, so the
            field.value = ""                           # suggester offers its suggestion
            field.value = self.manifest.company_name
        field.focus()
        field.cursor_position = len(field.value)
        self._name_changed()

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog  # type: ignore[attr-defined]

    def _name_taken(self, name: str) -> bool:
        try:
            return any(c.name.casefold() == name.strip().casefold() for c in self.catalog.companies())
        except KeepbooksError:
            return False

    @property
    def running(self) -> bool:
        return self.has_class("-running")

    # --- the name ---------------------------------------------------------------------------------

    def checked_name(self) -> str | None:
        note = self.query_one("#name-note", Label)
        value = self.query_one("#name", Input).value
        try:
            name = check_company_name(value)
        except InvalidInput as exc:
            note.update(exc.message)
            note.set_classes("error")
            return None
        if self._name_taken(name):
            note.update(_("A company named {name} already exists. Suggested: {suggestion} "
                          "(press → to use it).").format(name=name, suggestion=self.suggestion)
                        if name == self.manifest.company_name else
                        _("A company named {name} already exists; both will be listed.").format(name=name))
            note.set_classes("warning")
        else:
            note.update("")
            note.set_classes("")
        return name

    @on(Input.Changed, "#name")
    def _name_changed(self) -> None:
        self.query_one("#start", Button).disabled = self.checked_name() is None

    # --- running ----------------------------------------------------------------------------------

    @on(Input.Submitted, "#name")
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        if self.running:
            return
        name = self.checked_name()
        if name is None:
            self.app.bell()
            return
        self._stop.reset()
        self.query_one("#error", Label).update("")
        self.query_one(ProgressView).start(_("From {file}").format(file=self.path), _("Checking the backup…"))
        self.set_class(True, "-running")
        self.query_one("#cancel", Button).focus()
        self._worker = self.run_import(self.app.folders, self.path, name)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, folders: Folders, path: Path, name: str) -> CompanyInfo:
        cancel = get_current_worker().cancelled_event
        report = throttled(lambda progress: self.post_message(Progressed(progress)))
        with Catalog(folders) as catalog:  # this thread's own connection to the catalog
            return archive.import_backup(catalog, path, name=name, progress=report, cancel=cancel)

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        if not self._stop.stopping:
            self.query_one(ProgressView).show(message.progress)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "import" or not worker.is_finished:
            return
        self._stop.finished()
        self.set_class(False, "-running")
        if event.state == WorkerState.SUCCESS:
            self.dismiss(worker.result)
        elif isinstance(worker.error, Cancelled) or event.state == WorkerState.CANCELLED:
            self.app.notify(_("Import cancelled; nothing was added."), markup=False)
            self.dismiss(None)
        else:
            self.query_one("#error", Label).update(_("The import failed, nothing was added: {reason}").format(
                reason=error_text(worker.error)))
            self.query_one("#name", Input).focus()

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)
            return
        self._stop.ask(self._worker)
