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

    def show_end(self) -> None:
        """The cursor after the last character, and the end of the text in sight (the file's name at the
        end of a long path). Textual scrolls to the cursor when it moves, not when the text is set: the
        picker showed "…/backups/Boulangerie Élise", the name of the file chosen out of sight."""
        self.cursor_position = len(self.value)
        self.scroll_to(x=self.max_scroll_x, animate=False, force=True, immediate=True)  # force: it has no scrollbar
