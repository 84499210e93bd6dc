"""Paths typed or pasted by a person (tui/paths.py): what a terminal's paste brings, resolved."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from tui import paths


def test_a_pasted_path_loses_its_quotes_and_a_file_url_its_scheme() -> None:
    assert paths.clean("  '/srv/backups/Acme (2026-11-27).manager' ") == "/srv/backups/Acme (2026-11-27).manager"
    assert paths.clean('"/srv/a b.manager"') == "/srv/a b.manager"
    assert paths.clean("file:///srv/caf%C3%A9%20b.manager") == "/srv/café b.manager"
    assert paths.clean("'unbalanced") == "'unbalanced"


def test_home_and_relative_paths_resolve(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.resolve("~/x.manager", Path("/elsewhere")) == tmp_path / "x.manager"
    assert paths.resolve("x.manager", tmp_path / "shown") == tmp_path / "shown" / "x.manager"


def test_a_name_pasted_from_a_mac_finds_the_file_made_here(tmp_path: Path) -> None:
    """macOS writes "é" decomposed (e + U+0301), Linux names keep what was typed (one character): the
    path pasted from a Mac's terminal was 'not found' beside a file whose name looked the same."""
    made_here = tmp_path / unicodedata.normalize("NFC", "sauvegarde été.manager")
    made_here.write_bytes(b"x")
    pasted = str(tmp_path / unicodedata.normalize("NFD", "sauvegarde été.manager"))
    assert pasted != str(made_here)
    assert paths.resolve(pasted, Path("/")) == made_here
    missing = unicodedata.normalize("NFD", str(tmp_path / "absent é.manager"))
    assert str(paths.resolve(missing, Path("/"))) == missing  # neither spelling exists: as typed


def test_a_path_escaped_as_a_shell_writes_it_is_unescaped_only_when_that_is_what_exists(tmp_path: Path) -> None:
    """bash's Tab writes ``Café\\ \\(1\\).manager``; a file name may also hold a backslash: what exists as
    typed comes first, and a path that exists in neither spelling stays as typed (for the error to name)."""
    plain = tmp_path / "Café (1).manager"
    plain.write_bytes(b"x")
    escaped = str(tmp_path / "Café\\ \\(1\\).manager")
    assert paths.resolve(escaped, Path("/")) == plain
    assert paths.resolve("Café\\ \\(1\\).manager", tmp_path) == plain  # relative, too
    literal = tmp_path / "a\\ b.manager"  # a real name holding a backslash, beside "a b.manager"
    literal.write_bytes(b"x")
    (tmp_path / "a b.manager").write_bytes(b"x")
    assert paths.resolve(str(literal), Path("/")) == literal
    assert str(paths.resolve(str(tmp_path / "gone\\ x.manager"), Path("/"))) == str(tmp_path / "gone\\ x.manager")
    unbalanced = tmp_path / "l'été\\ 2026.manager"  # not one word to a shell: as typed
    (tmp_path / "l'été 2026.manager").write_bytes(b"x")
    assert paths.resolve(str(unbalanced), Path("/")) == unbalanced
