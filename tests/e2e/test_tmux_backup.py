"""End to end: the real `keepbooks` in a tmux terminal of 100×30, driven by keys only.

A sample company is made with the real CLI; the test opens it, backs it up with History unticked and
checks the file with store.archive.inspect. Waits poll the screen (capture-pane) in a bounded loop.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from store import archive

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
KEEPBOOKS = ROOT / ".venv" / "bin" / "keepbooks"
COMPANY = "Tmux Trading"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Terminal:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.session = f"keepbooks-e2e-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        tmux("new-session", "-d", "-s", self.session, "-x", "100", "-y", "30",
             f"env {exports} {' '.join(command)}")

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.session, *keys)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)  # polling interval of the bounded wait, not a fixed delay
        raise AssertionError(f"{text!r} did not appear within {timeout} s; the screen shows:\n{self.screen()}")

    def wait_until_still(self, timeout: float = 10) -> None:
        """Wait until the screen, colours included, stops changing: keys sent before it are all handled.

        Needed before a key that acts on the focused widget: Tab moves the focus only once the key has
        bubbled up to the screen, and a key sent meanwhile would go to the widget focused before."""
        deadline = time.monotonic() + timeout
        previous, still = "", 0
        while time.monotonic() < deadline:
            current = tmux("capture-pane", "-e", "-p", "-t", self.session)
            still = still + 1 if current == previous else 0
            if still >= 3:
                return
            previous = current
            time.sleep(0.05)  # polling interval of the bounded wait
        raise AssertionError(f"the screen kept changing for {timeout} s")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_back_up_a_company_without_history_using_only_keys(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    made = subprocess.run([str(KEEPBOOKS), "--data-dir", str(data), "demo", "--name", COMPANY,
                           "--transactions", "500", "--attachments-mb", "1"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "KEEPBOOKS_LANG": "en"}
    terminal = Terminal([str(KEEPBOOKS), "--data-dir", str(data), "--backup-dir", str(backups)], env)
    try:
        terminal.wait_for(COMPANY)
        terminal.keys("Enter")
        terminal.wait_for("Balance sheet")
        terminal.wait_for("Last backup: never")
        terminal.keys("b")
        terminal.wait_for("Estimated total")
        terminal.keys("Tab", "Tab", "Tab")  # filename → Attachments → Emails → History
        terminal.wait_until_still()
        terminal.keys("Space")  # untick History
        terminal.keys("Tab")
        terminal.wait_until_still()
        terminal.keys("Enter")  # the Backup button
        screen = terminal.wait_for("Backup saved to")
        assert "Last backup: " in screen
        terminal.keys("C-q")
    finally:
        terminal.close()
    name = f"{COMPANY} ({dt.date.today().isoformat()}, without history).manager"  # its name says so
    manifest = archive.inspect(backups / name)
    assert manifest.company_name == COMPANY
    assert manifest.include == archive.Include(attachments=True, emails=True, history=False)
    assert manifest.counts["history"] == 0
    archive.verify(backups / name)
