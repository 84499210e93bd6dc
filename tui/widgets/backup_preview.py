"""What a backup holds, from its manifest only: the picker's preview and the backups view's details."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from store.archive import Manifest
from store.i18n import _
from tui import formatting
from tui.contents import CATEGORIES

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
    """A two-column description of a backup, a reason it cannot be used, or a hint."""

    plain = ""  # what it shows, as plain text (tests read it)

    def show_manifest(self, manifest: Manifest, path: Path | None = None) -> None:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        lines = ([(_("File"), str(path))] if path is not None else []) + rows(manifest)
        for label, value in lines:
            table.add_row(label, Text(value))  # Text: names from a file are data, never markup
        self.set_class(False, "-problem")
        self.plain = "\n".join(f"{label}: {value}" for label, value in lines)
        self.update(table)

    def show_problem(self, message: str) -> None:
        self.set_class(True, "-problem")
        text = Text()
        text.append(_("This file cannot be imported."), style="bold")
        text.append("\n\n")
        text.append(message)
        self.plain = text.plain
        self.update(text)

    def show_hint(self, hint: str) -> None:
        self.set_class(False, "-problem")
        self.plain = hint
        self.update(Text(hint))
