"""What every long operation of the TUI shares: its progress view, its reporter and its "Stop?" question.

The backup, import and verify dialogs run ``store`` code in a thread worker. The worker reports through
``throttled`` (a few messages a second, never a flood); the screen shows them in a ``ProgressView``
(what, phase, bar, done / total, speed, time left); Cancel goes through a ``StopGuard`` that asks first
and then only sets the worker's event, so the store's clean-up runs to its end before the dialog closes.
"""

from __future__ import annotations

import time
from typing import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.app import RenderResult
from textual.widgets import Label, ProgressBar
from textual.widgets._progress_bar import PercentageStatus
from textual.worker import Worker

from store.formats import format_percent
from store.i18n import _
from store.progress import Progress, ProgressCallback
from tui import formatting

PROGRESS_INTERVAL = 0.1  # seconds between progress messages: enough for a smooth bar, no flood
clock = time.monotonic  # the clock speed and time left are measured with (the UI thread's only)


def throttled(post: Callable[[Progress], None]) -> ProgressCallback:
    """A progress callback for a worker thread that passes on at most one report per interval (and the last)."""
    last_sent = 0.0

    def report(progress: Progress) -> None:
        nonlocal last_sent
        now = time.monotonic()
        if now - last_sent >= PROGRESS_INTERVAL or (progress.total and progress.done >= progress.total):
            last_sent = now
            post(progress)

    return report


class _Percent(PercentageStatus):
    def render(self) -> RenderResult:
        return "--%" if self.percentage is None else format_percent(self.percentage / 100, decimals=0)


class Bar(ProgressBar):
    """Textual's progress bar with its percentage written as the language writes it: 39 % in French."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield _Percent(id="percentage").data_bind(ProgressBar.percentage) if widget.id == "percentage" else widget


class ProgressView(Vertical):
    """The running part of a dialog: the file it works on, the phase, a bar and the numbers."""

    # Styles: modals.tcss ("ProgressView"), shared by every dialog that runs something.

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._phase: tuple[str, float, int] | None = None  # (phase, when its first report came, bytes done then)

    def compose(self) -> ComposeResult:
        yield Label("", id="target", classes="muted", markup=False)
        yield Label("", id="phase", markup=False)
        yield Bar(id="bar", show_eta=False)
        yield Label("", id="numbers", markup=False)

    def start(self, target: str, phase: str | None = None) -> None:
        self._phase = None
        self.query_one("#target", Label).update(target)
        self.query_one("#phase", Label).update(phase or _("Starting…"))
        self.query_one("#numbers", Label).update("")
        self.query_one("#bar", ProgressBar).update(total=None, progress=0)

    def say(self, phase: str) -> None:
        self.query_one("#phase", Label).update(phase)

    def show(self, progress: Progress) -> None:
        self.query_one("#phase", Label).update(formatting.phase_line(progress))
        self.query_one("#bar", ProgressBar).update(total=progress.total or None, progress=progress.done)
        self.query_one("#numbers", Label).update(self._numbers(progress))

    def stopped_at(self, progress: Progress | None) -> None:
        """Where the work was when it failed: the bar and the amount, no speed or time left."""
        if progress is not None:
            self.query_one("#bar", ProgressBar).update(total=progress.total or None, progress=progress.done)
            self.query_one("#numbers", Label).update(self._amount(progress))

    @staticmethod
    def _amount(progress: Progress) -> str:
        """Done, and of how much when known."""
        show = formatting.size if progress.unit == "bytes" else formatting.count
        if not progress.total:
            return show(progress.done)
        return _("{done} of {total}").format(done=show(progress.done), total=show(progress.total))

    def _numbers(self, progress: Progress) -> str:
        """Done and total and speed of the current phase (each phase counts from zero), and the time left
        when it is the last."""
        now = clock()
        if self._phase is None or self._phase[0] != progress.phase or progress.done < self._phase[2]:
            self._phase = (progress.phase, now, progress.done)
        if progress.unit != "bytes" or not progress.total:
            return self._amount(progress)
        _phase, since, done_then = self._phase
        elapsed = now - since
        parts = [self._amount(progress)]
        if elapsed > 0.25 and progress.done > done_then:
            rate = (progress.done - done_then) / elapsed
            parts.append(formatting.speed(rate))
            # Time left only for the operation's last phase (an earlier one's said "0 s left" with the
            # attachments still to do), and not once it is done.
            if progress.step == progress.steps and progress.done < progress.total:
                left = (progress.total - progress.done) / rate
                parts.append(_("{time} left").format(time=formatting.duration(left)))
        return " · ".join(parts)


class StopGuard:
    """Asks before a running worker is stopped; on "yes" sets only the worker's event.

    ``Worker.cancel()`` is not used: the thread must finish its clean-up (temporary files, staging
    folders) before the dialog closes, and it ends by raising ``Cancelled``.
    """

    def __init__(self, screen: Screen, question: str, *, yes: str, no: str,
                 on_stopping: Callable[[], None]) -> None:
        self.screen = screen
        self.question, self.yes, self.no = question, yes, no
        self.on_stopping = on_stopping
        self.stopping = False
        self._asking: Screen | None = None
        self._worker: Worker | None = None

    def reset(self) -> None:
        self.stopping = False

    def ask(self, worker: Worker | None) -> None:
        if self.stopping or self._asking is not None or worker is None:
            return
        from tui.screens.confirm import ConfirmScreen

        self._worker = worker
        self._asking = ConfirmScreen(self.question, yes=self.yes, no=self.no)
        self.screen.app.push_screen(self._asking, self._answered)

    def _answered(self, stop: bool | None) -> None:
        self._asking = None
        worker = self._worker
        if stop and worker is not None and worker.is_running:
            self.stopping = True
            worker.cancelled_event.set()
            self.on_stopping()

    def finished(self) -> None:
        """The worker ended: a "Stop?" still asked is moot (the dialog closes it, with anything above it)."""
        self._asking = None
