"""Data-key rotation: every encrypted value re-encrypted under a new data key, a batch per transaction, resumable.

Starting a rotation records both key ids in the store's key marker (`rotating_from`); from then on the store
opens with both keys (reads either, writes the new one), and a rotation interrupted by a crash continues where
it stopped: a value already under the new key is skipped. The marker loses `rotating_from` when every row is done.
Keys come from the OS keyring (the rotation makes the new key and keeps the old one as "data-key-previous" until
it ends) or, on headless machines, the environment: ISMCP_DATA_KEY the new key, ISMCP_OLD_DATA_KEY the current.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from shared.errors import StoreError
from shared.store import crypto
from shared.store.crypto import MARKER, is_encrypted_json, key_id
from shared.store.scope import STORE_SCOPE
from shared.store.schema import audit_log, events, unified_contacts

TARGETS: list[tuple[Any, tuple[str, ...], bool]] = [  # table, encrypted columns, JSON columns?
    (unified_contacts, ("email", "first_name", "last_name", "company"), False),
    (events, ("payload",), True),
    (audit_log, ("arguments",), True),
]


def _start(marker: dict[str, Any]) -> dict[str, Any]:
    """Choose the new key (and keep the old one where the rotation can find it); the marker to save."""
    current = marker["data_key_id"]
    env_new = os.environ.get(crypto.DATA_KEY_ENV, "").strip()
    if env_new:
        new = crypto.parse_key(env_new, f"${crypto.DATA_KEY_ENV}")
        if key_id(new) == current:
            raise StoreError(f"{crypto.DATA_KEY_ENV} holds the current key. To rotate, put it in "
                             f"{crypto.OLD_DATA_KEY_ENV} and a new key (`orchestrator-mcp keys generate`) in "
                             f"{crypto.DATA_KEY_ENV}, then run `orchestrator-mcp keys rotate` again.")
        old = crypto._old_data_key()
        if old is None or key_id(old) != current:
            raise StoreError(f"{crypto.OLD_DATA_KEY_ENV} must hold the store's current data key (key id {current}) "
                             "so that the rows can be read while they are re-encrypted.")
    else:
        backend = crypto._keyring()
        got = crypto.load_key("data", create=False)
        if backend is None or got is None or key_id(got[0]) != current:
            raise StoreError(f"The store's current data key is not available; it is expected in "
                             f"{crypto.where_expected('data')}.")
        fresh = crypto.new_key()
        backend.set_password(crypto.KEYRING_SERVICE, crypto._username("data-key-previous"), crypto._b64(got[0]))
        backend.set_password(crypto.KEYRING_SERVICE, crypto._username("data-key"), fresh)
        new = crypto._unb64(fresh)
    return {**marker, "data_key_id": key_id(new), "rotating_from": current}


async def rotate(store: Any, *, batch: int = 500, max_batches: int | None = None,
                 progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Rotate the data key of a store opened with open_store(attach=False). Returns {"rotated": {table: rows},
    "finished": bool}. With max_batches the run stops early (another run continues)."""
    marker = await store.get_config(MARKER, default=None, scope=STORE_SCOPE)
    if not marker or not marker.get("data_key_id"):
        raise StoreError("This store is not encrypted (no key was available when it was created), so there is no "
                         "data key to rotate.")
    if not marker.get("rotating_from"):
        marker = _start(marker)
        await store.set_config(MARKER, marker, scope=STORE_SCOPE)
        progress(f"rotation started: data key {marker['rotating_from']} -> {marker['data_key_id']}")
    else:
        progress(f"rotation resumed: data key {marker['rotating_from']} -> {marker['data_key_id']}")
    try:
        keys, _ = crypto.keys_for_marker(marker, store.url.split("@")[-1])
    except crypto.KeyMissing as exc:
        raise StoreError(str(exc)) from None
    if keys.old_data is None:
        raise StoreError(f"The previous data key (key id {marker['rotating_from']}) is needed to finish the rotation: "
                         f"set {crypto.OLD_DATA_KEY_ENV}, or keep the keyring's data-key-previous entry.")
    store.keys = keys
    rotated: dict[str, int] = {}
    batches = 0
    for table, columns, is_json in TARGETS:
        key = table.c.id
        after: Any = None
        done = changed = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                progress(f"stopped after {batches} batches; run `orchestrator-mcp keys rotate` again to continue")
                return {"rotated": rotated, "finished": False}
            stmt = select(key, *(table.c[c] for c in columns)).order_by(key).limit(batch)
            if after is not None:
                stmt = stmt.where(key > after)
            async with store.write() as conn:
                rows = (await conn.execute(stmt)).all()
                if not rows:
                    break
                for row in rows:
                    values = {}
                    for c in columns:
                        v = getattr(row, c)
                        if is_json and is_encrypted_json(v) and keys.needs_rotation(v[crypto.JSON_KEY]):
                            values[c] = keys.encrypt_json(keys.decrypt_json(v))
                        elif not is_json and isinstance(v, str) and keys.needs_rotation(v):
                            values[c] = keys.encrypt_text(keys.decrypt_text(v))
                    if values:
                        await conn.execute(update(table).where(key == row[0]).values(**values))
                        changed += 1
            batches += 1
            done += len(rows)
            after = rows[-1][0]
            progress(f"{table.name}: {done} rows checked, {changed} re-encrypted")
        rotated[table.name] = changed
    finished = {k: v for k, v in marker.items() if k != "rotating_from"}
    await store.set_config(MARKER, {**finished, "rotated_at": time.time()}, scope=STORE_SCOPE)
    backend = crypto._keyring()
    if backend is not None and not os.environ.get(crypto.DATA_KEY_ENV, "").strip():
        try:
            backend.delete_password(crypto.KEYRING_SERVICE, crypto._username("data-key-previous"))
        except Exception:  # noqa: BLE001 - already gone
            pass
    progress("rotation finished: every value is under the new data key"
             + (f"; unset {crypto.OLD_DATA_KEY_ENV}" if os.environ.get(crypto.OLD_DATA_KEY_ENV) else ""))
    return {"rotated": rotated, "finished": True}
