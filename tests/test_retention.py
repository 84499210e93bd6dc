"""Retention policies (prune): restic's keep-* semantics, checked exactly over two years of backups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.errors import InvalidInput
from store.retention import BackupFile, Policy, plan, plan_company


def nightly(company: str, start: dt.datetime, days: int, *, hour: int = 2) -> list[BackupFile]:
    out = []
    for offset in range(days):
        when = (start + dt.timedelta(days=offset)).replace(hour=hour)
        out.append(BackupFile(Path(f"{company} ({when:%Y-%m-%d}).manager"), company, company, when))
    return out


def kept_dates(result) -> list[str]:
    return sorted(f"{b.created_at:%Y-%m-%d %H:%M}" for b, _ in result.keep)


def test_keep_last() -> None:
    backups = nightly("acme", dt.datetime(2025, 1, 1), 10)
    result = plan_company(backups, Policy(last=3))
    assert kept_dates(result) == ["2025-01-08 02:00", "2025-01-09 02:00", "2025-01-10 02:00"]
    assert len(result.remove) == 7


def test_daily_keeps_the_newest_of_each_day() -> None:
    morning = nightly("acme", dt.datetime(2025, 3, 1), 5, hour=8)
    evening = nightly("acme", dt.datetime(2025, 3, 1), 5, hour=20)
    result = plan_company(morning + evening, Policy(daily=3))
    assert kept_dates(result) == ["2025-03-03 20:00", "2025-03-04 20:00", "2025-03-05 20:00"]


def test_two_years_of_nightly_backups_with_every_rule() -> None:
    backups = nightly("acme", dt.datetime(2024, 12, 1), 730)  # 2024-12-01 .. 2026-11-30
    result = plan_company(backups, Policy(last=2, daily=7, weekly=4, monthly=12))
    days = [f"2026-11-{d:02d} 02:00" for d in range(24, 31)]  # the 7 newest days (last 2 among them)
    # ISO weeks: 2026-11-30 is a Monday (week 49), so week 49 keeps the 30th; weeks 48, 47, 46 keep Sundays.
    weeks = ["2026-11-30 02:00", "2026-11-29 02:00", "2026-11-22 02:00", "2026-11-15 02:00"]
    # Months: November 2026 keeps the 30th, then the last day of each of the 11 months before.
    months = ["2026-11-30 02:00"] + [
        f"{(dt.date(2026, m, 1) - dt.timedelta(days=1)):%Y-%m-%d} 02:00" for m in range(11, 0, -1)]
    assert kept_dates(result) == sorted(set(days + weeks + months))
    assert len(result.keep) + len(result.remove) == 730
    reasons = {f"{b.created_at:%Y-%m-%d}": r for b, r in result.keep}
    assert reasons["2026-11-30"] == ["last", "daily", "weekly", "monthly"]
    assert reasons["2026-11-15"] == ["weekly"]


def test_companies_are_planned_separately_and_the_newest_is_always_kept() -> None:
    acme = nightly("acme", dt.datetime(2026, 1, 1), 30)
    solo = nightly("solo", dt.datetime(2025, 1, 1), 1)  # old, outside every window of acme
    plans = plan(acme + solo, Policy(daily=0, last=1))
    assert kept_dates(plans["solo"]) == ["2025-01-01 02:00"]
    assert kept_dates(plans["acme"]) == ["2026-01-30 02:00"]
    weekly_only = plan_company(acme, Policy(monthly=1))
    assert kept_dates(weekly_only) == ["2026-01-30 02:00"]


def test_an_empty_policy_is_refused() -> None:
    with pytest.raises(InvalidInput, match="--keep-last"):
        plan(nightly("acme", dt.datetime(2026, 1, 1), 3), Policy())
    with pytest.raises(InvalidInput):
        Policy(last=-1)
