"""API tokens for the HTTP transport. A token is shown once, at creation; the store keeps only its SHA-256 (a
token is 256 random bits, so a fast hash is as good as a slow one and a lookup stays one indexed read). Each
token acts as exactly one profile, with one role, until it expires or is revoked."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, Index, String, Table, select, update

from shared.store.base import StoreBase
from shared.store.schema import metadata

PREFIX = "ismcp_"

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("profile", String(40), nullable=False),
    Column("role", String(16), nullable=False),
    Column("label", String(200)),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("revoked_at", Float),
    Index("ix_api_tokens_profile", "profile"),
)


@dataclass(frozen=True)
class TokenRecord:
    id: str
    profile: str
    role: str
    label: str | None
    created_at: float
    expires_at: float | None
    revoked_at: float | None

    def active(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def of(cls, row: Any) -> TokenRecord:
        m = row._mapping
        return cls(id=m["id"], profile=m["profile"], role=m["role"], label=m["label"], created_at=m["created_at"],
                   expires_at=m["expires_at"], revoked_at=m["revoked_at"])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """The api_tokens table of one store."""

    def __init__(self, store: StoreBase) -> None:
        self.store = store

    async def create(self, profile: str, role: str, *, expires_in: float | None = None,
                     label: str | None = None) -> tuple[str, TokenRecord]:
        """A new token: (the token itself, to show once; its record). Only the hash is stored."""
        token = PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        values = {"id": "tok_" + secrets.token_hex(6), "token_hash": token_hash(token), "profile": profile,
                  "role": role, "label": label, "created_at": now,
                  "expires_at": now + expires_in if expires_in else None, "revoked_at": None}
        await self.store._retrying(lambda c: c.execute(api_tokens.insert().values(**values)))
        return token, TokenRecord(**{k: v for k, v in values.items() if k != "token_hash"})

    async def lookup(self, token: str) -> TokenRecord | None:
        """The record of an active token (not expired, not revoked), else None."""
        if not token.startswith(PREFIX):
            return None
        async with self.store.read() as conn:
            row = (await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash(token)))).first()
        record = TokenRecord.of(row) if row is not None else None
        return record if record is not None and record.active() else None

    async def list(self, profile: str | None = None) -> list[TokenRecord]:
        stmt = select(api_tokens).order_by(api_tokens.c.created_at)
        if profile:
            stmt = stmt.where(api_tokens.c.profile == profile)
        async with self.store.read() as conn:
            return [TokenRecord.of(r) for r in (await conn.execute(stmt)).all()]

    async def any_active(self) -> bool:
        now = time.time()
        t = api_tokens.c
        stmt = select(t.id).where(t.revoked_at.is_(None), (t.expires_at.is_(None)) | (t.expires_at > now)).limit(1)
        async with self.store.read() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def revoke(self, token_id: str) -> bool:
        """Revoke one token by its id (tok_...); False when there is no such active token."""
        stmt = (update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=time.time()))

        async def run(conn: Any) -> bool:
            return bool((await conn.execute(stmt)).rowcount)

        return bool(await self.store._retrying(run))
