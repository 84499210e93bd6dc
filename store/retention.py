"""Which backups to keep: the semantics of restic's ``forget --keep-*`` policies, per company.

Backups are taken newest first. ``last`` keeps the N newest. ``daily`` / ``weekly`` / ``monthly`` keep the
newest backup of each of the N most recent days / ISO weeks / months that have one. What any rule keeps is
kept (the union), and the newest backup of a company is always kept. Times are local times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable

from store.errors import InvalidInput
from store.i18n import N_, _


EMPTY_POLICY = N_("Say what to keep: give at least one of --keep-last, --keep-daily, --keep-weekly or "
                  "--keep-monthly.")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    company: str  # the books' identity (uid), so that renamed companies keep one history
    company_name: str
    created_at: dt.datetime  # local time


@dataclass(frozen=True)
class Policy:
    last: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0

    def __post_init__(self) -> None:
        if min(self.last, self.daily, self.weekly, self.monthly) < 0:
            raise InvalidInput(_("The --keep-* counts cannot be negative."))

    @property
    def empty(self) -> bool:
        return not (self.last or self.daily or self.weekly or self.monthly)


@dataclass
class Plan:
    keep: list[tuple[BackupFile, list[str]]] = field(default_factory=list)  # with the rules that keep it
    remove: list[BackupFile] = field(default_factory=list)


def _day(when: dt.datetime) -> Hashable:
    return when.date()


def _week(when: dt.datetime) -> Hashable:
    iso = when.isocalendar()
    return iso.year, iso.week


def _month(when: dt.datetime) -> Hashable:
    return when.year, when.month


def plan_company(backups: list[BackupFile], policy: Policy) -> Plan:
    """Decide for the backups of one company."""
    ordered = sorted(backups, key=lambda b: (b.created_at, b.path.name), reverse=True)
    buckets: list[tuple[str, int, Callable[[dt.datetime], Hashable] | None]] = [
        ("last", policy.last, None), ("daily", policy.daily, _day),
        ("weekly", policy.weekly, _week), ("monthly", policy.monthly, _month)]
    remaining = {name: count for name, count, _key in buckets}
    last_value: dict[str, Hashable] = {}
    result = Plan()
    for index, backup in enumerate(ordered):
        reasons = []
        for name, _count, key in buckets:
            if remaining[name] <= 0:
                continue
            value = index if key is None else key(backup.created_at)
            if name in last_value and last_value[name] == value:
                continue
            last_value[name] = value
            remaining[name] -= 1
            reasons.append(name)
        if index == 0 and not reasons:
            reasons.append("newest")
        if reasons:
            result.keep.append((backup, reasons))
        else:
            result.remove.append(backup)
    return result


def plan(backups: list[BackupFile], policy: Policy) -> dict[str, Plan]:
    """Decide for every company found among ``backups``; refuses an empty policy."""
    if policy.empty:
        raise InvalidInput(_(EMPTY_POLICY))
    by_company: dict[str, list[BackupFile]] = {}
    for backup in backups:
        by_company.setdefault(backup.company, []).append(backup)
    return {company: plan_company(items, policy) for company, items in sorted(by_company.items())}
