"""The footer of the views (companies, backups, summary): Textual's compact one, the screen's keys first."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _width(key: FooterKey) -> int:
    """The cells ``key`` takes in a compact footer: its key, a space, its description."""
    return cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0)


class KeysFooter(Footer):
    """Textual's footer puts the palette key (^p) at its right end and cuts off the screen's keys that do
    not fit before it, without a word. Here the palette key gives its room to them: in French at 80
    columns "Suppr Supprimer" (Textual wrote "del") ends where "^p palette" would begin. ^p still opens
    the palette, which the keys panel (F1) lists with the app's other keys."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._composed_for = 0  # the width the keys were laid out for

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        palette = [widget for widget in widgets if widget.has_class("-command-palette")]
        keys = [widget for widget in widgets if isinstance(widget, FooterKey) and widget not in palette]
        needed = sum(_width(key) for key in keys) + len(keys) - 1  # a space between two keys
        width = self.size.width or self.app.size.width  # the screen's, before the first layout
        self._composed_for = width
        # The palette key: a bar before it, a space after it.
        if palette and needed > width - (_width(palette[0]) + 2):
            widgets.remove(palette[0])
        yield from widgets

    def on_resize(self, event: events.Resize) -> None:
        # The keys panel opened or closed, the terminal resized. Only for a new width: a Resize of the same
        # width follows each recompose, and recomposing again kept the app busy, its timers and the list's
        # column widths waiting (an end-to-end test, 1 run in 4 under load).
        if event.size.width != self._composed_for:
            self.refresh(recompose=True)
