"""Contact tools: mapping, sync, look-up, and forget_contact leaving no personal data in the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shared.store.engine import database_url
from tests.orchestrator_mcp.conftest import Pipeline, call, client


async def test_forget_contact_leaves_no_personal_data(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "Erin_X@erase.io", "first_name": "Erin", "campaign": campaign}
                  ).raise_for_status()
        http.post("/leads", json={"email": "erinxx@keep.io", "first_name": "Keep", "campaign": campaign}
                  ).raise_for_status()
    price = pipeline.price(1500)
    async with client() as c:
        link = await call(c, "trigger_payment_flow", {"lead_email": "erin_x@erase.io", "price_id": price})
        pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": "erin_x@erase.io"})
        await call(c, "sync_now", {"source": "stripe"})
        await call(c, "sync_now", {"email": "erinxx@keep.io"})
        assert (await call(c, "find_contacts", {"email": "erin_x@erase.io"}))["contacts"][0]["total_revenue"] == 1500

        db = Path(database_url().split("///", 1)[1])
        before = _table_rows(db)
        preview = await call(c, "forget_contact", {"email": "ERIN_X@erase.io"})
        assert preview["executed"] is False and preview["removed"]["contacts"] == 1
        assert preview["removed"]["events"] >= 1 and preview["removed"]["payments"] == 1
        # the preview names exactly what would go, and erases nothing: not remotely, not in the store
        assert preview["instantly_lead_ids"] == [link["lead_id"]]
        assert preview["stripe_customer_ids"] == [link["customer_id"]]
        assert pipeline.stripe_count("customer") == 1
        assert (await call(c, "find_contacts", {"email": "erin_x@erase.io"}))["contacts"][0]["total_revenue"] == 1500
        after = _table_rows(db)
        # the audit trail and the shared rate-limit accounting of the reads are bookkeeping, not data
        assert {t: n for t, n in after.items() if t not in ("audit_log", "rate_limits")} == {
            t: n for t, n in before.items() if t not in ("audit_log", "rate_limits")}
        assert "erin_x@erase.io" in "\n".join(sqlite3.connect(db).iterdump()).lower()
        done = await call(c, "forget_contact", {"email": "erin_x@erase.io", "confirm": True})
        assert done["executed"] is True
        assert done["instantly_lead_ids"] == [link["lead_id"]] and done["stripe_customer_ids"] == [link["customer_id"]]
        assert pipeline.stripe_count("customer") == 0
        assert (await call(c, "find_contacts", {"email": "erinxx@keep.io"}))["contacts"]  # the other person stays

    with sqlite3.connect(db) as raw:
        dump = "\n".join(raw.iterdump()).lower()
    assert "erin_x@erase.io" not in dump and "erin" not in dump.replace("erinxx@keep.io", "")
    assert "erinxx@keep.io" in dump
    assert "forget_contact" in dump  # the audit entry stays, without the email


def _table_rows(db: Path) -> dict[str, tuple]:
    """Every table's rows (contents, not only counts: the preview must change nothing)."""
    with sqlite3.connect(db) as raw:
        tables = [r[0] for r in raw.execute("select name from sqlite_master where type='table'")]
        return {t: tuple(sorted(map(repr, raw.execute(f'select * from "{t}"')))) for t in tables}


async def test_map_lead_to_customer_and_back(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "map@me.io", "first_name": "Mia", "last_name": "Park",
                                  "company_name": "Maple", "campaign": campaign}).raise_for_status()
    async with client() as c:
        preview = await call(c, "map_contact", {"email": "map@me.io"})
        assert preview["applied"] is False and preview["target_id"] is None
        assert preview["fields"]["name"] == "Mia Park" and preview["fields"]["metadata"]["company"] == "Maple"
        assert pipeline.stripe_count("customer") == 0
        applied = await call(c, "map_contact", {"email": "map@me.io", "apply": True})
        customer = applied["target_id"]
        assert customer.startswith("cus_") and pipeline.stripe_count("customer") == 1
        again = await call(c, "map_contact", {"email": "map@me.io", "apply": True})
        assert again["target_id"] == customer and pipeline.stripe_count("customer") == 1

        back = await call(c, "map_contact", {"email": customer, "to": "instantly", "apply": True})
        assert back["fields"]["first_name"] == "Mia" and back["fields"]["company_name"] == "Maple"
        lead = next(x for x in pipeline.leads_in(campaign) if x["email"] == "map@me.io")
        assert lead["payload"]["stripe_customer_id"] == customer
        contact = (await call(c, "find_contacts", {"email": customer}))["contacts"][0]
        assert contact["instantly_lead_id"] == lead["id"]
