"""Benchmark: backup, import and inspect of .manager files beside the stock tools (PERFORMANCE.md).

Generates the reference company (200,000 transactions, 1 GB of attachments) and the 250 MB preset once
with the sample generator (cached in bench/.cache/, shared with bench/summary.py), then, for each,
alternates ours and the stock tools for several rounds, every job in its own process so that its
peak RSS is its own (os.wait4). Prints a markdown table of medians, ratios and memory, and the machine.

Usage: .venv/bin/python bench/archive.py [--rounds N] [--preset small|reference ...] [--settle S ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(__file__).with_name(".cache")
PRESETS = {"reference": (200_000, 1000), "small": (50_000, 250)}  # same cache as bench/summary.py
PYTHON = sys.executable
STOCK = ["sqlite3", "zstd"]
# The machine's memory state each job meets (--settle): seconds every job waits, untimed, after the
# `sync` before it. On a VM with free page reporting (Firecracker here) memory freed for a couple of
# seconds may go back to the host, and touching it again costs about 2.5 s of system time per GB
# against 0.3-0.45 s when it is reused. Back to back (0), each job starts by deleting its previous
# output (fresh) and may reuse that memory: it favours tools writing through the page cache (the
# stock ones). At rest (3 s), whatever was freed may be gone: it favours tools that need little
# fresh memory (ours). Neither is every user's machine, so both run, and a target counts as met
# only when it is met in both.
SETTLES = (0.0, 3.0)


def company(preset: str) -> Path:
    """The books.sqlite of the preset's company, generated on first use."""
    from store import sample
    from store.catalog import Catalog
    from store.config import resolve_folders

    transactions, megabytes = PRESETS[preset]
    catalog = Catalog(resolve_folders(CACHE / preset))
    existing = catalog.companies()
    if existing:
        return catalog.get(existing[0].id).books_path
    print(f"generating the {preset} company ({transactions} transactions, {megabytes} MB)…", flush=True)
    spec = sample.SampleSpec(transactions=transactions, attachments_mb=megabytes, seed=1)
    started = time.perf_counter()
    info = catalog.create(preset.capitalize(), populate=lambda path: sample.populate(path, spec))
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
    return info.books_path


# --- one job in a child process ------------------------------------------------------------------

@dataclass
class Sample:
    seconds: float
    rss_mb: float  # peak RSS of the process (the largest of a pipeline's processes)
    system_s: float  # system CPU time of the process (the sum of a pipeline's): page faults show here
    cpu_s: float  # user + system CPU time of all its threads (the sum of a pipeline's)


def run(*commands: list[str], settle: float) -> Sample:
    """Run the commands one after the other (a stock pipeline: each step waits for the previous),
    after an untimed `sync` and ``settle`` seconds at rest; wall time of all, peak RSS of the largest,
    CPU times of all."""
    os.sync()  # untimed: no job pays for writing back what an earlier one left dirty
    time.sleep(settle)  # untimed: see SETTLES
    started = time.perf_counter()
    peak, system, cpu = 0, 0.0, 0.0
    for command in commands:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {error.strip()}")
        peak = max(peak, usage.ru_maxrss)  # kilobytes on Linux
        system += usage.ru_stime
        cpu += usage.ru_utime + usage.ru_stime
    return Sample(time.perf_counter() - started, peak / 1024, system, cpu)


def child(argv: list[str]) -> None:
    """What the child processes of ours run (``--child JOB ...``): the store API, as the CLI calls it."""
    job, *args = argv
    from store import archive

    if job == "backup":
        source, target, attachments = Path(args[0]), Path(args[1]), args[2] == "1"
        archive.backup(source, target, include=archive.Include(attachments=attachments), force=True)
    elif job == "import":
        from store.catalog import Catalog
        from store.config import resolve_folders

        archive.import_backup(Catalog(resolve_folders(Path(args[1]))), Path(args[0]))
    elif job == "inspect":
        rounds = int(args[1])
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            archive.inspect(Path(args[0]))
            times.append(time.perf_counter() - started)
        print(f"{statistics.median(times) * 1000:.2f}")
    else:
        raise SystemExit(f"unknown job {job}")


def ours(job: str, *args: str) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), "--child", job, *args]


# --- the rounds ------------------------------------------------------------------------------------

@dataclass
class Results:
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    inspect_ms: list[float] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, sample: Sample) -> None:
        self.samples.setdefault(name, []).append(sample)
        print(f"  {name}: {sample.seconds:.2f} s (CPU {sample.cpu_s:.2f} s, system {sample.system_s:.2f} s), "
              f"{sample.rss_mb:.0f} MB",
              flush=True)  # the spread

    def time(self, name: str) -> float:
        return statistics.median(s.seconds for s in self.samples[name])

    def system(self, name: str) -> float:
        return statistics.median(s.system_s for s in self.samples[name])

    def cpu(self, name: str) -> float:
        return statistics.median(s.cpu_s for s in self.samples[name])

    def rss(self, name: str) -> float:
        return max(s.rss_mb for s in self.samples[name])


def fresh(*paths: Path) -> None:
    """Remove a job's previous outputs before it runs (untimed), on both sides: the stock tools would
    truncate theirs before writing, ours replaces its own atomically at the end and so would need as
    much fresh memory again for the page cache (costly in a VM), which no user's daily backup to a new
    name pays."""
    for path in paths:
        path.unlink(missing_ok=True)


def compile_ours() -> None:
    """Write the bytecode of keepbooks' modules (untimed), as installing it does: where
    PYTHONDONTWRITEBYTECODE is set (this machine) every one of our jobs would otherwise compile them
    from source again, ~50 ms a process that no installed keepbooks pays."""
    compileall.compile_dir(ROOT / "store", quiet=1)


def warm(path: Path) -> None:
    """Read a job's input into the page cache (untimed), on both sides alike: our backup is written
    past the page cache (store/durable.py) and the stock one through it, so otherwise our import
    would read from the disk and the stock restore from memory."""
    with open(path, "rb") as fh:
        while fh.read(8 << 20):
            pass


def mode_name(settle: float) -> str:
    return "back to back" if settle == 0 else f"at rest ({settle:g} s)"


def bench(preset: str, rounds: int, work: Path, settles: tuple[float, ...]) -> dict[float, Results]:
    """{settle: results}: every round runs every job once per memory state, the states' order and
    within each the sides' order alternating from round to round."""
    db = company(preset)
    warm(db)  # else the first job of the run reads it from the disk, the others from memory
    all_results = {settle: Results() for settle in settles}
    full, lean = work / "full.manager", work / "lean.manager"
    snap, snap_zst, alone_zst = work / "snap.sqlite", work / "snap.sqlite.zst", work / "alone.zst"
    restored = work / "restored.sqlite"
    for number in range(1, rounds + 1):
        for settle in (settles if number % 2 else settles[::-1]):
            results = all_results[settle]
            results.sizes["database"] = db.stat().st_size
            print(f"{preset}: round {number}/{rounds}, {mode_name(settle)}", flush=True)
            # Alternate which side goes first, so neither always finds a cooler or warmer machine.
            jobs = [
                ("ours: full backup", lambda: (fresh(full), run(ours("backup", str(db), str(full), "1"),
                                                                settle=settle))[1]),
                ("stock: .backup + zstd -T0 -3", lambda: (fresh(snap, snap_zst), run(
                    ["sqlite3", str(db), f".backup '{snap}'"],
                    ["zstd", "-T0", "-3", "-q", "-f", str(snap), "-o", str(snap_zst)], settle=settle))[1]),
                ("stock: zstd -T0 -3 of the database", lambda: (fresh(alone_zst), run(
                    ["zstd", "-T0", "-3", "-q", "-f", str(db), "-o", str(alone_zst)], settle=settle))[1]),
                ("ours: backup without attachments", lambda: (fresh(lean), run(
                    ours("backup", str(db), str(lean), "0"), settle=settle))[1]),
            ]
            for name, job in (jobs if number % 2 else jobs[::-1]):
                results.add(name, job())
            restores = [
                ("ours: import (verify + add)", lambda: (shutil.rmtree(work / "data", ignore_errors=True),
                                                        warm(full), run(ours("import", str(full), str(work / "data")),
                                                                        settle=settle))[2]),
                ("stock: zstd -d + quick_check", lambda: (fresh(restored), warm(snap_zst), run(
                    ["zstd", "-d", "-q", "-f", str(snap_zst), "-o", str(restored)],
                    ["sqlite3", str(restored), "PRAGMA quick_check"], settle=settle))[2]),
            ]
            for name, job in (restores if number % 2 else restores[::-1]):
                results.add(name, job())
            out = subprocess.run(ours("inspect", str(full), "20"), capture_output=True, text=True, check=True)
            results.inspect_ms.append(float(out.stdout))
            results.add("ours: inspect (process)", run(ours("inspect", str(full), "1"), settle=settle))
            results.sizes["full"] = full.stat().st_size
            results.sizes["lean"] = lean.stat().st_size
            results.sizes["stock"] = snap_zst.stat().st_size
    for path in (full, lean, snap, snap_zst, alone_zst, restored):
        path.unlink(missing_ok=True)
    shutil.rmtree(work / "data", ignore_errors=True)
    return all_results


# --- the report ------------------------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024**2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import zstandard

    versions = []
    for tool in STOCK:
        out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
        versions.append(f"{tool} {out.split()[0] if tool == 'sqlite3' else out.split(',')[0].split()[-1]}")
    reporting = Path("/sys/module/page_reporting/parameters/page_reporting_order")
    if reporting.exists():
        memory += f", free page reporting (order {reporting.read_text().strip()})"
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (Python's), "
            f"python-zstandard {zstandard.__version__} (libzstd {zstandard.ZSTD_VERSION[0]}."
            f"{zstandard.ZSTD_VERSION[1]}.{zstandard.ZSTD_VERSION[2]}); stock: {', '.join(versions)}")


def verdict(oks: list[bool], columns: list[str]) -> str:
    """Met only when met in every memory state and every preset; else the columns where it was met."""
    if all(oks):
        return "met"
    met = [column for ok, column in zip(oks, columns) if ok]
    return "**missed**" + (f" (met only: {'; '.join(met)})" if met else "")


def report(all_results: dict[str, dict[float, Results]], rounds: int) -> str:
    settles = list(next(iter(all_results.values())))
    lines = [f"Machine: {machine()}", "",
             f"Medians of {rounds} alternating rounds in each memory state ("
             + ", ".join(mode_name(s) for s in settles) + ", see SETTLES in bench/archive.py); every job is its "
             "own process (start-up included), started after an untimed `sync`; each import's input is read "
             "into the page cache first, on both sides; ours fsyncs its output (durable), the stock tools do not. "
             "RSS is the process's peak (for a stock pipeline, its largest step); CPU: the user and system CPU "
             "time of all its threads; system: the system CPU time alone.", ""]
    for preset, by_mode in all_results.items():
        transactions, megabytes = PRESETS[preset]
        first = by_mode[settles[0]]
        lines += [f"### {preset}: {transactions:,} transactions, {megabytes} MB of attachments "
                  f"(database file {first.sizes['database'] / 1e6:,.0f} MB)", "",
                  "| job | " + " | ".join(f"{mode_name(s)}: median s (CPU s, system s)" for s in settles)
                  + " | peak RSS MB |", "| --- |" + " ---: |" * (len(settles) + 1)]
        for name in first.samples:
            cells = [f"{r.time(name):.2f} ({r.cpu(name):.2f}, {r.system(name):.2f})" for r in by_mode.values()]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {max(r.rss(name) for r in by_mode.values()):.0f} |")
        lines.append("| ours: inspect (work inside the process) | " + " | ".join(
            f"{statistics.median(r.inspect_ms) / 1000:.4f}" for r in by_mode.values()) + " | |")
        sizes = first.sizes
        lines += ["", f"Sizes: ours {sizes['full'] / 1e6:,.0f} MB, without attachments {sizes['lean'] / 1e6:,.1f} MB, "
                  f"stock .backup + zstd {sizes['stock'] / 1e6:,.0f} MB.", ""]
    columns = [(preset, settle) for preset in all_results for settle in settles]
    names = [f"{preset}, {mode_name(settle)}" for preset, settle in columns]
    rs = [all_results[preset][settle] for preset, settle in columns]
    lines += ["### Targets (PERFORMANCE.md)", "",
              "Ratios of the medians; in brackets, the lowest and highest of the rounds' own ratios.", "",
              "| target | " + " | ".join(names) + " | verdict |",
              "| --- |" + " ---: |" * len(columns) + " --- |"]

    def row(label: str, values: list[float], fmt: str, limit: float, strict: bool = False,
            spreads: list[str] | None = None) -> None:
        oks = [v < limit if strict else v <= limit for v in values]
        cells = [fmt.format(v) for v in values]
        if spreads:
            cells = [f"{cell} ({spread})" for cell, spread in zip(cells, spreads)]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {verdict(oks, names)} |")

    def ratio(ours: str, theirs: str, limit: float, label: str) -> None:
        """The ratio of the medians (the verdict, as PERFORMANCE.md defines it), and in brackets the
        range of the rounds' own ratios (each round's two jobs ran within seconds of each other): how
        far the host's noise moves it."""
        values, spreads = [], []
        for r in rs:
            values.append(r.time(ours) / r.time(theirs))
            rounds = [a.seconds / b.seconds for a, b in zip(r.samples[ours], r.samples[theirs])]
            spreads.append(f"{min(rounds):.2f}–{max(rounds):.2f}")
        row(label, values, "{:.2f}", limit, spreads=spreads)

    for target in SPEED_TARGETS:
        ratio(*target)
    row("inspect, ms of work (< 50, size-independent)", [statistics.median(r.inspect_ms) for r in rs], "{:.1f}", 50,
        strict=True)
    row("peak RSS of backup / import, MB (≤ 150)",
        [max(r.rss(n) for n in r.samples if n.startswith("ours: ") and "inspect" not in n) for r in rs], "{:.0f}", 150)
    if "small" in all_results and "reference" in all_results:
        for job in ("ours: full backup", "ours: import (verify + add)"):
            small = max(r.rss(job) for r in all_results["small"].values())
            big = max(r.rss(job) for r in all_results["reference"].values())
            ok = "met" if big <= 1.1 * small else "**missed**"
            lines.append(f"| {job[6:]}: RSS 1 GB ÷ RSS 250 MB (≤ 1.10) | {small:.0f} MB | {big:.0f} MB "
                         + "| " * (len(columns) - 2) + f"| {ok} ({big / small:.2f}) |")
    lines += floors(rs, names)
    return "\n".join(lines) + "\n"


SPEED_TARGETS = [  # (ours, theirs, limit, label), as PERFORMANCE.md sets them
    ("ours: full backup", "stock: .backup + zstd -T0 -3", 0.6, "full backup ÷ stock .backup + zstd (≤ 0.6)"),
    ("ours: full backup", "stock: zstd -T0 -3 of the database", 1.5, "full backup ÷ zstd alone (≤ 1.5)"),
    ("ours: backup without attachments", "ours: full backup", 0.2, "without attachments ÷ full backup (≤ 0.2)"),
    ("ours: import (verify + add)", "stock: zstd -d + quick_check", 1.5, "import ÷ zstd -d + quick_check (≤ 1.5)"),
]


def floors(rs: list[Results], names: list[str]) -> list[str]:
    """Each speed target against the fastest its job could be on this machine: its CPU time spread over
    every core without a moment idle. Where that floor is above the time the target asks for, no better
    overlap of the work can meet it here: the job has to do less work (by the share shown)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    lines = ["", f"### What {cores} cores allow", "",
             f"Each cell: floor / asked. Floor: our job's median CPU time ÷ {cores} cores, the time it would "
             "take with every core busy from start to end; asked: the time the target allows (its limit × the "
             "other job's median); met: our median is within it. Where "
             "the time asked is at or above the floor, spreading the work better over the cores can meet the "
             "target; where it is below, only doing less work can, by the share shown.",
             "", "| target | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for ours, theirs, limit, label in SPEED_TARGETS:
        cells = []
        for r in rs:
            floor, asked = r.cpu(ours) / cores, limit * r.time(theirs)
            if r.time(ours) <= asked:
                need = "met"
            else:
                need = "better overlap" if floor <= asked else f"{1 - asked / floor:.0%} less CPU"
            cells.append(f"{floor:.2f} / {asked:.2f} s: {need}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--preset", action="append", choices=list(PRESETS),
                        help="preset(s) to run (default: small and reference)")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--settle", type=float, nargs="+", default=list(SETTLES),
                        help="memory states: seconds at rest before every job, untimed "
                             f"(default {' '.join(f'{s:g}' for s in SETTLES)}: back to back and at rest)")
    args = parser.parse_args()
    missing = [tool for tool in STOCK if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"the stock tools are needed for the comparison: {', '.join(missing)} "
                         "(apt-get install sqlite3 zstd)")
    presets = args.preset or ["small", "reference"]
    for preset in presets:
        company(preset)
    compile_ours()
    results = {}
    with tempfile.TemporaryDirectory(prefix="keepbooks-bench-", dir=CACHE) as tmp:
        for preset in presets:
            results[preset] = bench(preset, args.rounds, Path(tmp), tuple(args.settle))
    table = report(results, args.rounds)
    print()
    print(table)
    if args.out:
        args.out.write_text(table)


if __name__ == "__main__":
    main()
