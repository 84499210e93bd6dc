"""The distribution as `pip install .` (or pipx) makes it for a server, not the editable install that
`make run` and the tests use: a wheel that left out tui.screens installed an app that could not start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("store", "tui")
SHIPPED = (".py", ".tcss", ".mo")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources (the build writes beside them), installed into a
    folder of its own."""
    work = tmp_path_factory.mktemp("dist")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "MANIFEST.in"):
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(work / "wheel"), str(source)],
                   check=True, capture_output=True)
    [wheel] = (work / "wheel").glob("*.whl")
    target = work / "site"
    subprocess.run([*pip, "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    return target


def source_files() -> set[Path]:
    files = {path.relative_to(ROOT) for package in PACKAGES for path in (ROOT / package).rglob("*")
             if path.suffix in SHIPPED and "__pycache__" not in path.parts}
    return files | {path.relative_to(ROOT).with_suffix(".mo") for path in (ROOT / "store").rglob("*.po")}


def test_the_wheel_holds_every_module_style_sheet_and_compiled_catalog(installed: Path) -> None:
    shipped = {path.relative_to(installed) for package in PACKAGES for path in (installed / package).rglob("*")
               if path.suffix in SHIPPED and "__pycache__" not in path.parts}
    assert source_files() - shipped == set()
    assert not list(installed.rglob("*.po"))  # sources of the catalogs stay out


STARTS = """
import asyncio, sys
from pathlib import Path
import tui
assert Path(tui.__file__).is_relative_to(sys.argv[1]), tui.__file__  # the installed copy, not the sources
from store.config import Folders
from store.i18n import _, set_language
from tui.app import KeepbooksApp

async def main() -> None:
    set_language("fr")
    app = KeepbooksApp(Folders(data=Path(sys.argv[2]) / "data", backups=Path(sys.argv[2]) / "backups"))
    async with app.run_test() as pilot:
        await pilot.press("i")
        print(type(app.screen).__name__, _("Import a company"), sep="|")

asyncio.run(main())
"""


def test_the_installed_app_starts_in_french_and_opens_a_screen(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed), "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", STARTS, str(installed), str(tmp_path)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)  # not the sources' folder: on sys.path
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "PickerScreen|Importer une entreprise"
