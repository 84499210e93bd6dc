"""The words Textual's own widgets show: their keys' descriptions (keys panel, footer), the text fields'
group title and the command palette's prompts, marked here so that the French catalog holds them
(``make messages``). The palette's "No matches found" is ours (tui/palette.py).

They are looked up in the context ``TEXTUAL``, apart from our own messages: the same English word may
mean something else in keepbooks ("Home": the key here, the home folder in the import picker). A
description Textual adds or rewords in a later version shows in English until it is listed here.
"""

from __future__ import annotations

from store.i18n import NP_, pgettext

TEXTUAL = "Textual key"


def textual_word(text: str | None) -> str:
    """``text`` (a description Textual wrote) in the current language; empty stays empty."""
    return pgettext(TEXTUAL, text) if text else (text or "")


WORDS = (
    # the app, every screen, the command palette's prompts (its own keys are shown nowhere)
    NP_("Textual key", "palette"),
    NP_("Textual key", "Open the command palette"),
    NP_("Textual key", "Search for commands…"),
    NP_("Textual key", "Search for themes…"),
    NP_("Textual key", "Copy selected text"),
    NP_("Textual key", "Focus Next"),
    NP_("Textual key", "Focus Previous"),
    # tables, trees, buttons, checkboxes
    NP_("Textual key", "Cursor up"),
    NP_("Textual key", "Cursor down"),
    NP_("Textual key", "Cursor left"),
    NP_("Textual key", "Cursor right"),
    NP_("Textual key", "Cursor Up"),
    NP_("Textual key", "Cursor Down"),
    NP_("Textual key", "Cursor to parent"),
    NP_("Textual key", "Cursor to next ancestor"),
    NP_("Textual key", "Cursor to previous sibling"),
    NP_("Textual key", "Cursor to next sibling"),
    NP_("Textual key", "Expand or collapse all"),
    NP_("Textual key", "Page up"),
    NP_("Textual key", "Page down"),
    NP_("Textual key", "Top"),
    NP_("Textual key", "Bottom"),
    NP_("Textual key", "Home"),
    NP_("Textual key", "End"),
    NP_("Textual key", "Select"),
    NP_("Textual key", "Toggle"),
    NP_("Textual key", "Press button"),
    # scrolling
    NP_("Textual key", "Scroll Up"),
    NP_("Textual key", "Scroll Down"),
    NP_("Textual key", "Scroll Left"),
    NP_("Textual key", "Scroll Right"),
    NP_("Textual key", "Scroll Home"),
    NP_("Textual key", "Scroll End"),
    NP_("Textual key", "Page Up"),
    NP_("Textual key", "Page Down"),
    NP_("Textual key", "Page Left"),
    NP_("Textual key", "Page Right"),
    # text fields (the first: their keys' title in the keys panel, see tui/widgets/text_field.py)
    NP_("Textual key", "Input"),
    NP_("Textual key", "Move cursor left"),
    NP_("Textual key", "Move cursor left and select"),
    NP_("Textual key", "Move cursor left a word"),
    NP_("Textual key", "Move cursor left a word and select"),
    NP_("Textual key", "Move cursor right or accept the completion suggestion"),
    NP_("Textual key", "Move cursor right and select"),
    NP_("Textual key", "Move cursor right a word"),
    NP_("Textual key", "Move cursor right a word and select"),
    NP_("Textual key", "Delete character left"),
    NP_("Textual key", "Delete character right"),
    NP_("Textual key", "Delete left to start of word"),
    NP_("Textual key", "Delete right to start of word"),
    NP_("Textual key", "Delete all to the left"),
    NP_("Textual key", "Delete all to the right"),
    NP_("Textual key", "Select all"),
    NP_("Textual key", "Select line start"),
    NP_("Textual key", "Select line end"),
    NP_("Textual key", "Go to start"),
    NP_("Textual key", "Go to end"),
    NP_("Textual key", "Cut selected text"),
    NP_("Textual key", "Paste text from the clipboard"),
    NP_("Textual key", "Submit"),
)
