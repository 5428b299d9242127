"""The right of access, against the sandboxes: find_contacts with export returns everything held about one person
(the store; with export=all also Instantly's lead and emails and Stripe's customer and payments) as one JSON
document, and the call is audited without the email."""

from __future__ import annotations

import json

from tests.orchestrator_mcp.conftest import Pipeline, call, client
from tests.orchestrator_mcp.events.test_deliveries import Receiver, buy, make_world, receiver  # noqa: F401 (fixture)


async def test_export_gathers_store_instantly_and_stripe(pipeline: Pipeline, receiver: Receiver) -> None:
    price = make_world(pipeline)  # rae@ray.io engages (sent, opened, clicked, replied, interested)
    async with client() as c:
        await buy(c, pipeline, receiver, price)
        found = await call(c, "find_contacts", {"email": "RAE@ray.io", "export": "store"})
        local = found["export"]
        assert found["contacts"] == []  # the contact is in the export, once
        assert local["email"] == "rae@ray.io" and local["instantly"] == {} and local["stripe"] == {}
        held = local["store"]
        assert held["contact"]["first_name"] == "Rae" and held["contact"]["total_revenue"] == 7700
        assert [p["amount"] for p in held["payments"]] == [7700] and held["payments"][0]["currency"] == "usd"
        kinds = {e["type"] for e in held["events"]}
        assert {"reply_received", "lead_interested", "charge.succeeded"} <= kinds
        replies = [e for e in held["events"] if e["type"] == "reply_received"]
        assert replies[0]["payload"]["lead_email"] == "rae@ray.io" and replies[0]["payload"]["email_text"]
        assert held["suppression"] is None

        full = (await call(c, "find_contacts", {"email": "rae@ray.io", "export": "all"}))["export"]
        (lead,) = full["instantly"]["leads"]
        assert lead["email"] == "rae@ray.io" and lead["first_name"] == "Rae"
        assert len(full["instantly"]["emails"]) >= 2  # the email sent and the reply
        (customer,) = full["stripe"]["customers"]
        assert customer["email"] == "rae@ray.io" and customer["id"] == held["contact"]["stripe_customer_id"]
        assert [p["amount"] for p in full["stripe"]["payment_intents"]] == [7700]
        assert full["stripe"]["charges"][0]["amount"] == 7700
        json.dumps(full)  # one JSON document
        log = await call(c, "audit_log", {"tool": "find_contacts"})
        assert len(log["entries"]) == 2
        assert all("rae@ray.io" not in json.dumps(e) for e in log["entries"])

        nobody = (await call(c, "find_contacts", {"email": "nobody@none.io", "export": "store"}))["export"]
        assert nobody["store"]["contact"] is None and nobody["store"]["events"] == []
