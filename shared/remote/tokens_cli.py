"""`orchestrator-mcp tokens create|list|revoke`: API tokens for the HTTP transport. A token is printed once, on
stdout (so it can be piped into a secret store); the store keeps only its hash."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from typing import Any

from shared import profiles
from shared.errors import AppError
from shared.remote.roles import ROLES

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """'30d', '12h', '90m', '2w' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text or "")
    if not match or int(match.group(1)) <= 0:
        raise AppError(f"--expires {text!r} is not a duration: use a number and a unit, e.g. 30d, 12h, 90m, 2w.")
    return int(match.group(1)) * _UNITS[match.group(2)]


def add_tokens_command(sub: Any) -> None:
    tokens = sub.add_parser("tokens", help="API tokens for serving over HTTP (create, list, revoke)")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="make a token for one profile; printed once, only its hash is kept")
    create.add_argument("--profile", default=None, help="the profile it acts as (default: the profile in effect)")
    create.add_argument("--role", choices=ROLES, default=None,
                        help="read: read-only tools; operate: also writes that need no confirm; admin: everything "
                             "(default admin, or read with --read-only)")
    create.add_argument("--read-only", action="store_true", help="same as --role read")
    create.add_argument("--expires", help="lifetime, e.g. 30d, 12h (default: until revoked)")
    create.add_argument("--label", help="a note to recognise it by in `tokens list`")
    create.add_argument("--store", help="store path or database URL (default: ISMCP_DATABASE_URL / ISMCP_STORE_PATH)")
    create.set_defaults(func=lambda a: asyncio.run(_create(a)))
    listing = actions.add_parser("list", help="list tokens (ids, profiles, roles, expiry; never the tokens)")
    listing.add_argument("--profile", default=None, help="only this profile's tokens")
    listing.add_argument("--store", help="store path or database URL")
    listing.set_defaults(func=lambda a: asyncio.run(_list(a)))
    revoke = actions.add_parser("revoke", help="revoke a token by its id (tok_...); it stops working at once")
    revoke.add_argument("token_id", help="the id shown by `tokens create` and `tokens list`")
    revoke.add_argument("--store", help="store path or database URL")
    revoke.set_defaults(func=lambda a: asyncio.run(_revoke(a)))


async def _book(url: str | None) -> Any:
    from shared.store import open_store
    from shared.store.tokens import TokenBook

    return TokenBook(await open_store(url))


def _when(stamp: float | None) -> str:
    return "never" if stamp is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


async def _create(args: argparse.Namespace) -> int:
    if args.read_only and args.role not in (None, "read"):
        raise AppError("--read-only and --role disagree: --read-only means --role read.")
    role = "read" if args.read_only else (args.role or "admin")
    profile = profiles.validate(args.profile) if args.profile else profiles.current()
    expires = parse_duration(args.expires) if args.expires else None
    book = await _book(args.store)
    try:
        token, record = await book.create(profile, role, expires_in=expires, label=args.label)
    finally:
        await book.store.close()
    print(token)
    print(f"Token {record.id} for profile {profile}, role {role}, expires {_when(record.expires_at)}. "
          "This is the only time it is shown; the store keeps only its hash. Clients send it as "
          "the Authorization header (scheme Bearer).", file=sys.stderr)
    return 0


async def _list(args: argparse.Namespace) -> int:
    book = await _book(args.store)
    try:
        records = await book.list(profiles.validate(args.profile) if args.profile else None)
    finally:
        await book.store.close()
    if not records:
        print("No tokens. Create one with `orchestrator-mcp tokens create --profile NAME --role read`.")
        return 0
    print("id | profile | role | created | expires | state | label")
    for r in records:
        state = "revoked" if r.revoked_at else ("active" if r.active() else "expired")
        print(f"{r.id} | {r.profile} | {r.role} | {_when(r.created_at)} | {_when(r.expires_at)} | {state} | "
              f"{r.label or '-'}")
    return 0


async def _revoke(args: argparse.Namespace) -> int:
    book = await _book(args.store)
    try:
        done = await book.revoke(args.token_id)
    finally:
        await book.store.close()
    if not done:
        print(f"No active token {args.token_id}; `orchestrator-mcp tokens list` shows the ids.", file=sys.stderr)
        return 1
    print(f"Revoked {args.token_id}; requests with it now get 401.", file=sys.stderr)
    return 0
