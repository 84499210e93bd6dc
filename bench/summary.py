"""Benchmark: the summary of the reference company and the list of 1,000 companies.

Prints a markdown table of medians over several rounds. The reference company (200,000 transactions,
1 GB of attachments) is generated once with the sample generator and cached in bench/.cache/.
Usage: .venv/bin/python bench/summary.py [--small] [--rounds N]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from store import ledger, sample
from store.catalog import Catalog
from store.config import resolve_folders

CACHE = Path(__file__).with_name(".cache")
PRESETS = {"reference": (200_000, 1000), "small": (50_000, 250)}


def reference_company(preset: str) -> tuple[Catalog, int]:
    transactions, megabytes = PRESETS[preset]
    catalog = Catalog(resolve_folders(CACHE / preset))
    existing = catalog.companies()
    if existing:
        return catalog, existing[0].id
    print(f"generating the {preset} company ({transactions} transactions, {megabytes} MB)…", flush=True)
    spec = sample.SampleSpec(transactions=transactions, attachments_mb=megabytes, seed=1)
    started = time.perf_counter()
    info = catalog.create(preset.capitalize(), populate=lambda path: sample.populate(path, spec))
    print(f"generated in {time.perf_counter() - started:.1f} s")
    return catalog, info.id


def median_ms(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="use the 250 MB preset")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalog, company_id = reference_company("small" if args.small else "reference")

    def open_summary() -> None:
        with catalog.open_books(company_id) as books:
            ledger.summary(books)

    many = Catalog(resolve_folders(CACHE / "thousand"))
    for index in range(1000 - len(many.companies())):
        many.create(f"{sample.company_name(index)} {index}")

    rows = [("summary of the reference company (open + totals + holdings)", median_ms(open_summary, args.rounds), 300),
            ("list 1,000 companies from the catalog", median_ms(many.companies, args.rounds), 1000)]
    print(f"\nmachine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; medians of {args.rounds} rounds\n")
    print("| job | median | target | ratio to target |")
    print("| --- | ---: | ---: | ---: |")
    for job, value, target in rows:
        print(f"| {job} | {value:.0f} ms | ≤ {target} ms | {value / target:.2f} |")


if __name__ == "__main__":
    main()
