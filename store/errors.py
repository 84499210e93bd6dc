"""Errors a person sees: each carries one sentence written for people (file, problem, what to do)."""

from __future__ import annotations


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
