"""Retention purges on both engines: old payloads of processed events are blanked (the row, its counters and
times stay), old dead letters and audit entries go, inactive contacts go only when asked; a pending event is
never touched and a purged contact's payment keeps its campaign."""

from __future__ import annotations

import time

from sqlalchemy import update

from orchestrator_mcp.analytics import attribution
from shared.store import open_store
from shared.store.models import RetentionPolicy
from shared.store.privacy import PURGED_PAYLOAD
from shared.store.schema import audit_log, events, unified_contacts

BOTH_ENGINES = True
DAY = 86400.0


async def _age(store, table, column, days: float, **where) -> None:  # type: ignore[no-untyped-def]
    async with store.write() as conn:
        await conn.execute(update(table).where(*[table.c[k] == v for k, v in where.items()])
                           .values({column: time.time() - days * DAY}))


async def test_purge_keeps_what_is_pending_or_attributed(db_engine: str) -> None:
    store = await open_store()
    try:
        payload = {"event_type": "reply_received", "lead_email": "old@reply.io", "reply_text": "yes please"}
        for eid in ("old-done", "new-done", "old-pending", "old-dead", "new-dead", "old-replayed"):
            assert await store.record_event("instantly", eid, "reply_received", {**payload, "id": eid})
        rows = {e.event_id: e for e in await store.list_events(limit=10)}
        for eid in ("old-done", "new-done", "old-replayed"):
            assert await store.mark_processed(rows[eid].id)
        for eid in ("old-dead", "new-dead"):
            assert await store.mark_failed(rows[eid].id, "boom", max_attempts=1) == "dead"
        await _age(store, events, "processed_at", 31, event_id="old-done")
        await _age(store, events, "processed_at", 31, event_id="old-replayed")
        assert await store.replay_event(rows["old-replayed"].id)  # pending again: to be processed, so kept whole
        await _age(store, events, "received_at", 400, event_id="old-pending")
        await _age(store, events, "received_at", 91, event_id="old-dead")
        await store.record_audit("orchestrator", "old_tool", {"email": "old@audit.io"}, "ok", 1.0)
        await store.record_audit("orchestrator", "new_tool", {}, "ok", 1.0)
        await _age(store, audit_log, "at", 366, tool="old_tool")
        sleeper = await store.upsert_contact("sleepy@old.io", source_campaign="camp_1")
        awake = await store.upsert_contact("awake@new.io", source_campaign="camp_1")
        assert await store.record_payment("pi_1", amount=4900, currency="usd", contact_id=sleeper.id,
                                          campaign_id="camp_1")
        await _age(store, unified_contacts, "updated_at", 200, id=sleeper.id)
        await _age(store, unified_contacts, "created_at", 200, id=sleeper.id)

        # the defaults leave contacts alone
        default = RetentionPolicy()
        preview = await store.purge_expired(default, dry_run=True)
        assert preview == {"event_payloads": 1, "dead_letters": 1, "audit_entries": 1}
        assert len(await store.list_events(limit=10)) == 6  # a dry run changes nothing
        assert await store.purge_expired(default) == preview
        assert await store.purge_expired(default) == {"event_payloads": 0, "dead_letters": 0, "audit_entries": 0}

        left = {e.event_id: e for e in await store.list_events(limit=10)}
        assert set(left) == {"old-done", "new-done", "old-pending", "new-dead", "old-replayed"}
        assert left["old-done"].payload == PURGED_PAYLOAD
        assert left["old-done"].status == "processed" and left["old-done"].attempts == 1  # counters and times stay
        assert left["old-done"].processed_at and left["old-done"].applied_at
        assert left["old-pending"].payload["reply_text"] == "yes please"  # never a pending event
        assert left["old-replayed"].payload["reply_text"] == "yes please"
        assert left["new-done"].payload["reply_text"] == "yes please"
        assert [a["tool"] for a in await store.list_audit()] == ["new_tool"]

        # inactive contacts, when switched on: the contact goes, its payment keeps its campaign
        removed = await store.purge_expired(RetentionPolicy(inactive_contact_days=180))
        assert removed["contacts"] == 1 and removed["payments_unlinked"] == 1
        assert await store.get_contact(email="sleepy@old.io") is None
        assert await store.get_contact(email="awake@new.io") is not None
        (payment,) = await store.payments_for(campaign_id="camp_1")
        assert payment["contact_id"] is None and payment["amount"] == 4900
        (camp,) = await attribution(store, campaign_id="camp_1")
        assert camp.revenue == 4900 and camp.payments == 1 and camp.contacts == 1 and awake

        oldest = await store.oldest_rows()
        assert oldest["event_payloads"] is not None and oldest["dead_letters"] is not None
        assert oldest["suppressions"] is None
    finally:
        await store.close()
