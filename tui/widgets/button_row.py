"""The row of buttons at the foot of a dialog."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button

from store.i18n import N_


class ButtonRow(Horizontal):
    """A dialog's buttons: ← and → move between them (round the row), as Tab and Shift+Tab do."""

    DEFAULT_CLASSES = "dialog-buttons"
    BINDINGS = [
        Binding("left", "move(-1)", N_("Previous button"), show=False, id="buttons.previous"),
        Binding("right", "move(1)", N_("Next button"), show=False, id="buttons.next"),
    ]

    def action_move(self, step: int) -> None:
        buttons = [button for button in self.query(Button) if button.focusable]
        if self.screen.focused in buttons:
            buttons[(buttons.index(self.screen.focused) + step) % len(buttons)].focus()
