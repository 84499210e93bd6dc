"""The keepbooks Textual app: the shell (header, footer, palette, themes) around the screens."""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store.catalog import Catalog
from store.config import Folders
from store.i18n import _
from tui.commands import ScreenActions


class KeepbooksApp(App[None]):
    """Opens on the companies list. ``today`` can be fixed (tests, screenshots) so dates are stable."""

    CSS_PATH = "app.tcss"
    TITLE = "keepbooks"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding("ctrl+q", "quit", _("Quit"), priority=True, id="app.quit"),
    ]

    def __init__(self, folders: Folders, *, today: Callable[[], dt.date] | None = None) -> None:
        super().__init__()
        self.folders = folders
        self.today: Callable[[], dt.date] = today or dt.date.today
        self.catalog = Catalog(folders)  # raises a StorageError with a message for people
        self.sub_title = str(folders.data)

    def on_mount(self) -> None:
        from tui.screens.companies import CompaniesScreen

        # Pushed rather than returned by get_default_screen: Textual loads a screen's CSS_PATH on push.
        self.push_screen(CompaniesScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own entries, with our words (translated) for the ones people use.
        yield SystemCommand(_("Theme"), _("Change the colours of the app"), self.action_change_theme)
        yield SystemCommand(_("Keys"), _("Show the keys of this screen"), self.action_show_help_panel)
        yield SystemCommand(_("Screenshot"), _("Save an SVG screenshot of this screen"),
                            lambda: self.set_timer(0.1, self.deliver_screenshot))

    def on_unmount(self) -> None:
        self.catalog.close()
