"""What to tell the user when the store cannot be opened: which file (or database), why, and what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from shared.errors import StoreError

_CORRUPT = ("file is not a database", "malformed", "not a database", "file is encrypted")
_UNWRITABLE = ("readonly", "read-only", "unable to open", "permission denied", "disk i/o error",
               "not a directory", "access denied", "is a directory")


def _where(url: str | None) -> tuple[str, bool]:
    """(the store's file path or password-free URL, whether it is a SQLite file)."""
    from shared.store.engine import DATABASE_URL_ENV, STORE_PATH_ENV, default_store_path

    explicit = url or os.environ.get(DATABASE_URL_ENV, "").strip()
    if explicit and "://" in explicit:
        if explicit.startswith("sqlite"):
            return explicit.split("///", 1)[-1], True
        from sqlalchemy.engine import make_url

        try:
            return make_url(explicit).render_as_string(hide_password=True), False
        except Exception:  # noqa: BLE001 - an unparsable URL: show its scheme only
            return explicit.split("://", 1)[0] + "://...", False
    path = Path(explicit or os.environ.get(STORE_PATH_ENV, "").strip() or default_store_path()).expanduser()
    return str(path), True


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc.__cause__ or exc
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror.lower()
    return str(inner).splitlines()[0] if str(inner) else type(inner).__name__


def store_error(url: str | None, exc: BaseException) -> StoreError:
    where, is_file = _where(url)
    reason = _reason(exc)
    text = f"{reason} {exc}".lower()
    if not is_file:
        return StoreError(
            f"The store database {where} cannot be opened ({reason}). Check that it is running and that "
            "ISMCP_DATABASE_URL has the right host, name and credentials.")
    if any(k in text for k in _CORRUPT) or isinstance(getattr(exc, "orig", None), sqlite3.DatabaseError) and not any(
            k in text for k in _UNWRITABLE):
        return StoreError(
            f"The store file {where} is not a readable SQLite database ({reason}); it may be corrupt. "
            f"Move it aside (e.g. rename it to {Path(where).name}.broken) and the next call creates a new, "
            "empty store; or set ISMCP_STORE_PATH to another file.")
    if any(k in text for k in _UNWRITABLE) or isinstance(exc, OSError):
        return StoreError(
            f"The store file {where} cannot be created or written ({reason}). Make its folder "
            f"{Path(where).parent} writable, or set ISMCP_STORE_PATH to a file in a writable folder.")
    return StoreError(f"The store file {where} cannot be opened ({reason}). Check the file, or set "
                      "ISMCP_STORE_PATH to another file.")
