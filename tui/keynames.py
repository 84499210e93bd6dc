"""Key names as the interface shows them (footer, keys panel, messages), in the interface language.

Textual names keys in English ("del", "esc", "pgup", "shift+home"): a French bookkeeper read "del Supprimer"
and "esc Retour" in an otherwise French footer. The names are Textual's, looked up in the context ``KEY``
of the catalog, where French has its own (Suppr, Échap, PgPréc). Ctrl stays "^", as Textual and nano write
it, in both languages: "Ctrl+" pushed keys off four French footers at 80 columns (the keys panel says what
"^" means).
"""

from __future__ import annotations

from textual.keys import format_key

from store.i18n import NP_, pgettext
from tui.glyphs import console_glyphs

KEY = "Key name"

# Textual's key → its name, as Textual writes it (the English shown so far, unchanged).
NAMES = {
    "escape": NP_("Key name", "esc"),
    "delete": NP_("Key name", "del"),
    "home": NP_("Key name", "home"),
    "end": NP_("Key name", "end"),
    "pageup": NP_("Key name", "pgup"),
    "pagedown": NP_("Key name", "pgdn"),
    "space": NP_("Key name", "space"),
    "tab": NP_("Key name", "tab"),
}
# Drawn as a symbol where the terminal has it, said in a word where it has not (see can_draw_symbols).
SYMBOLS = {"enter": "⏎", "backspace": "⌫"}
WORDS = {"enter": NP_("Key name", "enter"), "backspace": NP_("Key name", "backspace")}
MODIFIERS = {"shift": NP_("Key name", "shift+{key}"), "alt": NP_("Key name", "alt+{key}")}


def can_draw_symbols() -> bool:
    """Whether the terminal can draw ⏎ and ⌫: the Linux console cannot, its fonts hold little more than
    Latin letters, lines and arrows. As the app's console mode decides it (tui/glyphs.py)."""
    return not console_glyphs()


def key_name(key: str) -> str:
    """``key`` ("ctrl+o", "shift+tab", "delete", "f1"), as the interface shows it: "^o", "Maj+Tab", "Suppr",
    "F1" in French."""
    *modifiers, base = key.split("+")
    if base in NAMES:
        name = pgettext(KEY, NAMES[base])
    elif base in SYMBOLS:
        name = SYMBOLS[base] if can_draw_symbols() else pgettext(KEY, WORDS[base])
    elif len(base) > 1 and base[0] == "f" and base[1:].isdigit():
        name = base.upper()  # the function keys, as written on them
    else:
        name = format_key(base)  # a letter, an arrow, "?" for question_mark
    for modifier in reversed(modifiers):
        if modifier == "ctrl":
            name = f"^{name}"
        elif modifier in MODIFIERS:
            name = pgettext(KEY, MODIFIERS[modifier]).format(key=name)
        else:
            name = f"{modifier}+{name}"
    return name
