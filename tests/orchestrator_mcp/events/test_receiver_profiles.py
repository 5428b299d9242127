"""One receiver serves every profile: routes per profile, each verified with that profile's secret, events stored and
processed under the profile they arrived for, and a rotated secret picked up without a restart (rate-limited)."""

from __future__ import annotations

import time

import httpx
import pytest

from orchestrator_mcp.events import receiver as receiver_module
from orchestrator_mcp.events.processor import Processor
from orchestrator_mcp.events.receiver import INSTANTLY_SECRET_HEADER, create_receiver
from shared import profiles
from shared.asgi import BackgroundServer
from shared.store import EventRow, open_store
from tests.orchestrator_mcp.events.test_receiver import signed, stripe_event

BOTH_ENGINES = True

DEFAULT_WHSEC = "whsec_default_profile_secret_1"
ACME_WHSEC = "whsec_acme_profile_secret_22"
ACME_HOOK = "acme-instantly-hook-secret-333"
OPENED = {"event_type": "email_opened", "lead_email": "same@example.com", "campaign_id": "c1",
          "timestamp": "2026-11-24T10:00:00Z", "email_id": "e1"}


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", DEFAULT_WHSEC)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET__ACME", ACME_WHSEC)
    monkeypatch.setenv("INSTANTLY_WEBHOOK_SECRET__ACME", ACME_HOOK)
    return monkeypatch


async def events_of(profile: str) -> list[tuple[str, str, str]]:
    store = await open_store()
    with profiles.use(profile):
        rows = await store.list_events(limit=100)
    await store.close()
    return sorted((r.scope, r.source, r.event_id) for r in rows)


async def test_each_profile_route_verifies_with_its_own_secret(db_engine: str, secrets_env: pytest.MonkeyPatch) -> None:
    body = stripe_event("evt_same")
    with BackgroundServer(create_receiver(open_store)) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            # another profile's secret never verifies
            assert (await http.post("/webhooks/stripe/acme", content=body,
                                    headers=signed(body, DEFAULT_WHSEC))).status_code == 400
            assert (await http.post("/webhooks/stripe", content=body,
                                    headers=signed(body, ACME_WHSEC))).status_code == 400
            acme = await http.post("/webhooks/stripe/acme", content=body, headers=signed(body, ACME_WHSEC))
            default = await http.post("/webhooks/stripe", content=body, headers=signed(body, DEFAULT_WHSEC))
            named_default = await http.post("/webhooks/stripe/default", content=body,
                                            headers=signed(body, DEFAULT_WHSEC))
            # the same event id in two profiles is two events; a repeat within one profile is a duplicate
            assert acme.json()["duplicate"] is False and default.json()["duplicate"] is False
            assert named_default.json()["duplicate"] is True
            assert (await http.post("/webhooks/instantly/acme", json=OPENED,
                                    headers={INSTANTLY_SECRET_HEADER: "wrong"})).status_code == 401
            assert (await http.post("/webhooks/instantly/acme", json=OPENED,
                                    headers={INSTANTLY_SECRET_HEADER: ACME_HOOK})).status_code == 200
            # no Instantly secret for the default profile: a clear 503, nothing stored
            res = await http.post("/webhooks/instantly", json=OPENED, headers={INSTANTLY_SECRET_HEADER: ACME_HOOK})
            assert res.status_code == 503 and "INSTANTLY_WEBHOOK_SECRET" in res.json()["error"]
            unknown = await http.post("/webhooks/stripe/nobody", content=body, headers=signed(body, ACME_WHSEC))
            assert unknown.status_code == 503 and "STRIPE_WEBHOOK_SECRET__NOBODY" in unknown.json()["error"]
            assert (await http.post("/webhooks/stripe/Not%20A%20Name", content=body,
                                    headers=signed(body, ACME_WHSEC))).status_code == 404
            assert (await http.get("/healthz")).json()["queue_depth"] == 3  # every profile's queue
    acme_events = await events_of("acme")
    assert [e[1:] for e in acme_events] == [("instantly", acme_events[0][2]), ("stripe", "evt_same")]
    assert {e[0] for e in acme_events} == {"acme:test"}
    assert await events_of("default") == [("default:test", "stripe", "evt_same")]

    # the receiver's processor claims every profile's events and runs each under its own profile
    store = await open_store()
    ran: list[tuple[str, str, str, int]] = []

    async def handle(event: EventRow):  # type: ignore[no-untyped-def]
        contacts = await store.list_contacts()
        ran.append((event.source, profiles.current(), store.scope(), len(contacts)))
        await store.upsert_contact("same@example.com", company=profiles.current())
        return None

    report = await Processor(store, handle, all_scopes=True).run_once()
    assert report.processed == 3 and not report.errors
    # in order of arrival: acme's Stripe event made acme's contact; default's saw none; acme's Instantly event saw it
    assert ran == [("stripe", "acme", "acme:test", 0), ("stripe", "default", "default:test", 0),
                   ("instantly", "acme", "acme:test", 1)]
    for name in ("acme", "default"):
        with profiles.use(name):
            assert [c.company for c in await store.list_contacts()] == [name]
    await store.close()


async def test_a_rotated_secret_works_without_a_restart(db_engine: str, secrets_env: pytest.MonkeyPatch) -> None:
    secrets_env.setattr(receiver_module, "REREAD_SECONDS", 1.0)
    with BackgroundServer(create_receiver(open_store)) as srv:
        async with httpx.AsyncClient(base_url=srv.url) as http:
            first = stripe_event("evt_before")
            assert (await http.post("/webhooks/stripe/acme", content=first,
                                    headers=signed(first, ACME_WHSEC))).status_code == 200  # secret now cached
            secrets_env.setenv("STRIPE_WEBHOOK_SECRET__ACME", "whsec_acme_rotated_2")
            rotated = stripe_event("evt_after")
            res = await http.post("/webhooks/stripe/acme", content=rotated, headers=signed(rotated, "whsec_acme_rotated_2"))
            assert res.status_code == 200, res.text
            # rotated again at once: the re-read is rate-limited, so the newest secret is not read yet
            secrets_env.setenv("STRIPE_WEBHOOK_SECRET__ACME", "whsec_acme_rotated_3")
            third = stripe_event("evt_third")
            assert (await http.post("/webhooks/stripe/acme", content=third,
                                    headers=signed(third, "whsec_acme_rotated_3"))).status_code == 400
            time.sleep(1.1)
            assert (await http.post("/webhooks/stripe/acme", content=third,
                                    headers=signed(third, "whsec_acme_rotated_3"))).status_code == 200
            # the old secret no longer verifies; the default profile's secret was never affected
            old = stripe_event("evt_old_secret")
            assert (await http.post("/webhooks/stripe/acme", content=old,
                                    headers=signed(old, ACME_WHSEC))).status_code == 400
            assert (await http.post("/webhooks/stripe", content=old,
                                    headers=signed(old, DEFAULT_WHSEC))).status_code == 200
            secrets_env.setenv("INSTANTLY_WEBHOOK_SECRET__ACME", "acme-hook-rotated")
            assert (await http.post("/webhooks/instantly/acme", json=OPENED,
                                    headers={INSTANTLY_SECRET_HEADER: "acme-hook-rotated"})).status_code == 200
    acme = await events_of("acme")
    assert [e[2] for e in acme if e[1] == "stripe"] == ["evt_after", "evt_before", "evt_third"]
    assert len(acme) == 4 and await events_of("default") == [("default:test", "stripe", "evt_old_secret")]
