"""Textual's text field, with the title of its keys in the keys panel in the interface language."""

from __future__ import annotations

from textual.widgets import Input

from tui.textual_words import textual_word


class TextField(Input):
    """Every text field of the app. Textual's keys panel shows ``BINDING_GROUP_TITLE`` as it is ("Input")
    above the field's keys; read here, it follows the language, as their descriptions do."""

    @property  # type: ignore[override]
    def BINDING_GROUP_TITLE(self) -> str:  # noqa: N802 (Textual's name)
        return textual_word(Input.BINDING_GROUP_TITLE)
