"""What the lists (companies, backups) share about their DataTable."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
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

    def clear_rows(self) -> None:
        """Remove every row, and make each column as wide as its header again. Textual's clear() keeps
        the columns, and a column only ever grows to its widest cell: after a filter, a refill or a
        narrower terminal, a column kept the width of rows gone and pushed the last one out of sight
        (a French bookkeeper at 80 columns: "28/11/2026, partielle" cut to "parti")."""
        columns = [(column.label, column.key.value) for column in self.ordered_columns]
        self.clear(columns=True)
        for label, key in columns:
            self.add_column(label, key=key)


def room_for_first_column(table: DataTable, rows: Sequence[Sequence[str | Text]], width: int) -> int:
    """The cells left for the first column on ``width`` cells once the other columns are laid out as the
    table will: each as wide as its header or its widest cell in ``rows`` (each row's cells after the
    first), plus every column's padding and the scrollbar. Depends on the language (French's are wider)."""
    others = [cell_len(str(column.label)) for column in table.ordered_columns[1:]]
    for cells in rows:
        others = [max(other, cell_len(str(cell))) for other, cell in zip(others, cells)]
    padding = 2 * table.cell_padding * len(table.columns)
    return width - sum(others) - padding - table.styles.scrollbar_size_vertical


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
