"""Short phrases on one line with " · " between them, broken between phrases only."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widgets import Static

SEPARATOR = " · "


class Phrases(Static):
    """A line of phrases such as "History 2,212": Rich breaks lines at any space, the no-break spaces
    of French numbers (2 212) and units (6,6 Mo) included, and a figure cut in two reads as two
    figures. Here a line breaks only between phrases (a phrase wider than the line is cut as text is).
    ``content`` keeps the phrases on one line, as the text they make."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__("", id=id)
        self.phrases: list[str] = []

    def show(self, phrases: list[str]) -> None:
        self.phrases = phrases
        self.update(SEPARATOR.join(phrases))

    def _lines(self, width: int) -> list[str]:
        lines: list[str] = []
        for phrase in self.phrases:
            joined = f"{lines[-1]}{SEPARATOR}{phrase}" if lines else phrase
            if lines and cell_len(joined) <= width:
                lines[-1] = joined
            else:
                lines.append(phrase)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self) -> Text:
        return Text("\n".join(self._lines(self.content_region.width or self.size.width)))
