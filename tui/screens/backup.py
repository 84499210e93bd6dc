"""The backup dialog: choose the file and what goes in it, then watch the backup run.

The writing itself is ``store.archive.backup_company``, run in a thread worker; this screen only
collects choices, shows progress messages and turns errors into words.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Footer, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from store import archive
from store.archive import BackupResult, Estimate, Include
from store.catalog import Catalog, CompanyInfo
from store.config import Folders, backups_folder, ensure_folder
from store.errors import InvalidInput, system_reason
from store.formats import quoted
from store.i18n import N_, _, ngettext
from tui import formatting
from tui.keynames import key_name
from tui.screens.confirm import ConfirmScreen
from tui.screens.folder import FolderScreen
from tui.screens.running import RunningDialog
from tui.widgets.button_row import ButtonRow
from tui.widgets.progress import ProgressView
from tui.widgets.sentence import PathLabel, Sentence
from tui.widgets.text_field import TextField
from tui.widgets.tick_box import TickBox

# How long the warning of a backup made of damaged books stays: a long sentence with two paths (the app's
# notices of what opening the catalog repaired stay as long; a minute covered the dialogs too long).
DAMAGE_SECONDS = 30


class BackupScreen(RunningDialog[BackupResult | None]):
    CSS_PATH = ["modals.tcss", "backup.tcss"]
    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="backup.close"),
        Binding("ctrl+o", "change_folder", N_("Change folder"), id="backup.change_folder"),
        Binding("enter", "start", N_("Back up"), id="backup.start"),  # from a box (a button or field: theirs)
    ]

    WORK_GROUP = "backup"

    def __init__(self, company: CompanyInfo, *, folder: Path | None = None, then_remove: bool = False) -> None:
        """``then_remove``: opened by Remove's "Back up first": the title says what follows the backup."""
        super().__init__(_("Stop the backup? The unfinished file will be deleted."),
                         _("The backup ended before you answered: there is nothing left to stop."),
                         _("The backup failed before you answered; here is why."))
        self.company = company
        self.folder = folder
        self.then_remove = then_remove
        self.estimate: Estimate | None = None
        self._replacing: Path | None = None  # the earlier file a running backup will replace
        self._suggested = ""  # the default file name shown, which follows the boxes until edited

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        today = self.app.today()  # type: ignore[attr-defined]
        with Vertical(classes="dialog", id="backup-dialog"):
            title = _("Back up {name}, then remove it") if self.then_remove else _("Back up {name}")
            yield Label(title.format(name=self.app.catalog.shown_name(self.company)),  # type: ignore[attr-defined]
                        classes="dialog-title", markup=False)
            with Vertical(id="form"):
                yield Label(_("File name"), classes="field-label")
                catalog = self.app.catalog  # type: ignore[attr-defined]
                name = archive.company_backup_name(catalog, self.company, on=today)
                self._suggested = name  # the name the boxes' choices give, while it is not edited
                yield TextField(name, id="filename", select_on_focus=False)
                yield Sentence("", id="filename-note")
                with Horizontal(id="folder-row"):
                    yield Label(_("Folder"), classes="field-label", id="folder-title")
                    yield PathLabel("", id="folder")  # broken after a slash, not inside a name
                    change = Button(_("Change… ({key})").format(key=key_name("ctrl+o")), id="change-folder",
                                    compact=True)
                    change.can_focus = False  # Tab goes filename → boxes → Backup → Cancel; ctrl+o changes it
                    yield change
                yield TickBox(_("Attachments"), True, id="attachments", compact=True)
                yield TickBox(_("Emails"), True, id="emails", compact=True)
                yield TickBox(_("History"), True, id="history", compact=True)
                yield Label("", id="estimate", classes="muted")
            yield ProgressView(id="running")
            yield Sentence("", id="error", classes="error")
            with ButtonRow():
                yield Button(_("Backup"), id="start", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.folder is None:
            self.folder = self.app.folders.backups  # type: ignore[attr-defined]
        self._show_folder()
        self._show_choices()
        field = self.query_one("#filename", Input)
        field.focus()
        field.cursor_position = len(field.value)  # typing adds to the suggestion instead of replacing it
        self.validate_filename()
        self.load_estimate(self.company.books_path)

    # --- choices ---------------------------------------------------------------------------------

    @property
    def include(self) -> Include:
        return Include(attachments=self.query_one("#attachments", Checkbox).value,
                       emails=self.query_one("#emails", Checkbox).value,
                       history=self.query_one("#history", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="estimate")
    def load_estimate(self, books_path: Path) -> Estimate:
        return archive.estimate(books_path)

    def _show_choices(self) -> None:
        estimate = self.estimate
        boxes = {
            "attachments": (_("Attachments"), lambda e: (e.attachments_bytes, e.attachments_count)),
            "emails": (_("Emails"), lambda e: (e.emails_bytes, e.emails_count)),
            "history": (_("History"), lambda e: e.history(self.include)),  # without entries about what is left out
        }
        for box_id, (title, measure) in boxes.items():
            box = self.query_one(f"#{box_id}", Checkbox)
            if estimate is None:
                box.label = _("{what} — …").format(what=title)
                continue
            size, number = measure(estimate)
            if box_id == "attachments":
                template = ngettext("{size}, {count} file", "{size}, {count} files", number)
            else:
                template = ngettext("{size}, {count} entry", "{size}, {count} entries", number)
            detail = template.format(size=formatting.size(size), count=formatting.count(number))
            box.label = _("{what} — {detail}").format(what=title, detail=detail)
        label = self.query_one("#estimate", Label)
        if estimate is None:
            label.update(_("Estimating the size…"))
        else:
            label.update(_("Estimated total before compression: {size}").format(
                size=formatting.size(estimate.total(self.include))))

    @on(Checkbox.Changed)
    def _box_changed(self) -> None:
        self._show_choices()
        field = self.query_one("#filename", Input)
        if field.value == self._suggested:  # not edited: the default name says what the backup leaves out
            app: Any = self.app
            self._suggested = archive.company_backup_name(app.catalog, self.company, on=app.today(),
                                                          include=self.include)
            field.value = self._suggested
            field.cursor_position = len(field.value)

    def _show_folder(self) -> None:
        self.query_one("#folder", PathLabel).update(str(self.folder))

    def action_change_folder(self) -> None:
        if self.running:
            return
        assert self.folder is not None
        self.app.push_screen(FolderScreen(self.folder), self._folder_chosen)

    @on(Button.Pressed, "#change-folder")
    def _change_folder_pressed(self) -> None:
        self.action_change_folder()

    def _folder_chosen(self, folder: Path | None) -> None:
        if folder is not None:
            self.folder = folder
            self._show_folder()
            self.validate_filename()
            # The failure said was about the folder before (a French bookkeeper read it as this one's).
            self.query_one("#error", Label).update("")
        self.query_one("#filename", Input).focus()

    # --- validation ------------------------------------------------------------------------------

    @on(Input.Changed, "#filename")
    def _filename_changed(self) -> None:
        self.validate_filename()

    def validate_filename(self) -> Path | None:
        """The destination file when the name is acceptable; the note under the field says why not."""
        note = self.query_one("#filename-note", Label)
        start = self.query_one("#start", Button)
        try:
            name = archive.check_backup_filename(self.query_one("#filename", Input).value)
        except InvalidInput as exc:
            note.update(exc.message)
            note.set_classes("error")
            start.disabled = True
            return None
        assert self.folder is not None
        destination = self.folder / name
        try:
            exists = destination.exists()
        except OSError as exc:  # a folder this user may not enter, a name too long
            note.update(_("Cannot open {path}: {reason}.").format(path=self.folder, reason=system_reason(exc)))
            note.set_classes("error")
            start.disabled = True
            return None
        start.disabled = False
        if exists:
            note.update(_("{name} already exists in this folder: Backup will ask before replacing it.")
                        .format(name=name))
            note.set_classes("warning")
        elif name != self.query_one("#filename", Input).value.strip():
            note.update(_("Will be saved as {name}.").format(name=quoted(name)))
            note.set_classes("muted")
        else:
            note.update("")
            note.set_classes("")
        return destination

    # --- running ---------------------------------------------------------------------------------

    @on(Input.Submitted, "#filename")
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        if self.running:
            return
        destination = self.validate_filename()
        if destination is None:
            self.app.bell()
            self.query_one("#filename", Input).focus()
            return
        if destination.exists():
            question = _("{name} already exists in {folder}. Replace it with this backup?").format(
                name=destination.name, folder=destination.parent)
            self.app.push_screen(ConfirmScreen(question, yes=_("Replace"), no=_("Keep it")),
                                 lambda replace: self._start(destination, force=True) if replace else None)
            return
        self._start(destination, force=False)

    def _start(self, destination: Path, *, force: bool) -> None:
        self._replacing = destination if force else None
        self.query_one("#error", Label).update("")
        worker = self.run_backup(self.app.folders, destination, self.include, force)  # type: ignore[attr-defined]
        self.start_running(worker, _("To {path}").format(path=destination))

    @work(thread=True, exclusive=True, exit_on_error=False, group="backup")
    def run_backup(self, folders: Folders, destination: Path, include: Include, force: bool) -> BackupResult:
        # The worker's own event: set when the person confirms Cancel, and by Textual when the app exits.
        cancel = get_current_worker().cancelled_event
        report = self.reporter()
        if destination.parent == folders.backups:  # made on first use, unless chosen; errors name it
            backups_folder(folders)
        else:
            ensure_folder(destination.parent, private=True)  # as the backups folder
        with Catalog(folders) as catalog:  # this thread's own connection to the catalog
            return archive.backup_company(catalog, self.company.id, destination, include=include, force=force,
                                          progress=report, cancel=cancel)

    @on(Worker.StateChanged)
    def _estimated(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "estimate":
            return
        if event.state == WorkerState.SUCCESS:
            self.estimate = worker.result
            self._show_choices()
        elif event.state == WorkerState.ERROR:
            if not self._gone():
                self.query_one("#estimate", Label).update(_("The size cannot be estimated: {reason}").format(
                    reason=formatting.error_text(worker.error)))

    def succeeded(self, result: BackupResult) -> None:
        if result.books_damage is not None:  # the backup is sound, the books are not: the way out is this backup
            self.app.notify(archive.books_damage_warning(self.company.books_path, result.books_damage, result.path),
                            severity="warning", timeout=DAMAGE_SECONDS, markup=False)
        self.dismiss(result)

    def cancelled(self) -> None:
        if self._replacing is not None:  # "no file was kept" read as if the earlier one was gone too
            self.app.notify(_("Backup cancelled; the earlier {name} is as it was.").format(
                name=quoted(self._replacing.name)), markup=False)
        else:
            self.app.notify(_("Backup cancelled; no file was kept."), markup=False)
        self.dismiss(None)

    def _gone(self) -> bool:
        """Whether the company was removed since the dialog opened (in another window): its books cannot
        be read, and its backup failed with 'There is no company with id 12'. If so, the dialog says so
        and offers nothing but closing."""
        try:
            if self.app.catalog.exists(self.company.id):  # type: ignore[attr-defined]
                return False
        except sqlite3.Error:
            return False
        self.query_one("#error", Label).update(_("{name} has been removed meanwhile, in another window: there is "
                                                 "nothing left to back up.").format(name=self.company.name))
        self.query_one("#estimate", Label).update("")
        for widget in (self.query_one("#form"), self.query_one("#start", Button)):
            widget.disabled = True
        self.query_one("#cancel", Button).focus()
        return True

    def failed(self, reason: str) -> None:
        if self._gone():
            return
        self.query_one("#error", Label).update(_("The backup failed: {reason}").format(reason=reason))
        self.validate_filename()
        self.query_one("#filename", Input).focus()

    # --- closing ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.close_or_ask()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("change_folder", "start"):
            return not self.running
        return True
