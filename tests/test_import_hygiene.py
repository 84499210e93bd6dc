"""store/ never imports textual, and the command line does not load it unless the TUI opens."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import store


def loads_textual(statement: str) -> bool:
    code = f"import sys; {statement}; print('textual' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return output.stdout.strip() == "True"


def test_no_store_module_imports_textual() -> None:
    modules = [info.name for info in pkgutil.iter_modules(store.__path__)]
    assert "archive" in modules or "catalog" in modules
    statement = "; ".join(f"import store.{name}" for name in modules)
    assert not loads_textual(statement)


def test_the_command_line_starts_without_textual() -> None:
    assert not loads_textual("import tui.cli; tui.cli.build_parser()")


def test_the_tui_does_load_textual() -> None:  # the check above would pass vacuously otherwise
    assert loads_textual("import tui.app")
