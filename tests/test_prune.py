"""keepbooks prune DIR: restic's keep-* rules on real .manager files written under a controlled clock.

The backups are real (store.archive writes them); only the clock the writer reads is replaced, and every
file's manifest is checked to carry the intended time, so a change in how the writer reads the clock
fails here loudly instead of making the test vacuous. The kept set is written out by hand."""

from __future__ import annotations

import datetime as dt
import json
import os
import types
from pathlib import Path

import pytest
import zstandard

import store.prune
from store import archive, archive_read, archive_write
from store.catalog import Catalog
from store.errors import StorageError
from store.i18n import set_language
from test_archive_support import edit_manifest, folders_at, make_company, pack, unpack
from tui.cli import main

UTC = dt.timezone.utc
PARIS = "CET-1CEST,M3.5.0,M10.5.0/3"  # a POSIX rule: no tz database needed


class FakeClock:
    """Stands in for the ``datetime`` module in archive_write: ``now()`` is the time we set."""

    def __init__(self) -> None:
        self.at = dt.datetime(2026, 1, 1, tzinfo=UTC)
        clock = self

        class _DateTime(dt.datetime):
            @classmethod
            def now(cls, tz=None):  # type: ignore[override]
                return clock.at if tz is None else clock.at.astimezone(tz)

        self.module = types.SimpleNamespace(**{name: getattr(dt, name) for name in dir(dt)
                                               if not name.startswith("__")})
        self.module.datetime = _DateTime


def write(catalog: Catalog, company_id: int, folder: Path, clock: FakeClock, when: dt.datetime, name: str) -> Path:
    clock.at = when
    result = archive.backup_company(catalog, company_id, folder / f"{name} {when:%Y-%m-%d %H%M}.manager")
    assert archive.inspect(result.path).created_at == when  # the clock we set is the one in the manifest
    return result.path


def utc(y: int, m: int, d: int, hh: int = 2, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def two_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_zone) -> Path:
    """Two companies' backups, Dec 2024 to Nov 2026, written in UTC; plus files prune must leave alone."""
    local_zone("UTC")
    clock = FakeClock()
    monkeypatch.setattr(archive_write, "dt", clock.module)
    monkeypatch.setattr(store.prune, "_now", lambda: utc(2026, 12, 1))  # prune's today: after every backup
    folder = tmp_path / "backups"
    folder.mkdir()
    with Catalog(folders_at(tmp_path)) as catalog:
        acme = make_company(catalog, transactions=5, attachments_mb=0, name="Acme").id
        bistro = make_company(catalog, transactions=5, attachments_mb=0, name="Bistro", seed=2).id
        # Acme: the 1st and the 15th of every month (renamed half way: one company, one history) ...
        for month in range(24):
            year, mon = 2024 + (11 + month) // 12, (11 + month) % 12 + 1
            if (year, mon) == (2025, 12):
                catalog.rename(acme, "Acme SARL")
            for day in (1, 15):
                write(catalog, acme, folder, clock, utc(year, mon, day), catalog.get(acme).name)
        # ... then every night from Nov 21 to Nov 30 2026, and two made just before midnight UTC,
        # which is already the next day in Paris.
        for day in range(21, 31):
            write(catalog, acme, folder, clock, utc(2026, 11, day), "Acme SARL")
        write(catalog, acme, folder, clock, utc(2026, 11, 26, 23, 30), "Acme SARL")  # Paris: Nov 27 00:30
        write(catalog, acme, folder, clock, utc(2026, 5, 31, 22, 30), "Acme SARL")  # Paris: Jun 1 00:30
        # Bistro: twelve nights in January 2025 only.
        for day in range(1, 13):
            write(catalog, bistro, folder, clock, utc(2025, 1, day), "Bistro")
    (folder / "notes.txt").write_text("not a backup")
    (folder / "not really.manager").write_text("a text file with the extension")
    (folder / "other zstd.manager").write_bytes(zstandard.ZstdCompressor().compress(b"hello" * 100))
    (folder / "empty.manager").write_bytes(b"")
    (folder / ".Acme.manager.0123.tmp").write_bytes(b"a backup being written")
    (folder / "archive.manager").mkdir()
    os.symlink(folder / "Acme 2024-12-01 0200.manager", folder / "first.manager")
    return folder


VERIFIED = store.prune.VERIFIED_NAME  # prune's record of the backups that passed verify
FOREIGN = {"notes.txt", "not really.manager", "other zstd.manager", "empty.manager", ".Acme.manager.0123.tmp",
           "archive.manager", "first.manager"}

# By hand, Paris time (CET +1 in winter, CEST +2 in summer), --keep-last 2 --keep-daily 7 --keep-weekly 4
# --keep-monthly 12:
ACME_KEPT = {
    # last 2, daily 7 (Nov 24..30; Nov 27 keeps its 03:00 backup, the 00:30 one is older that day),
    # weekly: Nov 30 is a Monday (ISO week 49), then the newest of weeks 48, 47 and 46.
    "Acme SARL 2026-11-30 0200.manager": ["last", "daily", "weekly", "monthly"],
    "Acme SARL 2026-11-29 0200.manager": ["last", "daily", "weekly"],
    "Acme SARL 2026-11-28 0200.manager": ["daily"],
    "Acme SARL 2026-11-27 0200.manager": ["daily"],
    "Acme SARL 2026-11-26 0200.manager": ["daily"],
    "Acme SARL 2026-11-25 0200.manager": ["daily"],
    "Acme SARL 2026-11-24 0200.manager": ["daily"],
    "Acme SARL 2026-11-22 0200.manager": ["weekly"],
    "Acme SARL 2026-11-15 0200.manager": ["weekly"],
    # monthly: the newest of each of the 11 months before, in Paris time. May 2026 keeps the 15th: its
    # "May 31 22:30 UTC" backup is June 1st in Paris (and June keeps its 15th).
    **{f"Acme SARL {year}-{mon:02d}-15 0200.manager": ["monthly"]
       for year, mon in [(2026, m) for m in range(10, 0, -1)]},
    "Acme SARL 2025-12-15 0200.manager": ["monthly"],
}
BISTRO_KEPT = {  # Jan 1, 2025 is a Wednesday: ISO week 1 ends on Sunday Jan 5
    "Bistro 2025-01-12 0200.manager": ["last", "daily", "weekly", "monthly"],
    "Bistro 2025-01-11 0200.manager": ["last", "daily"],
    **{f"Bistro 2025-01-{d:02d} 0200.manager": ["daily"] for d in (10, 9, 8, 7, 6)},
    "Bistro 2025-01-05 0200.manager": ["weekly"],
}
POLICY = ["--keep-last", "2", "--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "12"]


def listing(folder: Path) -> dict[str, bytes | None]:
    return {p.name: (None if p.is_dir() or p.is_symlink() else p.read_bytes()) for p in folder.iterdir()}


def prune_json(folder: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = main(["prune", str(folder), *POLICY, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_two_years_kept_exactly_in_local_time(two_years: Path, local_zone, capsys) -> None:
    local_zone(PARIS)
    before = listing(two_years)
    backups = {name for name in before if name not in FOREIGN}
    assert len(backups) == 48 + 10 + 2 + 12

    code, dry = prune_json(two_years, capsys, "--dry-run")
    assert code == 0 and dry["dry_run"] is True
    assert listing(two_years) == before  # --dry-run deletes nothing

    code, result = prune_json(two_years, capsys)
    assert code == 0
    by_name = {c["name"]: c for c in result["companies"]}
    assert set(by_name) == {"Acme SARL", "Bistro"}  # grouped by uid: "Acme" files belong to Acme SARL
    for name, expected in (("Acme SARL", ACME_KEPT), ("Bistro", BISTRO_KEPT)):
        kept = {Path(k["file"]).name: k["reasons"] for k in by_name[name]["keep"]}
        assert kept == expected, name
    kept_all = set(ACME_KEPT) | set(BISTRO_KEPT)
    removed = {Path(r["file"]).name for c in result["companies"] for r in c["remove"]}
    assert removed == backups - kept_all
    assert "Acme SARL 2026-05-31 2230.manager" in removed and "Acme SARL 2026-11-26 2330.manager" in removed
    assert {Path(item["file"]).name for c in dry["companies"] for item in c["remove"]} == removed

    after = listing(two_years)
    assert set(after) == kept_all | FOREIGN | {VERIFIED}
    assert set(json.loads(after[VERIFIED])) == kept_all  # every kept one stood for removed ones, and passed
    assert {name: after[name] for name in FOREIGN} == {name: before[name] for name in FOREIGN}  # untouched
    assert {Path(s["file"]).name: s["reason"] for s in result["skipped"]} == {
        "notes.txt": "not-manager", "not really.manager": "unreadable", "other zstd.manager": "unreadable",
        "empty.manager": "unreadable", ".Acme.manager.0123.tmp": "hidden", "archive.manager": "folder",
        "first.manager": "symlink"}
    assert result["removed_bytes"] == sum(len(before[name]) for name in removed)

    code, again = prune_json(two_years, capsys)  # nothing left to remove: the plan is stable
    assert code == 0 and all(not c["remove"] for c in again["companies"])


def test_in_utc_the_late_backups_count_for_the_day_before(two_years: Path, local_zone, capsys) -> None:
    local_zone("UTC")
    code, result = prune_json(two_years, capsys, "--dry-run")
    kept = {Path(k["file"]).name for c in result["companies"] for k in c["keep"]}
    assert "Acme SARL 2026-05-31 2230.manager" in kept and "Acme SARL 2026-05-15 0200.manager" not in kept
    assert "Acme SARL 2026-11-26 2330.manager" in kept


def test_the_newest_backup_of_each_company_is_always_kept(two_years: Path, local_zone, capsys) -> None:
    local_zone(PARIS)
    assert main(["prune", str(two_years), "--keep-last", "1", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    left = set(listing(two_years)) - FOREIGN - {VERIFIED}
    assert left == {"Acme SARL 2026-11-30 0200.manager", "Bistro 2025-01-12 0200.manager"}
    # A monthly rule with nothing in the last month of another company still keeps each one's newest.
    assert main(["prune", str(two_years), "--keep-monthly", "1"]) == 0
    assert set(listing(two_years)) - FOREIGN - {VERIFIED} == left


def test_the_text_report_in_french_has_french_punctuation(two_years: Path, local_zone, capsys) -> None:
    """Each company's line was written in an f-string, out of the translator's reach: 'Acme SARL: 20
    conservées', an English colon in a French report."""
    local_zone(PARIS)
    try:
        assert main(["--lang", "fr", "prune", str(two_years), *POLICY, "--dry-run"]) == 0
    finally:
        set_language("en")
    assert "Acme SARL\u00a0: 20 conservées, 40 à supprimer" in capsys.readouterr().out.splitlines()


def test_the_text_report_lists_what_is_kept_and_why_and_what_is_removed(two_years: Path, local_zone,
                                                                        capsys) -> None:
    local_zone(PARIS)
    assert main(["prune", str(two_years), *POLICY, "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "Acme SARL: 20 kept, 40 to remove" in lines
    assert any(line.split() == ["keep", "Acme", "SARL", "2026-11-30", "0200.manager", "2026-11-30", "03:00",
                                "last,", "daily,", "weekly,", "monthly"] for line in lines)
    assert any(line.startswith("  would remove  Acme 2024-12-01 0200.manager") for line in lines)
    assert f"Skipped {two_years / 'notes.txt'}: not a .manager file." in lines
    assert any("empty.manager is not a keepbooks backup" in line for line in lines)
    assert lines[-1].startswith("Dry run: 44 backups would be removed (") and "nothing was deleted" in lines[-1]


def test_a_file_replaced_between_reading_and_removing_is_left_in_place(two_years: Path, local_zone,
                                                                        monkeypatch, capsys) -> None:
    import store.prune

    local_zone(PARIS)
    target = two_years / "Acme 2024-12-01 0200.manager"
    real_inspect = store.prune.inspect

    def inspect_then_replace(path: Path):
        manifest = real_inspect(path)
        if path == target:  # another process writes a new file under this name meanwhile
            replacement = target.with_suffix(".new")
            replacement.write_bytes(target.read_bytes() + b"\0")
            os.replace(replacement, target)
        return manifest

    monkeypatch.setattr(store.prune, "inspect", inspect_then_replace)
    assert main(["prune", str(two_years), *POLICY]) == 1
    captured = capsys.readouterr()
    assert target.exists() and f"Left {target} in place: it changed since it was read." in captured.err
    assert not (two_years / "Acme 2024-12-15 0200.manager").exists()  # the others were removed


def test_a_file_another_prune_removed_meanwhile_is_not_an_error(two_years: Path, local_zone, monkeypatch,
                                                                 capsys) -> None:
    """Two prunes of one folder at once (two cron jobs): the second found the files it planned to remove
    gone, and reported each as 'changed since it was read', exit 1, for a folder in the state asked."""
    local_zone(PARIS)
    target = two_years / "Acme 2024-12-01 0200.manager"
    real_inspect = store.prune.inspect

    def inspect_then_remove(path: Path):
        manifest = real_inspect(path)
        if path == target:
            target.unlink()  # the other prune got there first
        return manifest

    monkeypatch.setattr(store.prune, "inspect", inspect_then_remove)
    assert main(["prune", str(two_years), *POLICY, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"file": str(target), "reason": "gone",
            "message": f"{target} was already gone (removed meanwhile)."} in report["skipped"]
    acme = next(company for company in report["companies"] if company["name"] == "Acme SARL")
    assert acme["failed"] == [] and str(target) not in [item["file"] for item in acme["remove"]]
    assert not (two_years / "Acme 2024-12-15 0200.manager").exists()  # the others were removed


def test_a_backup_cut_short_is_never_kept_in_place_of_whole_ones(two_years: Path, local_zone, capsys) -> None:
    # A copy killed half-way, a full disk: the manifest at its start still reads. Kept as the newest,
    # it had every whole backup deleted, and prune said nothing (exit 0, --quiet).
    local_zone(PARIS)
    newest = two_years / "Acme SARL 2026-11-30 0200.manager"
    newest.write_bytes(newest.read_bytes()[:3000])
    assert main(["prune", str(two_years), "--keep-last", "1", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() == (
        f"keepbooks: Skipped {newest}: it is cut short (keepbooks verify says more); left in place, not counted.")
    left = set(listing(two_years)) - FOREIGN - {VERIFIED}
    assert left == {newest.name, "Acme SARL 2026-11-29 0200.manager", "Bistro 2025-01-12 0200.manager"}
    assert archive.verify(two_years / "Acme SARL 2026-11-29 0200.manager").company_name == "Acme SARL"


def test_a_damaged_newest_backup_does_not_stand_for_the_ones_it_would_replace(two_years: Path, local_zone,
                                                                              capsys) -> None:
    """One byte flipped inside the newest backup (bit rot, a bad copy): it ran whole to its end, so it was
    kept as the newest and every sound one was deleted, exit 0: only a damaged copy was left."""
    local_zone(PARIS)
    newest = two_years / "Acme SARL 2026-11-30 0200.manager"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0x40
    newest.write_bytes(bytes(data))
    assert archive_read.is_whole(newest)
    assert main(["prune", str(two_years), "--keep-last", "1", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"keepbooks: {newest} is damaged: ") and line.endswith("; left in place, not counted.")
    left = set(listing(two_years)) - FOREIGN - {VERIFIED}
    assert left == {newest.name, "Acme SARL 2026-11-29 0200.manager", "Bistro 2025-01-12 0200.manager"}


@pytest.mark.parametrize("when, zone", [("9999-12-31T23:59:59+00:00", "JST-9"), ("0001-01-01T00:00:00+00:00", "EST5"),
                                        ("2026-11-30T02:00:00", "JST-9")])
def test_a_backup_dated_at_the_ends_of_time_is_left_in_place_and_the_rest_pruned(two_years: Path, local_zone,
                                                                                  capsys, when: str, zone: str) -> None:
    """Found by a reliability audit: one backup whose manifest said 9999-12-31 (any zone east of UTC) or
    0001-01-01 (west of it) stopped every prune of the folder with "internal error: OverflowError('date value
    out of range')". Such a date (or one without its UTC offset) makes the file damaged: left, said, not counted."""
    odd = pack(two_years / "Acme odd.manager", edit_manifest(unpack(two_years / "Acme SARL 2026-11-30 0200.manager"),
                                                            lambda manifest: manifest.update(created_at=when)))
    local_zone(zone)
    assert main(["prune", str(two_years), "--keep-last", "1"]) == 0  # as for any file whose manifest is unusable
    [line] = [line for line in capsys.readouterr().out.splitlines() if odd.name in line]
    assert line.startswith(f"Skipped: {odd} is damaged: its manifest's creation time “{when}” ")
    left = set(listing(two_years)) - FOREIGN - {VERIFIED}
    assert left == {odd.name, "Acme SARL 2026-11-30 0200.manager", "Bistro 2025-01-12 0200.manager"}


def test_each_backup_is_verified_once_and_again_when_it_changes(two_years: Path, local_zone, monkeypatch,
                                                                 capsys) -> None:
    local_zone(PARIS)
    real_verify, verified = store.prune.verify, []
    monkeypatch.setattr(store.prune, "verify", lambda path: (verified.append(path.name), real_verify(path))[1])
    assert main(["prune", str(two_years), "--keep-last", "3", "--quiet"]) == 0
    assert sorted(verified) == sorted(["Acme SARL 2026-11-30 0200.manager", "Acme SARL 2026-11-29 0200.manager",
                                       "Acme SARL 2026-11-28 0200.manager", "Bistro 2025-01-12 0200.manager",
                                       "Bistro 2025-01-11 0200.manager", "Bistro 2025-01-10 0200.manager"])
    verified.clear()
    assert main(["prune", str(two_years), "--keep-last", "2", "--quiet"]) == 0
    assert verified == []  # all verified by the run before
    changed = two_years / "Acme SARL 2026-11-30 0200.manager"
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1))
    assert main(["prune", str(two_years), "--keep-last", "1", "--quiet"]) == 0
    assert verified == [changed.name]  # changed since it passed: verified again


def test_a_company_whose_backups_cannot_be_verified_loses_none(two_years: Path, local_zone, monkeypatch,
                                                                capsys) -> None:
    """No room in the temporary folder: every verify fails the same way. Each failure set the newest
    aside and tried the next (58 problem lines); now the company keeps everything this time, exit 1."""
    local_zone(PARIS)
    before = set(listing(two_years))

    def no_room(path: Path):
        raise StorageError(f"Cannot check {path}: the disk is full.")

    monkeypatch.setattr(store.prune, "verify", no_room)
    assert main(["prune", str(two_years), "--keep-last", "1", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(listing(two_years)) == before
    for company in report["companies"]:
        assert [item["file"] for item in company["keep"]][:1] and company["remove"] == []
        assert {item["reason"] for item in company["failed"]} == {"unverified"}
        assert company["failed"][0]["message"].startswith(f"Left {company['failed'][0]['file']} in place: the "
                                                          "backups kept in its place could not be verified (")
    assert [item for item in report["skipped"] if item["reason"] in ("damaged", "unverified")] == []


def test_a_backup_this_user_may_not_read_is_said_and_left(two_years: Path, local_zone, monkeypatch,
                                                          capsys) -> None:
    # Written by root into the folder of the user who prunes (a sudo mistake): it was skipped in silence.
    local_zone(PARIS)
    private = two_years / "Bistro 2025-01-12 0200.manager"
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: real_access(path, mode) and Path(path) != private)
    code, report = prune_json(two_years, capsys)
    assert code == 1
    assert {"file": str(private), "reason": "no-access"}.items() <= next(
        item for item in report["skipped"] if item["file"] == str(private)).items()
    assert private.exists()


def test_a_backup_dated_ahead_of_the_clock_does_not_push_fresh_ones_out(two_years: Path, tmp_path: Path,
                                                                          local_zone, monkeypatch, capsys) -> None:
    # Made under a clock set ten years ahead: counted, it stayed "the newest" and each night's backup
    # was removed by --keep-last 1 --keep-daily 1, with exit 0.
    local_zone(PARIS)
    clock = FakeClock()
    monkeypatch.setattr(archive_write, "dt", clock.module)
    with Catalog(folders_at(tmp_path)) as catalog:
        acme = next(c for c in catalog.companies() if c.name == "Acme SARL")
        ahead = write(catalog, acme.id, two_years, clock, utc(2036, 1, 1), "Acme SARL")
    assert main(["prune", str(two_years), "--keep-last", "1", "--keep-daily", "1", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"keepbooks: Skipped {ahead}: it is dated 2036-01-01 03:00+01:00, ahead of this machine's")
    assert ahead.exists() and (two_years / "Acme SARL 2026-11-30 0200.manager").exists()


def test_what_a_killed_backup_left_is_removed_but_not_what_a_running_one_writes(tmp_path: Path, capsys) -> None:
    """Found by a helper: after a backup was killed (kill -9, a power cut), its hidden temporary file, as
    large as a backup, stayed until the next backup into that very folder; the nightly prune of the
    folder only said it skipped it."""
    crashed = tmp_path / ".Acme (2026-11-28).manager.0123456789abcdef.tmp"
    crashed.write_bytes(b"428 MB, here a few bytes")
    (tmp_path / f"{crashed.name}.d").mkdir()
    running = archive_write.Workspace(tmp_path, "Beta (2026-11-28).manager")  # holds its lock, as a live run
    running.file.write_bytes(b"in progress")
    left = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    # A dry run changes nothing and says what a real run will remove (a second helper: it listed it as
    # "skipped", as it does a running backup's, and the real run removed it without a word).
    assert main(["prune", str(tmp_path), "--keep-last", "3", "--dry-run"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == left
    out = capsys.readouterr().out
    assert f"Would remove {crashed} (24 bytes), left by an interrupted backup." in out
    assert not any(line.startswith("Skipped") and str(crashed) in line for line in out.splitlines())
    assert main(["prune", str(tmp_path), "--keep-last", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {item["file"]: item["size"] for item in report["leftovers"]} == {str(crashed): 24,
                                                                            f"{crashed}.d": 0}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [running.file.name, running.folder.name, running.lock.path.name])
    running.cleanup()


def test_usage_and_folder_errors(tmp_path: Path, capsys) -> None:
    assert main(["prune", str(tmp_path)]) == 2
    assert "--keep-last" in capsys.readouterr().err
    assert main(["prune", str(tmp_path), "--keep-daily", "-3"]) == 2
    assert main(["prune", str(tmp_path), "--keep-daily", "many"]) == 2
    capsys.readouterr()
    missing = tmp_path / "nowhere"
    assert main(["prune", str(missing), "--keep-last", "3"]) == 1
    err = capsys.readouterr().err.strip()
    assert str(missing) in err and len(err.splitlines()) == 1
    assert main(["prune", str(tmp_path), "--keep-last", "3"]) == 0
    assert f"No keepbooks backups in {tmp_path}." in capsys.readouterr().out
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    assert main(["prune", str(a_file), "--keep-last", "3"]) == 1
    assert capsys.readouterr().err.strip() == f"keepbooks: {a_file} is not a folder."


def test_backups_of_each_kind_are_counted_apart(tmp_path: Path, monkeypatch, local_zone, capsys) -> None:
    """Two backups without attachments made after the whole ones had --keep-last 2 prune the last whole
    backups: a backup that holds less cannot stand in for one that holds everything."""
    local_zone("UTC")
    clock = FakeClock()
    monkeypatch.setattr(archive_write, "dt", clock.module)
    monkeypatch.setattr(store.prune, "_now", lambda: utc(2026, 12, 1))
    folder = tmp_path / "backups"
    folder.mkdir()
    with Catalog(folders_at(tmp_path)) as catalog:
        acme = make_company(catalog, transactions=5, attachments_mb=0.1, name="Acme").id
        for day in (1, 2, 3):
            write(catalog, acme, folder, clock, utc(2026, 11, day), "Acme")
        for day in (4, 5):
            clock.at = utc(2026, 11, day)
            archive.backup_company(catalog, acme, folder / f"Acme lean {day}.manager",
                                   include=archive.Include(attachments=False))
    assert main(["prune", str(folder), "--keep-last", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_kind = {company["contents"]["attachments"]: company for company in report["companies"]}
    assert [Path(item["file"]).name for item in by_kind[True]["keep"]] == [
        "Acme 2026-11-03 0200.manager", "Acme 2026-11-02 0200.manager"]
    assert [Path(item["file"]).name for item in by_kind[True]["remove"]] == ["Acme 2026-11-01 0200.manager"]
    assert len(by_kind[False]["keep"]) == 2 and by_kind[False]["remove"] == []
    assert main(["prune", str(folder), "--keep-last", "2", "--dry-run"]) == 0
    assert "Acme (without attachments): 2 kept, 0 to remove" in capsys.readouterr().out.splitlines()


def test_the_record_of_verified_backups_is_never_waited_on(two_years: Path, local_zone, capsys) -> None:
    """A pipe under the record's name: prune hung for ever reading it; a temporary left by a prune killed
    while writing the record was listed as skipped on every run."""
    local_zone(PARIS)
    record = two_years / VERIFIED
    os.mkfifo(record)
    (two_years / f"{VERIFIED}.abc123.tmp").write_text("{}")
    assert main(["prune", str(two_years), "--keep-last", "1", "--json"]) == 0  # did not wait on the pipe
    report = json.loads(capsys.readouterr().out)
    assert not [item for item in report["skipped"] if item["file"].startswith(str(record))]
    assert record.is_file() and not record.is_symlink()  # replaced by a record, not written into
