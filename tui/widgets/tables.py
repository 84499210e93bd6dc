"""What the lists (companies, backups) share about their DataTable."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable


def _as_system(own: list[Binding], widget: type) -> list[Binding]:
    """``own`` bindings, then those of ``widget`` and its bases for the other keys (the most derived one
    for each key, as Textual takes them), all as system bindings: the keys panel (F1) leaves them out. A
    French bookkeeper's pass: at 80x24 the panel began with eleven of the table's moves, and the screen's
    own keys were below its end, where no key scrolls."""
    bindings: dict[str, Binding] = {}
    for binding in [*own, *(b for cls in widget.__mro__ for b in vars(cls).get("BINDINGS", []))]:
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                bindings.setdefault(key.strip(), replace(binding, key=key.strip(), system=True))
    return list(bindings.values())


class RowTable(DataTable):
    """The lists' table: one row at a time, and Home / End go to the first / last row (in Textual's
    table they scroll sideways, which a list of rows never needs)."""

    BINDINGS = _as_system([
        Binding("home", "scroll_top", "Top", show=False),
        Binding("end", "scroll_bottom", "Bottom", show=False),
    ], DataTable)

    def __init__(self, *, id: str) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None when the table is empty."""
    if not table.row_count or table.cursor_row < 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def keep_cursor_on(table: DataTable, key: str | None) -> None:
    """Put the cursor back on the row ``key`` after a refill, when that row is still there."""
    if key is not None and key in table.rows:
        table.move_cursor(row=table.get_row_index(key))


def after_keys_typed(screen: Screen, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the keys typed before the one that asks for it are handled. A priority
    binding's action (Enter: open the row) runs as its key arrives, ahead of keys still on their way:
    over SSH keys come in bursts, and "Down Enter" opened the row the cursor was on before Down. A key
    goes to the focused widget, then up to the screen and to the app, whose bindings act on it (Down
    moves the cursor there): ``callback`` follows the same way, one queue after the other. Only while
    ``screen`` is still on top: a second Enter in the same burst opened the same summary twice."""
    app = screen.app

    def if_still_on_top() -> None:
        if screen.is_active:  # the top of the stack (is_current also counts a screen shown under another)
            callback()

    (screen.focused or screen).call_later(screen.call_later, app.call_later, if_still_on_top)
