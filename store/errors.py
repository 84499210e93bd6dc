"""Errors a person sees: each carries one sentence written for people (file, problem, what to do)."""

from __future__ import annotations

import errno
import os

from store.formats import format_path
from store.i18n import N_, _

# The system's words for the failures a person meets, in the interface language (strerror is the C
# library's English whatever the language: "…: Operation not permitted." in a French sentence).
_SYSTEM_REASONS = {
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.ENOENT: N_("no such file or folder"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EROFS: N_("the file system is read-only"),
    errno.EEXIST: N_("it exists already"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EIO: N_("input/output error (the disk may be failing)"),
    errno.EMFILE: N_("too many open files"),
    errno.ENAMETOOLONG: N_("the name is too long"),
}


def system_reason(exc: BaseException) -> str:
    """Why an operating-system call failed, in words for people and in the interface language."""
    if isinstance(exc, OSError) and exc.errno in _SYSTEM_REASONS:
        return _(_SYSTEM_REASONS[exc.errno])
    return getattr(exc, "strerror", None) or str(exc)


def refused_path(exc: BaseException) -> str | None:
    """An OSError about a path given or derived from one (a folder this user may not enter, a name too
    long), wherever the path was first touched, as one sentence that names it: not a bug, the user's to
    fix. None for any other error."""
    if isinstance(exc, OSError) and isinstance(exc.filename, (str, bytes, os.PathLike)):
        return _("cannot use {path}: {reason}").format(path=format_path(exc.filename), reason=system_reason(exc))
    return None


class KeepbooksError(Exception):
    """Base of every error that is reported to the user as a message, never as a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(KeepbooksError):
    """Something the user typed or passed is not acceptable (name, amount, option)."""


class NotFound(KeepbooksError):
    """A company, transaction or file that was asked for does not exist."""


class Ambiguous(KeepbooksError):
    """A company name matches several companies."""


class StorageError(KeepbooksError):
    """The data folder or a company database cannot be read or written."""


class Cancelled(KeepbooksError):
    """The user cancelled a long operation; whatever it started has been cleaned up."""
