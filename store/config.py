"""Where data lives: the data folder and the backups folder (ARCHITECTURE.md, "Where data lives")."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from store.errors import StorageError, system_reason
from store.i18n import _


@dataclass(frozen=True)
class Folders:
    data: Path
    backups: Path
    backups_chosen: bool = False  # given by --backup-dir or KEEPBOOKS_BACKUP_DIR (see backups_folder)

    @property
    def catalog(self) -> Path:
        return self.data / "catalog.sqlite"

    @property
    def companies(self) -> Path:
        return self.data / "companies"

    @property
    def trash(self) -> Path:
        return self.data / "trash"


def resolve_folders(data_dir: str | os.PathLike | None = None,
                    backup_dir: str | os.PathLike | None = None) -> Folders:
    """Options first, then environment variables, then the platform's user data folder."""
    data = data_dir or os.environ.get("KEEPBOOKS_DATA_DIR") or platformdirs.user_data_dir("keepbooks")
    data_path = Path(data).expanduser().resolve()
    chosen = backup_dir or os.environ.get("KEEPBOOKS_BACKUP_DIR")
    backups = chosen or data_path / "backups"
    return Folders(data=data_path, backups=Path(backups).expanduser().resolve(), backups_chosen=bool(chosen))


def backups_folder(folders: Folders) -> Path:
    """The backups folder, made on first use. One chosen with --backup-dir or KEEPBOOKS_BACKUP_DIR is made
    only inside a folder that exists: made with its parents, a backup disk that is not mounted
    (/mnt/usb/keepbooks without /mnt/usb) would pass for new folders on the system disk, and the
    nightly job for a success. Made for this user alone, as the data folder: its file names say the
    companies and the days."""
    if (unmade := _cannot_be_made(folders)) is not None:
        raise StorageError(unmade)
    return ensure_folder(folders.backups, private=True)


def missing_backups_folder(folders: Folders) -> str | None:
    """Why there is no backups folder, in words (None: there is one): not made yet (the first backup
    makes it), or it cannot be made, its disk not mounted perhaps ("not yet" read as all was well)."""
    try:
        if folders.backups.is_dir():
            return None
        unmade = _cannot_be_made(folders)
    except OSError:  # a name the system refuses (too long): the backup says why when it is made
        unmade = None
    return unmade or _("The backups folder {path} does not exist yet.").format(path=folders.backups)


def _cannot_be_made(folders: Folders) -> str | None:
    parent = folders.backups.parent
    if folders.backups_chosen and not folders.backups.exists() and not parent.is_dir():
        return _("The backups folder {path} cannot be made: {parent} does not exist (is its disk mounted?).").format(
            path=folders.backups, parent=parent)
    return None


def other_owner(folder: Path) -> str | None:
    """When root works in a folder another user owns, that user (a name, or ``#uid`` as sudo -u takes
    it): what root makes there (a backups folder, a backup, a company) only root may then change, and
    that user's own runs fail on it. Root's own setups (a container on a bind mount, an admin's
    /srv folder) may mean it, so it is for the caller to say, not to refuse."""
    if os.geteuid() != 0:
        return None
    try:
        owner = folder.stat().st_uid
    except OSError:
        return None  # not there yet: made by whoever runs this
    if owner == 0:
        return None
    try:
        return pwd.getpwuid(owner).pw_name
    except KeyError:
        return f"#{owner}"


def existing_folder(path: Path) -> Path:
    """``path``, a folder that must exist already (one given on the command line: a disk not mounted
    is an error, not a new empty folder); the error says which is wrong."""
    if not path.is_dir():
        if path.exists():
            raise StorageError(_("{path} is not a folder.").format(path=path))
        raise StorageError(_("The folder {folder} does not exist.").format(folder=path))
    return path


def ensure_folder(path: Path, *, private: bool = False) -> Path:
    """Create ``path`` if needed and check it is writable; the error names the folder. ``private``: made
    for this user alone (the data folder: the books inside are the companies' accounts)."""
    if path.exists() and not path.is_dir():
        raise StorageError(_("{path} is not a folder.").format(path=path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700 if private else 0o777, exist_ok=True)  # the mode counts when it is made
    except OSError as exc:
        raise StorageError(
            _("Cannot create the folder {path}: {reason}.").format(path=path, reason=system_reason(exc))
        ) from exc
    if not path.is_dir():
        raise StorageError(_("{path} is not a folder.").format(path=path))
    if not os.access(path, os.W_OK | os.X_OK):
        raise StorageError(_("The folder {path} is not writable.").format(path=path))
    return path
