"""The store through its repository API: migrations, reopening, contacts, events, cursors, config."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect

from shared.store import open_store
from shared.store.engine import schema_version

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)


async def test_migrations_from_empty_and_reopen(tmp_path: Path, db_engine: str) -> None:
    if db_engine != "sqlite":
        pytest.skip("a SQLite file's migrations (PostgreSQL's: every test here opens a fresh database)")
    path = tmp_path / "fresh" / "store.sqlite"
    store = await open_store(str(path))
    assert await schema_version(store.engine) == "0006_data_protection"
    async with store.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(sa_inspect(c).get_table_names()))
    assert {"unified_contacts", "campaign_performance", "events", "audit_log", "sync_state", "app_config", "attributed_payments",
            "alembic_version"} <= tables
    await store.upsert_contact("Ada@Example.com", first_name="Ada")
    await store.close()

    again = await open_store(str(path))  # re-opening runs no migration twice and keeps the data
    assert await schema_version(again.engine) == "0006_data_protection"
    contact = await again.get_contact(email="ada@EXAMPLE.com")
    assert contact is not None and contact.first_name == "Ada"
    await again.close()

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_contacts_are_unique_by_email_case_insensitively() -> None:
    store = await open_store()
    a = await store.upsert_contact("Bob@Example.com", company="Acme")
    b = await store.upsert_contact("  bob@example.COM ", last_name="Stone")
    assert a.id == b.id and b.company == "Acme" and b.last_name == "Stone"
    linked = await store.link_ids("bob@example.com", lead_id="lead_1", customer_id="cus_1", campaign_id="camp_1")
    linked = await store.link_ids("bob@example.com", campaign_id="camp_1")
    assert linked.instantly_campaign_ids == ["camp_1"]
    assert (await store.get_contact(lead_id="lead_1")).id == a.id
    assert (await store.get_contact(customer_id="cus_1")).id == a.id
    await store.update_contact(a.id, total_revenue=4999, revenue_currency="usd", conversion_status="customer")
    assert [c.email for c in await store.list_contacts(conversion_status="customer")] == ["bob@example.com"]
    assert await store.list_contacts(conversion_status="prospect") == []
    assert await store.delete_contact(a.id)
    assert await store.get_contact(email="bob@example.com") is None
    await store.close()


async def test_events_are_recorded_once_claimed_and_dead_lettered() -> None:
    store = await open_store()
    assert await store.record_event("stripe", "evt_1", "invoice.paid", {"id": "evt_1"})
    assert not await store.record_event("stripe", "evt_1", "invoice.paid", {"id": "evt_1", "changed": True})
    assert await store.record_event("instantly", "evt_1", "email_opened", {})  # same id, other source
    claimed = await store.claim_events(limit=10)
    assert [e.event_id for e in claimed] == ["evt_1", "evt_1"]
    assert await store.claim_events() == []  # leased
    await store.mark_processed(claimed[0].id)
    status = await store.mark_failed(claimed[1].id, "boom", max_attempts=2, base_delay=0)
    assert status == "pending"
    again = await store.claim_events()
    assert [e.id for e in again] == [claimed[1].id]
    assert await store.mark_failed(claimed[1].id, "boom again", max_attempts=2, base_delay=0) == "dead"
    assert await store.claim_events() == []
    dead = await store.list_events(status="dead")
    assert dead[0].last_error == "boom again" and dead[0].attempts == 2
    assert await store.replay_event(dead[0].id)
    assert [e.id for e in await store.claim_events()] == [dead[0].id]
    assert await store.event_counts() == {"processed": 1, "pending": 1}
    await store.close()


async def test_cursors_config_and_audit() -> None:
    store = await open_store()
    assert await store.get_cursor("stripe:events") is None
    await store.set_cursor("stripe:events", "evt_9")
    await store.set_cursor("stripe:events", "evt_10")
    assert await store.get_cursor("stripe:events") == "evt_10"
    await store.set_config("campaign_roles", {"post_purchase": "c1"})
    assert await store.get_config("campaign_roles") == {"post_purchase": "c1"}
    assert await store.get_config("missing", default=3) == 3
    await store.record_audit("stripe", "stripe_create_refund", {"api_key": "x", "amount": 5}, "ok", 1.5)
    (row,) = await store.list_audit()
    assert row["arguments"] == {"api_key": "[REDACTED]", "amount": 5}
    await store.close()


async def test_upgrade_from_the_first_schema_keeps_data(tmp_path: Path, db_engine: str) -> None:
    if db_engine != "sqlite":
        pytest.skip("upgrades a SQLite file")
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import create_async_engine

    from shared.store.engine import MIGRATIONS

    path = tmp_path / "old.sqlite"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")

    def to_0001(conn):  # type: ignore[no-untyped-def]
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO unified_contacts (id, email, instantly_campaign_ids, email_engagement_score, opens, clicks,"
            " replies, total_revenue, payment_failures, conversion_status, attribution_data, do_not_contact,"
            " created_at, updated_at) VALUES ('ct_old', 'old@example.com', '[]', 0, 0, 0, 0, 0, 0, 'prospect',"
            " '{}', 0, 1, 1)")

    async with engine.begin() as conn:
        await conn.run_sync(to_0001)
    await engine.dispose()

    store = await open_store(str(path))
    assert await schema_version(store.engine) == "0006_data_protection"
    old = await store.get_contact(email="old@example.com")
    assert old is not None and old.paid_at is None
    assert await store.record_payment("pi_1", amount=500, currency="USD", contact_id=old.id, campaign_id="c1")
    assert not await store.record_payment("pi_1", amount=500, currency="usd", contact_id=old.id, campaign_id="c1")
    assert [p["amount"] for p in await store.payments_for(campaign_id="c1")] == [500]
    await store.close()
