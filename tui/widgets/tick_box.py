"""Textual's checkbox, with its mark drawn only when it is ticked."""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    """Every checkbox of the app. Textual's draws its X ticked or not and tells the two apart by colour
    alone: on a terminal without colours (NO_COLOR, a plain SSH client) every box looked ticked."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "
