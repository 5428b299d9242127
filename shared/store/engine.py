"""Opening the store: engine, SQLite pragmas, transactions that are safe across processes, migrations."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

STORE_PATH_ENV = "ISMCP_STORE_PATH"
DATABASE_URL_ENV = "ISMCP_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def default_store_path() -> Path:
    """One file in the user's data directory."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "instantly-stripe-mcp" / "store.sqlite"


def database_url(explicit: str | None = None) -> str:
    """Explicit URL or path, then ISMCP_DATABASE_URL, then ISMCP_STORE_PATH, then the default file."""
    if explicit:
        return explicit if "://" in explicit else _sqlite_url(Path(explicit))
    if url := os.environ.get(DATABASE_URL_ENV, "").strip():
        return url
    if path := os.environ.get(STORE_PATH_ENV, "").strip():
        return _sqlite_url(Path(path))
    return _sqlite_url(default_store_path())


def _sqlite_url(path: Path) -> str:
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_setup(engine: AsyncEngine) -> None:
    """WAL, a busy timeout and foreign keys; explicit BEGIN so that writers queue instead of failing.

    pysqlite's own transaction handling is switched off (isolation_level=None) and we emit BEGIN
    ourselves: BEGIN IMMEDIATE for writes takes the write lock up front, so two processes wait on the
    busy timeout instead of one getting "database is locked" when it upgrades a read lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("readonly"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    if connection.dialect.name == "postgresql":
        # Serialize concurrent migrators on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(724311)")
    command.upgrade(cfg, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration, in one transaction, safe when several processes open at once."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def schema_version(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.execution_options(readonly=True).connect() as conn:
        return await conn.run_sync(_current)


async def open_store(url: str | None = None) -> Any:
    """Open (creating and migrating as needed) the store and return its repository.

    A store that cannot be opened (a corrupt file, a read-only folder, a database that refuses us) is a
    StoreError that names the file and says what to do, not an internal error."""
    from shared.store.repository import Store

    engine = None
    try:
        resolved = database_url(url)
        engine = make_engine(resolved)
        await migrate(engine)
    except Exception as exc:
        if engine is not None:
            await engine.dispose()
        from shared.store.open_errors import store_error

        raise store_error(url, exc) from exc
    return Store(engine, resolved)
