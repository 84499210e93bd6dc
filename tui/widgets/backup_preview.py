"""What a backup holds, from its manifest only: the picker's preview and the backups view's details."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import RenderResult
from textual.geometry import Size
from textual.widgets import Static

from store.archive import Manifest
from store.i18n import _
from tui import formatting
from store.contents import CATEGORIES
from tui.widgets.sentence import wrap

def rows(manifest: Manifest) -> list[tuple[str, str]]:
    """(label, value) lines describing a backup."""
    size = formatting.size(manifest.file_size) if manifest.file_size is not None else "?"
    lines = [
        (_("Company"), manifest.company_name),
        (_("Backed up"), formatting.local_date_time(manifest.created_at)),
        (_("Size"), size),
        (_("Transactions"), formatting.count(manifest.counts["transactions"])),
    ]
    titles = {"attachments": _("Attachments"), "emails": _("Emails"), "history": _("History")}
    for category in CATEGORIES:
        value = (formatting.count(manifest.counts[category]) if manifest.include.has(category)
                 else _("not included"))
        lines.append((titles[category], value))
    lines.append((_("Made by"), _("keepbooks {version}").format(version=manifest.app_version)))
    return lines


class BackupPreview(Static):
    """A two-column description of a backup, a reason it cannot be used, or a hint. Prose (a reason, a
    hint) is broken at ordinary spaces only (tui/widgets/sentence.py): broken by Rich at the no-break
    space French puts before ':', a line began with the colon."""

    plain = ""  # what it shows, as plain text (tests read it)
    _prose: tuple[str, str] | None = None  # (a title in bold, or "", and the text) shown as prose

    def show_manifest(self, manifest: Manifest, file: Path | str | None = None) -> None:
        """``file``: the backup's path, or its name, shown first."""
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        lines = ([(_("File"), str(file))] if file is not None else []) + rows(manifest)
        for label, value in lines:
            table.add_row(label, Text(value))  # Text: names from a file are data, never markup
        self.set_class(False, "-problem")
        self.plain = "\n".join(f"{label}: {value}" for label, value in lines)
        self._prose = None
        self.update(table)

    def show_problem(self, message: str) -> None:
        self.set_class(True, "-problem")
        self._show_prose(_("This file cannot be imported."), message)

    def show_hint(self, hint: str) -> None:
        self.set_class(False, "-problem")
        self._show_prose("", hint)

    def _show_prose(self, title: str, text: str) -> None:
        self._prose = (title, text)
        self.plain = f"{title}\n\n{text}" if title else text
        self.update(Text(self.plain))  # the content as plain text (never markup); drawn by render, wrapped

    def _prose_text(self, width: int) -> Text:
        assert self._prose is not None
        title, text = self._prose
        shown = Text()
        if title:
            shown.append("\n".join(wrap(title, width)), style="bold")
            shown.append("\n\n")
        shown.append("\n".join(wrap(text, width)))
        return shown

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._prose is None:
            return super().get_content_height(container, viewport, width)
        return len(self._prose_text(width).plain.split("\n"))

    def render(self) -> RenderResult:
        if self._prose is None:
            return super().render()
        return self._prose_text(self.content_region.width or self.size.width)
