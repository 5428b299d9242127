"""API tokens in the store: only the hash is kept, a token acts as one profile with one role, and an expired
or revoked token is not found."""

from __future__ import annotations

from sqlalchemy import select

from shared.store import open_store
from shared.store.tokens import TokenBook, api_tokens, token_hash

BOTH_ENGINES = True


async def test_create_stores_only_the_hash_and_lookup_finds_the_profile_and_role() -> None:
    store = await open_store()
    try:
        book = TokenBook(store)
        assert not await book.any_active()
        token, record = await book.create("acme", "operate", label="ci")
        assert token.startswith("ismcp_") and len(token) > 40
        async with store.read() as conn:
            rows = [r._asdict() for r in (await conn.execute(select(api_tokens))).all()]
        assert len(rows) == 1 and rows[0]["token_hash"] == token_hash(token)
        assert all(token not in str(value) for value in rows[0].values())  # never the token itself
        found = await book.lookup(token)
        assert found is not None and (found.id, found.profile, found.role) == (record.id, "acme", "operate")
        assert await book.lookup(token + "x") is None and await book.lookup("not-ours") is None
        assert await book.any_active()
    finally:
        await store.close()


async def test_revoked_and_expired_tokens_are_not_found() -> None:
    store = await open_store()
    try:
        book = TokenBook(store)
        kept, _ = await book.create("acme", "read")
        revoked, rec = await book.create("acme", "admin")
        later, _ = await book.create("beta", "read", expires_in=3600)
        gone, _ = await book.create("beta", "read", expires_in=-1)  # its expiry has passed
        assert await book.revoke(rec.id) and not await book.revoke(rec.id)  # a second revoke finds nothing
        assert await book.lookup(revoked) is None
        assert await book.lookup(later) is not None and await book.lookup(gone) is None
        assert await book.lookup(kept) is not None
        listing = {r.id: r for r in await book.list()}
        assert len(listing) == 4 and listing[rec.id].revoked_at is not None
        assert [r.profile for r in await book.list("beta")] == ["beta", "beta"]
    finally:
        await store.close()
