"""Ownership of temporary files and folders, so that leftovers of a crash can be told from work in progress.

Whoever creates a temporary file or folder holds an exclusive ``flock`` on a lock file beside it for as
long as it works; the kernel drops the lock when the process dies, even by kill -9. A cleaner that can
take the lock knows the owner is gone and may remove the leftover.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class OwnerLock:
    """An exclusive, non-blocking flock on ``path`` (created if missing)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self, *, remove: bool = True) -> None:
        if self.fd is None:
            return
        if remove:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        os.close(self.fd)
        self.fd = None


def owner_is_gone(lock_path: Path) -> bool:
    """True when nobody holds the lock (or it does not exist): the leftover can be cleaned."""
    if not lock_path.exists():
        return True
    lock = OwnerLock(lock_path)
    if lock.acquire():
        lock.release(remove=False)
        return True
    return False
