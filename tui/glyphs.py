"""Console glyphs: drawing with the characters every Linux console font has.

The Linux console (TERM=linux: a server's local screen, a KVM) draws only what its font's Unicode table
holds, 256 or 512 glyphs; anything else shows as a replacement mark. Its fonts (Debian's Lat15, Uni2,
Uni3 in Fixed, Terminus and VGA) have the box-drawing lines ─│┌┐└┘╭╮╰╯, the heavy ones ┏━┓┃┗┛, █, ↑↓←→
and Latin-1, but none of the eighth blocks ▁▔▎▊▌▐ (Textual's tall, wide, outer and thick borders, its
button and checkbox edges, its scrollbars' ends), no ⭘ and no emoji. With console glyphs the app draws
with the former only: the App gets the ``-console`` class, which the style sheets use.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar, Mapping

from textual.scrollbar import ScrollBarRender
from textual.widget import Widget

CONSOLE_VARIABLE = "KEEPBOOKS_CONSOLE"
CONSOLE_CLASS = "-console"

# What TERM says about the terminal. linux, linux-16color, linux3.0…: the Linux console. vt100, vt220…:
# a serial console (systemd's serial getty says vt220, as does a BMC's serial over LAN), a real terminal
# with no Unicode at all or an emulator whose font is unknown; none promises more than line drawing.
CONSOLE_TERMS = re.compile(r"linux.*|vt\d.*")  # not vte, vte-256color: GNOME's terminals (a review)


def console_glyphs(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the app should draw with console glyphs: KEEPBOOKS_CONSOLE=1 or 0 decides, else TERM (GNU
    screen names itself after the terminal it runs in: screen.linux on the console)."""
    chosen = environ.get(CONSOLE_VARIABLE, "").strip()
    if chosen in ("0", "1"):
        return chosen == "1"
    return CONSOLE_TERMS.fullmatch(environ.get("TERM", "").rpartition(".")[2]) is not None


class WholeCellScrollBar(ScrollBarRender):
    """A scrollbar whose thumb starts and ends on whole cells: Textual's ends are eighth blocks (▂▅▆)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "]
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "]


def on_console(widget: Widget) -> bool:
    """Whether ``widget``'s app draws with console glyphs."""
    return widget.app.has_class(CONSOLE_CLASS)
