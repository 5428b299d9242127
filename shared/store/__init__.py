"""The unified-contacts store: SQLAlchemy Core over aiosqlite (default) or asyncpg.

The row types import cheaply; everything that needs SQLAlchemy is loaded on first use, so that a
server's start-up does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.store.models import Contact, EventRow

if TYPE_CHECKING:
    from shared.store.engine import database_url, default_store_path, open_store
    from shared.store.repository import Store

__all__ = ["Contact", "EventRow", "Store", "database_url", "default_store_path", "open_store"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from shared.store.repository import Store

        return Store
    if name in ("database_url", "default_store_path", "open_store"):
        from shared.store import engine

        return getattr(engine, name)
    raise AttributeError(name)
