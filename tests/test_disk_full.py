"""A full disk, wherever it is met (found by an exploratory pass on a real full disk): one sentence that
says the disk is full and which, not SQLite's 'disk I/O error' or a traceback; nothing half-made left.
SQLite's own reports vary (a failed rollback may hide the first error), so the cases are injected."""

from __future__ import annotations

import errno
import re
import sqlite3
from pathlib import Path

import peewee
import pytest

from store import archive, archive_read, archive_write, catalog as catalog_module, durable
from store.catalog import Catalog
from store.errors import StorageError
from test_archive_support import folders_at, leftovers, make_company, state


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(folders_at(tmp_path)) as opened:
        yield opened


def full_then_failed_rollback(*args, **kwargs) -> None:
    """What peewee raised on a full disk: the rollback fails too, and that is the error raised."""
    try:
        raise peewee.OperationalError("database or disk is full")
    except peewee.OperationalError:
        raise peewee.OperationalError("cannot rollback - no transaction is active")


def test_disk_full_reads_sqlite_errors_their_causes_and_the_space_left(tmp_path: Path, monkeypatch) -> None:
    assert durable.disk_full(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    with pytest.raises(peewee.OperationalError) as raised:
        full_then_failed_rollback()
    assert durable.disk_full(raised.value, tmp_path)
    io_error = sqlite3.OperationalError("disk I/O error")
    assert not durable.disk_full(io_error, tmp_path)
    monkeypatch.setattr(durable.shutil, "disk_usage", lambda folder: type("Usage", (), {"free": 4096})())
    assert durable.disk_full(io_error, tmp_path)  # what SQLite says when it cannot even grow its -shm


def test_a_new_company_on_a_full_disk_is_one_sentence_and_leaves_nothing(catalog: Catalog, monkeypatch) -> None:
    monkeypatch.setattr(catalog_module, "create_books", full_then_failed_rollback)
    before = state(catalog.folders.data)
    with pytest.raises(StorageError) as raised:
        catalog.create("Boulangerie Martin")
    assert str(raised.value) == f"Cannot create the company in {catalog.folders.data}: the disk is full."
    assert state(catalog.folders.data) == before and catalog.companies() == []


def test_a_backup_whose_snapshot_fills_its_disk_says_which_disk(catalog: Catalog, tmp_path: Path,
                                                                monkeypatch) -> None:
    # The snapshot of the books is written beside the backup: it was reported as the company's
    # database failing ("Cannot read …/books.sqlite: database or disk is full").
    company = make_company(catalog, transactions=40, attachments_mb=0.1)

    def fills_the_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(archive_write, "_copy_snapshot", fills_the_disk)
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(StorageError) as raised:
        archive.backup(company.books_path, usb / "b.manager")
    assert str(raised.value) == f"Cannot write the backup in {usb}: the disk is full."
    assert list(usb.iterdir()) == []


def test_an_import_that_fills_the_data_disk_says_which(catalog: Catalog, tmp_path: Path, monkeypatch) -> None:
    company = make_company(catalog, transactions=40, attachments_mb=0.1)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path

    def fills_the_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(archive_read, "upgrade", fills_the_disk)
    before = state(catalog.folders.data)
    with pytest.raises(StorageError) as raised:
        archive.import_backup(catalog, backup)
    assert str(raised.value) == (f"Cannot import {backup}: the disk holding {catalog.folders.companies} is full.")
    assert state(catalog.folders.data) == before and leftovers(catalog.folders.data) == []


def test_an_import_without_the_room_it_needs_is_refused_before_it_starts(catalog: Catalog, tmp_path: Path,
                                                                        monkeypatch) -> None:
    # The message said "it needs 9 MB, 15 MB are free" (a margin it did not count) and named the
    # import's private folder, gone by the time it was read.
    company = make_company(catalog, transactions=40, attachments_mb=0.1)
    backup = archive.backup(company.books_path, tmp_path / "b.manager").path
    monkeypatch.setattr(archive_read.shutil, "disk_usage", lambda folder: type("Usage", (), {"free": 15_000_000})())
    before = state(catalog.folders.data)
    with pytest.raises(StorageError) as raised:
        archive.import_backup(catalog, backup)
    message = str(raised.value)
    assert message.startswith(f"There is not enough free space in {catalog.folders.companies} to read {backup}: ")
    needed, free = (int(n) for n in re.findall(r"(\d+) MB", message))
    assert needed > free == 15
    assert state(catalog.folders.data) == before and leftovers(catalog.folders.data) == []
