"""Funnel and attribution figures checked against known inputs."""

from __future__ import annotations

from shared.store import open_store
from orchestrator_mcp.analytics import attribution, funnel


async def seed(store):  # type: ignore[no-untyped-def]
    t = 1_000_000.0
    # campaign A: 10 contacted, 6 opened (1 of them only via a click), 3 clicked, 2 replied, 3 links created
    # (a0's emailed afterwards, a1's not, a10's for a lead only imported, never emailed), 1 paid
    for i in range(10):
        fields = {"source_campaign": "A", "last_sent_at": t + 45 if i == 0 else t}
        if i < 5:
            fields["last_opened_at"] = t + 10
        if i in (0, 1, 5):
            fields["last_clicked_at"] = t + 20
        if i in (0, 1):
            fields["last_replied_at"] = t + 30
            fields["link_sent_at"] = t + 40
        if i == 0:
            fields["paid_at"] = t + 50
        await store.upsert_contact(f"a{i}@x.com", **fields)
    await store.upsert_contact("a10@x.com", source_campaign="A", link_sent_at=t + 40)
    # campaign B: 4 contacted, nothing else, one late payment attributed to B
    for i in range(4):
        await store.upsert_contact(f"b{i}@x.com", source_campaign="B", last_sent_at=t + 1000)
    a0 = await store.get_contact(email="a0@x.com")
    b0 = await store.get_contact(email="b0@x.com")
    await store.record_payment("pi_a0", amount=9900, currency="usd", contact_id=a0.id, campaign_id="A", at=t + 50)
    await store.record_payment("re_a0", amount=-1900, currency="usd", contact_id=a0.id, campaign_id="A",
                               kind="refund", at=t + 60)
    await store.record_payment("pi_b0", amount=5000, currency="usd", contact_id=b0.id, campaign_id="B", at=t + 2000)
    await store.upsert_campaign_performance([
        {"campaign_id": "A", "campaign_name": "A", "emails_sent": 20, "replied": 2},
        {"campaign_id": "B", "campaign_name": "B", "emails_sent": 4, "replied": 0},
        {"campaign_id": "C", "campaign_name": "C", "emails_sent": 7, "replied": 1},
    ])
    return t


async def test_funnel_counts_and_rates() -> None:
    store = await open_store()
    t = await seed(store)
    a = await funnel(store, campaign_id="A")
    assert a.counts == {"contacted": 10, "opened": 6, "clicked": 3, "replied": 2, "link_created": 3, "link_sent": 1,
                        "paid": 1}
    assert a.rates["contacted_to_opened"] == 0.6 and a.rates["link_created_to_link_sent"] == 0.3333
    assert a.rates["link_sent_to_paid"] == 1.0
    everyone = await funnel(store)
    assert everyone.counts["contacted"] == 14
    early = await funnel(store, since=t, until=t + 500)
    assert early.counts["contacted"] == 10 and early.counts["paid"] == 1
    late = await funnel(store, since=t + 500)
    assert late.counts == {"contacted": 4, "opened": 0, "clicked": 0, "replied": 0, "link_created": 0, "link_sent": 0,
                           "paid": 0}
    assert late.rates["contacted_to_opened"] == 0.0 and late.rates["opened_to_clicked"] is None
    await store.close()


async def test_funnel_counts_sends_not_imports_and_links_sent_only_when_emailed_after() -> None:
    store = await open_store()
    t = 1_000_000.0
    # imported, then a payment link written for it; no email ever went out
    await store.upsert_contact("imported@x.com", source_campaign="S", link_sent_at=t)
    # emailed, then a link written; the next email has not gone out yet
    await store.upsert_contact("waiting@x.com", source_campaign="S", last_sent_at=t, link_sent_at=t + 10)
    # emailed, a link written, then the step carrying {{payment_link}} went out
    await store.upsert_contact("sent@x.com", source_campaign="S", last_sent_at=t + 20, link_sent_at=t + 10)
    f = await funnel(store, campaign_id="S")
    assert f.counts["contacted"] == 2
    assert (f.counts["link_created"], f.counts["link_sent"]) == (3, 1)
    await store.close()


async def test_attribution_nets_refunds_and_ranks_campaigns() -> None:
    store = await open_store()
    await seed(store)
    rows = await attribution(store)
    assert [(r.campaign_id, r.revenue, r.payments, r.paying_contacts, r.contacts, r.emails_sent) for r in rows] == [
        ("A", 8000, 1, 1, 11, 20), ("B", 5000, 1, 1, 4, 4), ("C", 0, 0, 0, 0, 7)]
    only_a = await attribution(store, campaign_id="A")
    assert [r.campaign_id for r in only_a] == ["A"]
    await store.close()
