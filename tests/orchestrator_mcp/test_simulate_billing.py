"""simulate_billing and Stripe's clock in simulate_time: buyers pay (or are declined), renewals succeed or fail,
customers cancel, trials end, invoices come up, refunds and disputes arrive; the orchestrator's automation runs
on the events and the result says what it did. Also sandbox_reset with the seeded world."""

from __future__ import annotations

from typing import Any

from tests.orchestrator_mcp.conftest import Pipeline, call
from tests.orchestrator_mcp.test_scenario_payment import wait_until
from tests.orchestrator_mcp.test_simulate import campaign, contact, sandbox_client, world  # noqa: F401 (fixture)


def campaigns(world: Pipeline) -> list[dict[str, Any]]:
    with world.instantly.client() as http:
        return list(http.get("/campaigns").json()["items"])


def in_campaign(world: Pipeline, cid: str, email: str) -> bool:
    return any(x["email"] == email for x in world.leads_in(cid))


async def test_pay_declined_then_paid_moves_the_buyer_to_post_purchase(world: Pipeline) -> None:
    price = world.price(49900, name="Growth Audit")
    outreach = campaign(world, "Outreach", ["ada@acme.io"])
    welcome = campaign(world, "Welcome", [])
    async with sandbox_client() as c:
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": welcome}})
        await call(c, "trigger_payment_flow", {"lead_email": "ada@acme.io", "price_id": price,
                                               "campaign_id": outreach})
        declined = await call(c, "simulate_billing", {"action": "pay", "email": "ada@acme.io", "card": "declined"})
        assert "card was declined" in declined["headline"]
        assert declined["orchestrator"] == []
        assert (await contact(c, "ada@acme.io"))["conversion_status"] == "payment_link_sent"

        paid = await call(c, "simulate_billing", {"action": "pay", "email": "ada@acme.io"})
        assert paid["headline"].startswith("ada@acme.io paid $499.00 through plink_")
        assert any(line.startswith("ada@acme.io: moved to the post_purchase campaign Welcome")
                   for line in paid["orchestrator"]), paid["orchestrator"]
        now = paid["contacts"][0]
        assert (now["email"], now["status"], now["revenue"]) == ("ada@acme.io", "customer", "$499.00")
        wait_until(lambda: in_campaign(world, welcome, "ada@acme.io"))

        refund = await call(c, "simulate_billing", {"action": "refund", "email": "ada@acme.io", "amount": 9900})
        assert refund["headline"].startswith("Refunded $99.00 of charge ch_")
        assert (await contact(c, "ada@acme.io"))["total_revenue"] == 40000
        dispute = await call(c, "simulate_billing", {"action": "dispute", "email": "ada@acme.io"})
        assert "disputed" in dispute["headline"] and "fraudulent" in dispute["headline"]
        assert any("charge.dispute.created" in h for h in dispute["happened"])


async def test_without_a_role_the_result_says_nobody_moved(world: Pipeline) -> None:
    price = world.price(49900)
    campaign(world, "Outreach", ["bo@b.io"])
    async with sandbox_client() as c:
        flow = await call(c, "trigger_payment_flow", {"lead_email": "bo@b.io", "price_id": price})
        paid = await call(c, "simulate_billing", {"action": "pay", "link": flow["payment_link_url"]})
        assert paid["orchestrator"] == []
        assert any("No campaign plays the post_purchase role" in n for n in paid["notes"])


async def subscribe(c: Any, world: Pipeline, email: str, roles: dict[str, str]) -> str:
    price = world.price(2900, interval="month", name="Pro plan")
    await call(c, "configure_pipeline", {"campaign_roles": roles})
    await call(c, "trigger_payment_flow", {"lead_email": email, "price_id": price})
    paid = await call(c, "simulate_billing", {"action": "pay", "email": email})
    assert "subscription started" in paid["headline"]
    return price


async def test_subscription_lifecycle_failed_renewal_upcoming_cancel(world: Pipeline) -> None:
    campaign(world, "Outreach", ["sam@sub.io"])
    roles = {"dunning": campaign(world, "Card problems", []), "renewal": campaign(world, "Renewal", []),
             "win_back": campaign(world, "Win-back", [])}
    async with sandbox_client() as c:
        await subscribe(c, world, "sam@sub.io", roles)
        failed = await call(c, "simulate_billing", {"action": "fail_renewal", "email": "sam@sub.io"})
        assert "renewal failed; it is now past_due" in failed["headline"]
        assert any(line.startswith("sam@sub.io: moved to the dunning campaign Card problems")
                   for line in failed["orchestrator"]), failed
        assert (await contact(c, "sam@sub.io"))["payment_failures"] == 1

        upcoming = await call(c, "simulate_billing", {"action": "invoice_upcoming", "email": "sam@sub.io"})
        assert "An invoice of $29.00 is coming up" in upcoming["headline"]
        assert any("renewal campaign Renewal" in line for line in upcoming["orchestrator"]), upcoming

        canceled = await call(c, "simulate_billing", {"action": "cancel", "email": "sam@sub.io"})
        assert any("win_back campaign Win-back" in line for line in canceled["orchestrator"]), canceled
        sam = await contact(c, "sam@sub.io")
        assert (sam["conversion_status"], sam["subscription_status"]) == ("churned", "canceled")
        gone = await c.call_tool("simulate_billing", {"action": "renew", "email": "sam@sub.io"})
        assert gone.is_error and "canceled" in gone.content[0].text
    wait_until(lambda: in_campaign(world, roles["win_back"], "sam@sub.io"))


async def test_time_renews_subscriptions_with_an_upcoming_notice_first(world: Pipeline) -> None:
    campaign(world, "Outreach", ["tim@t.io"])
    async with sandbox_client() as c:
        await subscribe(c, world, "tim@t.io", {})
        month = await call(c, "simulate_time", {"days": 32})
        assert "Stripe: 1 × upcoming invoice notice (invoice.upcoming)" in month["happened"]
        assert "Stripe: 1 × invoice paid (invoice.paid)" in month["happened"]
        assert (await contact(c, "tim@t.io"))["total_revenue"] == 5800
    events = world.stripe("GET", "/v1/events", params={"limit": 100})["data"]
    kinds = [e["type"] for e in reversed(events) if e["type"] in ("invoice.upcoming", "invoice.paid")]
    assert kinds == ["invoice.paid", "invoice.upcoming", "invoice.paid"]  # first payment, notice, renewal
    upcoming = next(e for e in events if e["type"] == "invoice.upcoming")["data"]["object"]
    assert "id" not in upcoming and upcoming["amount_due"] == 2900


async def test_trial_end(world: Pipeline) -> None:
    price = world.price(2900, interval="month")
    customer = world.stripe("POST", "/v1/customers", data={"email": "tri@t.io"})
    world.stripe("POST", "/v1/subscriptions", data={"customer": customer["id"], "items[0][price]": price,
                                                    "trial_period_days": "14", "default_payment_method": "pm_card_visa"})
    async with sandbox_client() as c:
        ended = await call(c, "simulate_billing", {"action": "end_trial", "email": "tri@t.io"})
        assert "ended; it is now active" in ended["headline"]
        again = await c.call_tool("simulate_billing", {"action": "end_trial", "email": "tri@t.io"})
        assert again.is_error and "no trialing subscription" in again.content[0].text


async def test_reset_previews_then_seeds_the_same_world(world: Pipeline) -> None:
    campaign(world, "Old campaign", ["old@o.io"])
    async with sandbox_client() as c:
        preview = await call(c, "sandbox_reset", {})
        assert preview["headline"].startswith("Preview")
        assert [x["name"] for x in campaigns(world)] == ["Old campaign"]
        first = await call(c, "sandbox_reset", {"confirm": True})
        ada = await contact(c, "ada@acmeanalytics.io")
        second = await call(c, "sandbox_reset", {"confirm": True})
    names = sorted(x["name"] for x in campaigns(world))
    assert names == ["Card problems", "Founders", "Q4 outreach", "Renewal reminder", "Welcome", "Win-back"]

    def strip(lines: list[str]) -> list[str]:
        import re

        return [re.sub(r"\((prod|price)?_?[0-9A-Za-z-]{8,}\)|(price|campaign_roles=).*", "", x) for x in lines]

    assert strip(first["happened"]) == strip(second["happened"])  # deterministic
    assert any("Q4 outreach" in x and "12 leads" in x for x in second["happened"])
    assert any("Growth Audit" in x and "$499.00 one-off" in x for x in second["happened"])
    assert any("Pro plan" in x and "$49.00/month" in x for x in second["happened"])
    leads = world.leads_in(next(x["id"] for x in campaigns(world) if x["name"] == "Q4 outreach"))
    variables = leads[0]["payload"]
    assert {"icebreaker", "subject_line", "website", "industry"} <= set(variables)
    assert (ada["clicks"], ada["replies"], ada["interest_status"]) == (1, 1, 1)
    products = world.stripe("GET", "/v1/products")["data"]
    assert sorted(p["name"] for p in products) == ["Founder Workshop seat", "Growth Audit", "Pro plan"]


async def test_a_link_is_found_by_its_url_past_the_first_page_of_links(world: Pipeline) -> None:
    price = world.price(4900)
    campaign(world, "Outreach", ["cy@c.io"])
    async with sandbox_client() as c:
        flow = await call(c, "trigger_payment_flow", {"lead_email": "cy@c.io", "price_id": price})
        for _ in range(105):  # newer links push the buyer's link off the first page of 100
            world.stripe("POST", "/v1/payment_links", data={"line_items[0][price]": price,
                                                           "line_items[0][quantity]": "1"})
        paid = await call(c, "simulate_billing", {"action": "pay", "link": flow["payment_link_url"]})
    assert paid["headline"].startswith(f"cy@c.io paid $49.00 through {flow['payment_link_id']}"), paid["headline"]
