"""The archive commands' contract (ARCHITECTURE.md): backup, inspect [--json], verify, import [--name];
plus kill -9 of a backup and of an import at random points, then the invariants."""

from __future__ import annotations

import hashlib
import json
from contextlib import closing
import os
import pty
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import archive
from store.catalog import Catalog
from store.config import resolve_folders
from test_archive_support import (damage_table, folders_at, leftovers, make_company, original_rows, restored_rows,
                                  state, system_temp_leftovers)
from tui.cli import main

ROOT = Path(__file__).parent.parent


def run(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], stdout=stdout, stderr=subprocess.PIPE,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    with Catalog(folders_at(tmp_path)) as catalog:
        make_company(catalog, transactions=150, attachments_mb=0.5, name="Atelier Lefèvre")
        make_company(catalog, transactions=20, attachments_mb=0, name="Other")
    return folders_at(tmp_path).data


def cli(data: Path, *args: str) -> list[str]:
    return ["--data-dir", str(data), "--backup-dir", str(data.parent / "backups"), *args]


def test_backup_by_name_or_id_prints_the_file_and_its_size(data: Path, capsys) -> None:
    assert main(cli(data, "backup", "Atelier Lefèvre")) == 0
    out = capsys.readouterr().out
    written = data.parent / "backups" / archive.default_backup_name("Atelier Lefèvre")
    assert str(written) in out and "kB" in out
    assert main(cli(data, "backup", "#1")) == 1  # same default name today: never replaced silently
    err = capsys.readouterr().err
    assert "already exists" in err and str(written) in err and len(err.strip().splitlines()) == 1
    assert "--force" in err  # how to replace it, from a shell
    assert main(cli(data, "backup", "1", "--force")) == 0  # its own company's: replaced
    assert main(cli(data, "backup", "1", "--no-attachments", "--no-emails", "--no-history")) == 0
    # Leaving things out, it has a name of its own (a drill: it took the day's whole backup's name).
    lean = data.parent / "backups" / archive.default_backup_name("Atelier Lefèvre", include=archive.Include(
        False, False, False))
    assert lean.name.endswith(", books only).manager") and str(lean) in capsys.readouterr().out
    assert archive.inspect(lean).include == archive.Include(False, False, False)
    assert archive.inspect(written).include == archive.Include()
    assert main(cli(data, "backup", "Nobody")) == 1
    assert "Nobody" in capsys.readouterr().err


def test_backup_to_a_folder_a_file_and_stdout(data: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    assert main(cli(data, "backup", "2", "-o", str(folder))) == 0
    assert (folder / archive.default_backup_name("Other")).is_file()
    assert main(cli(data, "backup", "2", "-o", str(folder / "weekly"))) == 0
    assert (folder / "weekly.manager").is_file()
    piped = run(*cli(data, "backup", "2", "-o", "-"))
    assert piped.returncode == 0, piped.stderr
    (tmp_path / "piped.manager").write_bytes(piped.stdout)
    assert archive.verify(tmp_path / "piped.manager").company_name == "Other"


def test_an_output_that_cannot_hold_a_backup_is_refused_and_nothing_is_written(data: Path, tmp_path: Path,
                                                                                capsys) -> None:
    # -o /mnt/usb/ with the disk not mounted: a trailing slash names a folder; it is not /mnt/usb.manager.
    missing = tmp_path / "usb"
    for typed in (f"{missing}/", f"{missing}/."):
        assert main(cli(data, "backup", "2", "-o", typed)) == 1
        assert capsys.readouterr().err.strip() == f"keepbooks: The folder {missing} does not exist."
    assert main(cli(data, "backup", "2", "-o", os.devnull)) == 1
    assert capsys.readouterr().err.strip() == f"keepbooks: {os.devnull} is neither a folder nor a file."
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    assert main(cli(data, "backup", "2", "-o", f"{a_file}/")) == 1
    assert capsys.readouterr().err.strip() == f"keepbooks: {a_file} is not a folder."
    assert main(cli(data, "backup", "--all", "-o", str(a_file))) == 1
    assert capsys.readouterr().err.strip() == f"keepbooks: {a_file} is not a folder."
    # Found by an exploratory tester: a file in the path was said not to exist ("The folder notes.txt
    # does not exist."), sending whoever read it to look for a missing disk.
    assert main(cli(data, "backup", "2", "-o", str(a_file / "x.manager"))) == 1
    assert capsys.readouterr().err.strip() == f"keepbooks: {a_file} is not a folder."
    hidden = tmp_path / ".weekly"  # unseen by ls, and left alone by prune
    assert main(cli(data, "backup", "2", "-o", str(hidden))) == 1
    assert capsys.readouterr().err.strip() == \
        f"keepbooks: {hidden}: A file name cannot start with a dot (the file would be hidden)."
    assert not (tmp_path / "usb.manager").exists() and not Path(f"{os.devnull}.manager").exists()
    assert a_file.read_text() == "not a folder"


def test_a_path_with_a_line_break_is_shown_escaped_in_the_one_line_error(data: Path, tmp_path: Path,
                                                                           monkeypatch, capsys) -> None:
    # Found by an exploratory tester: -o $'new\nline' printed "keepbooks: new" and "line: A file name cannot
    # contain \n." on two lines; a log read line by line took the second for another message.
    monkeypatch.chdir(tmp_path)
    assert main(cli(data, "backup", "1", "-o", "new\nline")) == 1
    assert capsys.readouterr().err == "keepbooks: new\\nline: A file name cannot contain \\n.\n"
    assert main(cli(data, "backup", "1", "-o", "new\nline\x1b[2J/")) == 1  # a terminal's escape neither
    assert capsys.readouterr().err == "keepbooks: The folder new\\nline\\x1b[2J does not exist.\n"
    assert list(tmp_path.glob("new*")) == []


def _signal_self_at(monkeypatch, owner: type, method: str, call: int, signum: int) -> None:
    """Send ``signum`` to this process (as systemctl stop or a closed SSH session would) when
    ``owner.method`` is called for the ``call``-th time: in the middle of the work."""
    original, calls = getattr(owner, method), []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            os.kill(os.getpid(), signum)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, method, wrapper)


@pytest.fixture
def default_stop_signals():
    """SIGTERM and SIGHUP as a shell leaves them: a test run started under nohup ignores SIGHUP, and
    keepbooks then rightly lets a hang-up pass (tested below)."""
    previous = {signum: signal.signal(signum, signal.SIG_DFL) for signum in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_backup_stopped_by_a_signal_removes_its_unfinished_file(data: Path, tmp_path: Path, monkeypatch, capsys,
                                                                  default_stop_signals, signum: int) -> None:
    from store.archive_write import Frames

    _signal_self_at(monkeypatch, Frames, "end_frame", 3, signum)
    out = tmp_path / "out"
    out.mkdir()
    assert main(cli(data, "backup", "1", "-o", str(out / "stopped.manager"))) == 128 + signum
    assert capsys.readouterr().err.strip() == f"keepbooks: stopped by {signal.Signals(signum).name}"
    assert list(out.iterdir()) == []  # no file under its name, no temporary file either
    assert signal.getsignal(signum) is signal.SIG_DFL  # this process's handler is back


@pytest.mark.parametrize("second", [signal.SIGHUP, signal.SIGINT])
def test_a_second_signal_does_not_cut_the_cleanup_short_and_a_closed_stderr_is_no_error(
        data: Path, tmp_path: Path, monkeypatch, second: int) -> None:
    # systemd sends SIGTERM again, a shell passes a hang-up on, a person presses Ctrl-C while it stops (a
    # review: that one still cut the cleanup short); the terminal that would show the last words may be
    # gone (EIO).
    from store.archive_write import Frames, Workspace

    _signal_self_at(monkeypatch, Frames, "end_frame", 3, signal.SIGTERM)
    _signal_self_at(monkeypatch, Workspace, "cleanup", 1, second)

    class GoneTerminal:
        def isatty(self) -> bool:
            return False

        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

        def flush(self) -> None:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(sys, "stderr", GoneTerminal())
    out = tmp_path / "out"
    out.mkdir()
    assert main(cli(data, "backup", "1", "-o", str(out / "stopped.manager"))) == 143
    assert list(out.iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C is Python's again


def test_under_nohup_a_hang_up_does_not_stop_a_backup(data: Path, tmp_path: Path, monkeypatch) -> None:
    from store.archive_write import Frames

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup starts it
    try:
        _signal_self_at(monkeypatch, Frames, "end_frame", 3, signal.SIGHUP)
        assert main(cli(data, "backup", "1", "-o", str(tmp_path / "nohup.manager"), "--quiet")) == 0
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert archive.verify(tmp_path / "nohup.manager").company_name == "Atelier Lefèvre"


def _signal_self_inside_sqlite(monkeypatch, signum: int) -> None:
    """Send ``signum`` to this process from inside SQLite, the first time it calls a progress handler
    back (every 100 steps here): as a signal that comes while the books are copied, whose Python handler
    then runs inside that call back, where SQLite drops what it raises and reports "interrupted"."""
    sent: list[int] = []

    class Signalling(sqlite3.Connection):
        def set_progress_handler(self, handler, n) -> None:
            def signalling():
                if not sent:
                    sent.append(signum)
                    os.kill(os.getpid(), signum)
                return handler()

            super().set_progress_handler(None if handler is None else signalling, n and 100)

    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: connect(*args, factory=Signalling, **kwargs))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("which", [["1"], ["--all"]])
def test_a_signal_while_the_books_are_copied_stops_the_backup_with_its_exit_code(
        data: Path, tmp_path: Path, monkeypatch, capsys, default_stop_signals, signum: int, which: list[str]) -> None:
    # Found by an exploratory tester: the signal's exception was lost inside SQLite, the backup failed with
    # "Cannot read …/books.sqlite: interrupted." (exit 1), and backup --all went on with the next company.
    out = tmp_path / "out"
    out.mkdir()
    _signal_self_inside_sqlite(monkeypatch, signum)
    expected = 130 if signum == signal.SIGINT else 128 + signum
    assert main(cli(data, "backup", *which, "-o", str(out))) == expected
    err = capsys.readouterr().err.strip()
    assert err == ("keepbooks: interrupted" if signum == signal.SIGINT
                   else f"keepbooks: stopped by {signal.Signals(signum).name}")
    assert list(out.iterdir()) == []  # no backup, no temporary file, no other company's backup either
    with Catalog(folders_at(tmp_path)) as catalog:
        assert all(company.last_backup_at is None for company in catalog.companies())


def test_an_import_stopped_by_a_signal_adds_nothing(data: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from store import archive_read

    backup = tmp_path / "b.manager"
    assert main(cli(data, "backup", "1", "-o", str(backup), "--quiet")) == 0
    before = state(data)
    _signal_self_at(monkeypatch, archive_read._Filler, "start", 1, signal.SIGTERM)
    assert main(cli(data, "import", str(backup))) == 143
    assert capsys.readouterr().err.strip().endswith("keepbooks: stopped by SIGTERM")
    assert leftovers(data) == [] and state(data) == before


def test_a_reader_that_stops_early_is_said_on_stderr(data: Path) -> None:
    # backup -o - | ssh host 'cat > f' with the far end gone: exit 1 and, before, not a word in the log.
    child = subprocess.Popen([sys.executable, "-m", "tui.cli", *cli(data, "backup", "1", "-o", "-")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None and child.stdout.read(1000)
    child.stdout.close()  # the reader goes away
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "keepbooks: what reads the output stopped before its end (a closed pipe); what it got is incomplete")


@pytest.mark.parametrize("command", [("companies", "--json"), ("inspect", "FILE"),
                                     ("prune", "FOLDER", "--keep-last", "1", "--dry-run")])
def test_a_listing_cut_short_by_its_reader_ends_without_a_word(data: Path, tmp_path: Path, command) -> None:
    """`keepbooks companies --json | head -1`: the reader had what it wanted, yet keepbooks said the output
    was incomplete and exited 1, as for a backup streamed to a reader gone away (above)."""
    backup = tmp_path / "one.manager"
    assert main(cli(data, "backup", "1", "-o", str(backup), "--quiet")) == 0
    args = [{"FILE": str(backup), "FOLDER": str(tmp_path)}.get(arg, arg) for arg in command]
    child = subprocess.Popen([sys.executable, "-m", "tui.cli", *cli(data, *args)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None
    child.stdout.close()  # `| head -0`: gone before the first line
    _out, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (128 + signal.SIGPIPE, b"")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_stdout_that_cannot_be_written_to_is_said_in_one_line(data: Path, tmp_path: Path) -> None:
    """Found by an exploratory tester scripting keepbooks: `companies > /dev/full` said "internal error:
    OSError(28, …)", and so did a backup after it was made; with stdout closed (>&-), `companies` lost its
    list with exit 0 and `backup -o -` said "internal error: AttributeError(…)"."""
    backup = tmp_path / "b.manager"
    with open("/dev/full", "wb") as full:
        for args in (["companies"], ["companies", "--json"], ["backup", "1", "-o", str(backup)],
                     ["inspect", str(backup)], ["inspect", str(backup), "--json"]):
            result = run(*cli(data, *args), stdout=full)
            assert (result.returncode, result.stderr.decode()) == (
                1, "keepbooks: cannot write to standard output: the disk is full\n"), args
    assert archive.verify(backup).company_name == "Atelier Lefèvre"  # made: only its report was lost
    # A review: backup --all and import --latest stopped at their first report line, the other companies
    # neither backed up nor restored.
    folder, restored = tmp_path / "all", tmp_path / "restored"
    folder.mkdir()
    with open("/dev/full", "wb") as full:
        for args in (cli(data, "backup", "--all", "-o", str(folder)),
                     ["--data-dir", str(restored), "import", "--latest", str(folder)]):
            result = run(*args, stdout=full)
            assert result.returncode == 1, args
            assert result.stderr.decode().endswith("keepbooks: cannot write to standard output: the disk is full\n")
    assert len(list(folder.glob("*.manager"))) == 2
    with Catalog(resolve_folders(restored)) as catalog:
        assert sorted(c.name for c in catalog.companies()) == ["Atelier Lefèvre", "Other"]
    for args in (["companies"], ["backup", "1", "-o", "-"]):
        result = subprocess.run([sys.executable, "-m", "tui.cli", *cli(data, *args)], stderr=subprocess.PIPE,
                                preexec_fn=lambda: os.close(1), cwd=ROOT, timeout=120)  # as `>&-` starts it
        assert (result.returncode, result.stderr.decode()) == (
            1, "keepbooks: cannot write to standard output: it is closed\n"), args


@pytest.mark.parametrize("left_out", [(), ("--no-attachments", "--no-history")])
def test_a_damaged_company_is_not_backed_up_to_a_file_nor_to_stdout(data: Path, tmp_path: Path,
                                                                   left_out: tuple[str, ...]) -> None:
    """Found by a reliability audit: "Wrote … (22.2 MB)", exit 0 and the catalog's last backup, for a file
    that verify then said was damaged. Streamed, what was written cannot be taken back: it ends before the
    archive does (verify refuses it), the exit status is 1 and the catalog records nothing."""
    books = data / "companies" / "1" / "books.sqlite"
    damage_table(books, "transaction", "records")
    result = run(*cli(data, "backup", "1", "-o", str(tmp_path / "out.manager"), *left_out))
    err = result.stderr.decode()
    assert result.returncode == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert f"{books} is damaged" in err and "keepbooks import" in err and b"Wrote" not in result.stdout
    assert list(tmp_path.glob("*.manager")) == [] and leftovers(tmp_path) == []
    with open(tmp_path / "streamed", "wb") as out:
        streamed = run(*cli(data, "backup", "1", "-o", "-", *left_out), stdout=out)
    assert streamed.returncode == 1 and streamed.stderr.decode() == err
    with pytest.raises(archive.ArchiveError):
        archive.verify(tmp_path / "streamed")
    with Catalog(folders_at(data.parent)) as catalog:
        assert catalog.get(1).last_backup_at is None
    assert not system_temp_leftovers()


def test_a_backup_of_damaged_books_it_does_not_carry_is_written_with_a_warning(data: Path, tmp_path: Path,
                                                                               capsys) -> None:
    """Found by a review: books whose page SQLite's check refuses (a wrong count of free bytes), but whose
    copy passes every check, were backed up with "Wrote …" alone; the books stay damaged, and SQLite may
    damage them further. The backup is made (exit 0) and one line on stderr says so and what to do."""
    books = data / "companies" / "1" / "books.sqlite"
    damage_table(books, "line", "fragments")
    file = tmp_path / "out.manager"
    assert main(cli(data, "backup", "1", "-o", str(file))) == 0
    out, err = capsys.readouterr()
    assert f"Wrote {file}" in out
    [line] = err.splitlines()
    assert line.startswith(f"keepbooks: The company database {books} is damaged: ") and "integrity check" in line
    assert f"its backup {file} does not carry the damage" in line and "keepbooks import" in line
    assert archive.verify(file).company_name == "Atelier Lefèvre"
    # --quiet (cron mails stderr alone) keeps it; --json gets it as data.
    assert main(cli(data, "backup", "1", "-o", str(file), "--force", "--quiet", "--json")) == 0
    out, err = capsys.readouterr()
    [item] = json.loads(out)["backups"]
    assert err.splitlines() == [line] and "integrity check" in item["books_damage"] and item["books_damage"] in line
    # Streamed (under --progress json, an event of its own), and with --all: company by company.
    with open(tmp_path / "streamed", "wb") as stream:
        streamed = run(*cli(data, "backup", "1", "-o", "-", "--progress", "json"), stdout=stream)
    [event] = [e for e in map(json.loads, streamed.stderr.decode().splitlines()) if e["event"] != "progress"]
    assert streamed.returncode == 0 and event == {
        "event": "damaged", "company": "Atelier Lefèvre", "company_id": 1, "problem": item["books_damage"],
        "message": event["message"]}
    assert "the backup written to standard output does not carry the damage" in event["message"]
    assert main(cli(data, "backup", "--all", "-o", str(tmp_path), "--json")) == 0
    out, err = capsys.readouterr()
    damage = {item["company"]["id"]: item["books_damage"] for item in json.loads(out)["backups"]}
    assert damage[1] == item["books_damage"] and damage[2] is None
    assert len(err.splitlines()) == 1 and f"{books} is damaged" in err


def test_backup_to_a_terminal_is_refused(data: Path) -> None:
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "tui.cli", *cli(data, "backup", "2", "-o", "-")],
                                stdout=secondary, stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    finally:
        os.close(secondary)
        os.close(primary)
    assert result.returncode == 2 and b"terminal" in result.stderr


def test_inspect_of_a_pipe_has_no_file_size(data: Path, tmp_path: Path) -> None:
    """A backup read from a pipe (cat b.manager | keepbooks inspect /dev/stdin) said its file size was 0."""
    assert main(cli(data, "backup", "Other", "-o", str(tmp_path / "b.manager"))) == 0
    for args in (("inspect", "--json", "/dev/stdin"), ("inspect", "/dev/stdin")):
        with open(tmp_path / "b.manager", "rb") as backup:
            cat = subprocess.Popen(["cat"], stdin=backup, stdout=subprocess.PIPE)
            result = subprocess.run([sys.executable, "-m", "tui.cli", *args], stdin=cat.stdout, capture_output=True,
                                    cwd=ROOT, timeout=120)
            cat.stdout.close()
            cat.wait()
        assert result.returncode == 0, result.stderr
        if "--json" in args:
            assert json.loads(result.stdout)["file_size"] is None
        else:
            assert b"Other" in result.stdout and b"File size" not in result.stdout


def test_inspect_verify_and_import(data: Path, tmp_path: Path, capsys) -> None:
    assert main(cli(data, "backup", "1", "-o", str(tmp_path / "b.manager"))) == 0
    capsys.readouterr()
    assert main(cli(data, "inspect", str(tmp_path / "b.manager"))) == 0
    text = capsys.readouterr().out
    assert "Atelier Lefèvre" in text and "schema 1" in text and "Transactions  150" in text
    assert main(cli(data, "inspect", "--json", str(tmp_path / "b.manager"))) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "keepbooks-backup" and info["company"]["name"] == "Atelier Lefèvre"
    assert info["counts"]["transactions"] == 150 and info["include"]["attachments"] is True
    assert info["file"] == str(tmp_path / "b.manager") and info["file_size"] == (tmp_path / "b.manager").stat().st_size
    assert set(info) == {"format", "format_version", "app_version", "schema_version", "company", "created_at",
                         "include", "counts", "sizes", "file", "file_size"}
    assert main(cli(data, "verify", str(tmp_path / "b.manager"))) == 0
    assert "OK" in capsys.readouterr().out
    assert main(cli(data, "import", str(tmp_path / "b.manager"), "--name", "Restored")) == 0
    assert capsys.readouterr().out.strip() == "Imported company 3: Restored"
    assert main(cli(data, "import", str(tmp_path / "b.manager"))) == 0
    assert capsys.readouterr().out.strip() == "Imported company 4: Atelier Lefèvre"


def test_import_says_what_the_backup_left_out(data: Path, tmp_path: Path, capsys) -> None:
    """Found by a disaster-recovery drill: a backup made with --no-attachments imported with only "Imported
    company 6: Boulangerie Martin", and the restored company lacked its attachments without a word."""
    partial = tmp_path / "partial.manager"
    assert main(cli(data, "backup", "1", "-o", str(partial), "--no-attachments", "--quiet")) == 0
    assert main(cli(data, "import", str(partial))) == 0
    assert capsys.readouterr().out.strip() == ("Imported company 3: Atelier Lefèvre; the backup left out "
                                               "attachments, so the company has none.")
    assert main(cli(data, "backup", "1", "-o", str(partial), "--no-emails", "--no-history", "--force",
                    "--quiet")) == 0
    assert main(cli(data, "import", str(partial), "--name", "Two left out")) == 0
    assert capsys.readouterr().out.strip() == ("Imported company 4: Two left out; the backup left out emails "
                                               "and history, so the company has none.")
    # A French bookkeeper's pass: "sans courriels et historique"; French says "sans courriels ni historique".
    assert main(cli(data, "--lang", "fr", "import", str(partial), "--name", "Deux")) == 0
    assert capsys.readouterr().out.strip() == ("Entreprise 5 importée\u00a0: Deux, sans courriels ni historique"
                                               "\u202f; la sauvegarde ne les contenait pas.")
    assert main(cli(data, "backup", "1", "-o", str(partial), "--no-attachments", "--no-emails", "--no-history",
                    "--force", "--quiet")) == 0
    assert main(cli(data, "import", str(partial), "--name", "Books only")) == 0
    assert capsys.readouterr().out.strip() == ("Imported company 6: Books only; the backup left out attachments, "
                                               "emails and history, so the company has none.")
    assert main(cli(data, "import", str(partial), "--json")) == 0
    assert json.loads(capsys.readouterr().out)["include"] == {"attachments": False, "emails": False,
                                                              "history": False}
    assert main(cli(data, "backup", "1", "-o", str(partial), "--no-emails", "--force", "--quiet")) == 0
    assert main(cli(data, "import", str(partial), "--json")) == 0
    assert json.loads(capsys.readouterr().out)["include"] == {"attachments": True, "emails": False,
                                                              "history": True}


def test_errors_in_a_subprocess_are_one_line_with_exit_1(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.manager"
    bad.write_text("not a backup")
    for command in ("inspect", "verify", "import"):
        result = run(*cli(data, command, str(bad)))
        err = result.stderr.decode()
        assert result.returncode == 1 and len(err.strip().splitlines()) == 1 and str(bad) in err, err


# --- kill -9 at random points --------------------------------------------------------------------------

def _kill_after(args: list[str], delay: float) -> bool:
    """Run the CLI and kill -9 it after ``delay`` seconds; True when it was killed before it ended."""
    child = subprocess.Popen([sys.executable, "-m", "tui.cli", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        child.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return True


def _duration(args: list[str]) -> float:
    started = time.monotonic()
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def test_kill_during_backup_leaves_the_old_state_or_a_whole_file(tmp_path: Path) -> None:
    with Catalog(folders_at(tmp_path)) as catalog:
        company = make_company(catalog, transactions=1500, attachments_mb=6)
    data = folders_at(tmp_path).data
    out = tmp_path / "out"
    out.mkdir()
    before = {k: v for k, v in state(data / "companies").items() if not k.endswith("-wal")}
    total = _duration(cli(data, "backup", "1", "-o", str(out / "probe.manager")))
    rng = random.Random(3)
    killed = 0
    for attempt in range(6):
        target = out / f"k{attempt}.manager"
        killed += _kill_after(cli(data, "backup", "1", "-o", str(target)), rng.uniform(0.0, total))
        if target.exists():  # the name appears only for a complete file
            assert archive.verify(target).counts["transactions"] == 1500
        companies = state(data / "companies")
        assert {k: v for k, v in companies.items() if not k.endswith("-wal")} == before
        assert all((data / "companies" / k).stat().st_size == 0 for k in companies if k.endswith("-wal"))
    assert killed >= 3
    # The next backup cleans what the killed ones left.
    assert run(*cli(data, "backup", "1", "-o", str(out / "after.manager"))).returncode == 0
    assert leftovers(out) == []
    assert not company.books_path.with_name("books.sqlite-journal").exists()


def test_kill_during_import_adds_a_whole_company_or_nothing(tmp_path: Path) -> None:
    with Catalog(folders_at(tmp_path)) as catalog:
        company = make_company(catalog, transactions=1500, attachments_mb=6)
        backup = archive.backup_company(catalog, company.id, tmp_path / "b.manager").path
    data = folders_at(tmp_path).data
    original = original_rows(company.books_path)
    before = state(data / "companies" / "1")
    # The shorter of two runs: the import takes well under a second, so a slow first run (cold caches,
    # a busy machine) would put most kill times after the end and kill too few.
    total = min(_duration(cli(data, "import", str(backup))) for _ in range(2))
    rng = random.Random(5)
    killed = 0
    for _attempt in range(6):
        killed += _kill_after(cli(data, "import", str(backup)), rng.uniform(0.0, total))
        with Catalog(folders_at(tmp_path)) as catalog:  # opening cleans the staging of a killed import
            companies = catalog.companies()
            for info in companies[1:]:
                assert restored_rows(info.books_path) == original
        assert leftovers(data) == []
        assert state(data / "companies" / "1") == before
    assert killed >= 3


# --- kill -9 at the catalog's dangerous moments ----------------------------------------------------------
# Between a company folder's move (into companies/, or to the trash) and the catalog's COMMIT that records
# it, the folders and the list disagree; the next opening of the catalog must make them agree again.

KILL_AT = r"""
import os, signal, sys
import store.catalog as catalog

when, code = sys.argv[1], sys.argv[2]
real_move, real_connect = catalog._move, catalog.connect
moved = False
commits = 0

def kill():
    os.kill(os.getpid(), signal.SIGKILL)

def move(source, target):
    global moved
    real_move(source, target)
    moved = True
    if when == "after-move":
        kill()

class Connection:
    # The catalog's connection, but killed right before or right after the COMMIT that records a move.
    def __init__(self, conn):
        self._conn = conn
    def __getattr__(self, name):
        return getattr(self._conn, name)
    def execute(self, sql, *args):
        global commits
        commits += sql == "COMMIT"
        if sql == "COMMIT" and (moved and when == "before-commit" or when == f"before-commit-{commits}"):
            kill()
        result = self._conn.execute(sql, *args)
        if moved and sql == "COMMIT" and when == "after-commit":
            kill()
        return result

catalog._move = move
catalog.connect = lambda *args, **kwargs: Connection(real_connect(*args, **kwargs))
exec(code)
sys.exit("not killed")
"""


def _killed_at(when: str, code: str) -> None:
    """Run ``code`` in a child Python that kills itself with SIGKILL at ``when`` (KILL_AT)."""
    result = subprocess.run([sys.executable, "-c", KILL_AT, when, code], capture_output=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()


EMPTY = hashlib.sha256(b"").hexdigest()


def _files(folder: Path) -> dict[str, str]:
    """``state``, without an empty -wal file (a reader of books in WAL mode may leave one: no change)."""
    return {k: v for k, v in state(folder).items() if not (k.endswith("-wal") and v == EMPTY)}


def without_entry(folder: Path) -> dict[str, str]:
    """A removed company's files as its folder holds them in the trash or back in the list."""
    return {k: v for k, v in _files(folder).items() if k != "catalog-entry.json"}


def _integrity(books: Path) -> str:
    with closing(sqlite3.connect(books)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def _listed_and_folders_agree(catalog: Catalog) -> None:
    """Every company folder is listed, every listed company has its books, and no staging is left."""
    folders = {p.name for p in catalog.folders.companies.iterdir() if p.name.isdigit()}
    assert folders == {str(c.id) for c in catalog.companies()}
    assert not any(c.missing for c in catalog.companies())
    assert leftovers(catalog.folders.data) == []


@pytest.mark.parametrize("when", ["after-move", "after-commit"])
def test_kill_between_an_imports_folder_move_and_its_commit(data: Path, tmp_path: Path, when: str) -> None:
    folders = folders_at(tmp_path)
    with Catalog(folders) as catalog:
        backup = archive.backup_company(catalog, 2, tmp_path / "other.manager").path
    original = original_rows(folders.companies / "2" / "books.sqlite")
    before = {n: _files(folders.companies / n) for n in ("1", "2")}
    _killed_at(when, f"from tui.cli import main; main({cli(data, 'import', str(backup))!r})")

    with Catalog(folders) as catalog:  # as the app opens it
        _listed_and_folders_agree(catalog)
        added = [c for c in catalog.companies() if c.id not in (1, 2)]
        assert len(added) == 1  # the folder moved in: it is the company, listed (added back if need be)
        assert added[0].name == "Other" and _integrity(added[0].books_path) == "ok"
        assert restored_rows(added[0].books_path) == original
        with catalog.open_books(added[0].id) as books:
            assert books.settings().name == "Other"
    assert {n: _files(folders.companies / n) for n in ("1", "2")} == before
    # The id is not handed out again: the next import gets a new one, and works.
    result = run(*cli(data, "import", str(backup), "--json"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == added[0].id + 1
    with Catalog(folders) as catalog:
        _listed_and_folders_agree(catalog)
        assert len(catalog.companies()) == 4


REMOVE = "from store.catalog import Catalog; from store.config import resolve_folders; " \
         "Catalog(resolve_folders({data!r}, {backups!r})).{call}"


@pytest.mark.parametrize("when", ["after-move", "after-commit"])
def test_kill_between_a_removals_move_to_the_trash_and_its_commit(data: Path, tmp_path: Path, when: str) -> None:
    folders = folders_at(tmp_path)
    before = {n: _files(folders.companies / n) for n in ("1", "2")}
    _killed_at(when, REMOVE.format(data=str(folders.data), backups=str(folders.backups), call="remove(2)"))

    with Catalog(folders) as catalog:
        _listed_and_folders_agree(catalog)
        listed = {c.id for c in catalog.companies()}
    assert _files(folders.companies / "1") == before["1"]
    trashed = [p for p in folders.trash.iterdir()] if folders.trash.is_dir() else []
    if 2 in listed:  # still listed: whole, and nothing of it left in the trash
        assert when == "after-move" and trashed == []
        assert _files(folders.companies / "2") == before["2"]
        return
    assert when == "after-commit" and len(trashed) == 1  # removed: in the trash, and it can be put back
    result = run(*cli(data, "untrash", str(trashed[0]), "--json"))
    assert result.returncode == 0, result.stderr
    back = json.loads(result.stdout)["id"]
    assert back == 3 and _files(folders.companies / "3") == before["2"]
    with Catalog(folders) as catalog:
        _listed_and_folders_agree(catalog)
        assert _integrity(catalog.get(3).books_path) == "ok"


@pytest.mark.parametrize("when", ["after-move", "before-commit", "after-commit"])
def test_kill_between_an_untrashs_folder_move_and_its_commit(data: Path, tmp_path: Path, when: str) -> None:
    folders = folders_at(tmp_path)
    with Catalog(folders) as catalog:
        catalog.record_backup(2, tmp_path / "old.manager", 1234, left_out=["attachments"])
        where = catalog.remove(2)
    before = {"1": _files(folders.companies / "1"),
              "2": without_entry(where)}
    _killed_at(when, REMOVE.format(data=str(folders.data), backups=str(folders.backups),
                                   call=f"untrash({str(where)!r})"))

    # The repair at the next opening killed too, before its COMMIT (the second: the first adds columns).
    _killed_at("before-commit-2", REMOVE.format(data=str(folders.data), backups=str(folders.backups), call="conn"))
    with Catalog(folders) as catalog:
        _listed_and_folders_agree(catalog)
        companies = catalog.companies()
    assert _files(folders.companies / "1") == before["1"]
    assert [c.id for c in companies] == [1, 3] and not where.exists()  # the folder moved: it is listed
    back = companies[1]
    # Killed after the COMMIT, its catalog-entry.json stays in its folder: harmless (next test).
    assert without_entry(back.folder) == before["2"] and _integrity(back.books_path) == "ok"
    # What the list knew of it comes back with it: its last backup was partial.
    assert (back.name, back.last_backup_size, back.last_backup_left_out) == ("Other", 1234, ("attachments",))
    # Removed again, killed before that COMMIT: it is listed again, not taken for a finished removal.
    _killed_at("after-move", REMOVE.format(data=str(folders.data), backups=str(folders.backups), call="remove(3)"))
    with Catalog(folders) as catalog:
        _listed_and_folders_agree(catalog)
        assert [c.id for c in catalog.companies()] == [1, 3]
        assert without_entry(catalog.get(3).folder) == before["2"]
    result = run(*cli(data, "import", str(archive_of(folders, 1, tmp_path)), "--json"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 4


def archive_of(folders, company_id: int, tmp_path: Path) -> Path:
    with Catalog(folders) as catalog:
        return archive.backup_company(catalog, company_id, tmp_path / f"c{company_id}.manager").path
