"""Prune a folder of backups: read every ``.manager`` file's manifest, plan per company with
``store.retention`` and delete what no rule keeps.

Safety: only regular ``.manager`` files whose manifest reads are ever considered; everything else is
reported as skipped and left alone. A file is re-checked (same inode, size and modification time) just
before it is deleted, so a file replaced since it was read is not removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from store.archive_format import EXTENSION, OPTIONAL, ArchiveError, Include, NewerVersion
from store.archive_read import inspect, is_whole, verify
from store.archive_write import clean_leftovers, stale_leftovers, tree_size
from store.config import existing_folder
from store.errors import KeepbooksError, StorageError, system_reason
from store.formats import local_time
from store.i18n import _
from store.retention import BackupFile, Policy, plan


@dataclass(frozen=True)
class Found:
    """A keepbooks backup found in the folder."""

    backup: BackupFile  # its ``company`` is the series it is counted in (see _series)
    size: int
    identity: tuple[int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns when it was read
    uid: str = ""  # the company's, from the manifest
    include: Include = field(default_factory=Include)  # what it holds

    @property
    def path(self) -> Path:
        return self.backup.path


@dataclass(frozen=True)
class Skipped:
    """A file left alone because it is not a keepbooks backup (or cannot be read as one)."""

    path: Path
    reason: str  # stable code: folder, symlink, hidden, not-manager, unreadable, incomplete, no-access,
    # future, gone, changed, failed
    message: str  # one sentence for people, naming the file


@dataclass
class CompanyPrune:
    uid: str
    name: str  # the name in the company's newest backup
    include: Include  # the kind of backup these are (what they hold): each kind is pruned apart
    keep: list[tuple[Found, list[str]]] = field(default_factory=list)  # newest first, with the rules
    remove: list[Found] = field(default_factory=list)  # newest first; removed (or would be, dry run)
    failed: list[Skipped] = field(default_factory=list)  # planned for removal but left in place


@dataclass
class PruneResult:
    folder: Path
    policy: Policy
    dry_run: bool
    companies: list[CompanyPrune]
    skipped: list[Skipped]
    # What interrupted backups left (hidden temporary files, as large as a backup), with its size:
    # removed, or to remove in a dry run.
    leftovers: list[tuple[Path, int]] = field(default_factory=list)

    @property
    def removed_bytes(self) -> int:
        return sum(found.size for company in self.companies for found in company.remove)

    @property
    def failed(self) -> list[Skipped]:
        return [item for company in self.companies for item in company.failed]

    @property
    def problems(self) -> list[Skipped]:
        """Backups skipped because something is wrong with them (cut short, not readable by this user,
        dated ahead of the clock): not counted, never pruned, and worth a word to whoever reads cron's mail."""
        return [item for item in self.skipped if item.reason in PROBLEMS]


PROBLEMS = ("incomplete", "damaged", "no-access", "future")
VERIFIED_NAME = ".keepbooks-verified.json"  # which backups here passed verify (see _Verified)
MAX_RECORD_BYTES = 64 << 20  # a record is a few kB: a file of that name larger than this is not one
FUTURE_MARGIN = dt.timedelta(days=1)


def file_identity(status: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file from another put under its name since (a newer backup, a replaced one)."""
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def scan(folder: Path) -> tuple[list[Found], list[Skipped]]:
    """Every keepbooks backup directly inside ``folder``, and every other entry with why it was skipped."""
    folder = existing_folder(Path(folder))
    found: list[Found] = []
    skipped: list[Skipped] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        raise StorageError(_("Cannot read the folder {folder}: {reason}.").format(
            folder=folder, reason=system_reason(exc))) from exc
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            skipped.append(Skipped(path, "symlink", _("Skipped {file}: a symbolic link.").format(file=path)))
        elif entry.is_dir():
            skipped.append(Skipped(path, "folder", _("Skipped {file}: a folder.").format(file=path)))
        elif entry.name.startswith(VERIFIED_NAME):
            continue  # prune's own record (and what a prune killed while writing it left)
        elif entry.name.startswith("."):
            skipped.append(Skipped(path, "hidden", _("Skipped {file}: a hidden or temporary file.")
                                   .format(file=path)))
        elif not entry.name.lower().endswith(EXTENSION):
            skipped.append(Skipped(path, "not-manager", _("Skipped {file}: not a {extension} file.")
                                   .format(file=path, extension=EXTENSION)))
        elif not os.access(path, os.R_OK):
            skipped.append(Skipped(path, "no-access", _("Skipped {file}: this user may not read it; not counted, "
                                                        "not pruned.").format(file=path)))
        else:
            try:
                status = entry.stat(follow_symlinks=False)
                manifest = inspect(path)
            except ArchiveError as exc:
                skipped.append(Skipped(path, "unreadable", _("Skipped: {problem}").format(problem=exc)))
                continue
            except OSError as exc:
                skipped.append(Skipped(path, "unreadable", _("Skipped {file}: {reason}.").format(
                    file=path, reason=system_reason(exc))))
                continue
            created_at = local_time(manifest.created_at)  # the local time of this machine
            backup = BackupFile(path, _series(manifest.company_uid, manifest.include), manifest.company_name,
                                created_at)
            found.append(Found(backup, status.st_size, file_identity(status), manifest.company_uid, manifest.include))
    return found, skipped


def by_company(found: list[Found]) -> dict[str, list[Found]]:
    """The backups found, by the company's identity in their manifests (a renamed company is one), each
    company's newest first (as the rules count them)."""
    companies: dict[str, list[Found]] = {}
    for item in sorted(found, key=lambda f: (f.backup.created_at, f.path.name), reverse=True):
        companies.setdefault(item.uid, []).append(item)
    return companies


def _series(uid: str, include: Include) -> str:
    """What the rules count backups in: a company's backups of one kind. A backup without attachments
    cannot stand in for a whole one: counted together, two made without them had the last whole ones
    pruned (--keep-last 2)."""
    return f"{uid}/{''.join('1' if include.has(category) else '0' for category in OPTIONAL)}"


def _remove(found: Found) -> Skipped | None:
    """Delete one planned file; a reason when it was left in place."""
    path = found.path
    try:
        if file_identity(path.stat(follow_symlinks=False)) != found.identity:
            return Skipped(path, "changed", _("Left {file} in place: it changed since it was read.")
                           .format(file=path))
        path.unlink()
    except FileNotFoundError:  # another prune of this folder at the same time, or a person: what was planned
        return Skipped(path, "gone", _("{file} was already gone (removed meanwhile).").format(file=path))
    except OSError as exc:
        return Skipped(path, "failed", _("Cannot remove {file}: {reason}.").format(
            file=path, reason=system_reason(exc)))
    return None


class _Verified:
    """The backups of a folder that passed ``verify``, by name, with the identity each had then (a file
    changed since is verified again). Kept beside them in a hidden file, so that each backup is verified
    once, by the first prune that keeps it in place of others; a damaged one is never recorded, so it is
    found again by every run that would count it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / VERIFIED_NAME
        try:  # a regular file only: not through a link, and never a pipe to wait on for ever
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with open(fd, "rb") as record:
                if not stat.S_ISREG(os.fstat(record.fileno()).st_mode):
                    raise ValueError("not a regular file")
                entries = json.loads(record.read(MAX_RECORD_BYTES))
            self.entries: dict[str, list[int]] = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            self.entries = {}  # none yet, or unreadable: verify again
        self.saved = dict(self.entries)

    def has(self, found: Found) -> bool:
        return self.entries.get(found.path.name) == list(found.identity)

    def add(self, found: Found) -> None:
        self.entries[found.path.name] = list(found.identity)

    def save(self, present: set[str]) -> None:
        """Write the record of the files still there, when it changed; a folder that cannot take it costs
        verifying again."""
        entries = {name: identity for name, identity in self.entries.items() if name in present}
        if entries == self.saved:
            return
        try:
            fd, temp = tempfile.mkstemp(prefix=f"{VERIFIED_NAME}.", suffix=".tmp", dir=self.path.parent)
        except OSError:
            return
        try:
            with open(fd, "w") as record:
                record.write(json.dumps(entries))
            os.replace(temp, self.path)
        except OSError:
            Path(temp).unlink(missing_ok=True)


def _plan_on_sound_backups(folder: Path, found: list[Found], skipped: list[Skipped], policy: Policy,
                           dry_run: bool) -> tuple[dict, dict[str, Skipped]]:
    """The plan, made again without any backup it would keep that is unsound: such a file still shows its
    manifest, and kept in place of sound ones it would have them deleted. Every kept file is checked to
    run whole to its end (is_whole: a few bytes per 128 KiB block, ~20 ms per GB in the page cache);
    and every backup kept for a company that would lose others is verified in full (every check an
    import makes, ~1.5 s per GB: a byte flipped inside still reads whole), once (``_Verified``).
    Unsound files leave ``found`` for ``skipped``, in place and not counted. A company whose backups
    cannot be verified at all (no room in the temporary folder, say) keeps them all this time: returned
    with why, by series (see _series). A dry run verifies as much and records nothing: it changes nothing."""
    checked: set[Path] = set()
    verified = _Verified(folder)
    held: dict[str, Skipped] = {}
    while True:
        plans = plan([f.backup for f in found], policy)
        by_path = {f.path: f for f in found}
        kept = [by_path[backup.path] for company in plans.values() for backup, _rules in company.keep]
        unsound = [Skipped(f.path, "incomplete", _("Skipped {file}: it is cut short (keepbooks verify says "
                                                   "more); left in place, not counted.").format(file=f.path))
                   for f in kept if f.path not in checked and not _whole(f.path)]
        checked.update(f.path for f in kept)
        for series, company in plans.items():
            if unsound or not company.remove or series in held:
                continue
            for backup, _rules in company.keep:
                item = by_path[backup.path]
                if verified.has(item):
                    continue
                problem = _verify_problem(item.path)
                if problem is None:
                    verified.add(item)
                elif problem.reason == "newer":
                    continue  # counted, not recorded: checked once this version can
                elif problem.reason == "damaged":
                    unsound.append(problem)
                else:  # the environment's, not the file's: the next backup would fare no better
                    held[series] = problem
                    break
        if not unsound:
            if not dry_run:
                verified.save({f.path.name for f in found})
            return plans, held
        for problem in unsound:
            found.remove(by_path[problem.path])
            skipped.append(problem)


def _verify_problem(path: Path) -> Skipped | None:
    """Why a backup kept in place of others cannot stand for them, after the checks of an import."""
    try:
        verify(path)
    except NewerVersion as exc:  # made by a newer keepbooks: this one cannot check it, nor has reason to doubt it
        return Skipped(path, "newer", exc.message)
    except ArchiveError as exc:  # its message names the file and the damage
        return Skipped(path, "damaged", _("{problem}; left in place, not counted.").format(
            problem=exc.message.rstrip(".")))
    except KeepbooksError as exc:  # no room to check it, say
        return Skipped(path, "unverified", exc.message)
    return None


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def dated_ahead(found: Found) -> bool:
    """Whether a backup is dated more than a day ahead of this machine's clock (made under a wrong clock)."""
    return found.backup.created_at > _now() + FUTURE_MARGIN


def _set_aside_future(found: list[Found], skipped: list[Skipped]) -> None:
    """Backups dated ahead (dated_ahead) leave ``found`` for ``skipped``: counted, such a file would stay
    the newest for years and push each fresh backup out."""
    for item in [f for f in found if dated_ahead(f)]:
        found.remove(item)
        skipped.append(Skipped(item.path, "future", _("Skipped {file}: it is dated {when}, ahead of this machine's "
                                                      "clock (a clock set wrong?); left in place, not counted.")
                               .format(file=item.path, when=item.backup.created_at.isoformat(" ", "minutes"))))


def _whole(path: Path) -> bool:
    try:
        return is_whole(path)
    except OSError:
        return False


def prune(folder: Path, policy: Policy, *, dry_run: bool = False) -> PruneResult:
    """Plan per company (by the manifest's company uid) and kind of backup (what it holds: _series), and
    delete what no rule keeps, unless ``dry_run``.

    As in restic, the rules count periods that have a backup, not calendar periods back from today.
    What interrupted backups left (hidden temporary files, as large as a backup) is removed first."""
    leftovers = ([(path, tree_size(path)) for path in stale_leftovers(Path(folder))] if dry_run
                 else clean_leftovers(Path(folder)))
    found, skipped = scan(folder)
    left = {path for path, _bytes in leftovers}
    skipped = [item for item in skipped if item.path not in left]  # said as leftovers instead
    _set_aside_future(found, skipped)
    plans, held = _plan_on_sound_backups(Path(folder), found, skipped, policy, dry_run)
    by_path = {f.path: f for f in found}
    companies: list[CompanyPrune] = []
    for series, company_plan in plans.items():
        keep = [(by_path[backup.path], reasons) for backup, reasons in company_plan.keep]
        newest = keep[0][0]
        result = CompanyPrune(uid=newest.uid, name=newest.backup.company_name, include=newest.include, keep=keep)
        for backup in company_plan.remove:
            item = by_path[backup.path]
            if series in held:
                result.failed.append(Skipped(item.path, "unverified", _(
                    "Left {file} in place: the backups kept in its place could not be verified ({reason}).")
                    .format(file=item.path, reason=held[series].message.rstrip("."))))
                continue
            problem = None if dry_run else _remove(item)
            if problem is None:
                result.remove.append(item)
            elif problem.reason == "gone":
                skipped.append(problem)
            else:
                result.failed.append(problem)
        companies.append(result)
    companies.sort(key=lambda c: (c.name.casefold(), c.uid, [not c.include.has(k) for k in OPTIONAL]))
    return PruneResult(folder=Path(folder), policy=policy, dry_run=dry_run, companies=companies, skipped=skipped,
                       leftovers=leftovers)
