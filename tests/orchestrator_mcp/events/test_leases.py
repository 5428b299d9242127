"""A batch that outlives its lease: another processor takes the event over, and the first one's changes roll
back when it finally commits, so the event's effects apply once (issue 16: it was processed twice)."""

from __future__ import annotations

import asyncio
from typing import Any

from orchestrator_mcp.config import PipelineConfig
from orchestrator_mcp.events.processor import Commit, Processor
from orchestrator_mcp.events.rules import Rules
from shared.store import EventRow, open_store

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


async def noop(*_args: Any) -> None:
    return None


async def test_a_lost_lease_never_applies_an_event_twice() -> None:
    store = await open_store()
    rules = Rules(store, lifecycle=noop, config=PipelineConfig())
    await store.record_event("instantly", "ins_lease", "email_opened",
                             {"event_type": "email_opened", "lead_email": "slow@lease.io", "email_id": "m1"})
    other_done = asyncio.Event()

    async def slow(event: EventRow) -> Commit | None:
        commit = await rules.handle(event)
        await other_done.wait()  # long outside work: the lease runs out meanwhile
        return commit

    first = Processor(store, slow, lease_seconds=0.2)
    second = Processor(store, rules.handle)
    task = asyncio.create_task(first.run_once())
    await asyncio.sleep(0.5)
    taken = await second.run_once()
    other_done.set()
    lost = await task
    assert (taken.processed, lost.processed, lost.lost, lost.errors) == (1, 0, 1, [])
    contact = await store.get_contact(email="slow@lease.io")
    assert contact is not None and contact.opens == 1
    [row] = await store.list_events()
    assert (row.status, row.attempts) == ("processed", 1)
    await store.close()


async def test_the_lease_is_renewed_for_a_long_batch() -> None:
    store = await open_store()
    rules = Rules(store, lifecycle=noop, config=PipelineConfig())
    for i in range(4):
        await store.record_event("instantly", f"ins_renew_{i}", "email_opened",
                                 {"event_type": "email_opened", "lead_email": "long@lease.io", "email_id": f"m{i}"})

    async def slowish(event: EventRow) -> Commit | None:
        await asyncio.sleep(0.3)  # four of these outlive a 1 s lease unless it is renewed
        return await rules.handle(event)

    first = Processor(store, slowish, lease_seconds=1.0)
    second = Processor(store, rules.handle)
    task = asyncio.create_task(first.run_once())
    await asyncio.sleep(0.05)  # the first processor claims the batch
    stolen = 0
    while not task.done():
        stolen += (await second.run_once()).processed
        await asyncio.sleep(0.05)
    report = await task
    assert (report.processed, report.lost, stolen) == (4, 0, 0)
    contact = await store.get_contact(email="long@lease.io")
    assert contact is not None and contact.opens == 4
    await store.close()
