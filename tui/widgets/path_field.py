"""A text field for a path typed or pasted, where Tab completes the last part as a shell does."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textual.binding import Binding
from textual.message import Message

from store.i18n import N_, _, ngettext
from tui import formatting, paths
from tui.widgets.text_field import TextField

MAX_CANDIDATES_SHOWN = 8


def no_match_text() -> str:
    """What a screen says when Tab found nothing to complete."""
    return _("No match.")


class PathField(TextField):
    """Tab completes the path (one match: completed; several: extended to what they share, and listed
    in a ``Listed`` message for the screen to show); a Tab with nothing (more) to complete (an empty
    field, a path complete, candidates listed already) moves on, as everywhere else. A Tab on what
    nothing matches (a typo) rings the bell and posts ``NoMatch``, and the focus stays: the next
    Backspace, meant for the typo, went to the widget after. ``base``: the folder a relative path
    starts from; ``folders_only``: complete folder names only (a field that asks for a folder)."""

    BINDINGS = [Binding("tab", "complete", N_("Complete"), show=False, id="path.complete")]

    class Listed(Message):
        """The names that still match (empty: none to show any more)."""

        def __init__(self, field: PathField, text: str) -> None:
            super().__init__()
            self.field = field
            self.text = text

        @property
        def control(self) -> PathField:
            return self.field

    class NoMatch(Message):
        """Tab found nothing that starts with what was typed (or its folder cannot be read)."""

        def __init__(self, field: PathField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> PathField:
            return self.field

    def __init__(self, value: str = "", *, base: Callable[[], Path], folders_only: bool = False,
                 **kwargs) -> None:
        super().__init__(value, **kwargs)
        self.base = base
        self.folders_only = folders_only
        self._listed_for: str | None = None  # the text whose candidates are listed: a second Tab moves on

    def watch_value(self) -> None:
        self._listed_for = None

    def action_complete(self) -> None:
        if not self.value.strip():
            self.screen.focus_next()
            return
        completion = paths.complete(self.value, self.base(), folders_only=self.folders_only)
        if completion.unmatched:
            self.app.bell()
            self.post_message(self.NoMatch(self))
            return
        if completion.text != paths.clean(self.value):
            self.value = completion.text
            self.cursor_position = len(self.value)
        elif not completion.candidates or self._listed_for == self.value:
            self.screen.focus_next()
            return
        self._listed_for = self.value if completion.candidates else None
        self.post_message(self.Listed(self, _listed(completion.candidates)))


def _listed(candidates: list[str]) -> str:
    shown = candidates[:MAX_CANDIDATES_SHOWN]
    text = "  ".join(shown)
    more = len(candidates) - len(shown)
    if more > 0:
        text += "  " + ngettext("… and {count} more", "… and {count} more", more).format(
            count=formatting.count(more))
    return text
