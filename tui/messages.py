"""Messages that cross from workers (threads) to screens; values only, no widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.progress import Progress


@dataclass
class BackupProgressed(Message):
    """A backup worker reports how far it got."""

    progress: Progress


@dataclass
class SampleProgressed(Message):
    """The sample-company worker reports how far it got."""

    progress: Progress
