"""Messages that cross from workers (threads) to screens; values only, no widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.progress import Progress


@dataclass
class Progressed(Message):
    """A worker (backup, import, verify, sample company) reports how far it got; one such worker per
    screen at a time."""

    progress: Progress
