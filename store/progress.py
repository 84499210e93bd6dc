"""Progress reports and cancellation, shared by every long operation in store/.

Domain code takes a ``ProgressCallback`` and a ``threading.Event``; the TUI passes its worker's and
turns each report into a message, the CLI draws a bar on stderr.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from store.errors import Cancelled
from store.i18n import _


@dataclass(frozen=True)
class Progress:
    phase: str  # a short phase name, already translated, e.g. "Compressing attachments"
    done: int
    total: int  # 0 when unknown
    unit: str = "bytes"  # "bytes" or "items"


ProgressCallback = Callable[[Progress], None]


def no_progress(_progress: Progress) -> None:
    pass


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(_("Cancelled; nothing was kept."))
