"""The store scoped by profile (and Stripe mode): two profiles with the same email never see each other's rows, and
an existing store migrates with its rows in the default profile. On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from shared import profiles
from shared.store import open_store
from shared.store import scope as scopes

BOTH_ENGINES = True  # every test here runs on SQLite and on PostgreSQL (tests/conftest.py)

EMAIL = "Same@Example.com"


async def test_two_profiles_with_the_same_email_share_nothing(db_engine: str) -> None:
    store = await open_store()
    seen: dict[str, dict[str, object]] = {}
    for name, company in (("default", "Default Co"), ("acme", "Acme Co")):
        with profiles.use(name):
            contact = await store.upsert_contact(EMAIL, company=company)
            assert await store.record_payment("pi_same", amount=1000 if name == "acme" else 500, currency="usd",
                                              contact_id=contact.id, campaign_id="c1")
            async with store.write() as conn:
                link = await store.link_payment(["pi_same", "ch_same"], conn)
            assert link.reference == "pi_same"
            assert await store.record_event("stripe", "evt_same", "invoice.paid", {"email": EMAIL.lower()})
            await store.set_config("pipeline", {"owner": name})
            await store.set_cursor("poll:stripe", f"cursor-{name}")
            await store.record_audit("orchestrator", "find_contacts", {"who": name}, "ok", 1.0)
            await store.upsert_campaign_performance([{"campaign_id": "c1", "campaign_name": f"C {name}"}])
            seen[name] = {"id": contact.id}
    assert seen["default"]["id"] != seen["acme"]["id"]  # one row each: email is unique per profile only

    for name, company, amount in (("default", "Default Co", 500), ("acme", "Acme Co", 1000)):
        other = "acme" if name == "default" else "default"
        with profiles.use(name):
            assert store.scope() == f"{name}:test"
            contact = await store.get_contact(email=EMAIL)
            assert contact is not None and contact.company == company and contact.id == seen[name]["id"]
            assert [c.id for c in await store.list_contacts()] == [seen[name]["id"]]
            assert await store.get_contact(contact_id=str(seen[other]["id"])) is None  # another's id: not found
            assert await store.update_contact(str(seen[other]["id"]), company="hijack") is None
            assert [p["amount"] for p in await store.payments_for(campaign_id="c1")] == [amount]
            assert await store.payment_reference_for(["ch_same"]) == "pi_same"
            assert (await store.payment("pi_same"))["amount"] == amount  # type: ignore[index]
            events = await store.list_events()
            assert len(events) == 1 and events[0].scope == f"{name}:test"
            assert await store.get_config("pipeline") == {"owner": name}
            assert await store.get_cursor("poll:stripe") == f"cursor-{name}"
            assert [a["arguments"] for a in await store.list_audit()] == [{"who": name}]
            assert [r["campaign_name"] for r in await store.campaign_performance()] == [f"C {name}"]
            assert await store.event_counts() == {"pending": 1}
            assert len(await store.events_for_contact(EMAIL, None)) == 1

    with profiles.use("acme"):  # a tool's processor claims only its profile's events
        claimed = await store.claim_events(limit=10, owner="t")
        assert [e.scope for e in claimed] == ["acme:test"]
        erased = await store.forget(EMAIL)
        assert erased == {"contacts": 1, "events": 1, "audit_entries": 0, "payments": 1}
    with profiles.use("default"):  # the other profile's person is untouched
        contact = await store.get_contact(email=EMAIL)
        assert contact is not None and contact.company == "Default Co"
        assert (await store.list_events())[0].payload == {"email": EMAIL.lower()}
        assert [p["contact_id"] for p in await store.payments_for()] == [contact.id]
    assert await store.event_counts(all_scopes=True) == {"pending": 2}
    await store.close()


async def test_test_and_live_keys_of_one_profile_keep_their_rows_apart(db_engine: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = await open_store()
    monkeypatch.setenv("STRIPE_API_KEY__ACME", "sk_test_acmeTEST123")
    with profiles.use("acme"):
        assert store.scope() == "acme:test"
        await store.upsert_contact(EMAIL, company="test data")
        monkeypatch.setenv("STRIPE_API_KEY__ACME", "sk_live_acmeLIVE123")
        assert store.scope() == "acme:live"
        assert await store.get_contact(email=EMAIL) is None
        await store.upsert_contact(EMAIL, company="live data")
        assert (await store.get_contact(email=EMAIL)).company == "live data"  # type: ignore[union-attr]
    with scopes.use("acme:test"):  # what the processor does for an event received in test mode
        assert (await store.get_contact(email=EMAIL)).company == "test data"  # type: ignore[union-attr]
    store.fixed_mode = "test"  # a sandbox store is test data whatever key is configured
    with profiles.use("acme"):
        assert store.scope() == "acme:test"
    await store.close()


async def test_an_existing_store_migrates_with_its_rows_in_the_default_profile(db_engine: str,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from shared.store.engine import MIGRATIONS, database_url, make_engine

    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    engine = make_engine(database_url())

    def to_0003(conn):  # type: ignore[no-untyped-def]
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.exec_driver_sql(
            "INSERT INTO unified_contacts (id, email, instantly_campaign_ids, email_engagement_score, opens, clicks,"
            " replies, total_revenue, payment_failures, conversion_status, attribution_data, do_not_contact,"
            " created_at, updated_at) VALUES ('ct_old', 'old@example.com', '[]', 0, 0, 0, 0, 0, 0, 'prospect',"
            " '{}', false, 1, 1)")
        conn.exec_driver_sql("INSERT INTO attributed_payments (reference, contact_id, campaign_id, amount, currency,"
                             " kind, at) VALUES ('pi_old', 'ct_old', 'c1', 700, 'usd', 'payment', 1)")
        conn.exec_driver_sql("INSERT INTO payment_aliases (alias, reference) VALUES ('pi_old', 'pi_old')")
        conn.exec_driver_sql("INSERT INTO events (source, event_id, type, payload, received_at, via, status,"
                             " attempts, next_attempt_at, rerun_effects) VALUES ('stripe', 'evt_old', 'invoice.paid',"
                             " '{}', 1, 'webhook', 'processed', 1, 0, false)")
        conn.exec_driver_sql("INSERT INTO app_config (key, value, updated_at) VALUES ('pipeline', '{\"a\": 1}', 1)")
        conn.exec_driver_sql("INSERT INTO sync_state (key, cursor, updated_at) VALUES ('poll:stripe', 'cur', 1)")
        conn.exec_driver_sql("INSERT INTO audit_log (at, server, tool, arguments, outcome, duration_ms)"
                             " VALUES (1, 'orchestrator', 'find_contacts', '{}', 'ok', 1)")
        conn.exec_driver_sql("INSERT INTO campaign_performance (campaign_id, emails_sent, contacted, opened, clicked,"
                             " replied, bounced, links_sent, paid, revenue, updated_at)"
                             " VALUES ('c1', 3, 3, 0, 0, 0, 0, 0, 0, 0, 1)")

    async with engine.begin() as conn:
        await conn.run_sync(to_0003)
    await engine.dispose()

    store = await open_store()
    with profiles.use("default"):
        assert store.scope() == "default:test"
        old = await store.get_contact(email="old@example.com")
        assert old is not None and old.id == "ct_old"
        assert [p["reference"] for p in await store.payments_for()] == ["pi_old"]
        assert await store.payment_reference_for(["pi_old"]) == "pi_old"
        assert [e.event_id for e in await store.list_events()] == ["evt_old"]
        assert await store.get_config("pipeline") == {"a": 1}
        assert await store.get_cursor("poll:stripe") == "cur"
        assert len(await store.list_audit()) == 1 and len(await store.campaign_performance()) == 1
        # the new keys: the same email and reference again in this scope are still one row each
        assert (await store.upsert_contact("OLD@example.com", company="Acme")).id == "ct_old"
        assert not await store.record_payment("pi_old", amount=700, currency="usd")
    with profiles.use("acme"):
        assert await store.get_contact(email="old@example.com") is None
        assert await store.payments_for() == [] and await store.list_events() == []
        assert await store.get_config("pipeline") is None and await store.list_audit() == []
        assert (await store.upsert_contact("old@example.com")).id != "ct_old"
        assert await store.record_payment("pi_old", amount=700, currency="usd")
    async with store.read() as conn:
        scopes_found = (await conn.execute(text("SELECT DISTINCT scope FROM unified_contacts ORDER BY scope"))).all()
    assert [r[0] for r in scopes_found] == ["acme:test", "default:test"]
    await store.close()
