"""Textual's checkbox, with its mark drawn only when it is ticked, and ticked by Space alone."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Checkbox

from store.i18n import N_


class TickBox(Checkbox, inherit_bindings=False):
    """Every checkbox of the app. Textual's draws its X ticked or not and tells the two apart by colour
    alone: on a terminal without colours (NO_COLOR, a plain SSH client) every box looked ticked."""

    # Space ticks; Enter is left to the dialog (start), as the README says. Textual's Enter also ticked:
    # Tab to Attachments, Enter (to start) unticked it, and the next Enter made a backup without them.
    BINDINGS = [Binding("space", "toggle_button", N_("Tick or untick"), show=False, id="tick_box.toggle")]

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "
