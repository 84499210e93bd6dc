"""Benchmark: how fast `keepbooks` answers keys while idle and while it backs up the reference company.

The real command in a pseudo-terminal (80×24, bench/tui_start.py's), driven as a person would: Enter
opens the company, b the backup dialog; keys are pressed there, first with nothing running (idle), then
after Enter has started the backup, while its progress bar moves. Each key's answer is the time from
writing its bytes to the terminal to the moment its effect is drawn: F1 opens the keys panel (its last
note drawn) and closes it again (the dialog back at its full width); every fourth key closes the panel
with Escape instead, which Textual takes for a key only after 100 ms without a following byte (ESCDELAY:
a lone ESC may begin a sequence), so it has a row of its own. The app's backup time (Enter to "Backup
complete"), with those keys and with none, is shown beside the same backup from the command line,
`keepbooks backup` (start-up of Python included, shown apart), in turn, each on a fresh copy of
bench/.cache/reference (made by bench/archive.py or bench/summary.py) in a temporary folder, the backup
written there too: the cache is never written to.
Usage: .venv/bin/python bench/tui_keys.py [--rounds 3] [--keys 12]
Prints a markdown table of medians and worst cases, and the machine.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tui_start import PYTHON, machine, start_app, stop_app

CACHE = Path(__file__).with_name(".cache") / "reference"
STEP_DEADLINE = 60.0  # seconds for one step (a screen, a key's answer, the backup) before the run is called stuck
GAP = 0.15  # seconds between an answer and the next key: a person's pace, and the frame done

F1, ESCAPE, ENTER = b"\x1bOP", b"\x1b", b"\r"
# What is drawn, and when. The markers are whole runs of one style in Textual's output (one write each).
COMPANY = b"Reference"  # its row in the companies list
SUMMARY = "Liabilities and equity".encode()  # the summary's balance sheet, figures loaded
ESTIMATE = "Estimated total before compression".encode()  # the dialog, its estimate done (idle from then)
PANEL_SHOWN = b"hold Ctrl down"  # the panel's last note ("^q means Ctrl+Q: hold Ctrl down and press Q.")
# The dialog's top edge at its full width: 68 cells at 80 columns, 44 beside the keys panel; redrawn
# whole when the panel closes (the layout changes), never while it is open.
PANEL_GONE = ("▀" * 60).encode()
PROGRESS = b"Step 1 of"  # the backup's first phase on the progress view
DONE = b"Backup complete"  # the notification's title, once the dialog has closed

JOBS = {  # the backups of each round, and how the table names them
    "keys": "in the app, keys pressed meanwhile (Enter to \"Backup complete\" drawn)",
    "quiet": "in the app, no key pressed",
    "cli": "`keepbooks backup` (the command, its start-up included)",
    "start-up": "of which start-up: `keepbooks companies`",
}
ORDER = ("keys", "quiet", "cli")  # the jobs of a round, rotated


@dataclass
class Answers:
    """Seconds from a key written to its answer drawn, by key."""
    f1: list[float] = field(default_factory=list)
    escape: list[float] = field(default_factory=list)

    def add(self, key: bytes, seconds: float) -> None:
        (self.escape if key == ESCAPE else self.f1).append(seconds)

    def extend(self, other: Answers) -> None:
        self.f1 += other.f1
        self.escape += other.escape


class Terminal:
    """The app on its pseudo-terminal: what it has drawn since the last key, keys to press, and the
    moment one marker (``watch``) was first drawn, whatever keys were pressed meanwhile."""

    def __init__(self, data: Path, backups: Path) -> None:
        self.app, self.fd, self.terminal = start_app(data, "--backup-dir", str(backups))
        self.seen = b""
        self._watched, self._watch_tail = b"", b""
        self.watched_at: float | None = None

    def close(self) -> None:
        stop_app(self.app, self.fd, self.terminal)

    def watch(self, marker: bytes) -> None:
        self._watched, self._watch_tail, self.watched_at = marker, b"", None

    def read(self, timeout: float) -> None:
        """Add what the app draws within ``timeout`` seconds to ``seen``."""
        if not select.select([self.fd], [], [], timeout)[0]:
            return
        chunk = os.read(self.fd, 1 << 16)
        self.seen += chunk
        if self._watched and self.watched_at is None:
            self._watch_tail += chunk
            if self._watched in self._watch_tail:
                self.watched_at = time.perf_counter()
            self._watch_tail = self._watch_tail[-len(self._watched):]

    def press(self, key: bytes) -> float:
        """Write ``key``, forgetting what was drawn before; the moment it was written."""
        self.seen = b""
        os.write(self.fd, key)
        return time.perf_counter()

    def wait_for(self, marker: bytes, what: str, *, unless_watched: bool = False) -> float | None:
        """The moment ``marker`` is drawn; with ``unless_watched``, None once the watched marker is drawn
        (before ``marker`` or in the same read)."""
        started = time.perf_counter()
        while time.perf_counter() - started < STEP_DEADLINE:
            self.read(0.01)
            if unless_watched and self.watched_at is not None:
                return None
            if marker in self.seen:
                return time.perf_counter()
        tail = self.seen[-300:].decode(errors="replace")
        raise RuntimeError(f"{what}: not drawn within {STEP_DEADLINE:.0f} s; last output: {tail!r}")

    def settle(self, seconds: float) -> None:
        """Read what comes for ``seconds`` (it must not pile up in the terminal)."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.read(left)


def key_cycle(count: int) -> list[tuple[bytes, bytes]]:
    """``count`` keys and the marker of each's answer: F1 opens, F1 closes, F1 opens, Escape closes…"""
    cycle = [(F1, PANEL_SHOWN), (F1, PANEL_GONE), (F1, PANEL_SHOWN), (ESCAPE, PANEL_GONE)]
    return [cycle[index % len(cycle)] for index in range(count)]


def press_keys(term: Terminal, count: int, *, until_watched: bool = False) -> Answers:
    """Press ``count`` keys (they end with the panel closed when ``count`` is even), each after the
    previous one's answer; with ``until_watched``, stop once the watched marker is drawn (the backup
    ended): answers drawn with it or after are not counted."""
    answers = Answers()
    for key, marker in key_cycle(count):
        sent = term.press(key)
        drawn = term.wait_for(marker, f"the answer to {key!r}", unless_watched=until_watched)
        if drawn is None:
            break
        answers.add(key, drawn - sent)
        term.settle(GAP)
        if until_watched and term.watched_at is not None:
            break
    return answers


def app_round(data: Path, backups: Path, keys: int) -> tuple[Answers, Answers, float]:
    """(answers idle, answers during the backup, seconds of the backup in the app)."""
    term = Terminal(data, backups)
    try:
        term.wait_for(COMPANY, "the companies list")
        term.press(ENTER)
        term.wait_for(SUMMARY, "the company's summary")
        term.settle(0.5)
        term.press(b"b")
        term.wait_for(ESTIMATE, "the backup dialog's estimate")
        term.settle(0.5)
        idle = press_keys(term, keys + keys % 2)  # ends with the panel closed: Enter goes to the dialog
        term.settle(0.5)
        term.watch(DONE)
        started = term.press(ENTER)
        term.wait_for(PROGRESS, "the backup's progress")
        busy = press_keys(term, keys, until_watched=True)
        while term.watched_at is None:
            term.wait_for(DONE, "the end of the backup")
        ended = term.watched_at
        term.settle(0.3)
    finally:
        term.close()
    return idle, busy, ended - started


def command(data: Path, backups: Path, *args: str) -> float:
    """Seconds the command line takes to run ``args`` on ``data`` (its start-up included)."""
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "tui.cli", "--data-dir", str(data), "--backup-dir", str(backups), "--lang", "en",
                    "-q", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def fresh_copy(tmp: Path) -> tuple[Path, Path]:
    """A new data folder copied from the cache, and an empty backups folder (untimed, synced)."""
    data, backups = tmp / "data", tmp / "backups"
    for folder in (data, backups):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(CACHE, data)
    backups.mkdir()
    os.sync()  # no job pays for writing back the copy
    return data, backups


def ms(values: list[float], pick: Callable[[list[float]], float] = statistics.median) -> str:
    return f"{pick(values) * 1000:.0f} ms" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", type=int, default=12, help="keys per round and condition (default 12)")
    args = parser.parse_args()
    if not (CACHE / "catalog.sqlite").is_file():
        sys.exit("bench/.cache/reference is missing: run bench/archive.py or bench/summary.py first (they make it)")
    idle, busy = Answers(), Answers()
    backup: dict[str, list[float]] = {job: [] for job in JOBS}
    with tempfile.TemporaryDirectory(prefix="keepbooks-keys-") as name:
        for index in range(args.rounds):
            for job in ORDER[index % 3:] + ORDER[:index % 3]:  # each goes first in turn
                data, backups = fresh_copy(Path(name))
                if job == "keys":
                    round_idle, round_busy, seconds = app_round(data, backups, args.keys)
                    idle.extend(round_idle)
                    busy.extend(round_busy)
                elif job == "quiet":
                    _idle, _busy, seconds = app_round(data, backups, 0)
                else:
                    backup["start-up"].append(command(data, backups, "companies"))
                    seconds = command(data, backups, "backup", "1")
                backup[job].append(seconds)
    print(f"Machine: {machine()}; {args.rounds} rounds, {args.keys} keys per round and condition; "
          f"medians and worst (slowest)\n")
    print("| condition | F1 (opens or closes the panel): median | worst | Escape (closes it): median | worst | "
          "keys answered (F1 + Escape) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for condition, answers in (("idle (backup dialog open)", idle), ("during the backup", busy)):
        print(f"| {condition} | {ms(answers.f1)} | {ms(answers.f1, max)} | {ms(answers.escape)} | "
              f"{ms(answers.escape, max)} | {len(answers.f1)} + {len(answers.escape)} |")
    print("\n| backup of the reference company (1.1 GB, every box ticked) | median | range |")
    print("| --- | ---: | ---: |")
    for job, values in backup.items():
        print(f"| {JOBS[job]} | {ms(values)} | {min(values) * 1000:.0f}–{max(values) * 1000:.0f} ms |")
    print("\nEscape includes Textual's 100 ms wait for a lone ESC (ESCDELAY). Target (PERFORMANCE.md): keys "
          "answered during a backup.")


if __name__ == "__main__":
    main()
