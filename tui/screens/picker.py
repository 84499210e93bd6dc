"""Import a company: pick a .manager file by typing or pasting its path, or in a folder tree.

Made for a server over SSH: no desktop dialog, no mouse. The path field has focus (Tab completes, Enter
on a folder opens it in the tree, Enter on a file selects it); ↓ goes to the tree, which starts in the
backups folder and can go to the parent folder, home, or any folder typed. A selected file is described
from its manifest only (instant for any size); Enter again, or Import, goes to the import step.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Iterable

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Footer, Input, Label, Tree
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState

from store import archive
from store.archive import EXTENSION, Manifest
from store.catalog import CompanyInfo
from store.config import missing_backups_folder
from store.errors import system_reason
from store.i18n import N_, _
from tui import formatting, paths
from tui.glyphs import on_console
from tui.keynames import key_name
from tui.language import TranslatedScreen
from tui.screens.import_company import ImportScreen
from tui.widgets.backup_preview import BackupPreview
from tui.widgets.button_row import ButtonRow
from tui.widgets.path_field import PathField, listing, no_match_text
from tui.widgets.sentence import Sentence

class BackupTree(DirectoryTree):
    """A folder tree showing sub-folders and .manager files, or every file when ``show_all``."""

    BINDINGS = [Binding("backspace", "screen.parent_folder", N_("Parent folder"), show=False,
                        id="tree.parent")]

    class Loaded(Message):
        """The tree shows the content of a new folder, or of the same one filtered anew."""

    class LeftAtTop(Message):
        """↑ on the first row: the focus goes back up to what is above the tree."""

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        self.show_all = False
        super().__init__(path, id=id)
        self.show_root = False

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        """A name longer than the tree is wide loses its middle, not its end: at 80 columns two backups
        of a company made the same day read alike, "📄 Boulangerie Élise & Fils (2026-1" (a French
        bookkeeper's pass), where the end tells them apart ("(2026-11-28) bis.manager")."""
        label = super().render_label(node, base_style, style)
        # The scrollbar's room is always left: it comes with more rows, and the tree is not resized then.
        room = self.content_region.width - self.styles.scrollbar_size_vertical - self._indent(node)
        head, tail = formatting.middle_cut(label.plain, room)
        if room <= 0 or head + tail == len(label.plain):  # not laid out yet, or it fits
            return label
        ellipsis = label[head:head + 1]  # the style of what it stands for (the cursor's, on its row)
        ellipsis.plain = "…"
        return label[:head] + ellipsis + label[len(label.plain) - tail:]

    def _indent(self, node: TreeNode[DirEntry]) -> int:
        """The cells before ``node``'s label: its guides, one level for each folder it is in below the root."""
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        return depth * self.guide_depth

    def on_focus(self) -> None:
        """Its first row highlighted, coming from the path field (↓, Tab): the focus alone highlighted
        none, and a second ↓ was needed to reach the first file."""
        if self.cursor_line < 0 and self.root.children:
            self.cursor_line = 0

    def action_cursor_up(self) -> None:
        if self.cursor_line <= 0:  # back up to the path field, where ↓ came from
            self.post_message(self.LeftAtTop())
        else:
            super().action_cursor_up()

    # On the Linux console, the plain tree's triangles for folders and nothing for files: Textual's icons are
    # emoji (📁📂📄), which no console font has.
    @property  # type: ignore[override]
    def ICON_NODE(self) -> str:  # noqa: N802 (Textual's name)
        return Tree.ICON_NODE if on_console(self) else DirectoryTree.ICON_NODE

    @property  # type: ignore[override]
    def ICON_NODE_EXPANDED(self) -> str:  # noqa: N802 (Textual's name)
        return Tree.ICON_NODE_EXPANDED if on_console(self) else DirectoryTree.ICON_NODE_EXPANDED

    @property  # type: ignore[override]
    def ICON_FILE(self) -> str:  # noqa: N802 (Textual's name)
        return "  " if on_console(self) else DirectoryTree.ICON_FILE

    def filter_paths(self, paths_: Iterable[Path]) -> Iterable[Path]:
        if self.show_all:
            return paths_
        return [path for path in paths_ if not path.name.startswith(".")
                and (self._safe_is_dir(path) or path.name.lower().endswith(EXTENSION))]

    async def watch_path(self) -> None:
        await super().watch_path()
        self.post_message(self.Loaded())

    async def refilter(self, show_all: bool) -> None:
        self.show_all = show_all
        await self.reload()
        self.post_message(self.Loaded())


class PathInput(PathField):
    """The path field: Tab completes (PathField); ↓ goes down to the tree."""

    BINDINGS = [Binding("down", "screen.focus_tree", N_("To the tree"), show=False, id="path.to_tree")]


class PickerScreen(TranslatedScreen, ModalScreen[CompanyInfo | None]):
    """Returns the imported company, or None."""

    CSS_PATH = ["modals.tcss", "picker.tcss"]
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="picker.cancel"),
        Binding("ctrl+l", "parent_folder", N_("Parent folder"), id="picker.parent"),
        Binding("ctrl+g", "home_folder", N_("Home"), id="picker.home"),
        # Not in the footer: with the French key names its five keys took 82 columns, and the picker opens in
        # the backups folder already (the keys panel, F1, lists it).
        Binding("ctrl+r", "backups_folder", N_("Backups folder"), show=False, id="picker.backups"),
        Binding("ctrl+f", "toggle_all", N_("All files"), id="picker.all_files"),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.start_folder = folder
        self.folder = Path("/")
        self.selected: Path | None = None
        self.manifest: Manifest | None = None
        self.tree_loaded = asyncio.Event()  # set when the tree shows the folder asked for (tests wait on it)
        self._error_shown = False  # the path note says what was wrong with the text typed (or Tab's no match)

    def _start_folder(self) -> tuple[Path, str]:
        """The backups folder (or the folder given); the nearest existing folder above it when missing."""
        start = self.start_folder or self.app.folders.backups  # type: ignore[attr-defined]
        if paths.is_folder(start):
            return start, ""
        existing = next((p for p in start.parents if paths.is_folder(p)), Path.home())
        if self.start_folder is None:
            return existing, missing_backups_folder(self.app.folders) or ""  # type: ignore[attr-defined]
        return existing, _("The backups folder {path} does not exist yet.").format(path=start)

    def compose(self) -> ComposeResult:
        self.folder, self._start_note = self._start_folder()
        with Vertical(classes="dialog", id="picker-dialog"):
            yield Label(_("Import a company"), classes="dialog-title")
            yield PathInput(base=lambda: self.folder, placeholder=_("Type or paste the path of a .manager file"),
                            id="path", select_on_focus=False)
            yield Sentence("", id="path-note", classes="muted")
            yield Label("", id="folder", classes="muted", markup=False)
            with Horizontal(id="picker-body"):
                with Vertical(id="tree-box"):
                    yield BackupTree(self.folder, id="tree")
                    yield Label("", id="tree-empty", classes="muted", markup=False)
                yield BackupPreview(id="preview")
            with ButtonRow(id="picker-buttons"):
                yield Button(_("Import"), id="import", variant="primary", disabled=True, compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_start_hint()

    def _show_start_hint(self) -> None:
        self._show_hint()
        self._note(self._start_note)
        self._show_folder()
        self.query_one("#path", Input).focus()

    def _show_hint(self) -> None:
        self.query_one("#preview", BackupPreview).show_hint(
            _("Select a backup to see what it holds.\n\nTab completes the path; ↓ moves to the folder tree."))

    # --- the folder tree ---------------------------------------------------------------------------

    def go_to(self, folder: Path) -> None:
        if self.selected is not None and self.manifest is None:  # why a file is refused is not said elsewhere
            self._unselect(hint_only=True)
        self.folder = folder
        self.tree_loaded.clear()
        # Until the tree shows it: the tree still showed the folder before, under this one's name.
        self.query_one("#folder", Label).update(_("{folder} · reading…").format(folder=folder))
        self.query_one("#tree", BackupTree).path = folder

    def _show_folder(self) -> None:
        tree = self.query_one("#tree", BackupTree)
        shown = _("all files") if tree.show_all else _(".manager files and folders")
        self.query_one("#folder", Label).update(_("{folder} · {shown}").format(folder=self.folder, shown=shown))

    @on(BackupTree.Loaded)
    def _tree_loaded(self) -> None:
        self._show_folder()
        tree = self.query_one("#tree", BackupTree)
        empty = not tree.root.children
        note = self.query_one("#tree-empty", Label)
        if not empty:
            note.update("")
        elif paths.is_folder(self.folder) and not os.access(self.folder, os.R_OK | os.X_OK):  # it could not look
            note.update(_("Cannot open {path}: {reason}.").format(path=self.folder, reason=_("permission denied")))
        elif tree.show_all:
            note.update(_("This folder is empty."))
        else:
            note.update(_("No .manager files here. {key} shows all files.").format(key=key_name("ctrl+f")))
        self.tree_loaded.set()

    def action_parent_folder(self) -> None:
        self.go_to(self.folder.parent)

    def action_home_folder(self) -> None:
        self.go_to(Path.home())

    def action_backups_folder(self) -> None:
        backups = self.app.folders.backups  # type: ignore[attr-defined]
        if paths.is_folder(backups):
            self.go_to(backups)
        else:
            self._note(missing_backups_folder(self.app.folders) or "", error=True)  # type: ignore[attr-defined]

    def action_focus_tree(self) -> None:
        self.query_one("#tree", BackupTree).focus()

    @on(BackupTree.LeftAtTop)
    def _tree_left_at_top(self) -> None:
        self.query_one("#path", Input).focus()

    @work(exclusive=True, group="filter")
    async def action_toggle_all(self) -> None:
        tree = self.query_one("#tree", BackupTree)
        self.tree_loaded.clear()
        await tree.refilter(not tree.show_all)
        self._show_folder()

    @on(DirectoryTree.FileSelected, "#tree")
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.choose(event.path)

    # --- the path field ----------------------------------------------------------------------------

    def _note(self, text: str, *, error: bool = False) -> None:
        self._error_shown = error
        note = self.query_one("#path-note", Label)
        note.update(text)
        note.set_class(error, "error")

    @on(PathField.Listed, "#path")
    def _candidates_listed(self, event: PathField.Listed) -> None:
        note = self.query_one("#path-note", Label)
        self._note(listing(event.candidates, note.content_region.width or self.size.width))

    @on(PathField.NoMatch, "#path")
    def _no_match(self) -> None:
        self._note(no_match_text(), error=True)

    @on(Input.Changed, "#path")
    def _path_changed(self, event: Input.Changed) -> None:
        if self._error_shown:  # said of the text before this change (a French bookkeeper saw it stay there)
            self._note("")
        if self.selected is not None and paths.resolve(event.value, self.folder) != self.selected:
            self._unselect()  # else Import (or Enter on it) would import the file no longer shown

    def _unselect(self, *, hint_only: bool = False) -> None:
        """Nothing selected any more; ``hint_only``: the preview's hint back, the focus where it is."""
        self.selected = None
        self.manifest = None
        self.workers.cancel_group(self, "preview")
        self.query_one("#import", Button).disabled = True
        if hint_only:
            self._show_hint()
        else:
            self._show_start_hint()
        self._note("")

    @on(Input.Submitted, "#path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        path = paths.resolve(event.value, self.folder)
        try:
            is_dir, is_file, exists = path.is_dir(), path.is_file(), path.exists()
        except OSError as exc:  # a folder on the way this user may not enter, a name too long
            self._note(_("Cannot open {path}: {reason}.").format(path=path, reason=system_reason(exc)), error=True)
            return
        if is_dir:
            self.go_to(path)
            field = self.query_one("#path", PathInput)
            field.value = str(path).rstrip(os.sep) + os.sep
            field.show_end()
            self._note("")
        elif is_file:
            self.choose(path)
        elif exists:
            self._note(_("{path} is not a file.").format(path=path), error=True)
        else:
            self._note(_("There is no file or folder {path}.").format(path=path), error=True)

    # --- selection and preview ---------------------------------------------------------------------

    def choose(self, path: Path) -> None:
        """Select a file; choosing the selected, valid file again goes on to the import step."""
        if path == self.selected and self.manifest is not None:
            self.action_import()
            return
        self.selected = path
        self.manifest = None
        self.query_one("#import", Button).disabled = True
        field = self.query_one("#path", PathInput)
        with field.prevent(Input.Changed):
            field.value = str(path)
        field.show_end()  # the file's name, not the folders before it
        self._note(_("Enter again to import."))
        self.query_one("#preview", BackupPreview).show_hint(_("Reading {file}…").format(file=path.name))
        self.read_manifest(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def read_manifest(self, path: Path) -> Manifest:
        return archive.inspect(path)

    @on(Worker.StateChanged)
    def _preview_ready(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "preview" or not event.worker.is_finished:
            return
        preview = self.query_one("#preview", BackupPreview)
        if event.state == WorkerState.SUCCESS:
            self.manifest = event.worker.result
            # Its name in full: the tree and the path field may show only part of it.
            name = formatting.printable(self.selected.name) if self.selected is not None else None
            preview.show_manifest(self.manifest, name)  # type: ignore[arg-type]
            self.query_one("#import", Button).disabled = False
        elif event.state == WorkerState.ERROR:
            self.manifest = None
            preview.show_problem(formatting.error_text(event.worker.error))
            self._note(_("Not a backup that can be imported."), error=True)

    @on(Button.Pressed, "#import")
    def action_import(self) -> None:
        if self.selected is None or self.manifest is None:
            self.app.bell()
            return
        self.app.push_screen(ImportScreen(self.selected, self.manifest), self._imported)

    def _imported(self, company: CompanyInfo | None) -> None:
        if company is not None:
            self.dismiss(company)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
