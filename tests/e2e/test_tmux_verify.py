"""End to end: the real `keepbooks` in a tmux terminal of 100×30 verifies a damaged backup from the
backups view, and the person reads why it cannot be imported, whole (it was cut at the dialog's border).

A company is backed up with the real CLI into the backups folder, then one byte in the middle of the
file is flipped; the keys are those a person would press: b (backups), v (verify).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from store import archive
from test_tmux_backup import KEEPBOOKS, Terminal

pytestmark = pytest.mark.e2e
COMPANY = "Tmux Verifies"


def dialog_text(screen: str) -> str:
    """The text inside the dialog's thick border, its lines run together without any spacing (a long
    path wraps in the middle of a word)."""
    inside = [line[line.index("█") + 1:line.rindex("█")] for line in screen.splitlines() if line.count("█") >= 2]
    return "".join("".join(inside).split())


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_damaged_backup_says_why_it_cannot_be_imported(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    made = subprocess.run([str(KEEPBOOKS), "--data-dir", str(data), "demo", "--name", COMPANY, "--transactions",
                           "300", "--attachments-mb", "1"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    file = backups / "damaged.manager"
    backups.mkdir()
    backed_up = subprocess.run([str(KEEPBOOKS), "--data-dir", str(data), "backup", COMPANY, "-o", str(file)],
                               capture_output=True, text=True)
    assert backed_up.returncode == 0, backed_up.stderr
    content = bytearray(file.read_bytes())
    content[len(content) // 2] ^= 0xFF
    file.write_bytes(content)
    with pytest.raises(archive.ArchiveError) as refused:
        archive.verify(file)
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "KEEPBOOKS_LANG": "en"}
    terminal = Terminal([str(KEEPBOOKS), "--data-dir", str(data), "--backup-dir", str(backups)], env)
    try:
        terminal.wait_for(COMPANY)
        terminal.keys("b")
        terminal.wait_for("everything")  # the backup, listed from its manifest (the damage is further in)
        terminal.keys("v")
        screen = terminal.wait_for("Check failed.")
        expected = "".join(f"This backup cannot be imported: {refused.value.message}".split())
        assert expected in dialog_text(screen), screen
        terminal.keys("Escape")
        terminal.wait_for("Backups in")
        terminal.keys("C-q")
    finally:
        terminal.close()
