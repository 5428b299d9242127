"""`orchestrator-mcp keys generate|status|rotate`: the store's encryption keys (shared/store/crypto.py).

The keys themselves are never printed except by `generate`, which makes a new one for an environment variable."""

from __future__ import annotations

import argparse
import asyncio
import sys


def add_keys_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="the store's encryption keys: generate one, show where they are, rotate")
    ksub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    gen = ksub.add_parser("generate", help="print a new random key (for ISMCP_DATA_KEY / ISMCP_INDEX_KEY)")
    gen.set_defaults(func=_generate)
    status = ksub.add_parser("status", help="whether the store is encrypted, under which key ids, keys from where")
    status.add_argument("--store", help="store path or database URL")
    status.set_defaults(func=_status)
    rot = ksub.add_parser("rotate", help="re-encrypt every value under a new data key, in batches (resumable)")
    rot.add_argument("--store", help="store path or database URL")
    rot.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    rot.add_argument("--max-batches", type=int, default=None,
                     help="stop after this many batches (run again to continue)")
    rot.set_defaults(func=_rotate)


def _generate(_args: argparse.Namespace) -> int:
    from shared.store.crypto import new_key

    print(new_key())
    return 0


async def status_lines(store) -> list[str]:  # type: ignore[no-untyped-def]
    """For `keys status` and doctor: whether personal data is encrypted, and under which keys."""
    from shared.store.crypto import MARKER, where_expected
    from shared.store.scope import STORE_SCOPE

    marker = await store.get_config(MARKER, default=None, scope=STORE_SCOPE) or {}
    if not marker.get("data_key_id"):
        return ["NOT encrypted: no key was available when the store was created (no OS keyring and no "
                "ISMCP_DATA_KEY / ISMCP_INDEX_KEY); personal data is stored in plain text"]
    lines = [f"encrypted (AES-256-GCM), data key id {marker['data_key_id']}, index key id {marker['index_key_id']}; "
             f"keys in {where_expected('data')} / ISMCP_INDEX_KEY"]
    if marker.get("rotating_from"):
        lines.append(f"a key rotation from {marker['rotating_from']} is unfinished: run `orchestrator-mcp keys rotate`")
    return lines


def _status(args: argparse.Namespace) -> int:
    from shared.cli import print_store_lines

    return print_store_lines(args.store, status_lines)


def _rotate(args: argparse.Namespace) -> int:
    from shared.errors import StoreError

    async def go() -> dict:  # type: ignore[type-arg]
        from shared.store import open_store
        from shared.store.rotation import rotate

        store = await open_store(args.store, attach=False)
        try:
            return await rotate(store, batch=args.batch, max_batches=args.max_batches,
                                progress=lambda line: print(line, flush=True))
        finally:
            await store.close()

    try:
        result = asyncio.run(go())
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result["finished"]:
        print("re-encrypted: " + ", ".join(f"{t} {n}" for t, n in result["rotated"].items()))
    return 0
