"""Fixtures shared by every test."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_temp_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own system temp folder (here and in the processes it starts), so checks that
    nothing is left in the temp folder see only this test's files, never another run's live work."""
    folder = tmp_path_factory.mktemp("systemp")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch):
    """Switch this process's local time zone (a POSIX rule such as "JST-9" needs no tz database);
    restored after the test."""
    def switch(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()
    yield switch
    monkeypatch.undo()
    time.tzset()
