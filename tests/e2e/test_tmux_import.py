"""End to end: the real `keepbooks` in a tmux terminal of 100×30 imports a backup by its typed path.

A company is made and backed up with the real CLI; the app is opened on a second, empty data folder;
the keys are those a person on a server would press: i, the path, Enter (preview), Enter (import step),
a new name, Enter. The result is checked with the CLI's own `companies --json`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from test_tmux_backup import KEEPBOOKS, Terminal

pytestmark = pytest.mark.e2e
COMPANY = "Tmux Imports"


def keepbooks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KEEPBOOKS), *args], capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_import_a_backup_by_typing_its_path(tmp_path: Path) -> None:
    source, target, backups = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    made = keepbooks("--data-dir", str(source), "demo", "--name", COMPANY, "--transactions", "300",
                     "--attachments-mb", "1")
    assert made.returncode == 0, made.stderr
    file = tmp_path / "elsewhere" / "from the server.manager"  # not in the backups folder, with spaces
    file.parent.mkdir()
    backed_up = keepbooks("--data-dir", str(source), "backup", COMPANY, "-o", str(file))
    assert backed_up.returncode == 0, backed_up.stderr
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "KEEPBOOKS_LANG": "en"}
    terminal = Terminal([str(KEEPBOOKS), "--data-dir", str(target), "--backup-dir", str(backups)], env)
    try:
        terminal.wait_for("No companies yet")
        terminal.keys("i")
        terminal.wait_for("Import a company")
        terminal.keys("-l", str(file))  # typed as literal text, as if pasted
        terminal.keys("Enter")
        screen = terminal.wait_for("Transactions")
        assert COMPANY in screen and "300" in screen
        terminal.keys("Enter")
        terminal.wait_for(f"▊  {COMPANY}")  # the name field, filled with the backup's name
        terminal.keys("C-u")  # clear it
        terminal.wait_for("A company name cannot be empty")
        terminal.keys("-l", "Restored by keys")
        terminal.wait_for("▊  Restored by keys")
        terminal.keys("Enter")
        screen = terminal.wait_for("Imported Restored by keys")
        terminal.keys("C-q")
    finally:
        terminal.close()
    listed = keepbooks("--data-dir", str(target), "companies", "--json")
    assert listed.returncode == 0, listed.stderr
    companies = json.loads(listed.stdout)
    assert [c["name"] for c in companies] == ["Restored by keys"]
