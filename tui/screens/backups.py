"""The backups view: the .manager files of the backups folder, newest first, read from their manifests.

On a server this is where people find what the scheduled job wrote. Each file can be shown in detail,
verified (every check an import makes), imported as a new company, or deleted (after a question); the
folder shown can be changed for the session.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Label
from textual.worker import Worker, WorkerState

from store import archive
from store.archive import EXTENSION, Manifest
from store.catalog import CompanyInfo
from store.config import missing_backups_folder
from store.errors import KeepbooksError, system_reason
from store.i18n import N_, _, ngettext
from store.prune import file_identity
from tui import formatting, paths
from tui.language import TranslatedScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.folder import FolderScreen
from tui.screens.import_company import ImportScreen
from tui.screens.verify import VerifyScreen
from store.contents import contents
from tui.widgets.backup_preview import BackupPreview
from tui.widgets.button_row import ButtonRow
from tui.widgets.footer import KeysFooter
from tui.widgets.sentence import Sentence
from tui.widgets.tables import RowTable, after_keys_typed, cursor_key, keep_cursor_on, room_for_first_column


FOLDER_CHECK_SECONDS = 2.0  # how often the view looks for files added or removed by others
SHORTEST_NAME = 10  # a company's name is shortened to the room the other columns leave, not below this

@dataclass(frozen=True)
class BackupFile:
    """A .manager file of the folder: its manifest, or the reason it cannot be read."""

    path: Path
    modified: dt.datetime  # aware; orders the files that have no readable manifest
    manifest: Manifest | None
    problem: str | None
    identity: tuple[int, int, int, int]  # the file listed (see file_identity): delete only that one

    @property
    def when(self) -> dt.datetime:
        return self.manifest.created_at if self.manifest is not None else self.modified


def scan(folder: Path, known: dict[Path, BackupFile] | None = None) -> list[BackupFile]:
    """Every .manager file directly in ``folder``, newest first (only the start of each file is read).
    A file in ``known`` read before and not changed since (file_identity) is not read again: a folder of
    2,000 backups took over a second to list again after each file cron added. One that could not be
    read is (the reason may have passed: a permission, a network disk)."""
    found: list[BackupFile] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.lower().endswith(EXTENSION) or not entry.is_file():
                continue
            path = Path(entry.path)
            identity = file_identity(entry.stat(follow_symlinks=False))  # the entry Delete removes (a link)
            seen = (known or {}).get(path)
            if seen is not None and seen.identity == identity and seen.manifest is not None:  # a failure: again
                found.append(seen)
                continue
            modified = dt.datetime.fromtimestamp(entry.stat().st_mtime, dt.timezone.utc)
            try:
                found.append(BackupFile(path, modified, archive.inspect(path), None, identity))
            except KeepbooksError as exc:
                found.append(BackupFile(path, modified, None, exc.message, identity))
    return sorted(found, key=lambda item: (item.when, item.path.name), reverse=True)


class DetailsScreen(TranslatedScreen, ModalScreen[None]):
    """What one backup holds, or why it cannot be used."""

    CSS_PATH = ["modals.tcss", "backups.tcss"]
    BINDINGS = [Binding("escape", "close", N_("Close"), id="details.close")]

    def __init__(self, backup: BackupFile) -> None:
        super().__init__()
        self.backup = backup

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="details-dialog"):
            yield Label(self.backup.path.name, classes="dialog-title", markup=False)
            yield BackupPreview(id="details")
            with ButtonRow():
                yield Button(_("Close"), id="close", variant="primary")
        yield Footer(compact=True)  # its own keys: the screen's behind it showed through (n, del…)

    def on_mount(self) -> None:
        preview = self.query_one("#details", BackupPreview)
        if self.backup.manifest is not None:
            preview.show_manifest(self.backup.manifest, self.backup.path)
        else:
            preview.show_problem(self.backup.problem or "")
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class BackupsScreen(TranslatedScreen, Screen[CompanyInfo | None]):
    """Returns the company imported from here, if any (the companies list then selects it)."""

    CSS_PATH = "backups.tcss"
    AUTO_FOCUS = "#backups"
    COMMAND_TITLES = {
        "backups.details": N_("Details of the backup"),
        "backups.verify": N_("Verify the backup"),
        "backups.import": N_("Import the backup"),
        "backups.delete": N_("Delete the backup"),
        "backups.folder": N_("Change the backups folder shown"),
    }
    BINDINGS = [
        Binding("enter", "details", N_("Details"), priority=True, id="backups.details"),
        Binding("v", "verify", N_("Verify"), id="backups.verify"),
        Binding("i", "import_backup", N_("Import"), id="backups.import"),
        Binding("d,delete", "delete", N_("Delete"), key_display="d", id="backups.delete"),
        Binding("f", "change_folder", N_("Folder"), id="backups.folder"),
        Binding("r", "reload", N_("Reload"), show=False, id="backups.reload"),
        Binding("escape", "back", N_("Back"), id="backups.back"),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.backups: list[BackupFile] = []
        self._listed_stamp: int | None = None  # the folder's modification time when it was listed
        self._filled_width = -1  # the screen's width when the rows were last made

    def compose(self) -> ComposeResult:
        yield Header()
        yield Sentence("", id="folder-line")  # "1,1 Mo" kept whole (Textual breaks at no-break spaces)
        table: DataTable[str | Text] = RowTable(id="backups")
        table.add_column(_("Company"), key="company")
        table.add_column(_("Backed up"), key="when")
        table.add_column(_("Size"), key="size")
        table.add_column(_("Contents"), key="contents")
        yield table
        yield Sentence("", id="empty", classes="muted")
        # The file of the row the cursor is on: rows of one company's backups can read alike (two the
        # same day, a manual one and the nightly one, files written with -o).
        yield Label("", id="file-line", classes="muted", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.folder is None:
            self.folder = self.app.folders.backups  # type: ignore[attr-defined]
        self.reload()
        self.set_interval(FOLDER_CHECK_SECONDS, self._follow_folder)

    def _folder_stamp(self) -> int | None:
        """Changes when a file is added to, removed from or renamed in the folder."""
        try:
            return os.stat(self.folder).st_mtime_ns  # type: ignore[arg-type]
        except OSError:
            return None

    def _follow_folder(self) -> None:
        """A backup written by cron or removed from a shell shows up while the view is open."""
        if self.is_current and self._folder_stamp() != self._listed_stamp:
            self.reload()

    async def retranslate(self) -> None:
        """Redrawn in the language just chosen: the files are read again (only their manifests), since
        why a file cannot be used was put in words in the language before."""
        await self.recompose()
        self.backups = []
        self.reload()
        self.query_one("#backups", DataTable).focus()

    # --- the list ---------------------------------------------------------------------------------

    def reload(self) -> None:
        assert self.folder is not None
        self._listed_stamp = self._folder_stamp()  # before reading: a change meanwhile shows next time
        self.query_one("#folder-line", Sentence).update(_("Backups in {folder} · reading…").format(folder=self.folder))
        self.load(self.folder, {backup.path: backup for backup in self.backups})

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan")
    def load(self, folder: Path, known: dict[Path, BackupFile]) -> list[BackupFile]:
        if not folder.is_dir():
            return []
        archive.clean_leftovers(folder)  # what a backup killed there left: hidden, as large as a backup
        return scan(folder, known)

    @on(Worker.StateChanged)
    def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "scan" or not event.worker.is_finished:
            return
        if event.state == WorkerState.SUCCESS:
            self._fill(event.worker.result)  # type: ignore[arg-type]
        elif event.state == WorkerState.ERROR:
            self._fill([])
            self.query_one("#empty", Label).update(_("The folder cannot be read: {reason}").format(
                reason=formatting.error_text(event.worker.error)))

    def _fill(self, backups: list[BackupFile]) -> None:
        assert self.folder is not None
        table = self.query_one("#backups", RowTable)
        current = cursor_key(table)
        self.backups = backups
        self._filled_width = self.size.width
        table.clear_rows()
        rows = [self._other_cells(backup) for backup in backups]
        # A long company name pushed the contents ("sans pièces jointes ni courriels") out of sight; the
        # whole file name is on the line below the list.
        room = max(SHORTEST_NAME, room_for_first_column(table, rows, self.app.size.width))
        for backup, others in zip(backups, rows):
            if backup.manifest is None:  # its file's name: its end tells it from the others
                name = Text(formatting.middle_shortened(formatting.printable(backup.path.name), room), style="dim")
            else:
                name = Text(formatting.shortened(backup.manifest.company_name, room))
            table.add_row(name, *others, key=str(backup.path))
        keep_cursor_on(table, current)
        total = sum(b.manifest.file_size or 0 for b in backups if b.manifest is not None)
        line = ngettext("Backups in {folder} · {count} file, {size}", "Backups in {folder} · {count} files, {size}",
                        len(backups))
        self.query_one("#folder-line", Sentence).update(
            line.format(folder=self.folder, count=formatting.count(len(backups)), size=formatting.size(total)))
        empty = self.query_one("#empty", Label)
        if backups:
            empty.update("")
        elif paths.is_folder(self.folder):
            empty.update(_("No .manager files in this folder. Press f to look in another folder."))
        else:
            empty.update(self._missing_folder_text())
        self.set_class(not backups, "-empty")
        self._show_file()  # an emptied table highlights no row: the line would name a file gone
        self.refresh_bindings()

    def _other_cells(self, backup: BackupFile) -> list[str | Text]:
        """The row's cells after the first (its company, or its file when it cannot be used)."""
        manifest = backup.manifest
        if manifest is None:
            try:  # made again at each resize: the file may be gone since
                size = formatting.size(backup.path.stat().st_size)
            except OSError:
                size = ""
            return [formatting.local_date_time(backup.modified), Text(size, justify="right"),
                    Text(_("cannot be used"), style=f"bold {self.app.current_theme.error}")]
        return [formatting.local_date_time(manifest.created_at),
                Text(formatting.size(manifest.file_size or 0), justify="right"), contents(manifest.include)]

    def on_resize(self) -> None:
        if self._filled_width != self.size.width and self.backups:  # the room for names changed
            self._fill(self.backups)

    def selected(self) -> BackupFile | None:
        key = cursor_key(self.query_one("#backups", DataTable))
        return next((b for b in self.backups if str(b.path) == key), None)

    def _missing_folder_text(self) -> str:
        """The backups folder's own words when it is the one missing: its disk may not be mounted."""
        folders = self.app.folders  # type: ignore[attr-defined]
        missing = missing_backups_folder(folders) if self.folder == folders.backups else None
        if missing is None:
            missing = _("The folder {folder} does not exist yet.").format(folder=self.folder)
        return _("{missing} Press f to look in another folder.").format(missing=missing)

    @on(DataTable.RowHighlighted, "#backups")
    def _show_file(self) -> None:
        backup = self.selected()
        line = self.query_one("#file-line", Label)
        if backup is None:
            line.update("")
            return
        room = self.size.width - 2 - cell_len(_("File: {name}").format(name=""))  # its padding, its words
        name = formatting.middle_shortened(formatting.printable(backup.path.name), room)
        line.update(_("File: {name}").format(name=name))

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("details", "verify", "import_backup", "delete"):
            backup = self.selected() if self.is_mounted else None
            if backup is None:
                return False
        return True

    @on(DataTable.RowSelected, "#backups")
    def action_details(self) -> None:
        after_keys_typed(self, self._show_details)

    def _show_details(self) -> None:
        backup = self.selected()
        if backup is not None:
            self.app.push_screen(DetailsScreen(backup))

    @on(DataTable.RowHighlighted, "#backups")
    def _highlighted(self) -> None:
        self.refresh_bindings()

    def _unusable(self, backup: BackupFile | None) -> bool:
        """Whether ``backup`` cannot be verified or imported; if so, says why (the key did nothing)."""
        if backup is None:
            return True
        if backup.manifest is None:
            self.app.bell()
            self.notify(_("{file} cannot be used: {problem}").format(file=backup.path.name, problem=backup.problem),
                        severity="warning", markup=False)
            return True
        return False

    def action_verify(self) -> None:
        backup = self.selected()
        if not self._unusable(backup):
            self.app.push_screen(VerifyScreen(backup.path))  # type: ignore[union-attr]

    def action_import_backup(self) -> None:
        backup = self.selected()
        if self._unusable(backup):
            return
        try:  # the file as it is now: replaced or removed since it was listed, the list was out of date
            manifest = archive.inspect(backup.path)
        except KeepbooksError as exc:
            self.notify(exc.message, severity="error", markup=False)
            self.reload()
            return
        if manifest != backup.manifest:
            self.reload()
        self.app.push_screen(ImportScreen(backup.path, manifest), self._imported)

    def _imported(self, company: CompanyInfo | None) -> None:
        if company is not None:
            self.dismiss(company)

    def action_delete(self) -> None:
        backup = self.selected()
        if backup is None:
            return
        question = _("Delete the backup {file}? The file is deleted for good.").format(file=backup.path)
        self.app.push_screen(ConfirmScreen(question, yes=_("Delete"), no=_("Keep it")),
                             lambda yes: self._delete(backup) if yes else None)

    def _delete(self, backup: BackupFile) -> None:
        try:
            if file_identity(backup.path.stat(follow_symlinks=False)) != backup.identity:
                # Another backup under that name since it was listed (a backup with --force, a new one
                # after a prune): not the file the person chose.
                self.notify(_("{file} is not the backup listed any more (it was replaced): it was not deleted.")
                            .format(file=backup.path.name), severity="warning", markup=False)
                self.reload()
                return
            backup.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.notify(_("Cannot delete {file}: {reason}.").format(file=backup.path, reason=system_reason(exc)),
                        severity="error", markup=False)
            return
        self.notify(_("Deleted {file}.").format(file=backup.path.name), markup=False)
        self.reload()

    def action_change_folder(self) -> None:
        assert self.folder is not None
        self.app.push_screen(FolderScreen(self.folder, title=_("Folder of backups to show"), must_exist=True),
                             self._folder_chosen)

    def _folder_chosen(self, folder: Path | None) -> None:
        if folder is not None and folder != self.folder:
            self.folder = folder
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
