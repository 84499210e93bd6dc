"""The import step: the new company's name, then the import itself with progress and a confirmed Cancel.

Opened from the file picker and from the backups view, once a file's manifest has been read. The work
is ``store.archive.import_backup`` in a thread worker: it checks every part of the file while it
restores it into a private staging folder, and adds the company only when all of it is good.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Label
from textual.worker import get_current_worker

from store import archive
from store.archive import Manifest
from store.books import check_company_name
from store.catalog import Catalog, CompanyInfo
from store.config import Folders
from store.errors import InvalidInput, KeepbooksError
from store.formats import format_date_in_name
from store.i18n import N_, _
from tui.screens.running import RunningDialog
from store.contents import holds
from tui.widgets.button_row import ButtonRow
from tui.widgets.progress import ProgressView
from tui.widgets.sentence import Sentence
from tui.widgets.text_field import TextField


def restored_name(name: str, day: str, taken: set[str]) -> str:
    """The name suggested for a company restored on ``day``, not one of ``taken`` (casefolded names):
    the same backup imported twice the same day got the name the first import took."""
    suggestion = _("{name} (restored {date})").format(name=name, date=day)
    number = 2
    while suggestion.casefold() in taken:
        suggestion = _("{name} (restored {date}, copy {number})").format(name=name, date=day, number=number)
        number += 1
    return suggestion


class ImportScreen(RunningDialog[CompanyInfo | None]):
    """Returns the new company, or None when nothing was imported."""

    CSS_PATH = ["modals.tcss", "import_company.tcss"]
    BINDINGS = [Binding("escape", "close", N_("Cancel"), id="import.close")]
    WORK_GROUP = "import"

    def __init__(self, path: Path, manifest: Manifest) -> None:
        super().__init__(_("Stop the import? Nothing will be added."),
                         _("The import ended before you answered: there is nothing left to stop."),
                         _("The import failed before you answered; here is why."))
        self.path = path
        self.manifest = manifest

    def compose(self) -> ComposeResult:
        today = format_date_in_name(self.app.today())  # type: ignore[attr-defined]
        self.suggestion = restored_name(self.manifest.company_name, today, self._existing_names)
        taken = self._name_taken(self.manifest.company_name)
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label(_("Import {name}").format(name=self.manifest.company_name), classes="dialog-title",
                        markup=False)
            yield Label(_("From {file}").format(file=self.path), classes="muted", markup=False)
            yield Label(_("Holds {contents}.").format(contents=holds(self.manifest.include)), classes="muted")
            with Vertical(id="form"):
                yield Label(_("Name of the new company"), classes="field-label")
                yield TextField(self.manifest.company_name, id="name", select_on_focus=False,
                            suggester=SuggestFromList([self.suggestion]) if taken else None)
                yield Sentence("", id="name-note")
            yield ProgressView(id="running")
            yield Sentence("", id="error", classes="error")
            with ButtonRow():
                yield Button(_("Import"), id="start", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        field = self.query_one("#name", Input)
        if field.value == self.manifest.company_name:  # untouched: set again, now mounted, so the
            field.value = ""                           # suggester offers its suggestion
            field.value = self.manifest.company_name
        field.focus()
        field.select_all()  # typed over, not added to: "Acme" + "Copy" made "AcmeCopy"; → still suggests
        self._name_changed()

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog  # type: ignore[attr-defined]

    @cached_property
    def _existing_names(self) -> set[str]:
        """The names in the list, read once for the dialog (not at every key typed in the name)."""
        try:
            return {c.name.casefold() for c in self.catalog.companies()}
        except KeepbooksError:
            return set()

    def _name_taken(self, name: str) -> bool:
        return name.strip().casefold() in self._existing_names

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
            # The suggestion on a line of its own: a line broken inside "Suggestion :" (French puts a
            # no-break space there, which Rich breaks at all the same) left a colon alone at its start.
            note.update(_("A company named {name} already exists.\nSuggested: {suggestion} "
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
        self.query_one("#error", Label).update("")
        worker = self.run_import(self.app.folders, self.path, name)  # type: ignore[attr-defined]
        # The file is named above already: the progress says what is being made.
        self.start_running(worker, _("To a new company: {name}").format(name=name), _("Checking the backup…"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, folders: Folders, path: Path, name: str) -> CompanyInfo:
        cancel = get_current_worker().cancelled_event
        report = self.reporter()
        with Catalog(folders) as catalog:  # this thread's own connection to the catalog
            return archive.import_backup(catalog, path, name=name, progress=report, cancel=cancel)

    def succeeded(self, result: CompanyInfo) -> None:
        self.dismiss(result)

    def cancelled(self) -> None:
        self.app.notify(_("Import cancelled; nothing was added."), markup=False)
        self.dismiss(None)

    def failed(self, reason: str) -> None:
        self.query_one("#error", Label).update(_("The import failed, nothing was added: {reason}").format(
            reason=reason))
        self.query_one("#name", Input).focus()

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.close_or_ask()
