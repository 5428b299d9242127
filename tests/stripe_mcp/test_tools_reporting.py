"""Balance and revenue figures checked against known inputs (integer minor units, per currency)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import PaymentRequired
from tests.stripe_mcp.stripe_support import api_for, catalog, fails, mcp_client, ok, paid_intent, use_sandbox

DAY = 86_400


def day_of(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


async def test_revenue_mrr_churn_and_refunds(stripe_sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    use_sandbox(monkeypatch, stripe_sandbox)
    async with api_for(stripe_sandbox) as api:
        a = await paid_intent(api, amount=1000)
        await paid_intent(api, amount=500, currency="eur")
        with pytest.raises(PaymentRequired):  # a declined charge must not count
            await paid_intent(api, amount=99_999, card="pm_card_chargeDeclined")
        stripe_sandbox.control("advance_time", {"seconds": 35 * DAY})
        c = await paid_intent(api, amount=2000)
        await api.create_refund(payment_intent=c["id"], amount=300)

        cus = await api.create_customer(email="mrr@example.com")
        _, monthly = await catalog(api, amount=3000, interval="month")
        _, yearly = await catalog(api, amount=12000, interval="year")
        _, weekly = await catalog(api, amount=700, currency="eur", interval="week")
        _, churny = await catalog(api, amount=1500, interval="month")
        for price, qty in ((monthly, 2), (yearly, 1), (weekly, 1)):
            await api.create_subscription(customer=cus["id"], items=[{"price": price, "quantity": qty}],
                                          collection_method="send_invoice")
        gone = await api.create_subscription(customer=cus["id"], items=[{"price": churny}],
                                             collection_method="send_invoice")
        await api.cancel_subscription(gone["id"])
    now = stripe_sandbox.control("clock")["now"]
    start = (datetime.fromtimestamp(a["created"], UTC) - timedelta(days=1)).date().isoformat()
    end = (datetime.fromtimestamp(now, UTC) + timedelta(days=1)).date().isoformat()

    async with mcp_client() as client:
        report = await ok(client, "stripe_revenue", {"period": "day", "start": start, "end": end})
        totals = {t["currency"]: t for t in report["totals"]}
        usd, eur = totals["usd"], totals["eur"]
        assert (usd["gross"], usd["refunded"], usd["net"]) == (3000, 300, 2700)
        assert (eur["gross"], eur["refunded"], eur["net"]) == (500, 0, 500)
        assert (usd["mrr"], usd["arr"], usd["active_subscriptions"]) == (7000, 84000, 2)  # 2x3000 + 12000/12
        assert (eur["mrr"], eur["arr"]) == (3033, 36400)  # 700 * 52 / 12 = 3033.33, ARR from the exact value
        assert (usd["churned_mrr"], usd["churned_subscriptions"]) == (1500, 1)
        cells = {(b["start"], b["currency"]): b for b in report["buckets"]}
        assert cells[(day_of(a["created"]), "usd")]["gross"] == 1000
        assert cells[(day_of(c["created"]), "usd")] | {} == {
            "start": day_of(c["created"]), "currency": "usd", "gross": 2000, "refunded": 300, "net": 1700,
            "charges": 1, "refunds": 1}
        assert sum(b["net"] for b in report["buckets"] if b["currency"] == "usd") == 2700
        assert all(isinstance(b["gross"], int) for b in report["buckets"])
        days = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days
        assert len({b["start"] for b in report["buckets"]}) == days  # every day of the window, zeros included

        monthly_report = await ok(client, "stripe_revenue", {"period": "month", "start": start, "end": end,
                                                             "currency": "usd"})
        assert [t["currency"] for t in monthly_report["totals"]] == ["usd"]
        assert sum(b["net"] for b in monthly_report["buckets"]) == 2700
        result = await client.call_tool("stripe_revenue", {"period": "week", "start": start, "end": end})
        assert "usd: net $27.00" in result.content[0].text and "MRR $70.00" in result.content[0].text

        assert "currency:" in await fails(client, "stripe_revenue", {"currency": "USD"})
        assert "start:" in await fails(client, "stripe_revenue", {"start": end, "end": start})
        assert "period:" in await fails(client, "stripe_revenue", {"period": "day", "start": "2020-01-01",
                                                                   "end": "2021-01-01"})
        assert "start:" in await fails(client, "stripe_revenue", {"start": "last tuesday"})

        balance = await ok(client, "stripe_get_balance")
        assert balance["mode"] == "test" and isinstance(balance["available"], list)
        assert {b["currency"] for b in balance["available"] + balance["pending"]} >= {"usd"}
