"""Benchmark: how long the TUI's summary screen takes to show its figures for the reference company.

Measured inside the real app (headless, 100×30): from the moment Enter opens the company to the moment
the statements are on screen, next to `ledger.summary` alone (the floor), alternating, several rounds.
Usage: .venv/bin/python bench/tui_summary.py [--data-dir /tmp/ref] [--rounds 5]
Prints a markdown table of medians; the target (PERFORMANCE.md) is ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from store import ledger
from store.books import Books
from store.catalog import Catalog
from store.config import resolve_folders
from tui.app import KeepbooksApp
from tui.screens.summary import SummaryScreen


async def open_summary(folders, company_id: int) -> tuple[float, float]:
    """(seconds until the figures are shown, seconds until the screen is first drawn)."""
    app = KeepbooksApp(folders)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        screen = SummaryScreen(company_id)
        await app.push_screen(screen)
        drawn = time.perf_counter() - started
        await app.workers.wait_for_complete()  # no polling: a busy loop here would slow the worker down
        await pilot.pause()
        if screen.loaded_in is None:
            raise RuntimeError("the summary did not load")
    # loaded_in is taken by the screen itself, from its creation to the figures being put on screen.
    return screen.loaded_in, drawn


def summary_alone(books_path) -> float:
    started = time.perf_counter()
    with Books(books_path) as books:
        ledger.summary(books)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="/tmp/ref")
    parser.add_argument("--company", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folders = resolve_folders(args.data_dir)
    with Catalog(folders) as catalog:
        books_path = catalog.get(args.company).books_path
    shown, drawn, alone = [], [], []
    asyncio.run(open_summary(folders, args.company))  # warm-up: page cache and imports
    for _round in range(args.rounds):
        alone.append(summary_alone(books_path))
        s, d = asyncio.run(open_summary(folders, args.company))
        shown.append(s)
        drawn.append(d)
    ms = lambda values: f"{statistics.median(values) * 1000:.0f} ms"  # noqa: E731
    print(f"| measure ({args.rounds} rounds, median) | time |")
    print("| --- | --- |")
    print(f"| ledger.summary alone | {ms(alone)} |")
    print(f"| summary screen drawn (figures loading) | {ms(drawn)} |")
    print(f"| summary screen with its figures | {ms(shown)} |")
    print(f"| ratio screen / ledger alone | {statistics.median(shown) / statistics.median(alone):.2f} |")


if __name__ == "__main__":
    main()
