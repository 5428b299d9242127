"""Opening the store: engine, SQLite pragmas, transactions that are safe across processes, migrations."""

from __future__ import annotations

import os
import time
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


POOL_SIZE_ENV = "ISMCP_DB_POOL_SIZE"  # connections kept open per process (PostgreSQL), default 5
MAX_OVERFLOW_ENV = "ISMCP_DB_MAX_OVERFLOW"  # extra connections under load, default 10
POOL_TIMEOUT_ENV = "ISMCP_DB_POOL_TIMEOUT"  # seconds to wait for a free connection, default 30
CONNECT_TIMEOUT_ENV = "ISMCP_DB_CONNECT_TIMEOUT"  # seconds to open a connection, default 10
STATEMENT_TIMEOUT_ENV = "ISMCP_DB_STATEMENT_TIMEOUT_MS"  # server-side statement timeout, default none
# libpq query parameters asyncpg takes under its own name (https://www.postgresql.org/docs/current/libpq-connect.html)
_RENAMED = {"connect_timeout": "timeout", "target_session_attrs": "target_session_attrs"}
_SERVER_SETTINGS = {"application_name", "options", "search_path"}
_SSL_FILES = {"sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl"}


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def postgres_connect_args(url: str) -> tuple[str, dict[str, Any]]:
    """Any URL a hosted PostgreSQL gives out -> (a postgresql+asyncpg URL, asyncpg connect arguments).

    postgres://, postgresql:// and postgresql+asyncpg:// all work; libpq query parameters are mapped to asyncpg's
    (sslmode -> ssl, connect_timeout -> timeout, application_name -> server setting, ssl files -> an SSL
    context); a unix-socket host works as ?host=/run/postgresql or percent-encoded in the host part."""
    import ssl as ssllib
    from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

    scheme, rest = url.split("://", 1)
    if scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise ValueError(f"unsupported database URL scheme {scheme!r}: use postgresql:// or a SQLite path")
    parts = urlsplit(f"postgresql+asyncpg://{rest}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    args: dict[str, Any] = {"timeout": _env_number(CONNECT_TIMEOUT_ENV, 10.0)}
    settings: dict[str, str] = {}
    netloc = parts.netloc
    host_part = netloc.rsplit("@", 1)[-1]
    if host_part.startswith("%2F") or host_part.startswith("%2f"):  # postgresql://user@%2Frun%2Fpostgresql/db
        args["host"] = unquote(host_part.split(":", 1)[0])
        if ":" in host_part:
            args["port"] = int(host_part.split(":", 1)[1])
        netloc = netloc[: len(netloc) - len(host_part)]  # keeps "user@"
    if "host" in query and query["host"].startswith("/"):
        args["host"] = query.pop("host")
    sslmode = query.pop("sslmode", None)
    files = {k: query.pop(k) for k in list(query) if k in _SSL_FILES}
    for key in list(query):
        if key in _RENAMED:
            value: Any = query.pop(key)
            args[_RENAMED[key]] = float(value) if key == "connect_timeout" else value
        elif key in _SERVER_SETTINGS:
            settings[key] = query.pop(key)
        elif key == "port":
            args["port"] = int(query.pop(key))
        elif key in ("user", "password"):
            args[key] = query.pop(key)
        elif key in ("ssl", "prepared_statement_cache_size"):
            continue  # already asyncpg's own
        else:
            raise ValueError(f"database URL parameter {key!r} is not supported; supported: sslmode, "
                             f"{', '.join(sorted({*_RENAMED, *_SERVER_SETTINGS, *_SSL_FILES}))}, host, port, user, password")
    if files and sslmode not in (None, "disable", "allow", "prefer"):
        ctx = ssllib.create_default_context(cafile=files.get("sslrootcert"))
        if sslmode == "require" and "sslrootcert" not in files:
            ctx.check_hostname, ctx.verify_mode = False, ssllib.CERT_NONE
        elif sslmode == "verify-ca":
            ctx.check_hostname = False
        if "sslcert" in files:
            ctx.load_cert_chain(files["sslcert"], files.get("sslkey"), files.get("sslpassword"))
        args["ssl"] = ctx
    elif sslmode:
        args["ssl"] = sslmode  # asyncpg takes libpq's mode names
    if statement_ms := os.environ.get(STATEMENT_TIMEOUT_ENV, "").strip():
        settings["statement_timeout"] = str(int(float(statement_ms)))
    if settings:
        args["server_settings"] = settings
    clean = f"postgresql+asyncpg://{netloc}{parts.path}" + (f"?{urlencode(query)}" if query else "")
    return clean, args


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _sqlite_setup(engine)
        return engine
    clean, connect_args = postgres_connect_args(url)
    return create_async_engine(
        clean, connect_args=connect_args, pool_pre_ping=True,
        pool_size=int(_env_number(POOL_SIZE_ENV, 5)), max_overflow=int(_env_number(MAX_OVERFLOW_ENV, 10)),
        pool_timeout=_env_number(POOL_TIMEOUT_ENV, 30.0), pool_recycle=1800,
    )


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
        # Switching a new file to WAL needs a lock SQLite does not wait for with the busy timeout: while another
        # process migrates that file, it fails at once with "database is locked". Try again for up to 30 s.
        for attempt in range(300):
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
                break
            except Exception as exc:  # noqa: BLE001 - only "locked" is retried
                if "locked" not in str(exc).lower() or attempt == 299:
                    raise
                time.sleep(0.1)
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


async def server_version(engine: AsyncEngine) -> str:
    """The engine and its version, e.g. "PostgreSQL 15.8" or "SQLite 3.40.1"."""
    from sqlalchemy import text

    async with engine.execution_options(readonly=True).connect() as conn:
        if engine.dialect.name == "postgresql":
            raw = str((await conn.execute(text("SHOW server_version"))).scalar())
            return f"PostgreSQL {raw.split()[0]}"
        return f"SQLite {(await conn.execute(text('select sqlite_version()'))).scalar()}"


async def schema_version(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with engine.execution_options(readonly=True).connect() as conn:
        return await conn.run_sync(_current)


async def open_store(url: str | None = None, *, attach: bool = True) -> Any:
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
    store = Store(engine, resolved)
    if not attach:  # key rotation reads the key marker itself
        return store
    try:
        await attach_keys(store)
    except BaseException:
        await store.close()
        raise
    return store


async def attach_keys(store: Any) -> None:
    """Give the store its keys (shared/store/crypto.py): refuses, with where the key is expected, when the data
    is encrypted and its key is not there."""
    from shared.errors import StoreError
    from shared.store.crypto import MARKER, KeyMissing, keys_for_marker
    from shared.store.open_errors import _where
    from shared.store.scope import STORE_SCOPE  # the marker is the store's, whatever the profile

    try:
        keys, marker = keys_for_marker(await store.get_config(MARKER, default=None, scope=STORE_SCOPE),
                                       _where(store.url)[0])
    except KeyMissing as exc:
        raise StoreError(str(exc)) from None
    store.keys = keys
    if marker is not None:
        await store.set_config(MARKER, marker, scope=STORE_SCOPE)
