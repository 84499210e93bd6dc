"""The command line's contract: exit codes, one-line errors on stderr, JSON for scripts."""

from __future__ import annotations

import datetime
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from store.catalog import Catalog
from store.config import Folders
from tui.cli import main


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real console entry point in a subprocess, as a shell or cron would."""
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "companies" in result.stdout and "demo" in result.stdout
    # A helper's pass: import's usage alone said [--progress MODE], without the modes the others list.
    assert "[--progress {auto,json,none}]" in run("import", "--help").stdout


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "no-such-command")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("keepbooks:")
    assert "Traceback" not in result.stderr
    assert run("--data-dir", str(tmp_path), "demo", "--transactions", "0").returncode == 2


@pytest.mark.parametrize("progress", [["--progress", "json"], ["--progress=json"]])
def test_usage_errors_under_progress_json_are_json_lines_too(tmp_path: Path, capsys, progress) -> None:
    # Left as found by earlier sessions: argparse's usage and message came as plain text, which a script
    # reading stderr as JSON lines failed on.
    assert main(["--data-dir", str(tmp_path), "backup", *progress, "--bogus"]) == 2
    assert main(["--data-dir", str(tmp_path), *progress, "import"]) == 2
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [event["event"] for event in events] == ["message", "message"]
    assert "unrecognized arguments: --bogus" in events[0]["message"]


def test_a_language_keepbooks_does_not_speak_in_the_environment_is_said(tmp_path: Path, monkeypatch,
                                                                        capsys) -> None:
    # A helper scripting keepbooks: KEEPBOOKS_LANG=de was passed over without a word (--lang de: exit 2).
    assert main(["--data-dir", str(tmp_path), "demo", "--transactions", "5", "--attachments-mb", "0", "-q"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("KEEPBOOKS_LANG", "de")
    assert main(["--data-dir", str(tmp_path), "companies", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ("keepbooks: KEEPBOOKS_LANG=de is not a language keepbooks speaks (en, fr): "
                            "passed over.\n")
    assert len(json.loads(captured.out)) == 1  # the output a script reads is as it was
    monkeypatch.setenv("KEEPBOOKS_LANG", "fr_FR.UTF-8")
    assert main(["--data-dir", str(tmp_path), "companies", "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_demo_then_companies_json(tmp_path: Path) -> None:
    created = run("--data-dir", str(tmp_path), "demo", "--name", "Boulangerie Martin", "--transactions", "50",
                  "--attachments-mb", "0.2")
    assert created.returncode == 0, created.stderr
    assert "Boulangerie Martin" in created.stdout
    assert created.stderr == ""  # progress goes to stderr only on a terminal
    listed = run("--data-dir", str(tmp_path), "companies", "--json")
    companies = json.loads(listed.stdout)
    assert [c["name"] for c in companies] == ["Boulangerie Martin"]
    assert set(companies[0]) >= {"id", "name", "created_at", "last_change", "size_bytes", "last_backup_at"}
    table = run("--data-dir", str(tmp_path), "companies")
    assert "Boulangerie Martin" in table.stdout and "never" in table.stdout


def test_the_app_without_a_terminal_says_so_and_exits(tmp_path: Path) -> None:
    # From cron, or `ssh server keepbooks` without -t: no drawing into a file, no waiting for ever.
    result = subprocess.run([sys.executable, "-m", "tui.cli", "--data-dir", str(tmp_path)], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "keepbooks: the app needs a terminal (over SSH: ssh -t); the commands work without one (keepbooks --help)")
    assert result.stdout == ""


def app_in_a_terminal(args: list[str], *, script: str = "", stop_when_drawn: bytes = b"",
                      deadline: float = 60, env: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Run the app in a pseudo-terminal (``script``: Python run first, to break something; ``env``: more
    environment variables); with ``stop_when_drawn``, send SIGTERM once those bytes were drawn. Its exit
    status and what it drew."""
    import pty

    code = f"{script}\nfrom tui.cli import main; import sys; sys.exit(main(sys.argv[1:]))"
    main_fd, terminal = pty.openpty()
    app: subprocess.Popen | None = None
    try:
        app = subprocess.Popen([sys.executable, "-c", code, *args], stdin=terminal, stdout=terminal,
                               stderr=terminal, env={**os.environ, "TERM": "xterm-256color", **(env or {})})
        said, stopped, ends = b"", False, time.monotonic() + deadline
        while (app.poll() is None or select.select([main_fd], [], [], 0)[0]) and time.monotonic() < ends:
            if select.select([main_fd], [], [], 1)[0]:  # drained, or the app would block on a full terminal
                said += os.read(main_fd, 65536)
            if stop_when_drawn and not stopped and stop_when_drawn in said:
                app.send_signal(signal.SIGTERM)
                stopped = True
        return app.wait(timeout=10), said
    finally:
        if app is not None and app.poll() is None:  # failed to end: not left running after the test
            app.kill()
            app.wait()
        os.close(main_fd)
        os.close(terminal)


def test_an_app_that_fails_exits_1_not_0(tmp_path: Path) -> None:
    """An install that lacked a screen (a wheel without tui/screens) printed Textual's traceback and
    exited 0: a wrapper script or a service manager took the failure for a success."""
    status, said = app_in_a_terminal(["--data-dir", str(tmp_path)],  # importing the screen fails, as it did
                                     script="import sys; sys.modules['tui.screens.companies'] = None")
    assert b"ModuleNotFoundError" in said or b"ImportError" in said
    assert status == 1


def test_the_app_stopped_by_sigterm_exits_143_as_the_commands_do(tmp_path: Path) -> None:
    """systemctl stop, kill: the app closed as on ctrl+q (as it should) but exited 0, where a command
    stopped so exits 143."""
    status, said = app_in_a_terminal(["--data-dir", str(tmp_path)], stop_when_drawn=b"No companies yet.")
    assert b"No companies yet." in said  # the empty list: the app was up when it was stopped
    assert status == 128 + signal.SIGTERM


ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]]")


def characters_drawn(said: bytes) -> set[str]:
    """The characters the app drew (its escape sequences and control characters left out)."""
    return {c for c in ESCAPES.sub("", said.decode("utf-8")) if c >= " "}


@pytest.mark.parametrize("environment", [{"TERM": "linux"}, {"KEEPBOOKS_CONSOLE": "1"}])
def test_the_app_on_the_linux_console_draws_only_what_its_fonts_have(tmp_path: Path, environment) -> None:
    """Found by an exploratory tester: on the Linux console (TERM=linux: a server's screen, a KVM) every
    dialog frame, field and button edge, checkbox, the header's ⭘ and the picker's 📄 were drawn as
    replacement marks. KEEPBOOKS_CONSOLE=1 asks for the same anywhere."""
    from test_tui_console import CONSOLE_FONT

    status, said = app_in_a_terminal(["--data-dir", str(tmp_path)], stop_when_drawn=b"No companies yet.",
                                     env=environment)
    drawn = characters_drawn(said)
    assert "╭" in drawn and "⭘" not in drawn  # the empty list's frame; no icon in the header
    assert {c for c in drawn if ord(c) not in CONSOLE_FONT} == set()
    assert status == 128 + signal.SIGTERM


def test_keepbooks_console_0_keeps_textuals_glyphs_on_the_linux_console(tmp_path: Path) -> None:
    """For a console with a font of its own (fbterm, kmscon), or a terminal that says linux and is not."""
    status, said = app_in_a_terminal(["--data-dir", str(tmp_path)], stop_when_drawn=b"No companies yet.",
                                     env={"TERM": "linux", "KEEPBOOKS_CONSOLE": "0"})
    assert "⭘" in characters_drawn(said)


def test_the_app_in_a_terminal_whose_locale_is_not_utf8_says_so_and_exits(tmp_path: Path) -> None:
    """A Latin-1 or ASCII locale: every border, box and key of the app came out as \\u escapes."""
    import pty

    main_fd, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "tui.cli", "--data-dir", str(tmp_path)], stdin=terminal,
                                stdout=subprocess.PIPE, stderr=terminal, timeout=60,
                                env={**os.environ, "PYTHONIOENCODING": "latin-1"})
        said = os.read(main_fd, 4096).decode("latin-1")
    finally:
        os.close(main_fd)
        os.close(terminal)
    assert result.returncode == 2 and result.stdout == b""
    assert said.strip() == ("keepbooks: the app draws with characters this locale's character set (iso8859-1) "
                            "has none of; start it under a UTF-8 locale: LANG=C.UTF-8 keepbooks")


def test_the_app_with_stderr_redirected_in_a_terminal_says_that_is_why(tmp_path: Path) -> None:
    """`keepbooks 2>err.log` in a terminal: the app draws on stderr, so it cannot start there; it said it
    needed a terminal (over SSH: ssh -t), which the person had (a helper)."""
    import pty

    main_fd, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "tui.cli", "--data-dir", str(tmp_path)], stdin=terminal,
                                stdout=terminal, stderr=subprocess.PIPE, timeout=60, text=True)
        on_screen = os.read(main_fd, 4096).decode() if select.select([main_fd], [], [], 5)[0] else ""
    finally:
        os.close(main_fd)
        os.close(terminal)
    said = ("keepbooks: the app draws on stderr, which goes to a file or a pipe here: start it without redirecting "
            "stderr (2>…)")
    assert result.returncode == 2 and result.stderr.strip() == said
    assert on_screen.strip() == said  # review: only the redirected file had it, the terminal nothing


@pytest.mark.parametrize("encoding, colon", [("latin-1", "\u00a0:"), ("ascii", " :")])
def test_french_in_a_latin1_or_ascii_locale_prints_plainer_punctuation(tmp_path: Path, encoding: str,
                                                                        colon: str) -> None:
    """Found by a helper under a bare LANG=fr_FR (Latin-1 on Debian): "Il n\\u2019y a pas…"; French's
    apostrophe and narrow no-break spaces have no place in Latin-1 or ASCII. The messages' own, that is:
    a path put into one stays what it is, escaped."""
    nowhere = tmp_path / "L’atelier"  # a name is printed as it is (escaped), never as another name
    result = subprocess.run([sys.executable, "-m", "tui.cli", "--lang", "fr", "--data-dir", str(nowhere), "companies"],
                            capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=120)
    said = result.stderr.decode(encoding)
    assert result.returncode == 1 and said.startswith("keepbooks: Il n'y a pas de dossier") and "n\\u2019" not in said
    assert f"{tmp_path}/L\\u2019atelier{colon} aucune entreprise n'y a encore" in said  # review: it read L'atelier
    # Sizes and numbers too (a second helper: "5,4\\u202fMo", which also broke the list's columns).
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5", "--quiet"]) == 0
    listed = subprocess.run([sys.executable, "-m", "tui.cli", "--lang", "fr", "--data-dir", str(data), "companies"],
                            capture_output=True, env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=120)
    size = listed.stdout.decode(encoding).splitlines()[1].split("  ")
    assert "\\u" not in listed.stdout.decode(encoding) and any(re.fullmatch(r"\d+,\d[ \xa0][kMG]o", cell.strip())
                                                              for cell in size), size


def test_empty_catalog_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with Catalog(Folders(data=tmp_path, backups=tmp_path / "backups")):
        pass  # the app made the data folder, no company yet
    assert main(["--data-dir", str(tmp_path), "companies"]) == 0
    assert "keepbooks demo" in capsys.readouterr().out


def test_data_folder_from_the_environment(tmp_path: Path) -> None:
    env = {"KEEPBOOKS_DATA_DIR": str(tmp_path / "env-data")}
    assert run("demo", "--transactions", "5", "--attachments-mb", "0", env=env).returncode == 0
    assert (tmp_path / "env-data" / "catalog.sqlite").is_file()


def test_an_unwritable_data_folder_fails_with_its_name(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("--data-dir", str(blocker / "data"), "companies")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(blocker / "data") in lines[0]


def test_a_path_the_system_refuses_is_named_with_the_reason_not_an_internal_error(tmp_path: Path) -> None:
    """The first place a path is touched (here: is it a folder?) may raise what the system says (a name
    too long, a folder this user may not enter): that is the user's to fix, not "internal error"."""
    too_long = tmp_path / ("x" * 300)
    for args, path in ((("prune", str(too_long), "--keep-last", "1"), too_long),
                       (("--data-dir", str(too_long / "data"), "companies"), too_long / "data")):
        result = run(*args)
        assert (result.returncode, result.stderr) == (1, f"keepbooks: cannot use {path}: the name is too long\n")


def test_a_bad_name_fails_and_creates_nothing(tmp_path: Path) -> None:
    result = run("--data-dir", str(tmp_path), "demo", "--name", "   ", "--transactions", "5")
    assert result.returncode == 1
    assert "cannot be empty" in result.stderr
    assert json.loads(run("--data-dir", str(tmp_path), "companies", "--json").stdout) == []
    assert [p.name for p in (tmp_path / "companies").iterdir()] == []


def test_root_writing_into_a_users_backups_folder_is_told_whose_it_is(tmp_path: Path, monkeypatch, capsys) -> None:
    """The data folder is root's, the backups folder (--backup-dir) a user's: root's backup file there
    (mode 600) made that user's prune report 'no-access' every night."""
    data, backups = tmp_path / "data", tmp_path / "backups"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    backups.mkdir()
    if os.geteuid() == 0:
        os.chown(backups, 4242, 4242)
        owner = "#4242"
    else:
        monkeypatch.setattr(os, "geteuid", lambda: 0)
        import pwd

        owner = pwd.getpwuid(os.getuid()).pw_name
    capsys.readouterr()
    assert main(["--data-dir", str(data), "--backup-dir", str(backups), "backup", "--all"]) == 0
    assert f"keepbooks: {backups} belongs to {owner}: " in capsys.readouterr().err


def test_a_data_folder_this_user_may_only_read_can_be_listed(tmp_path: Path, monkeypatch, capsys) -> None:
    """A monitoring account, a file system snapshot: 'companies' said 'The folder … is not writable.'
    It now reads the catalog as it stands and writes nothing; backup says why it cannot."""
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    before = sorted(p.name for p in data.iterdir())  # no -shm or -wal once no one has the catalog open
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: (real_access(path, mode)
                                                          and not (Path(path) == data and mode & os.W_OK)))
    capsys.readouterr()
    assert main(["--data-dir", str(data), "companies", "--json"]) == 0
    assert [company["name"] for company in json.loads(capsys.readouterr().out)] == ["Acme"]
    assert sorted(p.name for p in data.iterdir()) == before
    assert main(["--data-dir", str(data), "backup", "Acme", "-o", str(tmp_path / "x.manager")]) == 1
    assert capsys.readouterr().err.startswith(f"keepbooks: Cannot back up from {data}: this user may not write")
    assert not (tmp_path / "x.manager").exists()
    # A read-only mount (a snapshot): 'back up as the folder's owner' would not help the owner either.
    monkeypatch.setattr(os, "statvfs", lambda path: types.SimpleNamespace(f_flag=os.ST_RDONLY))
    assert main(["--data-dir", str(data), "backup", "Acme", "-o", str(tmp_path / "x.manager")]) == 1
    assert capsys.readouterr().err.startswith(f"keepbooks: Cannot back up from {data}: its file system is read-only")


def test_the_companies_table_lines_up_names_that_take_two_cells_a_character(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    for name in ("Café ☕ Bar", "Acme"):
        assert main(["--data-dir", str(data), "demo", "--name", name, "--transactions", "5"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "companies"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    from rich.cells import cell_len

    column = cell_len(header[:header.index("Last change")])  # where the dates start, in terminal cells
    assert [cell_len(row[:re.search(r" \d{4}-\d\d-\d\d ", row).start() + 1]) for row in rows] == [column] * 2


def test_root_in_a_users_data_folder_is_told_whose_it_is(tmp_path: Path, monkeypatch, capsys) -> None:
    """Root's backup --all in a user's folder made backups/ and files only root may change: the user's
    next nightly backup failed ('not writable') without a word to root. Root may mean it (a container
    on a bind mount, an admin's /srv folder), so it is said, not refused."""
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    if os.geteuid() == 0:
        os.chown(data, 4242, 4242)  # the folder of a user without a name on this machine
        owner = "#4242"
    else:
        monkeypatch.setattr(os, "geteuid", lambda: 0)  # as if root, in this user's folder
        import pwd

        owner = pwd.getpwuid(os.getuid()).pw_name
    capsys.readouterr()
    assert main(["--data-dir", str(data), "backup", "--all"]) == 0
    assert capsys.readouterr().err == (
        f"keepbooks: {data} belongs to {owner}: what root writes there only root may change, and {owner}'s own "
        f"runs would then fail on it. To act as {owner}: sudo -u \"{owner}\" keepbooks …\n")
    assert main(["--data-dir", str(data), "companies"]) == 0  # reading: nothing to say
    assert capsys.readouterr().err == ""
    assert main(["--data-dir", str(data), "--quiet", "backup", "--all", "--force"]) == 0
    assert capsys.readouterr().err == ""  # --quiet: cron mails failures only, and this is not one


def test_a_catalog_copied_with_its_wal_but_not_its_shm_lists_its_latest_names(tmp_path: Path, capsys) -> None:
    """A snapshot or sync tool that leaves the -shm out: the list was read as the file stood (immutable),
    missing what the -wal held (a company renamed)."""
    import shutil
    import sqlite3

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    writer = sqlite3.connect(data / "catalog.sqlite")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    with writer:
        writer.execute("UPDATE company SET name = 'Acme Renamed'")
    copy = tmp_path / "copy"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("*-shm"))
    writer.close()
    assert (copy / "catalog.sqlite-wal").exists() and not (copy / "catalog.sqlite-shm").exists()
    capsys.readouterr()
    assert main(["--data-dir", str(copy), "companies", "--json"]) == 0
    assert [company["name"] for company in json.loads(capsys.readouterr().out)] == ["Acme Renamed"]


def test_names_and_json_under_a_locale_that_is_not_utf8(monkeypatch) -> None:
    """LANG=fr_FR on Debian is Latin-1, en_US.ASCII is ASCII (old servers, cron jobs): a name typed in UTF-8
    arrived as escapes and matched nothing ('internal error'); 'Café – Zoë' could not be a file name
    (internal error); JSON printed é as an invalid escape."""
    from store import archive_format
    from tui.cli import as_json, typed_name

    assert typed_name("Caf\udcc3\udca9") == "Café"  # the UTF-8 bytes an ASCII locale could not decode
    assert typed_name("caf\udce9") == "caf\udce9"  # not UTF-8: left as it came, and refused as a name
    assert main(["backup", "caf\udce9"]) == 2
    text = as_json({"name": "Café – Zoë", "file": "caf\udce9.manager"})
    assert text.isascii() and json.loads(text) == {"name": "Café – Zoë", "file": "caf\udce9.manager"}
    day = datetime.date(2026, 11, 28)
    monkeypatch.setattr(sys, "getfilesystemencoding", lambda: "iso8859-1")
    assert archive_format.default_backup_name("Café – Zoë…", day) == "Café _ Zoë (2026-11-28).manager"
    monkeypatch.setattr(sys, "getfilesystemencoding", lambda: "ascii")
    assert archive_format.default_backup_name("Café – Zoë…", day) == "Cafe _ Zoe (2026-11-28).manager"
    # Full-width "／" and "：" become "/" and ":" on their way to ASCII: never a path out of the folder.
    assert archive_format.default_backup_name("／tmp／pwned：x", day) == "_tmp_pwned_x (2026-11-28).manager"


def test_untrash_puts_a_removed_company_back(tmp_path: Path, capsys) -> None:
    from store.catalog import Catalog
    from store.config import resolve_folders

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    with Catalog(resolve_folders(data)) as catalog:
        trashed = catalog.remove(catalog.find("Acme").id)
    capsys.readouterr()
    assert main(["--data-dir", str(data), "untrash", str(trashed), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Acme"
    assert main(["--data-dir", str(data), "untrash", str(trashed)]) == 1
    assert capsys.readouterr().err.startswith(f"keepbooks: {trashed} is not a removed company: those are the ")
    # The catalog lost with a company in the trash: untrash makes one anew (review: it was refused, "no
    # company has been made there").
    with Catalog(resolve_folders(data)) as catalog:
        trashed = catalog.remove(catalog.find("Acme").id)
    for end in ("", "-wal", "-shm"):
        (data / f"catalog.sqlite{end}").unlink(missing_ok=True)
    assert main(["--data-dir", str(data), "untrash", str(trashed)]) == 0
    with Catalog(resolve_folders(data)) as catalog:
        assert [company.name for company in catalog.companies()] == ["Acme"]


def test_a_lost_catalog_is_rebuilt_from_the_company_folders_and_said(tmp_path: Path, capsys) -> None:
    """Found by a reliability audit: with catalog.sqlite deleted, `companies` said the folder was no data folder
    though the companies' folders were there, and the next import moved them all to the trash, silently."""
    data, out = tmp_path / "data", tmp_path / "out"
    out.mkdir()
    for name in ("Acme", "Boulangerie Martin"):
        assert main(["--data-dir", str(data), "demo", "--name", name, "--transactions", "5"]) == 0
    for path in data.glob("catalog.sqlite*"):
        path.unlink()
    capsys.readouterr()
    assert main(["--data-dir", str(data), "companies"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"keepbooks: {data} has company folders but no companies list (its catalog.sqlite is missing): open the "
        "app, or run a keepbooks command that writes there (keepbooks backup --all), and the list is rebuilt from "
        "the company folders.")
    assert not (data / "catalog.sqlite").exists()
    assert main(["--data-dir", str(data), "backup", "--all", "-o", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"keepbooks: {name} (#{id}) was not in the companies list (the list was lost, or a program stopped while "
        f"adding it): added back from its folder {data / 'companies' / str(id)}."
        for id, name in ((1, "Acme"), (2, "Boulangerie Martin"))]
    assert len(list(out.iterdir())) == 2 and not (data / "trash").exists()
    assert main(["--data-dir", str(data), "companies", "--json"]) == 0
    assert [c["name"] for c in json.loads(capsys.readouterr().out)] == ["Acme", "Boulangerie Martin"]


def test_a_damaged_catalog_says_what_to_do(tmp_path: Path, capsys) -> None:
    """Found by a reliability audit: "Cannot open the companies catalog …: database disk image is malformed.",
    and no way forward."""
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    for path in data.glob("catalog.sqlite*"):
        path.unlink()
    (data / "catalog.sqlite").write_bytes(b"garbage " * 1024)
    capsys.readouterr()
    for command in (["companies"], ["import", str(tmp_path / "any.manager")]):
        assert main(["--data-dir", str(data), *command]) == 1
        assert capsys.readouterr().err.strip() == (
            f"keepbooks: The companies catalog {data / 'catalog.sqlite'} is damaged (file is not a database). The "
            f"companies' books are in their own folders, in {data / 'companies'}: move the catalog aside (with its "
            "-wal and -shm files, if any), and the app, or the next keepbooks command that writes there, rebuilds "
            "the list from the company folders (without the dates of their last backups).")
    (data / "catalog.sqlite").rename(data / "catalog.sqlite.damaged")
    assert main(["--data-dir", str(data), "backup", "--all", "-o", str(tmp_path), "--quiet"]) == 0
    assert "Acme (#1) was not in the companies list" in capsys.readouterr().err


def test_a_company_whose_books_are_gone_is_listed_as_missing(tmp_path: Path, capsys) -> None:
    """Its folder removed by hand (or on a disk not mounted): it was listed as '0 bytes', as if empty."""
    import shutil

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    shutil.rmtree(data / "companies" / "1")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "companies"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[4] == "missing"
    assert main(["--data-dir", str(data), "companies", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["missing"] is True


def test_the_last_backup_says_when_its_file_is_gone_and_untrash_keeps_it(tmp_path: Path, monkeypatch,
                                                                          capsys) -> None:
    """Found by a bookkeeper's week: a backup deleted in the backups view (or by prune) still showed as
    the company's last backup, as if it were safe; a relative -o was recorded relative; a company put
    back from the trash showed 'never' backed up, its last change reset."""
    from store.catalog import Catalog
    from store.config import resolve_folders

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5"]) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["--data-dir", str(data), "backup", "Acme", "-o", "acme.manager"]) == 0
    folders = resolve_folders(data)
    with Catalog(folders) as catalog:
        before = catalog.find("Acme")
        assert before.last_backup_file == str(tmp_path / "acme.manager") and not before.last_backup_gone
        trashed = catalog.remove(before.id)
        back = catalog.untrash(trashed)
    assert (back.last_backup_at, back.last_backup_file, back.last_backup_size, back.last_change) == (
        before.last_backup_at, before.last_backup_file, before.last_backup_size, before.last_change)
    assert not (back.folder / "catalog-entry.json").exists()
    (tmp_path / "acme.manager").unlink()
    capsys.readouterr()
    assert main(["--data-dir", str(data), "companies"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(", its file is gone")


@pytest.mark.parametrize("args, option", [
    (["--data-dir", "", "companies"], "--data-dir"),
    (["--backup-dir", "", "backup", "1"], "--backup-dir"),
    (["backup", "1", "-o", ""], "-o/--output"),
    (["backup", "--all", "--output="], "-o/--output"),
    (["prune", "", "--keep-last", "1"], "DIR"),
    (["import", "--latest", ""], "--latest"),
    (["import", ""], "FILE"),
    (["inspect", ""], "FILE"),
    (["verify", ""], "FILE"),
    (["untrash", ""], "FOLDER"),
])
def test_an_empty_path_is_a_usage_error_not_the_current_folder(tmp_path: Path, monkeypatch, capsys,
                                                                args: list[str], option: str) -> None:
    """Found by an exploratory tester: with DIR unset, `keepbooks prune "$DIR" --keep-last 1` deleted a
    backup in the folder it ran in ($HOME under cron), `import --latest ""` imported from there, and an
    empty --data-dir, --backup-dir or -o quietly meant the default. A script's unset variable does nothing."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the default data folder, were it used
    monkeypatch.delenv("KEEPBOOKS_DATA_DIR", raising=False)
    monkeypatch.delenv("KEEPBOOKS_BACKUP_DIR", raising=False)
    data, here = tmp_path / "data", tmp_path / "here"
    here.mkdir()
    assert main(["--data-dir", str(data), "demo", "--name", "Acme", "--transactions", "5", "-q"]) == 0
    for name in ("older.manager", "newer.manager"):
        assert main(["--data-dir", str(data), "backup", "1", "-o", str(here / name), "-q"]) == 0
    monkeypatch.chdir(here)
    files, companies = sorted(here.iterdir()), sorted((data / "companies").iterdir())
    capsys.readouterr()
    assert main(["--data-dir", str(data), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"keepbooks: argument {option}: the path is empty (is a variable unset?)"
    assert sorted(here.iterdir()) == files and sorted((data / "companies").iterdir()) == companies
    assert not (tmp_path / "xdg").exists() and not (data / "backups").exists()


def test_ctrl_c_while_the_command_line_loads_exits_130_without_a_traceback(monkeypatch, capsys) -> None:
    """Found by an exploratory tester: Ctrl-C 50 ms after starting keepbooks printed a KeyboardInterrupt
    traceback through the imports: the console script imported tui.cli before any of its code ran."""
    import importlib
    import tomllib
    from importlib.abc import MetaPathFinder

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    module, function = pyproject["project"]["scripts"]["keepbooks"].split(":")

    class CtrlC(MetaPathFinder):  # comes while tui.cli is being imported
        def find_spec(self, name, path=None, target=None):
            if name == "tui.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "tui.cli")
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(sys, "meta_path", [CtrlC(), *sys.meta_path])
    try:  # as the console script does: import the entry point, call it
        status = getattr(importlib.import_module(module), function)()
    except KeyboardInterrupt:
        status = None  # let through to Python, which prints its traceback
    assert status == 130
    assert capsys.readouterr() == ("", "")
