"""The "new company" modal: a name and a currency, checked by the store's own rules as you type."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from store.books import check_company_name, check_currency
from store.errors import InvalidInput, KeepbooksError
from store.i18n import N_, _
from tui.language import TranslatedScreen
from tui.widgets.button_row import ButtonRow
from tui.widgets.sentence import Sentence
from tui.widgets.text_field import TextField


@dataclass(frozen=True)
class NewCompany:
    name: str
    currency: str


class NewCompanyScreen(TranslatedScreen, ModalScreen[NewCompany | None]):
    CSS_PATH = "modals.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="new_company.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="new-company"):
            yield Label(_("New company"), classes="dialog-title")
            yield Label(_("Name"), classes="field-label")
            yield TextField(placeholder=_("e.g. Boulangerie Martin"), id="name", select_on_focus=False)
            yield Sentence("", id="name-error", classes="error")
            yield Label(_("Currency"), classes="field-label")
            yield TextField("EUR", id="currency", max_length=3, select_on_focus=False)
            yield Sentence("", id="currency-error", classes="error")
            with ButtonRow():
                yield Button(_("Create"), id="create", variant="primary")
                yield Button(_("Cancel"), id="cancel")
        yield Footer(compact=True)  # its own keys: the screen's behind it showed through (n, del…)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def _check(self, *, show_empty_name: bool) -> NewCompany | None:
        name = self.query_one("#name", Input).value
        currency = self.query_one("#currency", Input).value
        name_error = self.query_one("#name-error", Label)
        currency_error = self.query_one("#currency-error", Label)
        result_name = result_currency = None
        try:
            result_name = check_company_name(name)
            name_error.update(self._taken_note(result_name))  # allowed, but said: the ids tell them apart
            name_error.set_classes("warning")
        except InvalidInput as exc:
            name_error.update(exc.message if (name or show_empty_name) else "")
            name_error.set_classes("error")
        try:
            result_currency = check_currency(currency)
            currency_error.update("")
        except InvalidInput as exc:
            currency_error.update(exc.message)
        if result_name is None or result_currency is None:
            return None
        return NewCompany(result_name, result_currency)

    def _taken_note(self, name: str) -> str:
        try:
            names = {company.name.casefold() for company in self.app.catalog.companies()}  # type: ignore[attr-defined]
        except KeepbooksError:
            return ""
        if name.casefold() not in names:
            return ""
        return _("A company named {name} already exists; both will be listed, with their ids.").format(name=name)

    @on(Input.Changed)
    def _changed(self) -> None:
        self._check(show_empty_name=False)

    @on(Input.Submitted)
    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        company = self._check(show_empty_name=True)
        if company is not None:
            self.dismiss(company)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
