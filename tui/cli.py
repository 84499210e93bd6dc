"""The keepbooks command line: the same operations as the TUI, for shells, scripts and cron.

Contract (ARCHITECTURE.md): exit 0 on success, 1 when the operation failed, 2 on a usage error,
130 when interrupted. Errors are one clear line on stderr; progress goes to stderr only on a terminal.
textual is imported only when the TUI is opened, so commands start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Callable, Sequence

from store import __version__
from store.catalog import Catalog
from store.config import Folders, resolve_folders
from store.errors import KeepbooksError
from store.i18n import _, detect_language, set_language
from store.progress import Progress

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A command was called with arguments that do not fit: exit code 2."""


class StderrProgress:
    """A one-line progress display on stderr, drawn only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = ""

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        if progress.total:
            line = f"{progress.phase}: {progress.fraction:6.1%}"
        else:
            line = f"{progress.phase}…"
        if line != self._last:
            sys.stderr.write("\r\033[K" + line)
            sys.stderr.flush()
            self._last = line

    def finish(self) -> None:
        if self.enabled and self._last:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


# --- commands ------------------------------------------------------------------------------------

def cmd_companies(args: argparse.Namespace, folders: Folders) -> int:
    with Catalog(folders) as catalog:
        companies = catalog.companies()
    if args.json:
        print(json.dumps([c.as_json() for c in companies], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not companies:
        print(_("No companies yet. Create a sample one with: keepbooks demo"))
        return EXIT_OK
    header = (_("ID"), _("Name"), _("Last change"), _("Size"), _("Last backup"))
    rows = [(str(c.id), c.name, c.last_change.strftime("%Y-%m-%d %H:%M"), human_size(c.size_bytes),
             c.last_backup_at.strftime("%Y-%m-%d %H:%M") if c.last_backup_at else _("never"))
            for c in companies]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, folders: Folders) -> int:
    from store import sample

    if args.transactions < 1:
        raise UsageError(_("--transactions must be at least 1."))
    if args.attachments_mb < 0:
        raise UsageError(_("--attachments-mb cannot be negative."))
    spec = sample.SampleSpec(transactions=args.transactions, attachments_mb=args.attachments_mb, seed=args.seed)
    name = args.name or sample.company_name(args.seed)
    bar = StderrProgress()
    with Catalog(folders) as catalog:
        try:
            info = catalog.create(name, populate=lambda path: sample.populate(path, spec, progress=bar))
        finally:
            bar.finish()
    print(_("Created company {id}: {name}").format(id=info.id, name=info.name))
    return EXIT_OK


# --- archive commands (backup, inspect, verify, import) ------------------------------------------

def _include(args: argparse.Namespace):
    from store.archive import Include

    return Include(attachments=not args.no_attachments, emails=not args.no_emails, history=not args.no_history)


def cmd_backup(args: argparse.Namespace, folders: Folders) -> int:
    from pathlib import Path

    from store import archive

    if args.company is None:
        raise UsageError(_("give the company to back up (its name or id)."))
    bar = StderrProgress()
    with Catalog(folders) as catalog:
        info = catalog.find(args.company)
        try:
            if args.output == "-":
                if sys.stdout.isatty():
                    raise UsageError(_("refusing to write a backup to a terminal; redirect stdout or use -o FILE."))
                archive.backup_to_stream(info.books_path, sys.stdout.buffer, include=_include(args), progress=bar)
                return EXIT_OK
            destination = Path(args.output) if args.output else None
            result = archive.backup_company(catalog, info.id, destination, include=_include(args),
                                            force=args.force, progress=bar)
        finally:
            bar.finish()
    print(_("Wrote {path} ({size})").format(path=result.path, size=human_size(result.size)))
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
        print(json.dumps(_manifest_json(manifest, args.file), indent=2, ensure_ascii=False))
        return EXIT_OK
    yes, no = _("yes"), _("no")
    counts = manifest.counts
    rows = [
        (_("Company"), manifest.company_name),
        (_("Created at"), manifest.created_at.strftime("%Y-%m-%d %H:%M:%S %z")),
        (_("Made by"), f"keepbooks {manifest.app_version}"),
        (_("Versions"), _("format {format}, schema {schema}").format(format=manifest.format_version,
                                                                    schema=manifest.schema_version)),
        (_("Transactions"), str(counts["transactions"])),
        (_("Attachments"), f"{yes if manifest.include.attachments else no} ({counts['attachments']}, "
                           f"{human_size(manifest.attachments_size)})"),
        (_("Emails"), f"{yes if manifest.include.emails else no} ({counts['emails']})"),
        (_("History"), f"{yes if manifest.include.history else no} ({counts['history']})"),
        (_("Data size"), human_size(manifest.data_size)),
        (_("File size"), human_size(manifest.file_size or 0)),
    ]
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, folders: Folders) -> int:
    from store import archive

    bar = StderrProgress()
    try:
        manifest = archive.verify(args.file, progress=bar)
    finally:
        bar.finish()
    print(_("{file}: OK ({name}, {size})").format(file=args.file, name=manifest.company_name,
                                                 size=human_size(manifest.data_size)))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, folders: Folders) -> int:
    from store import archive

    bar = StderrProgress()
    with Catalog(folders) as catalog:
        try:
            info = archive.import_backup(catalog, args.file, name=args.name, progress=bar)
        finally:
            bar.finish()
    print(_("Imported company {id}: {name}").format(id=info.id, name=info.name))
    return EXIT_OK


def cmd_tui(args: argparse.Namespace, folders: Folders) -> int:
    from tui.app import KeepbooksApp  # textual is loaded only here

    KeepbooksApp(folders).run()
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Folders], int]


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="keepbooks",
                    description=_("Keep the books of several companies; back them up and restore them."))
    parser.add_argument("--version", action="version", version=f"keepbooks {__version__}")
    parser.add_argument("--data-dir", metavar="PATH", help=_("data folder (default: $KEEPBOOKS_DATA_DIR, "
                                                             "else the user data folder)"))
    parser.add_argument("--backup-dir", metavar="PATH", help=_("backups folder (default: $KEEPBOOKS_BACKUP_DIR, "
                                                               "else backups/ in the data folder)"))
    parser.add_argument("--lang", choices=["en", "fr"], help=_("interface language (default: from the locale)"))
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
    demo.set_defaults(handler=cmd_demo)

    backup = commands.add_parser("backup", help=_("back up a company to a .manager file"))
    backup.add_argument("company", nargs="?", metavar="COMPANY", help=_("the company's name or id"))
    backup.add_argument("-o", "--output", metavar="PATH|DIR|-",
                        help=_("file or folder to write to, or - for stdout (default: the backups folder)"))
    backup.add_argument("--no-attachments", action="store_true", help=_("leave the attachments out"))
    backup.add_argument("--no-emails", action="store_true", help=_("leave the emails out"))
    backup.add_argument("--no-history", action="store_true", help=_("leave the history out"))
    backup.add_argument("--force", action="store_true", help=_("replace an existing file"))
    backup.set_defaults(handler=cmd_backup)

    inspect = commands.add_parser("inspect", help=_("show what a backup holds, without reading all of it"))
    inspect.add_argument("file", metavar="FILE")
    inspect.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    inspect.set_defaults(handler=cmd_inspect)

    verify = commands.add_parser("verify", help=_("check a whole backup; imports nothing"))
    verify.add_argument("file", metavar="FILE")
    verify.set_defaults(handler=cmd_verify)

    import_ = commands.add_parser("import", help=_("add a backup as a new company"))
    import_.add_argument("file", metavar="FILE")
    import_.add_argument("--name", help=_("the new company's name (default: the name in the backup)"))
    import_.set_defaults(handler=cmd_import)

    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


# Commands defined in other modules register themselves here (archive commands, server commands).
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def _language_from_argv(argv: Sequence[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(detect_language(_language_from_argv(argv)))  # before help texts are built
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        folders = resolve_folders(args.data_dir, args.backup_dir)
        return args.handler(args, folders)
    except UsageError as exc:
        print(f"keepbooks: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeepbooksError as exc:
        print(f"keepbooks: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"keepbooks: {_('interrupted')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # a bug: still one line, with a way to get the details
        if os.environ.get("KEEPBOOKS_DEBUG"):
            raise
        print(f"keepbooks: {_('internal error')}: {exc!r} ({_('set KEEPBOOKS_DEBUG=1 for details')})",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
