"""A text field for a path typed or pasted, where Tab completes the last part as a shell does."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from rich.cells import cell_len
from textual.binding import Binding
from textual.message import Message

from store.i18n import N_, _, ngettext
from tui import formatting, paths
from tui.widgets.text_field import TextField

LISTED_LINES = 2  # the lines a screen gives the names Tab lists


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
        """The names that still match (empty: none to show any more); ``listing`` puts them in words."""

        def __init__(self, field: PathField, candidates: list[str]) -> None:
            super().__init__()
            self.field = field
            self.candidates = candidates

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
                 answers: Callable[[str], bool] = lambda _text: False, **kwargs) -> None:
        """``answers``: whether a path nothing matches is an answer all the same (a folder the dialog makes):
        Tab then moves on, without a word."""
        super().__init__(value, **kwargs)
        self.base = base
        self.folders_only = folders_only
        self.answers = answers
        self._listed_for: str | None = None  # the text whose candidates (or no match) were said: Tab moves on

    def watch_value(self) -> None:
        self._listed_for = None

    def action_complete(self) -> None:
        if not self.value.strip():
            self.screen.focus_next()
            return
        completion = paths.complete(self.value, self.base(), folders_only=self.folders_only)
        if completion.unmatched:
            if self._listed_for == self.value or self.answers(self.value):  # said already, or nothing to say
                self.screen.focus_next()
                return
            self._listed_for = self.value
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
        self.post_message(self.Listed(self, completion.candidates))


def listing(names: list[str], width: int, lines: int = LISTED_LINES) -> str:
    """As many of ``names`` as fit whole in ``lines`` lines of ``width`` cells, in order, then "… and N
    more" for the others: a list cut at the edge of its note hid the name wanted, and that there were more."""
    width = max(1, width)
    shown = min(len(names), lines * (width + 2) // 3)  # a name and its two spaces take 3 cells at least
    fitted = [formatting.middle_shortened(formatting.printable(name), width) for name in names[:shown]]
    while True:
        more = len(names) - shown
        tail = [ngettext("… and {count} more", "… and {count} more", more).format(
            count=formatting.count(more))] if more else []
        rows = _rows(fitted[:shown] + tail, width)
        if len(rows) <= lines or shown == 0:
            return "\n".join(rows)
        shown -= 1


def _rows(items: list[str], width: int) -> list[str]:
    """``items`` two spaces apart, a new line before one that would cross ``width``: a name is never
    broken (Sentence breaks at any ordinary space, and names hold some)."""
    rows = [""]
    for item in items:
        joined = f"{rows[-1]}  {item}" if rows[-1] else item
        if rows[-1] and cell_len(joined) > width:
            rows.append(item)
        else:
            rows[-1] = joined
    return rows
