"""Data protection (issue 18) inside profiles (issue 17), with the encryption keys set, on SQLite and PostgreSQL:
the same email in two profiles is two contacts (unique on scope and blind index), a suppression and an erasure in
one profile never touch the other, a profile's retention purge is its own while the installation's covers all, and
the key marker is the store's, under its own scope."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from shared import profiles
from shared.store import open_store
from shared.store.crypto import DATA_KEY_ENV, INDEX_KEY_ENV, MARKER, new_key
from shared.store.models import RetentionPolicy
from shared.store.schema import app_config, audit_log, unified_contacts
from shared.store.scope import STORE_SCOPE

BOTH_ENGINES = True

EMAIL = "Same@Example.com"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_KEY_ENV, new_key())
    monkeypatch.setenv(INDEX_KEY_ENV, new_key())


async def test_suppression_and_erasure_stay_in_their_profile(db_engine: str) -> None:
    store = await open_store()
    try:
        assert store.keys.data is not None  # encrypted
        ids = {}
        for name in ("default", "acme"):
            with profiles.use(name):
                ids[name] = (await store.upsert_contact(EMAIL, company=f"{name} co")).id
                await store.record_event("instantly", "ev-same", "reply_received", {"lead_email": EMAIL.lower()})
                await store.record_audit("orchestrator", "find_contacts", {"email": EMAIL.lower()}, "ok", 1.0)
        assert ids["default"] != ids["acme"]
        async with store.read() as conn:
            rows = (await conn.execute(select(unified_contacts.c.scope, unified_contacts.c.email,
                                              unified_contacts.c.email_index))).all()
        assert sorted(r.scope for r in rows) == ["acme:test", "default:test"]
        assert len({r.email_index for r in rows}) == 1  # one blind index, unique per scope only
        assert all(r.email.startswith("enc1:") for r in rows)

        with profiles.use("acme"):
            assert await store.suppress(EMAIL, "unsubscribed", "lead_unsubscribed")
            assert await store.suppression_reason(EMAIL) == "unsubscribed"
        with profiles.use("default"):
            assert await store.suppression_reason(EMAIL) is None
            assert await store.suppressed([EMAIL]) == {}
            assert (await store.contact_record(EMAIL))["suppression"] is None
            assert await store.suppress(EMAIL, "manual", "test")  # its own entry, beside acme's
            assert await store.unsuppress(EMAIL)
        with profiles.use("acme"):
            assert await store.suppression_reason(EMAIL) == "unsubscribed"  # default's unsuppress left it

        with profiles.use("acme"):
            assert await store.forget(EMAIL, dry_run=True) == {"contacts": 1, "events": 1, "audit_entries": 1,
                                                               "payments": 0}
            assert await store.forget(EMAIL) == {"contacts": 1, "events": 1, "audit_entries": 1, "payments": 0}
            assert await store.get_contact(email=EMAIL) is None
        with profiles.use("default"):
            contact = await store.get_contact(email=EMAIL)
            assert contact is not None and contact.id == ids["default"] and contact.company == "default co"
            assert (await store.list_events())[0].payload == {"lead_email": EMAIL.lower()}
            assert [a["arguments"] for a in await store.list_audit()] == [{"email": EMAIL.lower()}]
            record = await store.contact_record(EMAIL)
            assert record["contact"]["id"] == ids["default"]
            assert len(record["events"]) == 1 and len(record["audit_entries"]) == 1

        # the key marker is the store's own row, not a profile's
        async with store.read() as conn:
            marker_scopes = (await conn.execute(select(app_config.c.scope).where(app_config.c.key == MARKER))).all()
        assert [r[0] for r in marker_scopes] == [STORE_SCOPE]
        with profiles.use("acme"):
            assert await store.get_config(MARKER) is None
    finally:
        await store.close()
    again = await open_store()  # opens with the same keys, reading the marker under the store's scope
    try:
        with profiles.use("default"):
            assert (await again.get_contact(email=EMAIL)).company == "default co"  # type: ignore[union-attr]
    finally:
        await again.close()


async def test_a_profile_purges_its_own_rows_and_the_installation_all(db_engine: str) -> None:
    store = await open_store()
    try:
        for name in ("default", "acme", "beta"):
            with profiles.use(name):
                await store.record_audit("orchestrator", f"old_{name}", {}, "ok", 1.0)
        async with store.write() as conn:
            await conn.execute(update(audit_log).values(at=time.time() - 10 * 86400))
        policy = RetentionPolicy(event_payload_days=None, audit_days=5, dead_letter_days=None)
        with profiles.use("acme"):
            assert await store.purge_expired(policy, dry_run=True) == {"audit_entries": 1}
            assert await store.purge_expired(policy) == {"audit_entries": 1}
            assert await store.list_audit() == []
        with profiles.use("default"):
            assert [a["tool"] for a in await store.list_audit()] == ["old_default"]
            assert await store.purge_expired(policy, all_scopes=True) == {"audit_entries": 2}
        with profiles.use("beta"):
            assert await store.list_audit() == []
    finally:
        await store.close()
