"""Benchmark: how long `keepbooks` takes to show its first frame with 1,000 companies, as a person sees it.

The real command in a pseudo-terminal (80×24): from the moment the process is started to the moment a
company's name has been drawn, start-up of Python and Textual included, next to `python -c pass` (the
floor no Python program gets under) and `import tui.app` (what loading the app costs). Each round
starts from a fresh copy of the 1,000 companies' data folder (bench/.cache/thousand, made by
bench/summary.py). Usage: .venv/bin/python bench/tui_start.py [--rounds 7]
Prints a markdown table of medians; the target (PERFORMANCE.md) is a first frame within 1 s.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

CACHE = Path(__file__).with_name(".cache") / "thousand"
PYTHON = sys.executable
DEADLINE = 30.0


def start_app(data: Path, *options: str) -> tuple[subprocess.Popen, int, int]:
    """The real `keepbooks` on ``data`` in English on a fresh 80×24 pseudo-terminal, its home in
    ``data``'s parent: (the process, the terminal's side we read and write, the app's side)."""
    main_fd, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "HOME": str(data.parent)}
    app = subprocess.Popen([PYTHON, "-m", "tui.cli", "--data-dir", str(data), "--lang", "en", *options],
                           stdin=terminal, stdout=terminal, stderr=terminal, env=env)
    return app, main_fd, terminal


def stop_app(app: subprocess.Popen, main_fd: int, terminal: int) -> None:
    """SIGTERM (the app closes as on ctrl+q), its output drained until it has ended, the terminal closed."""
    app.send_signal(signal.SIGTERM)
    while app.poll() is None:  # drained while it closes, or it would block on a full terminal
        if select.select([main_fd], [], [], 0.05)[0]:
            os.read(main_fd, 1 << 16)
    os.close(main_fd)
    os.close(terminal)


def machine() -> str:
    """The machine, as the tables of the TUI's benchmarks name it."""
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
            f"Python {platform.python_version()}; {platform.system()} {platform.release()}")


def first_frame(data: Path, marker: bytes) -> float:
    """Seconds from starting the app to ``marker`` (a company's name) drawn on its terminal."""
    started = time.perf_counter()
    app, main_fd, terminal = start_app(data)
    drawn, seen = None, b""
    try:
        while time.perf_counter() - started < DEADLINE:
            if select.select([main_fd], [], [], 0.01)[0]:
                seen += os.read(main_fd, 1 << 16)
                if marker in seen:
                    drawn = time.perf_counter() - started
                    break
    finally:
        stop_app(app, main_fd, terminal)
    if drawn is None:
        raise RuntimeError("the list was not drawn within 30 s")
    return drawn


def process(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, *args], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not (CACHE / "catalog.sqlite").is_file():
        sys.exit("bench/.cache/thousand is missing: run bench/summary.py first (it makes it)")
    samples: dict[str, list[float]] = {"python -c pass": [], "python -c 'import tui.app'": [],
                                       "keepbooks: first frame with 1,000 companies": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            data = Path(tmp) / "data"
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(CACHE, data)
            samples["python -c pass"].append(process(["-c", "pass"]))
            samples["python -c 'import tui.app'"].append(process(["-c", "import tui.app"]))
            # The list opens on the first company in name order, at the top of the screen.
            samples["keepbooks: first frame with 1,000 companies"].append(first_frame(data, b"Atelier Lef"))
    print(f"Machine: {machine()}; {args.rounds} rounds, medians (min–max)\n")
    print("| measure | median | range |\n| --- | ---: | ---: |")
    for name, values in samples.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} ms | "
              f"{min(values) * 1000:.0f}–{max(values) * 1000:.0f} ms |")
    print("\nTarget: the first frame with 1,000 companies within 1 s (≤ 1,000 ms).")


if __name__ == "__main__":
    main()
