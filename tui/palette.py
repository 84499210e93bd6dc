"""Textual's command palette with all its words in the interface language.

Its prompts are given when it is opened (tui/app.py); "No matches found" is written by Textual inside a
method, as an option of the palette's list: here the list is Textual's, with that one option reworded.
"""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.app import ComposeResult
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from store.i18n import _


class _CommandList(CommandList):
    def add_option(self, option=None):  # type: ignore[no-untyped-def]  (as Textual's)
        if isinstance(option, Option) and option.id == CommandPalette._NO_MATCHES:
            option = Option(Align.center(Text(_("No matches found"), style="not bold")), disabled=True, id=option.id)
        return super().add_option(option)


class Palette(CommandPalette):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield _CommandList() if type(widget) is CommandList else widget
