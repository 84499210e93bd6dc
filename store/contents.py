"""What a backup holds, in words (the backups view, the import dialog, prune's report, the default names
of backups that leave something out)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from store.i18n import _, pgettext

if TYPE_CHECKING:  # store.archive_format names its files with these words
    from store.archive_format import Include

CATEGORIES = ("attachments", "emails", "history")


def category_names() -> dict[str, str]:
    return {"attachments": _("attachments"), "emails": _("emails"), "history": _("history")}


def contents(include: Include) -> str:
    """The optional categories a backup holds, in words: "everything", "without history"…"""
    return left_out_words([category for category in CATEGORIES if not include.has(category)])


def left_out_words(categories: Sequence[str]) -> str:
    """contents() of a backup that left ``categories`` out (as the catalog records them)."""
    names = category_names()
    left_out = [names[c] for c in CATEGORIES if c in categories]
    if not left_out:
        return _("everything")
    if len(left_out) == len(CATEGORIES):
        return _("books only")
    if len(left_out) == 1:
        return _("without {category}").format(category=left_out[0])
    # Two: "sans pièces jointes ni courriels" in French, where a comma read as a list cut short.
    return _("without {first} and {second}").format(first=left_out[0], second=left_out[1])


def listed(names: list[str]) -> str:
    """Up to three names as one list in words: "a", "a and b", "a, b and c"."""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return _("{first} and {second}").format(first=names[0], second=names[1])
    return _("{first}, {second} and {third}").format(first=names[0], second=names[1], third=names[2])


def left_out(include: Include) -> str | None:
    """The optional categories a backup left out, in words ("attachments and emails"), for a sentence that
    says it is without them ("ni" in French: "sans pièces jointes ni courriels"); None: none."""
    names = [category_names()[c] for c in CATEGORIES if not include.has(c)]
    if len(names) <= 1:
        return names[0] if names else None
    if len(names) == 2:
        return pgettext("left out", "{first} and {second}").format(first=names[0], second=names[1])
    return pgettext("left out", "{first}, {second} and {third}").format(first=names[0], second=names[1],
                                                                        third=names[2])


def holds(include: Include) -> str:
    """Everything a backup holds, in words: "books, attachments, emails"."""
    present = [name for category, name in category_names().items() if include.has(category)]
    return _("books, {categories}").format(categories=", ".join(present)) if present else _("books only")
