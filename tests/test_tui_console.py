"""The Linux console (TERM=linux, a server's screen, a KVM): the app draws only what its fonts have.

Every screen is drawn as the app draws it in 16 colours, and each character is looked up in the set of
code points the console fonts hold (console_glyphs.txt): one outside it shows as a replacement mark. The
console also draws a bright background (SGR 100-107) as the dark one, so text on one is checked too.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment

from store import archive
from store.i18n import set_language
from test_tui_support import TODAY, copy_of, hold_at_first_report, make_folders, prepare, wait_for
from tui.glyphs import console_glyphs

SIZE = (80, 24)  # a console's text mode
GLYPHS_FILE = Path(__file__).with_name("console_glyphs.txt")
FONTS = ["Lat15-Fixed16", "Lat15-Terminus16", "Lat15-VGA16", "Uni2-Fixed16", "Uni3-Fixed16", "Uni3-Terminus16"]
# The keys' names (⏎ Enter, ⌫ Backspace in the footer and the keys panel) are Textual's key display,
# which is changed apart from this: not counted here.
KEY_NAMES = {"⏎", "⌫"}


def stored_glyphs() -> set[int]:
    points: set[int] = set()
    for line in GLYPHS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            first, _, last = line.partition("-")
            points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


CONSOLE_FONT = stored_glyphs()


def console_app(folders):
    from tui.app import KeepbooksApp

    return KeepbooksApp(folders, today=lambda: TODAY, console_glyphs=True)


def drawn(app) -> list[tuple[int, int, Segment]]:
    """The screen as the app sends it to a 16-colour terminal (as App.export_screenshot renders it): each
    segment of one line with where it starts (column, line)."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), force_terminal=True,
                      color_system="standard", legacy_windows=False, safe_box=False)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    placed, x, y = [], 0, 0
    for segment in console.render(update):
        if segment.control:
            continue
        for number, line in enumerate(segment.text.split("\n")):
            if number:
                x, y = 0, y + 1
            if line:
                placed.append((x, y, Segment(line, segment.style)))
                x += cell_len(line)
    return placed


def colour_number(color, default: int) -> int:
    return default if color is None or color.is_default else color.downgrade(ColorSystem.STANDARD).number


def faults(app) -> list[str]:
    """What the Linux console would not show: characters its fonts lack, and on the screen in front (the
    one behind a dialog is dimmed on purpose) text on a bright background (drawn on the dark one) or in
    its background's colour once the console has folded it."""
    front = [widget.region for widget in app.screen.children if widget.display]
    found: list[str] = []
    for x, y, segment in drawn(app):
        missing = {c for c in segment.text if ord(c) not in CONSOLE_FONT} - KEY_NAMES
        if missing:
            found.append(f"{''.join(sorted(missing))} in {segment.text!r}")
        style = segment.style
        if not segment.text.strip() or style is None or not any(region.contains(x, y) for region in front):
            continue
        foreground, background = colour_number(style.color, 7), colour_number(style.bgcolor, 0)
        if style.reverse:
            foreground, background = background, foreground
        if background >= 8:
            found.append(f"bright background {background} under {segment.text!r}")
        elif (foreground | 8 if style.bold else foreground) == background:  # the console shows bold bright
            found.append(f"colour {foreground} on itself: {segment.text!r}")
    return found


class Tour:
    """The faults of each screen visited, by the screen's name."""

    def __init__(self, app, pilot) -> None:
        self.app, self.pilot, self.faults = app, pilot, {}

    async def look(self, name: str) -> None:
        await self.pilot.pause()
        if found := faults(self.app):
            self.faults[name] = found


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prepared")
    prepare(root, backups=True)
    return root


@pytest.fixture
def folders(prepared: Path, tmp_path: Path):
    return copy_of(prepared, tmp_path)


@pytest.fixture
def french():
    set_language("fr")
    yield
    set_language("en")


async def test_the_empty_list_and_the_new_company_dialog(tmp_path: Path) -> None:
    app = console_app(make_folders(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        tour = Tour(app, pilot)
        await tour.look("empty list")
        await pilot.press("n")
        await tour.look("new company")
        await pilot.press(*"Studio", "tab")
        await tour.look("new company, Create focused")
    assert tour.faults == {}


async def tour_of_the_companies(app, pilot) -> dict[str, list[str]]:
    tour = Tour(app, pilot)
    await app.workers.wait_for_complete()
    await tour.look("companies")
    await pilot.press("slash", *"zz")
    await tour.look("filter, no match")
    await pilot.press("escape", "f1")
    await tour.look("keys panel")
    await pilot.press("f1", "ctrl+p")
    await asyncio.sleep(0.3)  # the palette gathers its commands
    await tour.look("command palette")
    await pilot.press("escape", "delete")
    await wait_for(app, "holdings")
    await tour.look("remove")
    await pilot.press("escape", "l")
    await tour.look("language switched: the notice")
    return tour.faults


async def test_the_companies_list_its_filter_keys_palette_and_notices(folders) -> None:
    app = console_app(folders)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert await tour_of_the_companies(app, pilot) == {}


async def test_the_companies_list_in_french(folders, french) -> None:
    app = console_app(folders)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        assert await tour_of_the_companies(app, pilot) == {}


async def test_the_summary_and_the_backup_dialog_before_during_and_after(folders, monkeypatch) -> None:
    reached, release = hold_at_first_report(monkeypatch, archive, "backup_company")
    app = console_app(folders)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        tour = Tour(app, pilot)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await tour.look("summary")
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await tour.look("backup dialog")
        await pilot.press("end", "slash")
        await tour.look("backup dialog, an invalid name")
        await pilot.press("backspace")
        await pilot.press("tab", "tab")
        await tour.look("backup dialog, a box focused")
        await pilot.press("shift+tab", "shift+tab", "enter")
        assert await asyncio.to_thread(reached.wait, 30)
        await tour.look("backup running")
        release.set()
        await wait_for(app, "backup", pilot=pilot)
        await tour.look("backup done")
    assert tour.faults == {}


async def test_the_import_picker_the_import_and_the_backups_view(folders, monkeypatch) -> None:
    reached, release = hold_at_first_report(monkeypatch, archive, "import_backup")
    app = console_app(folders)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        tour = Tour(app, pilot)
        await pilot.press("i")
        await asyncio.wait_for(app.screen.tree_loaded.wait(), 10)
        await pilot.press("down", "down")
        await tour.look("import picker, the tree")
        await pilot.press("escape", "i")
        await asyncio.wait_for(app.screen.tree_loaded.wait(), 10)
        app.screen.query_one("#path").value = f"{folders.backups}/Fu"
        await pilot.press("tab", "enter")
        await wait_for(app, "preview", pilot=pilot)
        await tour.look("import picker, a preview")
        await pilot.press("enter")
        await tour.look("import step")
        await pilot.press("right", "enter")
        assert await asyncio.to_thread(reached.wait, 30)
        await tour.look("import running")
        release.set()
        await wait_for(app, "import", pilot=pilot)
        await tour.look("imported")
        await pilot.press("b")
        await wait_for(app, "scan", pilot=pilot)
        await tour.look("backups view")
        await pilot.press("enter")
        await tour.look("backup details")
        await pilot.press("escape", "v")
        await wait_for(app, "verify", pilot=pilot)
        await tour.look("verify")
        await pilot.press("escape", "d")
        await tour.look("delete?")
        await pilot.press("escape", "f")
        await tour.look("folder dialog")
    assert tour.faults == {}


async def test_elsewhere_the_app_keeps_textuals_glyphs(folders) -> None:
    """Only the console loses the half blocks and the icons: any other terminal draws them as before."""
    from test_tui_support import app_for

    app = app_for(folders)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("b")
        await wait_for(app, "scan", pilot=pilot)
        await pilot.press("d")
        await pilot.pause()
        text = "".join(segment.text for _x, _y, segment in drawn(app))
    assert "⭘" in text and "▔" in text and "▁" in text


@pytest.mark.parametrize(("environment", "expected"), [
    ({"TERM": "linux"}, True),
    ({"TERM": "linux-16color"}, True),
    ({"TERM": "vt220"}, True),
    ({"TERM": "vt100"}, True),
    ({"TERM": "xterm-256color"}, False),
    ({"TERM": "vte-256color"}, False),  # a review: GNOME's terminals are not the console
    ({"TERM": "vte"}, False),
    ({"TERM": "screen"}, False),
    ({"TERM": "screen.linux"}, True),
    ({"TERM": "screen.xterm-256color"}, False),
    ({"TERM": "tmux-256color"}, False),
    ({}, False),
    ({"TERM": "linux", "KEEPBOOKS_CONSOLE": "0"}, False),
    ({"TERM": "xterm-256color", "KEEPBOOKS_CONSOLE": "1"}, True),
    ({"TERM": "linux", "KEEPBOOKS_CONSOLE": ""}, True),
])
def test_the_terminal_decides_unless_keepbooks_console_says(environment, expected) -> None:
    assert console_glyphs(environment) is expected


@pytest.mark.skipif(not (shutil.which("psfgettable") and Path("/usr/share/consolefonts/Lat15-Fixed16.psf.gz").exists()),
                    reason="needs kbd's psfgettable and console-setup's fonts")
def test_the_stored_glyphs_are_those_every_console_font_has(tmp_path: Path) -> None:
    tables = []
    for name in FONTS:
        psf = tmp_path / f"{name}.psf"
        psf.write_bytes(gzip.decompress(Path(f"/usr/share/consolefonts/{name}.psf.gz").read_bytes()))
        subprocess.run(["psfgettable", str(psf), str(tmp_path / name)], check=True, capture_output=True)
        table = (tmp_path / name).read_text(encoding="ascii")
        tables.append({int(point, 16) for point in re.findall(r"U\+([0-9a-fA-F]+)", table)})
    assert CONSOLE_FONT == set.intersection(*tables)
