"""The unified-contacts store: SQLAlchemy Core over aiosqlite (default) or asyncpg.

Import `shared.store.open_store` lazily (inside a function) so that server start-up does not pay for it.
"""

from shared.store.engine import database_url, default_store_path, open_store
from shared.store.repository import Contact, EventRow, Store

__all__ = ["Contact", "EventRow", "Store", "database_url", "default_store_path", "open_store"]
