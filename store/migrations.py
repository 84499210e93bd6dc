"""Schema versions of a company database and the steps between them (Peewee's playhouse migrations).

``PRAGMA user_version`` holds the version. ``MIGRATIONS[v]`` turns a version-v database into version
v + 1; it gets the database and a ``SqliteMigrator`` (add_column, rename_column, add_index, … through
``playhouse.migrate.migrate``) and may run data updates with ``db.execute_sql``. Every step of an
upgrade runs in one transaction, so a database is at one version or the next, never in between.
The same path serves the company databases on disk (``Books`` opens them through ``upgrade``) and
imported backups of older releases.

When SCHEMA_VERSION grows: add the step here and freeze the old schema in
``archive_format.known_schemas`` so that older backups are still checked exactly before they migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from peewee import SqliteDatabase
from playhouse.migrate import SqliteMigrator

from store.db import open_database
from store.errors import StorageError
from store.i18n import _
from store.models import SCHEMA_VERSION

Migration = Callable[[SqliteDatabase, SqliteMigrator], None]

MIGRATIONS: dict[int, Migration] = {}  # none yet: SCHEMA_VERSION is 1


def version_of(db: SqliteDatabase) -> int:
    return db.execute_sql("PRAGMA user_version").fetchone()[0]


def upgrade_database(db: SqliteDatabase, path: Path) -> int:
    """Bring ``db`` (at ``path``, for messages) up to SCHEMA_VERSION; returns the version it had."""
    found = version = version_of(db)
    if version > SCHEMA_VERSION:
        raise StorageError(_("{path} was made by a newer version of keepbooks (schema {version}); upgrade "
                             "keepbooks to open it.").format(path=path, version=version))
    migrator = SqliteMigrator(db)
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StorageError(_("{path} uses schema {version}, which this release cannot upgrade.")
                               .format(path=path, version=version))
        with db.atomic():
            step(db, migrator)
            version += 1
            db.execute_sql(f"PRAGMA user_version = {version}")
    return found


def upgrade(path: Path) -> int:
    """Open the company database at ``path`` and upgrade it; returns the version it had."""
    db = open_database(path)
    try:
        return upgrade_database(db, path)
    finally:
        db.close()
