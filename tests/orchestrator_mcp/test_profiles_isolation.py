"""Cross-profile isolation through the orchestrator's MCP tools (in memory): one store, two profiles with the same
email; each profile's client sees only its own contacts, events, audit entries, configuration and payments."""

from __future__ import annotations

from typing import Any

from mcp import Client

from orchestrator_mcp.server import build
from shared import profiles
from shared.deps import ServerOptions
from shared.store import open_store
from tests.orchestrator_mcp.conftest import call

BOTH_ENGINES = True

EMAIL = "same@example.com"
WORLD = {"default": {"company": "Default Co", "amount": 1500, "event": "evt_default"},
         "acme": {"company": "Acme Co", "amount": 9900, "event": "evt_acme"}}


async def seed(profile: str) -> None:
    """What the receiver and the rules would have stored for this profile."""
    store = await open_store()
    with profiles.use(profile):
        world = WORLD[profile]
        contact = await store.upsert_contact(EMAIL, company=world["company"], source_campaign="camp_1",
                                             stripe_customer_id="cus_same")
        await store.record_payment("pi_same", amount=int(world["amount"]), currency="usd", contact_id=contact.id,
                                   campaign_id="camp_1")
        await store.record_event("stripe", str(world["event"]), "invoice.paid",
                                 {"id": world["event"], "data": {"object": {"customer_email": EMAIL}}})
    await store.close()


async def as_profile(profile: str, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run tool calls through an MCP client whose server runs as `profile` (as `--profile` or a token would)."""
    out = []
    with profiles.use(profile):  # the in-memory server's tasks start here, so they run as this profile
        async with Client(build(ServerOptions())) as c:
            for tool, args in calls:
                out.append(await call(c, tool, args))
    return out


async def test_two_profiles_with_the_same_email_never_see_each_other(db_engine: str) -> None:
    for profile in WORLD:
        await seed(profile)
    acme_cfg = await as_profile("acme", [("configure_pipeline", {"max_links_per_run": 7})])
    assert acme_cfg[0]["max_links_per_run"] == 7

    for profile, world in WORLD.items():
        other = WORLD["acme" if profile == "default" else "default"]
        one, listing, journey, events, revenue, cfg, audit = await as_profile(profile, [
            ("find_contacts", {"email": EMAIL}),
            ("find_contacts", {}),
            ("find_contacts", {"email": EMAIL, "journey": True}),
            ("list_events", {}),
            ("revenue_attribution", {}),
            ("configure_pipeline", {}),
            ("audit_log", {}),
        ])
        assert [c["company"] for c in one["contacts"]] == [world["company"]]
        assert [c["company"] for c in listing["contacts"]] == [world["company"]]
        assert [e["id"] for e in journey["events"]] == [world["event"]]
        assert [e["event_id"] for e in events["events"]] == [world["event"]]
        assert events["queue"] == {"pending": 1}
        assert [(c["revenue"], c["payments"], c["contacts"]) for c in revenue["campaigns"]] == [(world["amount"], 1, 1)]
        assert [t["revenue"] for t in revenue["trend"]] == [world["amount"]]
        assert cfg["max_links_per_run"] == (7 if profile == "acme" else 100)
        tools = [e["tool"] for e in audit["entries"]]
        # only this profile's own calls: acme also configured the pipeline once before
        expected = ["find_contacts", "find_contacts", "find_contacts", "list_events", "revenue_attribution",
                    "configure_pipeline"]
        if profile == "acme":
            expected = ["configure_pipeline", *expected]
        assert sorted(tools) == sorted(expected), tools
        assert other["company"] not in str([one, listing, journey, events, revenue, cfg, audit])
