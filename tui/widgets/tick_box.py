"""Textual's checkbox, with its mark drawn only when it is ticked, and ticked by Space alone."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.style import Style
from textual.widgets import Checkbox

from store.i18n import N_
from tui.glyphs import on_console


class TickBox(Checkbox, inherit_bindings=False):
    """Every checkbox of the app. Textual's draws its X ticked or not and tells the two apart by colour
    alone: on a terminal without colours (NO_COLOR, a plain SSH client) every box looked ticked."""

    # Space ticks; Enter is left to the dialog (start), as the README says. Textual's Enter also ticked:
    # Tab to Attachments, Enter (to start) unticked it, and the next Enter made a backup without them.
    BINDINGS = [Binding("space", "toggle_button", N_("Tick or untick"), show=False, id="tick_box.toggle")]

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "

    @property
    def _button(self) -> Content:  # Textual's (private), which draws the box: textual<9 is pinned
        """On the Linux console, [X] and [ ]. Textual's box has half-block sides (▐X▌), which no console
        font has, drawn in the box's background colour: a bracket in their place would be drawn in that
        colour too (black on black there). Here the brackets take the label's colour, the X its own."""
        if not on_console(self):
            return super()._button
        mark = self.get_visual_style("toggle--button")
        return Content.assemble("[", (self.BUTTON_INNER, Style(foreground=mark.foreground, bold=mark.bold)), "]")
