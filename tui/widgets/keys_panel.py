"""The keys panel (F1, ?): the keys of the screen first, then those of the field in use, then the app's.

Textual's panel listed the keys of the focused widget first and the screen's own last: in the backup
dialog some 45 lines of a text field's editing keys, then Close and Change folder below the panel's end
at 80x24, where no key scrolls it; on the companies list Quit and Language were below the end (a French
bookkeeper's pass). Here Textual's own keys of a text field are one note, each key is one line (the
tooltip, which wrapped over three or four, stays in the palette and the footer's hover), and every screen's
keys fit at 80x24.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterable

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, HelpPanel, Input, KeyPanel, Static
from textual.widgets._key_panel import BindingsTable

from store.i18n import _
from tui.keynames import key_name
from tui.language import translated_binding

HIDE_KEYS = "app.hide_keys"  # Escape while the panel is open (tui/app.py): not a key of the screen
FOCUS_MOVES = ("app.focus_next", "app.focus_previous")  # Tab, Shift+Tab: every screen's (Textual's Screen)
VERTICAL_SCROLLS = ("scroll_up", "scroll_down", "page_up", "page_down")  # Textual's scroll keys' actions
HORIZONTAL_SCROLLS = ("scroll_left", "scroll_right", "page_left", "page_right")


@dataclass(frozen=True)
class KeyRow:
    keys: str  # as shown: "F1 ?"
    description: str
    enabled: bool  # False: shown dimmed (the action is there, not now)


@dataclass(frozen=True)
class PanelKeys:
    screen: list[KeyRow]
    field: list[KeyRow]  # the focused widget's own keys (ours: Tab completes a path, Space ticks a box; Enter)
    app: list[KeyRow]  # the app's keys that act on this screen (in a dialog, those with priority only)
    in_text_field: bool  # the focus is in a text field: its editing keys are Textual's usual ones


def panel_keys(screen: Screen) -> PanelKeys:
    """What the keys panel lists for ``screen`` as it is now (its focus, what its actions allow)."""
    # Textual's chain of (node, bindings): the focused widget up to the screen and the app, without the
    # keys a focused text field types (n, l, ? in the companies filter). Private: Textual's Screen uses it.
    chain: list[tuple[DOMNode, BindingsMap]] = screen._binding_chain
    held = _key_holders(screen, chain)
    grouped: dict[tuple[str, int, str], list[tuple[Binding, bool]]] = {}  # (part, node, action) → its keys
    for node, bindings in chain:
        for key, binding in bindings:
            if held.get(key) != (node, binding):
                continue  # another binding acts on that key here
            shown = translated_binding(ActiveBinding(node, binding, True, binding.tooltip)).binding
            if isinstance(node, Button) and binding.action == "press":  # what it does, not "Press button"
                shown = dataclasses.replace(shown, description=node.label.plain)
            part = _part(screen, node, shown)
            if part is not None:
                enabled = bool(screen.app._check_action_state(binding.action, node))
                grouped.setdefault((part, id(node), binding.action), []).append((shown, enabled))
    parts: dict[str, list[KeyRow]] = {"screen": [], "moves": [], "field": [], "app": []}
    for (part, _node, _action), entries in grouped.items():
        keys = " ".join(dict.fromkeys(screen.app.get_key_display(binding) for binding, _enabled in entries))
        binding, enabled = entries[0]
        parts[part].append(KeyRow(keys, binding.description, enabled))
    return PanelKeys(parts["screen"] + parts["moves"], parts["field"], parts["app"], isinstance(screen.focused, Input))


def _part(screen: Screen, node: DOMNode, binding: Binding) -> str | None:
    """The part of the panel that lists ``binding`` (translated) of ``node``, or None when none does."""
    if node is screen and binding.action in FOCUS_MOVES:
        # Demoted with every screen's keys (tui/language.py), and listed where there is somewhere to go.
        return "moves" if len(screen.focus_chain) > 1 else None
    if binding.system or not binding.description:
        return None
    if node is screen:
        return "screen"
    if node is screen.app:
        return "app"
    if node is screen.focused and binding.key == "enter":
        return "field"  # Textual's Enter of the focused widget: press the button, select in the tree
    # A widget's: ours (Tab completes a path, Space ticks a box); Textual's are a text field's editing keys
    # (in_text_field) or the usual moves in a list.
    return "field" if binding.id is not None else None


def _key_holders(screen: Screen, chain: list[tuple[DOMNode, BindingsMap]]) -> dict[str, tuple[DOMNode, Binding]]:
    """For each key, the node and binding that act on it, as Textual picks them: bindings with priority
    from the app down, then the others from the focused widget up (in a dialog, up to it only)."""
    modal = next((index for index, (node, _bindings) in enumerate(chain, 1) if node.is_modal), len(chain))
    app = screen.app
    held: dict[str, tuple[DOMNode, Binding]] = {}
    for priority, nodes in ((True, list(reversed(chain))), (False, chain[:modal])):
        for node, bindings in nodes:
            for key, binding in bindings:
                if key in held or binding.priority != priority or binding.id == HIDE_KEYS:
                    continue
                if _hands_on(node, binding):
                    continue
                if app._check_action_state(binding.action, node) is not False:
                    held[key] = (node, binding)
    return held


def _hands_on(node: DOMNode, binding: Binding) -> bool:
    """Whether ``binding`` of ``node`` leaves its key to the nodes above it when run: a text field's Enter
    (it posts Input.Submitted, which its dialog takes as its own Enter), a scroll key of a widget with
    nothing to scroll that way (Textual skips it: ↓ in the companies filter goes down to the list)."""
    if isinstance(node, Input) and binding.action == "submit":
        return True
    if not isinstance(node, Widget):
        return False
    if binding.action in VERTICAL_SCROLLS:
        return not node.allow_vertical_scroll
    if binding.action in HORIZONTAL_SCROLLS:
        return not node.allow_horizontal_scroll
    if binding.action in ("scroll_home", "scroll_end"):
        return not (node.allow_vertical_scroll or node.allow_horizontal_scroll)
    return False


def _rows_table(sections: Iterable[list[KeyRow]], key_style: Style, description_style: Style) -> Table:
    """The rows, keys right-aligned before their descriptions, a blank line between two sections."""
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 0), pad_edge=False, expand=False)
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    first = True
    for rows in sections:
        if not rows:
            continue
        if not first:
            table.add_row("", "")
        first = False
        for row in rows:
            dim = Style(dim=not row.enabled)
            table.add_row(Text(row.keys, style=key_style + dim), Text(row.description, style=description_style + dim))
    return table


class KeyTable(BindingsTable):
    """The rows of the panel, in the styles of Textual's (keys bold, in the accent colour)."""

    def render_bindings_table(self) -> Table:
        keys = panel_keys(self.screen)
        return _rows_table((keys.screen, keys.field, keys.app),
                           self.get_component_rich_style("bindings-table--key"),
                           self.get_component_rich_style("bindings-table--description"))


class KeyList(KeyPanel):
    """Textual's KeyPanel (recomposed when the screen's keys change: focus, an action allowed or not)."""

    def compose(self) -> ComposeResult:
        yield KeyTable(shrink=True, expand=False)
        keys = panel_keys(self.screen)
        notes = []
        if keys.in_text_field:
            usual = ", ".join(key_name(key) for key in ("home", "end", "backspace", "delete"))
            notes.append(_("In a text field: the usual editing keys ({keys}…).").format(keys=usual))
        notes.append(_("^q means Ctrl+Q: hold Ctrl down and press Q."))
        yield Static("\n".join(notes), classes="keys-notes", markup=False)


class KeysPanel(HelpPanel):
    """Mounted by F1, ? and the palette's Keys (tui/app.py); Escape, F1 and ? close it."""

    DEFAULT_CSS = """
    KeysPanel {
        min-width: 34;
        .keys-notes {
            margin-top: 1;
            color: $text-muted;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield KeyList(id="keys-help")
