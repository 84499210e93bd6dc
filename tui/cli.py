"""The keepbooks command line: the same operations as the TUI, for shells, scripts and cron.

Contract (ARCHITECTURE.md): exit 0 on success, 1 when the operation failed, 2 on a usage error,
130 when interrupted, 128 + the signal when stopped by SIGTERM (143) or SIGHUP (129). Errors are one
clear line on stderr; progress goes to stderr only on a terminal.
textual is imported only when the TUI is opened, so commands start fast.
"""

from __future__ import annotations

import argparse
import codecs
import functools
import io
import json
import os
import signal
import sys
import threading
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from store import __version__
from store.catalog import Catalog, has_company_folders, restored_message
from store.config import Folders, existing_folder, other_owner, resolve_folders
from store.contents import left_out_words
from store.errors import Cancelled, KeepbooksError, StorageError, refused_path, system_reason
from store.formats import escaped, format_datetime, format_number, format_path, format_size, local_time
from store.i18n import (LANGUAGES, _, current_language, detect_language, imposed_language, ngettext,
                        print_plainer_for, set_language)
from store.preferences import load_preferences
from store.progress import Progress, ProgressCallback
from tui.signals import stop_signals

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A command was called with arguments that do not fit: exit code 2."""


# --- progress on stderr ---------------------------------------------------------------------------

@functools.cache
def _english_messages(language: str) -> dict[str, str]:
    """translated text -> English message of the active catalog, so that JSON phases never change with
    --lang (store reports phases already translated)."""
    from store.i18n import load_translations

    catalog = getattr(load_translations(language), "_catalog", {})
    return {text: msgid for msgid, text in catalog.items() if isinstance(msgid, str) and isinstance(text, str)}


def english(text: str) -> str:
    return _english_messages(current_language()).get(text, text)


def typed_name(text: str) -> str:
    """A company name as typed: under a locale that is not UTF-8 (LANG=en_US.ASCII, a bare LANG=fr_FR
    on Debian is Latin-1) Python holds the UTF-8 bytes of "Café" as escapes ("Caf\\udcc3\\udca9") and
    the name matched nothing (SQLite refused it: "internal error"). Paths keep their bytes as they are."""
    try:
        return os.fsencode(text).decode("utf-8")
    except (UnicodeError, ValueError):
        return text


def as_json(value: Any, indent: int | None = None) -> str:
    """JSON in ASCII (names as \\u escapes): valid whatever the locale's encoding (a Latin-1 or ASCII
    locale turned é into an invalid escape), and a file name that is not UTF-8 keeps its odd bytes."""
    return json.dumps(value, indent=indent)


class Reporter:
    """Where progress goes: nowhere (the base), a Rich bar on a terminal, or JSON lines on stderr.

    ``for_company(name)`` gives the callback a store operation reports to; ``end_company`` drops its line."""

    def for_company(self, company: str | None, company_id: int | None = None) -> ProgressCallback:
        return lambda _progress: None

    def end_company(self, company: str | None, company_id: int | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JsonReporter(Reporter):
    """One JSON object per line on stderr: the first and last report of each phase, and one per
    percent in between (or every half second when the total is unknown)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO | None = stream or sys.stderr
        self._last: dict[int | None, tuple[str, int, float]] = {}  # company id -> phase, done, time

    def for_company(self, company: str | None, company_id: int | None = None) -> ProgressCallback:
        def report(progress: Progress) -> None:
            now = time.monotonic()
            phase, done, when = self._last.get(company_id, ("", -1, 0.0))
            due = (progress.phase != phase or progress.done >= progress.total > 0
                   or (progress.total and (progress.done - done) * 100 >= progress.total)
                   or (not progress.total and now - when >= 0.5))
            if not due or (progress.phase == phase and progress.done == done):
                return
            self._last[company_id] = (progress.phase, progress.done, now)
            event = {"event": "progress", "company": company, "company_id": company_id,
                     "phase": english(progress.phase),
                     "label": progress.phase, "done": progress.done, "total": progress.total,
                     "unit": progress.unit, "step": progress.step, "steps": progress.steps}
            if self.stream is None:
                return
            try:
                self.stream.write(as_json(event) + "\n")
                self.stream.flush()
            except OSError:  # whoever read the progress has gone (a closed pipe): the backup goes on
                self.stream = None
        return report

    def end_company(self, company: str | None, company_id: int | None = None) -> None:
        self._last.pop(company_id, None)  # the next company under the same key starts its phases afresh


class BarReporter(Reporter):
    """A Rich progress bar on stderr (a terminal): one line per company at work, gone when it ends.
    Rich is imported here only, so runs without a terminal never pay for it."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Display

        self._display = Display(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                TextColumn("{task.fields[amount]}"), TimeRemainingColumn(),
                                console=Console(file=sys.stderr), transient=True,
                                redirect_stdout=sys.stdout is not None and sys.stdout.isatty(), redirect_stderr=True)
        self._tasks: dict[int | None, tuple[str, object]] = {}  # company id -> phase, task
        self._display.start()

    @staticmethod
    def _amount(progress: Progress) -> str:
        if progress.unit == "bytes":
            done = format_size(progress.done)
            return f"{done} / {format_size(progress.total)}" if progress.total else done
        done = format_number(progress.done)
        return f"{done} / {format_number(progress.total)}" if progress.total else done

    def for_company(self, company: str | None, company_id: int | None = None) -> ProgressCallback:
        from tui.formatting import phase_line  # with Rich, as the bar: not where no bar is drawn

        def report(progress: Progress) -> None:
            phase, task = self._tasks.get(company_id, ("", None))
            if progress.phase != phase:  # a new phase starts a new bar: its speed and time left restart
                if task is not None:
                    self._display.remove_task(task)
                label = f"{company} · {phase_line(progress)}" if company else phase_line(progress)
                task = self._display.add_task(label, total=progress.total or None, amount="")
                self._tasks[company_id] = (progress.phase, task)
                self._display.update(task, completed=progress.done, amount=self._amount(progress), refresh=True)
                return  # drawn at once: a short phase is seen, not skipped by the timed refresh
            self._display.update(task, completed=progress.done, total=progress.total or None,
                                 amount=self._amount(progress))
        return report

    def end_company(self, company: str | None, company_id: int | None = None) -> None:
        _phase, task = self._tasks.pop(company_id, ("", None))
        if task is not None:
            self._display.remove_task(task)

    def close(self) -> None:
        try:
            self._display.stop()
        except OSError:
            pass  # the terminal is gone (a hang-up): whatever ended the work is what matters


def reporter(args: argparse.Namespace) -> Reporter:
    """--progress json: JSON lines; --quiet or --progress none: nothing; else a bar when stderr is a terminal."""
    mode = getattr(args, "progress", "auto")
    if mode == "json":
        return JsonReporter()
    if mode == "none" or getattr(args, "quiet", False) or not sys.stderr.isatty():
        return Reporter()
    return BarReporter()


class OutputError(Exception):
    """Standard output cannot be written to: a full disk (> /dev/full), or closed (>&-)."""


def _closed_stdout() -> OutputError:
    return OutputError(_("cannot write to standard output: it is closed"))


def out(text: str) -> None:
    """A line on stdout, written at once: one that cannot be written is an OutputError, said on stderr
    (it was "internal error: OSError(28, …)" after a backup was made, and a closed stdout lost the
    output with exit 0). A reader that stopped reading stays a BrokenPipeError (see main)."""
    if sys.stdout is None:  # started with stdout closed: Python's print would drop the text without a word
        raise _closed_stdout()
    try:
        print(text, flush=True)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(_("cannot write to standard output: {reason}").format(reason=system_reason(exc))) from exc


def _stdout_to_devnull() -> None:
    """Send what is left in stdout's buffer nowhere: flushed again at exit, it would fail again, with a
    traceback. (Nothing to do when there is no stdout, or it is no file: in tests.)"""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass


_lost_report: OutputError | None = None  # the first report line stdout could not take (see say)


def say(args: argparse.Namespace, text: str) -> None:
    """A line of the normal report on stdout; --quiet leaves it out. One stdout cannot take does not stop
    the work: `backup --all > /dev/full` backed up the first company only (a review); main says it at the
    end, and the exit status is 1."""
    global _lost_report
    if getattr(args, "quiet", False):
        return
    try:
        out(text)
    except OutputError as exc:
        _lost_report = _lost_report or exc


# --progress json: every line on stderr is a JSON object, the messages among the progress too (a script
# reading them line by line met "keepbooks: Beta (#2) failed: …" between two objects).
_json_stderr = False


def warn(text: str, event: str = "message", **fields: object) -> None:
    """A line on stderr (``{"event": "message", "message": …}`` under --progress json, with ``fields``);
    none when stderr is gone (the SSH session that started the command closed). One line: a path with a
    line break in it (-o $'new\\nline') is shown with the break escaped."""
    line = (as_json({"event": event, "message": text, **fields}) if _json_stderr
            else f"keepbooks: {escaped(text)}")
    try:
        print(line, file=sys.stderr)
    except OSError:
        pass


def open_catalog(folders: Folders) -> Catalog:
    """The catalog, opened for writing; a line on stderr for each company it added back to the list (found in
    its folder without a row: the catalog lost, a crash) and each unlisted folder it moved to the trash."""
    catalog = Catalog(folders)
    for info in catalog.restored:
        warn(restored_message(info), company=info.name, company_id=info.id, folder=str(info.folder))
    for item in catalog.set_aside:
        warn(item.message, folder=str(item.folder), moved_to=str(item.moved_to))
    return catalog


# --- commands ------------------------------------------------------------------------------------

def _last_backup(company) -> str:
    if not company.last_backup_at:
        return _("never")
    when = format_datetime(company.last_backup_at)
    text = f"{when} ({format_size(company.last_backup_size)})" if company.last_backup_size is not None else when
    if company.last_backup_left_out:  # "without attachments": a nightly job without them is no whole backup
        text = _("{backup}, {contents}").format(backup=text, contents=left_out_words(company.last_backup_left_out))
    return _("{backup}, its file is gone").format(backup=text) if company.last_backup_gone else text


def cmd_companies(args: argparse.Namespace, folders: Folders) -> int:
    _existing_data(folders)
    # A list writes nothing: read-only, it works where one may only read (or root in a user's folder).
    with Catalog(folders, readonly=True) as catalog:  # the catalog is there (_existing_data)
        companies = catalog.companies()
    if args.json:
        out(as_json([c.as_json() for c in companies], indent=2))
        return EXIT_OK
    if not companies:
        out(_("No companies yet. Create a sample one with: keepbooks demo"))
        return EXIT_OK
    header = (_("ID"), _("Name"), _("Last change"), _("Size"), _("Last backup"))
    rows = [(str(c.id), c.name, format_datetime(c.last_change),
             _("missing") if c.missing else format_size(c.size_bytes), _last_backup(c))
            for c in companies]
    from rich.cells import cell_len  # columns by the terminal cells each text takes: an emoji takes two

    widths = [max(cell_len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out("  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths)).rstrip())
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, folders: Folders) -> int:
    from store import sample

    if args.transactions < 1:
        raise UsageError(_("--transactions must be at least 1."))
    if args.attachments_mb < 0:
        raise UsageError(_("--attachments-mb cannot be negative."))
    spec = sample.SampleSpec(transactions=args.transactions, attachments_mb=args.attachments_mb, seed=args.seed)
    name = args.name or sample.company_name(args.seed)
    with open_catalog(folders) as catalog, reporter(args) as progress:
        info = catalog.create(name, populate=lambda path: sample.populate(path, spec,
                                                                          progress=progress.for_company(name)))
    say(args, _("Created company {id}: {name}").format(id=info.id, name=info.name))
    return EXIT_OK


# --- archive commands (backup, inspect, verify, import) ------------------------------------------

def _include(args: argparse.Namespace):
    from store.archive import Include

    return Include(attachments=not args.no_attachments, emails=not args.no_emails, history=not args.no_history)


def _backup_json(company, result) -> dict:
    """One written backup in ``backup --json`` (README, "JSON outputs")."""
    return {"company": {"id": company.id, "name": company.name, "uid": result.manifest.company_uid},
            "file": str(result.path), "size": result.size, "created_at": result.manifest.created_at.isoformat(),
            "include": asdict(result.manifest.include), "books_damage": result.books_damage}


def _warn_books_damage(company, problem: str | None, backup: Path | None) -> None:
    """The backup is sound but the company's books are damaged (BackupResult.books_damage): said on stderr,
    even with --quiet, since SQLite may damage the books further (a review: it went unsaid, exit 0)."""
    from store.archive import books_damage_warning

    if problem is not None:
        warn(books_damage_warning(company.books_path, problem, backup), event="damaged", company=company.name,
             company_id=company.id, problem=problem)


class _CountingWriter:
    """Passes bytes on to a binary stream and counts them (the size a streamed backup had)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.size = 0

    def write(self, data) -> int:
        written = self.stream.write(data)
        self.size += len(data)
        return written

    def flush(self) -> None:
        self.stream.flush()


def _existing_data(folders: Folders, *, catalog: bool = True, rebuild: bool = False) -> None:
    """Commands that work on the companies there refuse a folder that is not a data folder yet (no
    catalog), rather than make one: a data disk that is not mounted (its mount point is an empty
    folder, or no folder at all) would look like a server with no companies, and the nightly backup
    like a success. A folder with company folders is one, its catalog lost: ``rebuild``, the command
    opens it for writing and so rebuilds it; otherwise the error says how to."""
    if not folders.data.is_dir():  # the folder first: what fails names it
        raise StorageError(_("There is no keepbooks data folder at {path}: no company has been made there "
                             "yet, or its disk is not mounted.").format(path=folders.data))
    if catalog and not folders.catalog.is_file():
        if has_company_folders(folders):  # the catalog lost: opened for writing, it is rebuilt from them
            if rebuild:
                return
            raise StorageError(_("{path} has company folders but no companies list (its catalog.sqlite is "
                                 "missing): open the app, or run a keepbooks command that writes there (keepbooks "
                                 "backup --all), and the list is rebuilt from the company folders.").format(
                path=folders.data))
        raise StorageError(_("{path} is not a keepbooks data folder: it has no catalog.sqlite (no company has "
                             "been made there yet, or its disk is not mounted).").format(path=folders.data))


def cmd_backup(args: argparse.Namespace, folders: Folders) -> int:
    _existing_data(folders, rebuild=True)
    if not os.access(folders.data, os.W_OK):
        if os.statvfs(folders.data).f_flag & os.ST_RDONLY:  # a snapshot, a read-only mount: no user may
            raise StorageError(_("Cannot back up from {path}: its file system is read-only, and a backup writes "
                                 "there (a moment's lock that makes the copy consistent, then the date of the "
                                 "backup).").format(path=folders.data))
        raise StorageError(_("Cannot back up from {path}: this user may not write there, and a backup does (a "
                             "moment's lock that makes the copy consistent, then the date of the backup). Back "
                             "up as the folder's owner.").format(path=folders.data))
    if args.all and args.company is not None:
        raise UsageError(_("give one company or --all, not both."))
    if args.all:
        return _backup_all(args, folders)
    if args.company is None:
        raise UsageError(_("give the company to back up (its name or id), or --all."))
    if args.output == "-":
        return _backup_to_stdout(args, folders)
    from store import archive

    with open_catalog(folders) as catalog:
        info = catalog.find(args.company)
        with reporter(args) as progress:
            try:
                result = archive.backup_company(catalog, info.id, _output(args.output), include=_include(args),
                                                force=args.force, progress=progress.for_company(info.name, info.id),
                                                cancel=_stopping)
            except archive.DestinationExists as exc:
                raise KeepbooksError(_("{path} already exists; give another name with -o, or add --force to "
                                       "replace it.").format(path=exc.path)) from None
    if args.json:
        out(as_json({"backups": [_backup_json(info, result)], "failed": [], "removed": []}, indent=2))
    else:
        say(args, _("Wrote {path} ({size})").format(path=result.path, size=format_size(result.size)))
    _warn_books_damage(info, result.books_damage, result.path)
    return EXIT_OK


def _output(text: str | None) -> Path | None:
    """-o as a path; one that ends with a slash (or /.) names a folder, which must exist (Path drops
    both: -o /mnt/usb/ with the disk unmounted would write /mnt/usb.manager)."""
    if not text:
        return None
    path = Path(text).expanduser()
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if text.endswith(separators) or os.path.basename(text) in (".", ".."):
        return existing_folder(path)
    return path


def _backup_to_stdout(args: argparse.Namespace, folders: Folders) -> int:
    from store import archive

    if args.json:
        raise UsageError(_("--json cannot go with -o -: stdout holds the backup."))
    if sys.stdout is None:
        raise _closed_stdout()
    if sys.stdout.isatty():
        raise UsageError(_("refusing to write a backup to a terminal; redirect stdout or use -o FILE."))
    with open_catalog(folders) as catalog:
        info = catalog.find(args.company)
        stream = _CountingWriter(sys.stdout.buffer)
        with reporter(args) as progress:
            _manifest, books_damage = archive.backup_to_stream(
                info.books_path, stream, include=_include(args), progress=progress.for_company(info.name, info.id),
                cancel=_stopping)
        catalog.record_backup(info.id, Path("<stdout>"), stream.size, left_out=archive.left_out_of(_include(args)))
    _warn_books_damage(info, books_damage, None)
    return EXIT_OK


def _backup_all(args: argparse.Namespace, folders: Folders) -> int:
    from store.batch import backup_all

    if args.output == "-":
        raise UsageError(_("--all writes one file per company: -o must be a folder."))
    written, failed, removed = [], [], []
    with open_catalog(folders) as catalog, reporter(args) as progress:
        outcomes = backup_all(catalog, Path(args.output) if args.output else None, include=_include(args),
                              force=args.force,
                              progress_for=lambda company: progress.for_company(company.name, company.id),
                              cancel=_stopping)
        for outcome in outcomes:
            company = outcome.company
            progress.end_company(company.name, company.id)
            if outcome.removed:  # in the app, while this ran: nothing of it to back up any more
                removed.append(outcome)
                if not args.json:
                    say(args, _("Skipped {name} (#{id}): it was removed meanwhile.").format(name=company.name,
                                                                                          id=company.id))
            elif outcome.result is None:
                failed.append(outcome)
                warn(_("{name} (#{id}) failed: {error}").format(name=company.name, id=company.id,
                                                               error=outcome.error),
                     event="failed", company=company.name, company_id=company.id, error=outcome.error,
                     exists=outcome.exists)
            else:
                written.append(outcome)
                if not args.json:
                    say(args, _("Wrote {path} ({size})").format(path=outcome.result.path,
                                                                 size=format_size(outcome.result.size)))
                _warn_books_damage(company, outcome.result.books_damage, outcome.result.path)
    if args.json:
        out(as_json({
            "backups": [_backup_json(o.company, o.result) for o in written],
            # exists: a second run the same day, told apart from a real failure without reading the words
            "failed": [{"company": {"id": o.company.id, "name": o.company.name}, "error": o.error,
                        "exists": o.exists} for o in failed],
            "removed": [{"id": o.company.id, "name": o.company.name} for o in removed],
        }, indent=2))
    elif not written and not failed:
        say(args, _("No companies to back up."))
    else:
        total = sum(o.result.size for o in written)
        say(args, ngettext("Backed up {done} of {count} company ({size}).",
                           "Backed up {done} of {count} companies ({size}).", len(written) + len(failed))
            .format(done=len(written), count=len(written) + len(failed), size=format_size(total)))
    if failed:
        names = ", ".join(f"{o.company.name} (#{o.company.id})" for o in failed)
        warn(ngettext("{count} company failed: {names}", "{count} companies failed: {names}", len(failed))
             .format(count=len(failed), names=names))
        if any(o.exists for o in failed):
            warn(_("Existing files were kept; --force replaces them."))
        return EXIT_FAILED
    return EXIT_OK


def _manifest_json(manifest, path) -> dict:
    data = manifest.to_json()
    data["file"] = str(path)
    data["file_size"] = manifest.file_size
    return data


def cmd_inspect(args: argparse.Namespace, folders: Folders) -> int:
    from store import archive

    manifest = archive.inspect(args.file)
    if args.json:
        out(as_json(_manifest_json(manifest, args.file), indent=2))
        return EXIT_OK
    yes, no = _("yes"), _("no")
    counts = manifest.counts
    rows = [
        (_("Company"), manifest.company_name),
        (_("Created at"), format_datetime(local_time(manifest.created_at))),
        (_("Made by"), f"keepbooks {manifest.app_version}"),
        (_("Versions"), _("format {format}, schema {schema}").format(format=manifest.format_version,
                                                                    schema=manifest.schema_version)),
        (_("Transactions"), format_number(counts["transactions"])),
        (_("Attachments"), f"{yes if manifest.include.attachments else no} ({format_number(counts['attachments'])}, "
                           f"{format_size(manifest.attachments_size)})"),
        (_("Emails"), f"{yes if manifest.include.emails else no} ({format_number(counts['emails'])})"),
        (_("History"), f"{yes if manifest.include.history else no} ({format_number(counts['history'])})"),
        (_("Data size"), format_size(manifest.data_size)),
    ]
    if manifest.file_size is not None:  # a pipe has none
        rows.append((_("File size"), format_size(manifest.file_size)))
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        out(f"{label.ljust(width)}  {value}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, folders: Folders) -> int:
    from store import archive

    with reporter(args) as progress:
        manifest = archive.verify(args.file, progress=progress.for_company(None))
    say(args, _("{file}: OK ({name}, {size})").format(file=args.file, name=manifest.company_name,
                                                     size=format_size(manifest.data_size)))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, folders: Folders) -> int:
    if args.latest is not None or args.dry_run:
        return _import_latest(args, folders)
    from store import archive
    from store.contents import left_out

    with open_catalog(folders) as catalog, reporter(args) as progress:
        imported = archive.import_company(catalog, args.file, name=args.name, progress=progress.for_company(None))
    info, include = imported.company, imported.manifest.include
    if args.json:
        out(as_json({**info.as_json(), "include": asdict(include)}, indent=2))  # as backup --json has it
        return EXIT_OK
    missing = left_out(include)
    if missing is None:
        say(args, _("Imported company {id}: {name}").format(id=info.id, name=info.name))
    else:  # a backup made with --no-attachments (…): the new company lacks them, and one should know it
        say(args, _("Imported company {id}: {name}; the backup left out {categories}, so the company has none.")
            .format(id=info.id, name=info.name, categories=missing))
    return EXIT_OK


def cmd_untrash(args: argparse.Namespace, folders: Folders) -> int:
    # A catalog is not required: a data folder whose catalog was lost holds removed companies in its
    # trash still (those of companies/ are listed again when a catalog is made), and untrash makes one.
    _existing_data(folders, catalog=False)
    with open_catalog(folders) as catalog:
        info = catalog.untrash(Path(args.folder))
    if args.json:
        out(as_json(info.as_json(), indent=2))
    else:
        say(args, _("Put back company {id}: {name}").format(id=info.id, name=info.name))
    return EXIT_OK


# --- import --latest DIR ------------------------------------------------------------------------

def _add_import_sources(parser: argparse.ArgumentParser) -> None:
    """import FILE, or import --latest DIR: one of the two (argparse's own usage line puts FILE last, apart)."""
    parser.usage = ("%(prog)s [-h] (FILE [--name NAME] | --latest DIR [--dry-run]) [--json] [-q]\n"
                    "                        [--progress {auto,json,none}]")  # as the other commands show it
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=_path, metavar="FILE", help=_("the backup to import"))
    source.add_argument("--latest", type=_path, metavar="DIR",
                        help=_("import every company backed up in DIR, each from its newest backup that holds "
                               "everything and imports"))
    parser.add_argument("--dry-run", action="store_true",
                        help=_("with --latest: list what would be imported (each backup checked); import nothing"))


def _skipped_json(item) -> dict:
    return {"file": str(item.path), "reason": item.reason, "message": item.message}


def _restored_json(restored) -> dict:
    """One company of ``import --latest --json`` (README, "JSON outputs")."""
    source = {"uid": restored.uid, "name": restored.name}
    passed_over = [_skipped_json(item) for item in restored.passed_over]
    if restored.failed:
        return {"source": source, "error": restored.error, "passed_over": passed_over}
    found = restored.backup
    return {"company": restored.company.as_json() if restored.company else None, "source": source,
            "file": str(found.path), "created_at": found.backup.created_at.isoformat(), "size": found.size,
            "include": asdict(found.include), "passed_over": passed_over}


# What is worth a word on stderr even with --quiet: a backup that will not restore, and a company that
# comes back without part of its data. The rest (other files, a newer partial backup left) is the report.
_RESTORE_PROBLEMS = ("unreadable", "no-access", "incomplete", "damaged", "newer")


def _note(args: argparse.Namespace, item) -> None:
    if item.reason in _RESTORE_PROBLEMS:
        warn(item.message)
    elif not args.json:
        say(args, item.message)


def _report_restored(args: argparse.Namespace, restored) -> None:
    from store.contents import holds

    if restored.already:
        if not args.json:
            say(args, _("{name} is already here, as company {id}, restored from {file}; not imported again.").format(
                name=restored.name, id=restored.company.id, file=restored.backup.path))
            for item in restored.passed_over:
                say(args, item.message)
        return
    for item in restored.passed_over:
        _note(args, item)
    if restored.failed:
        warn(_("{name} failed: {error}").format(name=restored.name, error=restored.error),
             event="failed", company=restored.name, uid=restored.uid, error=restored.error)
        return
    if not restored.whole:
        text = (_("{name} has no whole backup here that can be imported; what would be restored: {holds}.")
                if args.dry_run else
                _("{name} has no whole backup here that can be imported; what was restored: {holds}."))
        warn(text.format(name=restored.name, holds=holds(restored.backup.include)))
    if args.json:
        return
    if restored.company is None:
        say(args, _("Would import {name} from {file}").format(name=restored.name, file=restored.backup.path))
    else:
        say(args, _("Imported company {id}: {name}, from {file}").format(
            id=restored.company.id, name=restored.company.name, file=restored.backup.path))


def _restore_summary(args: argparse.Namespace, done: list, failed: list, already: list) -> None:
    count = len(done) + len(failed)
    if already:
        say(args, ngettext("{count} company was already restored here from these backups: not imported again.",
                           "{count} companies were already restored here from these backups: not imported again.",
                           len(already)).format(count=len(already)))
    if not count:
        return  # every company was already here
    if args.dry_run:
        say(args, ngettext("Dry run: {done} of {count} company would be imported; nothing was imported.",
                           "Dry run: {done} of {count} companies would be imported; nothing was imported.", count)
            .format(done=len(done), count=count))
    else:
        say(args, ngettext("Imported {done} of {count} company.", "Imported {done} of {count} companies.", count)
            .format(done=len(done), count=count))


def _import_latest(args: argparse.Namespace, folders: Folders) -> int:
    from store.restore import find_latest, import_latest

    if args.latest is None:
        raise UsageError(_("--dry-run goes with --latest DIR; to check one backup without importing it: "
                           "keepbooks verify FILE"))
    if args.name is not None:
        raise UsageError(_("--name names one company: it cannot go with --latest."))
    latest = find_latest(Path(args.latest).expanduser())
    for item in latest.skipped:
        _note(args, item)
    done, failed, already = [], [], []

    def print_json(stopped: bool) -> None:
        out(as_json({"folder": str(latest.folder), "dry_run": args.dry_run, "stopped": stopped,
                     "imported": [_restored_json(r) for r in done], "failed": [_restored_json(r) for r in failed],
                     "already": [_restored_json(r) for r in already],
                     "skipped": [_skipped_json(item) for item in latest.skipped]}, indent=2))

    try:
        # A dry run makes nothing, not even the data folder of a mistyped --data-dir (a French bookkeeper's
        # pass): it reads the catalog there is, if any, for the companies restored before.
        if args.dry_run:
            catalog = Catalog(folders, readonly=True) if folders.catalog.is_file() else None
        else:
            catalog = open_catalog(folders)
        with catalog if catalog is not None else nullcontext(), reporter(args) as progress:
            for restored in import_latest(catalog, latest, dry_run=args.dry_run,
                                          progress_for=lambda company: progress.for_company(company.name)):
                progress.end_company(restored.name)
                (already if restored.already else failed if restored.failed else done).append(restored)
                _report_restored(args, restored)
    except KeyboardInterrupt:
        if done and not args.dry_run:  # whoever stopped it needs to know what is already there
            warn(ngettext("Stopped after importing {count} company: {names}; the one under way was not added.",
                          "Stopped after importing {count} companies: {names}; the one under way was not added.",
                          len(done)).format(count=len(done), names=", ".join(r.company.name for r in done)))
        if args.json:  # a script reads what was done on stdout, stopped or not (a helper's pass: it got nothing)
            print_json(stopped=True)
        raise
    if args.json:
        print_json(stopped=False)
    if not latest.companies:
        warn(_("No keepbooks backups in {folder}.").format(folder=latest.folder))
        return EXIT_FAILED
    if not args.json:
        _restore_summary(args, done, failed, already)
    if failed:
        warn(ngettext("{count} company failed: {names}", "{count} companies failed: {names}", len(failed))
             .format(count=len(failed), names=", ".join(r.name for r in failed)))
    # A backup whose manifest does not read (damaged, made by a newer version, not readable by this user)
    # may be some company's only one: that company is in no list above, and the restore is not whole.
    unread = [item for item in latest.skipped if item.reason in ("unreadable", "no-access")]
    if unread:
        warn(ngettext("{count} backup could not be read, and its company may be missing here: {files}",
                      "{count} backups could not be read, and their companies may be missing here: {files}",
                      len(unread)).format(count=len(unread), files=", ".join(str(item.path) for item in unread)))
    return EXIT_FAILED if failed or unread else EXIT_OK


# --- prune ---------------------------------------------------------------------------------------

def _reason(code: str) -> str:
    return {"last": _("last"), "daily": _("daily"), "weekly": _("weekly"), "monthly": _("monthly"),
            "newest": _("newest")}.get(code, code)


def _prune_json(result) -> dict:
    from store.contents import CATEGORIES

    def backup(found) -> dict:
        return {"file": str(found.path), "created_at": found.backup.created_at.isoformat(), "size": found.size}

    def skipped(item) -> dict:
        return {"file": str(item.path), "reason": item.reason, "message": item.message}

    policy = result.policy
    return {
        "folder": str(result.folder), "dry_run": result.dry_run,
        "policy": {"last": policy.last, "daily": policy.daily, "weekly": policy.weekly, "monthly": policy.monthly},
        "companies": [{"uid": c.uid, "name": c.name,
                       "contents": {category: c.include.has(category) for category in CATEGORIES},
                       "keep": [{**backup(found), "reasons": reasons} for found, reasons in c.keep],
                       "remove": [backup(found) for found in c.remove],
                       "failed": [skipped(item) for item in c.failed]} for c in result.companies],
        "skipped": [skipped(item) for item in result.skipped],
        "removed_bytes": result.removed_bytes,
        "leftovers": [{"file": str(path), "size": size} for path, size in result.leftovers],
    }


def cmd_prune(args: argparse.Namespace, folders: Folders) -> int:
    from store.prune import prune
    from store.retention import EMPTY_POLICY, Policy

    policy = Policy(last=args.keep_last, daily=args.keep_daily, weekly=args.keep_weekly, monthly=args.keep_monthly)
    if policy.empty:
        raise UsageError(_(EMPTY_POLICY))  # a usage error (exit 2) before any file is read
    result = prune(Path(args.dir).expanduser(), policy, dry_run=args.dry_run)
    if args.json:
        out(as_json(_prune_json(result), indent=2))
    elif not args.quiet:
        _print_prune(result)
    for item in result.problems + result.failed:  # on stderr even with --quiet: cron mails them
        warn(item.message)
    return EXIT_FAILED if result.failed or result.problems else EXIT_OK


def _print_prune(result) -> None:
    from rich.cells import cell_len  # names line up by the cells they take (rich: only when needed)

    from store.contents import CATEGORIES, contents

    keep_word, remove_word = _("keep"), (_("would remove") if result.dry_run else _("remove"))
    width = max(len(keep_word), len(remove_word))
    for company in result.companies:
        kept = ngettext("{count} kept", "{count} kept", len(company.keep)).format(count=len(company.keep))
        removed = (ngettext("{count} to remove", "{count} to remove", len(company.remove)) if result.dry_run
                   else ngettext("{count} removed", "{count} removed", len(company.remove)))
        name = company.name
        if any(not company.include.has(category) for category in CATEGORIES):  # a kind counted apart
            name = _("{name} ({contents})").format(name=name, contents=contents(company.include))
        out(_("{name}: {kept}, {removed}").format(name=name, kept=kept,
                                                   removed=removed.format(count=len(company.remove))))
        rows = [(found, ", ".join(_reason(r) for r in reasons)) for found, reasons in company.keep]
        rows += [(found, None) for found in company.remove]
        rows.sort(key=lambda row: (row[0].backup.created_at, row[0].path.name), reverse=True)
        name_width = max(cell_len(found.path.name) for found, _why in rows)  # in terminal cells
        for found, why in rows:
            word = keep_word if why is not None else remove_word
            name = found.path.name + " " * (name_width - cell_len(found.path.name))
            line = f"  {word.ljust(width)}  {name}  " \
                   f"{format_datetime(found.backup.created_at)}  {why or ''}"
            out(line.rstrip())
    if not result.companies:
        out(_("No keepbooks backups in {folder}.").format(folder=result.folder))
    for item in result.skipped:
        if item not in result.problems:  # those go to stderr
            out(item.message)
    for path, size in result.leftovers:
        line = (_("Would remove {file} ({size}), left by an interrupted backup.") if result.dry_run
                else _("Removed {file} ({size}), left by an interrupted backup."))
        out(line.format(file=format_path(path), size=format_size(size)))
    count, size = sum(len(c.remove) for c in result.companies), format_size(result.removed_bytes)
    if result.dry_run:
        out(ngettext("Dry run: {count} backup would be removed ({size}); nothing was deleted.",
                     "Dry run: {count} backups would be removed ({size}); nothing was deleted.", count)
            .format(count=count, size=size))
    else:
        out(ngettext("Removed {count} backup ({size}).", "Removed {count} backups ({size}).", count)
            .format(count=count, size=size))


def cmd_tui(args: argparse.Namespace, folders: Folders) -> int:
    # The app reads keys from stdin and draws on stderr (as Textual does). Without a terminal there
    # it would draw into a file or pipe and wait for keys that never come, until killed: from cron,
    # or `ssh server keepbooks` without -t.
    if sys.stdin.isatty() and not sys.stderr.isatty():  # `keepbooks 2>err.log` in a terminal
        problem = _("the app draws on stderr, which goes to a file or a pipe here: start it without "
                    "redirecting stderr (2>…)")
        if sys.stdout is not None and sys.stdout.isatty():  # where the person looks: stderr goes into the file
            print(f"keepbooks: {problem}")
        raise UsageError(problem)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise UsageError(_("the app needs a terminal (over SSH: ssh -t); the commands work without one "
                           "(keepbooks --help)"))
    encoding = codecs.lookup(sys.stderr.encoding or "ascii").name
    if encoding != "utf-8":  # its borders, boxes and keys would come out as \u escapes, unreadable
        raise UsageError(_("the app draws with characters this locale's character set ({encoding}) has none of; "
                           "start it under a UTF-8 locale: LANG=C.UTF-8 keepbooks").format(encoding=encoding))
    from tui.app import KeepbooksApp  # textual is loaded only here
    from tui.glyphs import console_glyphs

    app = KeepbooksApp(folders, imposed_language=imposed_language(args.lang), console_glyphs=console_glyphs())
    app.run()
    return app.return_code or EXIT_OK  # 1: Textual printed what failed; 143: stopped by SIGTERM


def _written_folders(args: argparse.Namespace, folders: Folders) -> list[Path]:
    """Where the command makes or changes files: the data folder, and the backups' folder."""
    if args.handler is cmd_prune:
        return [Path(args.dir)]
    output = getattr(args, "output", None)
    if output and output != "-":
        target = Path(output)
        return [folders.data, target if target.is_dir() else target.parent]
    return [folders.data, folders.backups]


def _warn_if_root_in_another_users_folder(folder: Path) -> None:
    user = other_owner(folder)
    if user is not None:
        warn(_("{folder} belongs to {user}: what root writes there only root may change, and {user}'s own "
               "runs would then fail on it. To act as {user}: sudo -u \"{user}\" keepbooks …").format(
            folder=folder, user=user))


# --- parser --------------------------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Folders], int]


class Stopped(KeyboardInterrupt):
    """SIGTERM (systemctl stop, kill) or SIGHUP (the SSH session closed): a command stops as after
    Ctrl-C, removing what it had half written, instead of dying with its temporary files."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# The cancel event the work of a command is given, set by a stop signal (Ctrl-C too) before its exception
# is raised: SQLite drops an exception raised while it calls back into Python (the copy of the books checks
# for a cancel there) and reports "interrupted", and a backup stopped then failed as after a read error
# (exit 1; backup --all went on with the next company). The work now stops with Cancelled, which main
# reports as the signal that _stopped_by names.
_stopping = threading.Event()
_stopped_by: int | None = None


def _stop(signum: int, _frame: object) -> None:
    global _stopped_by
    _stopped_by = signum
    _stopping.set()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    # A second signal (systemd insists, a shell passes a hang-up on, a person presses Ctrl-C while it
    # stops) must not cut the cleanup short; Ctrl-C only where it is ours, so main puts it back.
    ours = [signal.SIGINT] if signal.getsignal(signal.SIGINT) is _stop else []
    for other in [*stop_signals(), *ours]:
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def _catch_stop_signals() -> dict[int, Any]:
    """Turn the stop signals into Stopped, and Ctrl-C into KeyboardInterrupt as Python does, both setting
    _stopping; the handlers they had, to put back (none where signals cannot be caught: main called on
    another thread than the main one). Ctrl-C is left alone where Python's handler does not have it (a
    background job of a script ignores it)."""
    signums = stop_signals()
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signums.append(signal.SIGINT)
    previous = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, _stop)
    except ValueError:
        pass
    return previous


def _report_stop(signum: int) -> int:
    if signum == signal.SIGINT:
        warn(_("interrupted"))
        return EXIT_INTERRUPTED
    warn(_("stopped by {signal}").format(signal=signal.Signals(signum).name))
    return 128 + signum


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        if not _json_stderr:  # under --progress json, every line of stderr is an event: the message says it
            self.print_usage(sys.stderr)
        raise UsageError(message)


def _asks_json_progress(argv: list[str]) -> bool:
    """Whether the command line asks for --progress json, read before argparse: its own errors (a
    mistyped option) must be JSON lines too for the script reading stderr."""
    return "--progress=json" in argv or any(a == "--progress" and b == "json" for a, b in zip(argv, argv[1:]))


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value!r} is not a whole number").format(value=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("{value} is negative").format(value=value))
    return value


def _path(text: str) -> str:
    """A path given on the command line. An empty one is a usage error, not the current folder or the
    default: a script's unset variable made `prune "$DIR"` prune the folder it ran in."""
    if not text:
        raise argparse.ArgumentTypeError(_("the path is empty (is a variable unset?)"))
    return text


def _add_output_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--quiet and --progress work before the command (for every command) or after it (that command);
    a subcommand's defaults are suppressed so that they never undo the option given before it."""
    parser.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                        help=_("print only errors and what the command is there to show (a list, a manifest, "
                               "JSON): no progress, no report of the work done"))
    parser.add_argument("--progress", choices=["auto", "json", "none"], default="auto" if top else argparse.SUPPRESS,
                        help=_("progress on stderr: auto (a bar when stderr is a terminal), json (one JSON "
                               "object per line) or none"))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="keepbooks", allow_abbrev=False,
                    description=_("Keep the books of several companies; back them up and restore them."))
    parser.add_argument("--version", action="version", version=f"keepbooks {__version__}",
                        help=_("show the version and exit"))
    parser.add_argument("--data-dir", type=_path, metavar="PATH",
                        help=_("data folder (default: $KEEPBOOKS_DATA_DIR, else the user data folder)"))
    parser.add_argument("--backup-dir", type=_path, metavar="PATH",
                        help=_("backups folder (default: $KEEPBOOKS_BACKUP_DIR, else backups/ in the data folder)"))
    parser.add_argument("--lang", choices=["en", "fr"],
                        help=_("interface language (default: $KEEPBOOKS_LANG, else the language chosen in the app, "
                               "else the locale)"))
    _add_output_options(parser, top=True)
    parser.set_defaults(handler=cmd_tui)
    commands = parser.add_subparsers(title=_("commands"), metavar="COMMAND", parser_class=Parser)

    companies = commands.add_parser("companies", help=_("list companies"))
    companies.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    companies.set_defaults(handler=cmd_companies)

    demo = commands.add_parser("demo", help=_("add a sample company"))
    demo.add_argument("--name", help=_("company name (default: one chosen by the seed)"))
    demo.add_argument("--transactions", type=int, default=2000, metavar="N", help=_("number of transactions"))
    demo.add_argument("--attachments-mb", type=float, default=5, metavar="N",
                      help=_("megabytes of attachments"))
    demo.add_argument("--seed", type=int, default=1, metavar="N", help=_("random seed (same seed, same books)"))
    _add_output_options(demo, top=False)
    demo.set_defaults(handler=cmd_demo)

    backup = commands.add_parser("backup", help=_("back up a company (or --all) to .manager files"))
    backup.add_argument("company", nargs="?", metavar="COMPANY", help=_("the company's name or id"))
    backup.add_argument("--all", action="store_true",
                        help=_("back up every company, one file each with its default name"))
    backup.add_argument("-o", "--output", type=_path, metavar="FILE|DIR|-",
                        help=_("file or folder to write to, or - for stdout (default: the backups folder)"))
    backup.add_argument("--no-attachments", action="store_true", help=_("leave the attachments out"))
    backup.add_argument("--no-emails", action="store_true", help=_("leave the emails out"))
    backup.add_argument("--no-history", action="store_true", help=_("leave the history out"))
    backup.add_argument("--force", action="store_true", help=_("replace an existing backup of the same company"))
    backup.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    _add_output_options(backup, top=False)
    backup.set_defaults(handler=cmd_backup)

    inspect = commands.add_parser("inspect", help=_("show what a backup holds, without reading all of it"))
    inspect.add_argument("file", type=_path, metavar="FILE")
    inspect.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    inspect.set_defaults(handler=cmd_inspect)

    verify = commands.add_parser("verify", help=_("check a whole backup; imports nothing"))
    verify.add_argument("file", type=_path, metavar="FILE")
    _add_output_options(verify, top=False)
    verify.set_defaults(handler=cmd_verify)

    import_ = commands.add_parser("import", help=_("add a backup as a new company"))
    _add_import_sources(import_)
    import_.add_argument("--name", help=_("the new company's name (default: the name in the backup)"))
    import_.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    _add_output_options(import_, top=False)
    import_.set_defaults(handler=cmd_import)

    untrash = commands.add_parser("untrash", help=_("put a removed company back from the trash"))
    untrash.add_argument("folder", type=_path, metavar="FOLDER", help=_("its folder in the data folder's trash/"))
    untrash.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    _add_output_options(untrash, top=False)
    untrash.set_defaults(handler=cmd_untrash)

    prune = commands.add_parser("prune", help=_("delete old backups in a folder, keeping what the rules say"))
    prune.add_argument("dir", type=_path, metavar="DIR", help=_("the folder of backups"))
    prune.add_argument("--keep-last", type=_count, default=0, metavar="N", help=_("keep the N newest backups"))
    prune.add_argument("--keep-daily", type=_count, default=0, metavar="N",
                       help=_("keep the newest backup of each of the last N days that have one"))
    prune.add_argument("--keep-weekly", type=_count, default=0, metavar="N",
                       help=_("keep the newest backup of each of the last N ISO weeks that have one"))
    prune.add_argument("--keep-monthly", type=_count, default=0, metavar="N",
                       help=_("keep the newest backup of each of the last N months that have one"))
    prune.add_argument("--dry-run", action="store_true", help=_("list what would be removed; delete nothing"))
    prune.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    _add_output_options(prune, top=False)
    prune.set_defaults(handler=cmd_prune)

    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


# Commands defined in other modules register themselves here (archive commands, server commands).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def _option_from_argv(argv: Sequence[str], option: str) -> str | None:
    """A global option's value, read before the parser exists (its help texts depend on the language)."""
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


def _language(argv: Sequence[str]) -> str:
    """--lang, else KEEPBOOKS_LANG, else the language chosen in the app, else the locale."""
    preferred = None
    try:
        preferred = load_preferences(resolve_folders(_option_from_argv(argv, "--data-dir")).data).language
    except (KeepbooksError, OSError):
        pass  # no readable data folder yet: the command itself will say so
    return detect_language(_option_from_argv(argv, "--lang"), preferred)


def _warn_if_unknown_language(explicit: str | None) -> None:
    """KEEPBOOKS_LANG=de was passed over without a word, where --lang de is a usage error (a helper's pass)."""
    value = os.environ.get("KEEPBOOKS_LANG")
    if explicit is None and value and imposed_language() is None:
        warn(_("KEEPBOOKS_LANG={value} is not a language keepbooks speaks ({languages}): passed over.")
             .format(value=escaped(value), languages=", ".join(LANGUAGES)))


LISTING = (cmd_companies, cmd_inspect)  # what they print is all they do: a reader may stop early
WRITING = (cmd_backup, cmd_demo, cmd_import, cmd_prune, cmd_tui, cmd_untrash)  # the commands that make or change files


def main(argv: Sequence[str] | None = None) -> int:
    global _json_stderr, _stopped_by, _lost_report
    _json_stderr = False  # until the arguments say otherwise (and for each call, in tests)
    _stopped_by = None
    _lost_report = None
    _stopping.clear()
    argv = list(sys.argv[1:] if argv is None else argv)
    # A file name that is not UTF-8 (Python holds its bytes as lone surrogates) is printed escaped, as
    # stderr already does, rather than failing the print after the work is done (prune's deletions);
    # French punctuation a Latin-1 or ASCII locale cannot print is printed plainer (print_plainer_for).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    print_plainer_for(getattr(sys.stderr, "encoding", None) or "utf-8")  # as stdout's, bar redirections
    set_language(_language(argv))  # before help texts are built
    _json_stderr = _asks_json_progress(argv)
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        _json_stderr = getattr(args, "progress", "auto") == "json"
        for field in ("company", "name"):  # names, not paths: see typed_name
            if isinstance(getattr(args, field, None), str):
                setattr(args, field, typed_name(getattr(args, field)))
                try:
                    getattr(args, field).encode("utf-8")
                except UnicodeEncodeError:  # bytes that are not text in this locale nor in UTF-8
                    raise UsageError(_("the name {name} is not text this locale can read (its encoding: {encoding})")
                                     .format(name=ascii(getattr(args, field)),
                                             encoding=sys.getfilesystemencoding())) from None
        _warn_if_unknown_language(args.lang)
        folders = resolve_folders(args.data_dir, args.backup_dir)
        if args.handler in WRITING and not getattr(args, "quiet", False) and not getattr(args, "dry_run", False):
            for folder in _written_folders(args, folders):
                _warn_if_root_in_another_users_folder(folder)
        if args.handler is cmd_tui:  # the app has its own way out
            return cmd_tui(args, folders)
        previous = _catch_stop_signals()
        try:
            code = args.handler(args, folders)
            if _lost_report is not None:
                raise _lost_report
            return code
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    except UsageError as exc:
        warn(str(exc))
        return EXIT_USAGE
    except KeepbooksError as exc:
        if isinstance(exc, Cancelled) and _stopped_by is not None:  # the work saw the signal first (_stopping)
            return _report_stop(_stopped_by)
        warn(str(exc))
        return EXIT_FAILED
    except KeyboardInterrupt as exc:  # Ctrl-C, or Stopped by SIGTERM or SIGHUP
        return _report_stop(exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
    except OutputError as exc:
        warn(str(exc))
        _stdout_to_devnull()
        return EXIT_FAILED
    except BrokenPipeError:
        _stdout_to_devnull()
        listing = getattr(args, "handler", None) in LISTING or getattr(args, "dry_run", False)  # prune --dry-run
        if listing:  # `keepbooks companies | head`: the reader had the part it wanted
            return 128 + signal.SIGPIPE  # as a listing tool stopped by the closed pipe, without a word
        warn(_("what reads the output stopped before its end (a closed pipe); what it got is incomplete"))
        return EXIT_FAILED
    except Exception as exc:  # a bug: still one line, with a way to get the details
        if os.environ.get("KEEPBOOKS_DEBUG"):
            raise
        warn(refused_path(exc) or _("internal error: {error} (set KEEPBOOKS_DEBUG=1 for details)")
             .format(error=repr(exc)))
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
