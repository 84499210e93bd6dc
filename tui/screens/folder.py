"""A modal to type the folder backups go to (Tab completes it); it says at once whether the folder can be used."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from store.errors import system_reason
from store.i18n import N_, _
from tui import paths
from tui.language import TranslatedScreen
from tui.widgets.button_row import ButtonRow
from tui.widgets.path_field import PathField, listing, no_match_text
from tui.widgets.sentence import Sentence


def folder_problem(text: str, *, must_exist: bool = False) -> tuple[Path | None, str]:
    """The folder typed and a note: an error (path None) or what will happen.

    ``must_exist``: a folder to read from (any existing folder will do); else one to write to."""
    if not paths.clean(text):
        return None, _("Type a folder.")
    path = paths.resolve(text, Path.cwd())  # a pasted path may come quoted or as a file:// URL
    try:
        return _folder_problem(path, must_exist)
    except OSError as exc:  # a folder on the way this user may not enter, a name too long
        return None, _("Cannot open {path}: {reason}.").format(path=path, reason=system_reason(exc))


def _folder_problem(path: Path, must_exist: bool) -> tuple[Path | None, str]:
    if path.exists() and not path.is_dir():
        return None, _("{path} is a file, not a folder.").format(path=path)
    if must_exist:
        return (path, "") if path.is_dir() else (None, _("There is no folder {path}.").format(path=path))
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            return None, _("The folder {path} is not writable.").format(path=path)
        return path, ""
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        return None, _("{path} cannot be created: {parent} is not a folder.").format(path=path, parent=parent)
    return path, _("The folder will be created.")


class FolderScreen(TranslatedScreen, ModalScreen[Path | None]):
    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="folder.cancel")]

    def __init__(self, folder: Path, *, title: str | None = None, must_exist: bool = False) -> None:
        super().__init__()
        self.folder = folder
        self.title_text = title or _("Backup folder")
        self.must_exist = must_exist

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="folder-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            # A folder that does not exist yet is an answer where the dialog makes it (review: Tab stuck there).
            yield PathField(str(self.folder), base=Path.cwd, folders_only=True, id="folder", select_on_focus=False,
                            answers=lambda text: folder_problem(text, must_exist=self.must_exist)[0] is not None)
            yield Sentence("", id="folder-note", classes="muted")
            with ButtonRow():
                yield Button(_("Use this folder"), id="use", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)  # its own keys: the screen's behind it showed through (n, del…)

    def on_mount(self) -> None:
        field = self.query_one("#folder", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._show_problem(event.value)

    def _show_problem(self, text: str) -> None:
        path, note = folder_problem(text, must_exist=self.must_exist)
        label = self.query_one("#folder-note", Label)
        label.update(note)
        label.set_class(path is None, "error")
        self.query_one("#use", Button).disabled = path is None

    @on(PathField.Listed)
    def _candidates_listed(self, event: PathField.Listed) -> None:
        if not event.candidates:
            self._show_problem(event.field.value)
            return
        label = self.query_one("#folder-note", Label)
        label.update(listing(event.candidates, label.content_region.width or self.size.width))
        label.remove_class("error")

    @on(PathField.NoMatch)
    def _no_match(self) -> None:  # the next key typed says what it said before
        label = self.query_one("#folder-note", Label)
        label.update(no_match_text())
        label.add_class("error")

    @on(Input.Submitted)
    @on(Button.Pressed, "#use")
    def _use(self) -> None:
        path, _note = folder_problem(self.query_one("#folder", Input).value, must_exist=self.must_exist)
        if path is not None:
            self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
