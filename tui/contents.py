"""What a backup holds, in words (the backups view, the import dialog, prune's report); no Textual here:
the command line uses it too."""

from __future__ import annotations

from store.archive_format import Include
from store.i18n import _

CATEGORIES = ("attachments", "emails", "history")


def category_names() -> dict[str, str]:
    return {"attachments": _("attachments"), "emails": _("emails"), "history": _("history")}


def contents(include: Include) -> str:
    """The optional categories a backup holds, in words: "everything", "without history"…"""
    names = category_names()
    left_out = [names[c] for c in CATEGORIES if not include.has(c)]
    if not left_out:
        return _("everything")
    if len(left_out) == len(CATEGORIES):
        return _("books only")
    if len(left_out) == 1:
        return _("without {category}").format(category=left_out[0])
    # Two: "sans pièces jointes ni courriels" in French, where a comma read as a list cut short.
    return _("without {first} and {second}").format(first=left_out[0], second=left_out[1])


def holds(include: Include) -> str:
    """Everything a backup holds, in words: "books, attachments, emails"."""
    present = [name for category, name in category_names().items() if include.has(category)]
    return _("books, {categories}").format(categories=", ".join(present)) if present else _("books only")
