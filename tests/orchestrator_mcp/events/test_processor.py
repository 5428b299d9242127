"""The processor over a real store: one transaction per event, retries with backoff, dead letters, replay."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from orchestrator_mcp.events.processor import Commit, Processor
from shared.store import EventRow, open_store

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


async def test_applies_each_event_once_with_its_store_changes() -> None:
    store = await open_store()
    for i in range(5):
        await store.record_event("stripe", f"evt_{i}", "invoice.paid", {"amount": 100 * (i + 1)})
    seen: list[str] = []

    async def handle(event: EventRow) -> Commit:
        seen.append(event.event_id)

        async def commit(conn: AsyncConnection) -> None:
            c = await store.upsert_contact("payer@example.com", conn=conn)
            await store.update_contact(c.id, conn=conn, total_revenue=c.total_revenue + event.payload["amount"])

        return commit

    processor = Processor(store, handle)
    report = await processor.run_once()
    assert report.processed == 5 and seen == [f"evt_{i}" for i in range(5)]
    assert (await processor.run_once()).processed == 0  # nothing applied twice
    assert (await store.get_contact(email="payer@example.com")).total_revenue == 1500
    await store.close()


def failing_handler(store, failures: dict[str, int]):  # type: ignore[no-untyped-def]
    async def handle(event: EventRow) -> Commit:
        async def commit(conn: AsyncConnection) -> None:
            await store.upsert_contact("half@example.com", conn=conn, company="written before the failure")
            if failures["left"] > 0:
                failures["left"] -= 1
                raise RuntimeError("rule failed")

        return commit

    return handle


async def test_failure_rolls_back_and_backs_off() -> None:
    store = await open_store()
    await store.record_event("instantly", "ins_1", "reply_received", {})
    processor = Processor(store, failing_handler(store, {"left": 1}), max_attempts=3, base_delay=60)
    first = await processor.run_once()
    assert (first.processed, first.retried, first.dead) == (0, 1, 0)
    assert await store.get_contact(email="half@example.com") is None  # the failed transaction left nothing
    assert (await processor.run_once()).retried == 0  # not due yet: backoff
    (pending,) = await store.list_events(status="pending")
    assert pending.attempts == 1 and pending.next_attempt_at > pending.received_at + 30
    await store.close()


async def test_dead_letter_then_replay() -> None:
    store = await open_store()
    await store.record_event("instantly", "ins_1", "reply_received", {})
    failures = {"left": 10}
    processor = Processor(store, failing_handler(store, failures), max_attempts=3, base_delay=0)
    report = await processor.run_once()  # no backoff: retried until dead in one run
    assert (report.retried, report.dead, report.processed) == (2, 1, 0)
    assert (await processor.run_once()).processed == 0  # dead letters are not retried
    (dead,) = await store.list_events(status="dead")
    assert dead.attempts == 3 and "Unexpected internal error" in (dead.last_error or "")
    assert await store.get_contact(email="half@example.com") is None

    failures["left"] = 0
    assert await store.replay_event(dead.id)
    assert (await processor.run_once()).processed == 1
    assert await store.event_counts() == {"processed": 1}
    assert (await store.get_contact(email="half@example.com")).company == "written before the failure"
    await store.close()
