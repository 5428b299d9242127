"""A stolen database reveals nothing: after a lead with a name, a company and a reply went through the whole
pipeline (webhooks, payment link, payment, look-ups, an export), the raw database (the SQLite file and its WAL,
or a pg_dump of the PostgreSQL database) holds no planted email, name, company or reply text."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from shared.store.crypto import DATA_KEY_ENV, INDEX_KEY_ENV, new_key
from shared.store.engine import database_url
from tests.conftest import _pg_bin
from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.events.test_deliveries import Receiver, receiver, settle  # noqa: F401 (fixture)

BOTH_ENGINES = True
EMAIL, FIRST, LAST, COMPANY = "zelda.quartermaine@heron.io", "Zelda", "Quartermaine", "Blue Heron Holdings"
REPLY = "Pineapple orchid, count me in"
PLANTED = (EMAIL, "quartermaine", "zelda", "blue heron", "pineapple orchid")


@pytest.fixture
def encrypted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_KEY_ENV, new_key())
    monkeypatch.setenv(INDEX_KEY_ENV, new_key())


def raw_database() -> bytes:
    url = database_url()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    u = make_url(url)
    return subprocess.run([str(_pg_bin() / "pg_dump"), "-h", str(u.host), "-p", str(u.port), "-U", str(u.username),
                           "--inserts", str(u.database)], check=True, capture_output=True, timeout=120).stdout


async def test_a_database_dump_holds_no_personal_data(encrypted: None, pipeline: Pipeline, receiver: Receiver) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": EMAIL, "first_name": FIRST, "last_name": LAST, "company_name": COMPANY,
                                  "campaign": campaign}).raise_for_status()
    for event in ("sent", "opened", "clicked"):
        pipeline.engage(EMAIL, event, campaign)
    pipeline.instantly.control("engagement", {"email": EMAIL, "event": "replied", "campaign_id": campaign,
                                              "text": REPLY})
    pipeline.engage(EMAIL, "interested", campaign)
    pipeline.instantly.control("webhooks/drain", {"timeout": 10})
    settle(receiver)
    price = pipeline.price(4200)
    async with client() as c:
        await call(c, "sync_now", {"email": EMAIL})
        link = await call(c, "trigger_payment_flow", {"lead_email": EMAIL, "price_id": price})
        pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": EMAIL})
        pipeline.stripe_control("webhooks/drain", {"timeout": 10})
        settle(receiver)
        one = (await call(c, "find_contacts", {"email": EMAIL.upper(), "journey": True}))
        (contact,) = one["contacts"]
        assert (contact["first_name"], contact["last_name"], contact["company"]) == (FIRST, LAST, COMPANY)
        assert contact["total_revenue"] == 4200 and contact["conversion_status"] == "customer"
        assert "reply_received" in {e["type"] for e in one["events"]}
        assert [x["id"] for x in (await call(c, "find_contacts", {"query": "heron"}))["contacts"]] == [contact["id"]]
        export = (await call(c, "find_contacts", {"email": EMAIL, "export": "store"}))["export"]
        replies = [e for e in export["store"]["events"] if e["type"] == "reply_received"]
        assert REPLY in str(replies[0]["payload"])  # the reply text is held (encrypted) ...

    dump = raw_database()
    assert contact["id"].encode() in dump and campaign.encode() in dump  # a real dump of the data
    found = [p for p in PLANTED if p.encode() in dump.lower()]
    assert found == []  # ... and not one planted value is readable in it
