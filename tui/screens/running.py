"""What the backup, import and verify dialogs share: one store operation run in a thread worker.

The dialog starts the worker, shows its reports in a ``ProgressView``, asks before stopping it
(``StopGuard``) and, when the worker ends, hands the outcome to ``succeeded``, ``cancelled`` or
``failed`` (the error already put in words). ``running`` is the time it runs; the ``-running`` class
(the progress view in place of the form) lasts until its outcome is shown.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button
from textual.worker import Worker, WorkerState

from store.errors import Cancelled
from store.progress import Progress, ProgressCallback
from store.i18n import _
from tui.formatting import error_text
from tui.language import TranslatedScreen
from tui.screens.confirm import QUIT_QUESTION, ConfirmScreen, NoticeScreen
from tui.messages import Progressed
from tui.widgets.progress import ProgressView, StopGuard, throttled

ResultType = TypeVar("ResultType")


class RunningDialog(TranslatedScreen, ModalScreen[ResultType]):
    WORK_GROUP: ClassVar[str]  # the group of the operation's worker
    # Styles: modals.tcss; the dialog composes a ProgressView and a "#cancel" button.

    def __init__(self, stop_question: str, ended_meanwhile: str, failed_meanwhile: str) -> None:
        """``ended_meanwhile``, ``failed_meanwhile``: said when the work ends, or fails, while its stop
        question is asked."""
        super().__init__()
        self._ended_meanwhile, self._failed_meanwhile = ended_meanwhile, failed_meanwhile
        self._worker: Worker[Any] | None = None
        self._working = False  # from start_running until the worker's end is handled
        self._last_progress: Progress | None = None  # set by the worker's thread (reporter)
        self._stop = StopGuard(self, stop_question, yes=_("Stop"), no=_("Continue"),
                               on_stopping=lambda: self.query_one(ProgressView).say(_("Stopping…")))

    @property
    def stop_question(self) -> str:
        """What stopping the work costs, asked by Escape and by ctrl+q (tui/app.py)."""
        return self._stop.question

    @property
    def running(self) -> bool:
        return self._working

    def start_running(self, worker: Worker[Any], target: str, phase: str | None = None) -> None:
        """Show the progress of ``worker`` (just started) working on ``target``."""
        self._stop.reset()
        self._worker = worker
        self.query_one(ProgressView).start(target, phase)
        self._working = True
        self.set_class(True, "-running")
        self.query_one("#cancel", Button).focus()
        self.refresh_bindings()

    def reporter(self) -> ProgressCallback:
        """The progress callback for the worker's thread: a few reports a second, posted to this dialog.
        The last report is kept, posted or not, so that a failure shows how far the work went."""
        post = throttled(lambda progress: self.post_message(Progressed(progress)))
        self._last_progress = None

        def report(progress: Progress) -> None:
            self._last_progress = progress
            post(progress)

        return report

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        if not self._stop.stopping:
            self.query_one(ProgressView).show(message.progress)

    @on(Worker.StateChanged)
    async def _work_ended(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != self.WORK_GROUP or not worker.is_finished:
            return
        self._stop.finished()
        # What was asked over the dialog ("Stop?", ctrl+q's "Stop and quit?", the palette) is moot now:
        # closed before the dialog closes, one by one and awaited (pops left to run later took the
        # screen under the dialog with them: a blank app).
        above = self.app.screen_stack[self.app.screen_stack.index(self) + 1:] if self in self.app.screen_stack else []
        quit_asked = any(screen.id == QUIT_QUESTION for screen in above)
        asked = any(isinstance(screen, ConfirmScreen) for screen in above)
        while self.app.screen is not self and self in self.app.screen_stack:
            await self.app.pop_screen()
        self._working = False
        self.refresh_bindings()
        if quit_asked and event.state == WorkerState.SUCCESS:  # ctrl+q asked only because the work ran
            self.app.exit()
        elif asked:
            # The keys meant for the question go to a notice in its place, not to the screen behind; the
            # outcome follows once it is read (shown before, it could close the screens under it). Behind
            # the notice, the progress view says how the work ended: the form it gave way to (file name,
            # boxes, Back up) came back, as if nothing had happened (a French bookkeeper's pass).
            failed = event.state == WorkerState.ERROR and not isinstance(worker.error, Cancelled)
            view = self.query_one(ProgressView)
            view.stopped_at(self._last_progress)
            view.say(_("Failed.") if failed else _("Done."))
            notice = NoticeScreen(self._failed_meanwhile if failed else self._ended_meanwhile)
            await self.app.push_screen(notice, lambda _closed: self._outcome(event))
        else:
            self._outcome(event)

    def _outcome(self, event: Worker.StateChanged) -> None:
        self.set_class(False, "-running")  # the form again, for another try (a failure), or the dialog closes
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            self.succeeded(worker.result)
        elif isinstance(worker.error, Cancelled) or event.state == WorkerState.CANCELLED:
            self.cancelled()
        else:
            self.query_one(ProgressView).stopped_at(self._last_progress)
            self.failed(error_text(worker.error))

    def succeeded(self, result: Any) -> None:
        raise NotImplementedError

    def cancelled(self) -> None:
        self.dismiss(None)

    def failed(self, reason: str) -> None:
        raise NotImplementedError

    def close_or_ask(self, result: ResultType | None = None) -> None:
        """Escape and Cancel: close with ``result`` when idle; while running, ask whether to stop."""
        if not self.running:
            self.dismiss(result)
            return
        self._stop.ask(self._worker)
