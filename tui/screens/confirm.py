"""A yes/no question as a modal (destructive or irreversible steps ask first), and a notice to close."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer

from store.i18n import N_, _
from tui.language import TranslatedScreen
from tui.widgets.button_row import ButtonRow
from tui.widgets.sentence import Sentence


QUIT_QUESTION = "quit-question"  # the id of ctrl+q's "Stop and quit?" (tui/app.py)


class ConfirmScreen(TranslatedScreen, ModalScreen[bool]):
    """Returns True when the person confirms, False on "No" or Escape."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "answer(False)", N_("No"), id="confirm.no"),
        Binding("y", "answer(True)", N_("Yes"), show=False, id="confirm.yes"),
    ]

    def __init__(self, question: str, *, yes: str | None = None, no: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes or _("Yes")
        self.no_label = no or _("No")

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Sentence(self.question, id="confirm-question")
            with ButtonRow(id="confirm-buttons"):
                yield Button(self.yes_label, id="confirm-yes", variant="error")
                yield Button(self.no_label, id="confirm-no", variant="primary")
        yield Footer(compact=True)  # its own keys: the screen's behind it showed through (n, del…)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe answer is the default

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class NoticeScreen(TranslatedScreen, ModalScreen[None]):
    """Something to read before going on, closed by Enter or Escape. It takes the place of a question
    that became moot (the work it asked about ended): the keys meant for the question land here, not on
    the screen behind it."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "close", N_("Close"), id="notice.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Sentence(self.text, id="notice-text")
            with ButtonRow(id="confirm-buttons"):
                yield Button(_("OK"), id="notice-ok", variant="primary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#notice-ok", Button).focus()

    @on(Button.Pressed, "#notice-ok")
    def action_close(self) -> None:
        self.dismiss(None)
