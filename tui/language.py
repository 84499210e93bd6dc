"""The interface language inside the app: key descriptions that follow it, and switching it live.

Textual reads binding descriptions and tooltips from ``Screen.active_bindings`` wherever it shows them
(footer, keys panel, our palette entries), and the ``BINDINGS`` lists are built once, at import. So the
descriptions are only marked there (``N_()``) and translated here, on the way out of ``active_bindings``
(every keepbooks binding has an id; Textual's have none and are translated in a context of their own):
a footer drawn after a switch is in the new language, and so is a screen imported while another
language was active (tests, the screenshot script).

Everything else a screen shows is translated when it is composed; after a switch the app asks every
screen on the stack to ``retranslate()`` itself (the views recompose from the data they hold). The
switch is offered on the views only, never inside a dialog, so no half-filled form is ever redrawn.
"""

from __future__ import annotations

import dataclasses

from textual.binding import ActiveBinding

from store.i18n import _
from tui.textual_words import textual_word


def translated(text: str | None) -> str:
    """``text`` in the current language; empty stays empty (gettext maps "" to the catalog's header)."""
    return _(text) if text else (text or "")


# Every screen's Tab, Shift+Tab and Copy (Textual's Screen): the keys panel (F1) leaves them out, or at
# 80x24 they took the room of the screen's own keys (a French bookkeeper's pass), below the panel's end.
EVERYWHERE = {"app.focus_next", "app.focus_previous", "screen.copy_text"}


def translated_binding(active: ActiveBinding) -> ActiveBinding:
    """Ours (every keepbooks binding has an id) and Textual's own ("Cursor up", "palette": no id; in
    their own context, see tui/textual_words.py) in the current language."""
    binding = active.binding
    translate = translated if binding.id is not None else textual_word
    binding = dataclasses.replace(binding, description=translate(binding.description),
                                  tooltip=translate(binding.tooltip),
                                  system=binding.system or binding.action in EVERYWHERE)
    return ActiveBinding(active.node, binding, active.enabled, translate(active.tooltip))


class TranslatedScreen:
    """Mixed into every screen of the app, before Textual's ``Screen`` or ``ModalScreen``."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        return {key: translated_binding(binding) for key, binding in active.items()}

    async def retranslate(self) -> None:
        """Show this screen in the language just chosen. The views redraw their content; a dialog
        (never open during a switch) would only update its keys."""
        self.refresh_bindings()  # type: ignore[attr-defined]
