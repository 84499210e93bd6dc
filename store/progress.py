"""Progress reports and cancellation, shared by every long operation in store/.

Domain code takes a ``ProgressCallback`` and a ``threading.Event``; the TUI passes its worker's and
turns each report into a message, the CLI draws a bar on stderr.
"""

from __future__ import annotations

import dataclasses
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
    step: int = 0  # the phase's place among the operation's phases, from 1 (0: an operation of one phase)
    steps: int = 0


ProgressCallback = Callable[[Progress], None]


def no_progress(_progress: Progress) -> None:
    pass


def in_steps(progress: ProgressCallback, steps: int) -> ProgressCallback:
    """``progress`` with each report numbered by its phase, in the order the phases come (the first is
    step 1 of ``steps``): a time left of one phase is not mistaken for the operation's."""
    phases: list[str] = []

    def report(reported: Progress) -> None:
        if reported.phase not in phases:
            phases.append(reported.phase)
        progress(dataclasses.replace(reported, step=phases.index(reported.phase) + 1, steps=steps))

    return report


def check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(_("Cancelled; nothing was kept."))
