"""Messages that cross from workers (threads) to screens; values only, no widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.progress import Progress


@dataclass
class Progressed(Message):
    """A backup, import or verify worker reports how far it got (one such worker per screen at a time)."""

    progress: Progress


@dataclass
class SampleProgressed(Message):
    """The sample-company worker reports how far it got."""

    progress: Progress
