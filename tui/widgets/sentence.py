"""Text broken into lines at ordinary spaces only, so that French punctuation stays with its word."""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import StyleType
from rich.text import Text
from textual.geometry import Size
from textual.widgets import Label


def wrap(text: str, width: int) -> list[str]:
    """``text``'s lines at most ``width`` cells wide, broken at ASCII spaces and at its own line ends.
    No-break spaces (U+00A0 before ':' and U+202F before '?', '!', ';' in French) do not break: Rich
    breaks at any space, and "Supprimer « Acme » ?" could leave its '?' alone on a line. A word wider
    than the line is cut."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            joined = f"{line} {word}" if line else word
            if line and cell_len(joined) > width:
                lines.append(line)
                joined = word
            *full, line = chop_cells(joined, width) if cell_len(joined) > width else [joined]
            lines.extend(full)
        lines.append(line)
    return lines


def wrap_path(path: str, width: int, *, cut: bool = True) -> list[str]:
    """``path``'s lines at most ``width`` cells wide, broken after a "/" (".../keepbooks/" then "backups"),
    not inside a folder's name ("…/keepbo" then "oks/backups"); a name wider than the line is cut, or
    with ``cut`` False left whole on its line (for Rich to wrap at its spaces)."""
    width = max(1, width)
    lines, line = [], ""
    for part in _path_parts(path):
        if line and cell_len(line + part) > width:
            lines.append(line)
            line = ""
        too_wide = cut and cell_len(line + part) > width
        *full, line = chop_cells(line + part, width) if too_wide else [line + part]
        lines.extend(full)
    return [*lines, line]


def _path_parts(path: str) -> list[str]:
    """``path`` cut after each "/": the pieces ``wrap_path`` puts on a line whole when they fit."""
    return re.findall(r"[^/]*/|[^/]+", path)


def notice_path(path: str, screen_width: int) -> str:
    """``path`` for a notification (a Textual toast: 60 cells wide, at most half the screen, less its
    border and padding), on lines of its own broken after a slash (wrap_path), a file's name whole (Rich
    breaks it at its spaces). Rich folded the path inside a name ("…/.local/share/keepbo" / "oks/backups/…",
    a new user's pass at 80×24)."""
    return "\n" + "\n".join(wrap_path(path, min(60, screen_width // 2) - 4, cut=False))


class PathText:
    """A path in a Rich table's cell, broken after its slashes (wrap_path) at the cell's width, which only
    Rich knows as it draws the table: a column with overflow="fold" broke it at a space or inside a name
    (".../Harb" then "our Lights")."""

    def __init__(self, path: str, style: StyleType = "") -> None:
        self.path = path
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(part) for part in _path_parts(self.path)), default=0)
        return Measurement(min(widest, options.max_width), cell_len(self.path)).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(wrap_path(self.path, options.max_width)), style=self.style)


class Sentence(Label):
    """A label of plain text (a question, a note), wrapped by ``wrap``; set with ``update`` as any label,
    and ``content`` keeps the text whole."""

    def __init__(self, text: str = "", *, id: str | None = None,  # noqa: A002 (Textual's name)
                 classes: str | None = None) -> None:
        super().__init__(text, id=id, classes=classes, markup=False)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap(str(self.content), width))

    def render(self) -> Text:
        return Text("\n".join(wrap(str(self.content), self.content_region.width or self.size.width)))


class PathLabel(Sentence):
    """A path on as many lines as it takes, broken after its slashes (wrap_path)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap_path(str(self.content), width))

    def render(self) -> Text:
        return Text("\n".join(wrap_path(str(self.content), self.content_region.width or self.size.width)))
