"""Names work wherever ids do (issue 14 §3): campaigns, prices and products by name; an unknown or ambiguous name
is an error listing the close matches, never a silent empty result; results show names beside ids."""

from __future__ import annotations

from tests.orchestrator_mcp.conftest import Pipeline, call, client


def _pay_through(pipeline: Pipeline, link: dict, email: str) -> None:
    pipeline.stripe_control(f"payment_links/{link['payment_link_id']}/pay", {"email": email})


async def test_a_campaign_and_a_price_by_name_in_payment_flow_reports_and_costs(pipeline: Pipeline) -> None:
    q4 = pipeline.new_campaign("Q4 outreach")
    pipeline.new_campaign("Founders")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "nia@name.io", "campaign": q4}).raise_for_status()
    price = pipeline.price(49900, name="Growth Audit")
    async with client() as c:
        # the price by its product's name, the campaign by its name in another case
        link = await call(c, "trigger_payment_flow", {"lead_email": "nia@name.io", "campaign_id": "q4 OUTREACH",
                                                      "price_id": "Growth Audit"})
        assert link["price_id"] == price
        _pay_through(pipeline, link, "nia@name.io")
        await call(c, "sync_now", {"source": "stripe"})
        by_name = await c.call_tool("funnel_report", {"campaign_id": "Q4 outreach"})
        by_id = await call(c, "funnel_report", {"campaign_id": q4, "chart": False})
        revenue = await c.call_tool("revenue_attribution", {"campaign_id": "Q4 outreach", "chart": False,
                                                             "costs": {"Q4 outreach": 10_000}})
    funnel = by_name.structured_content
    assert not by_name.is_error and funnel["campaign_id"] == q4 and funnel["counts"] == by_id["counts"]
    assert funnel["counts"]["paid"] == 1  # not the zeros an unknown id gave before
    assert f"Funnel for Q4 outreach ({q4[:8]}…)" in by_name.content[0].text
    line = revenue.structured_content["campaigns"][0]
    assert line["campaign_id"] == q4 and line["cost"] == 10_000 and line["roi"] == 3.99
    text = revenue.content[0].text
    assert "best Q4 outreach" in text and "$499.00 from 1 payment, ROI +399%" in text and "None" not in text


async def test_unknown_and_ambiguous_names_are_errors_with_the_matches(pipeline: Pipeline) -> None:
    pipeline.new_campaign("Q4 outreach")
    first, second = pipeline.new_campaign("Launch"), pipeline.new_campaign("Launch")
    pipeline.price(4900, name="Growth Audit")
    async with client() as c:
        unknown = await c.call_tool("funnel_report", {"campaign_id": "Q4 outreech"})
        ambiguous = await c.call_tool("find_contacts", {"campaign_id": "launch"})
        costs = await c.call_tool("revenue_attribution", {"costs": {"Q5 outreach": 100}})
        price = await c.call_tool("trigger_payment_flow", {"campaign_id": first, "price_id": "Growth Audti"})
    assert unknown.is_error and "'Q4 outreech'" in unknown.content[0].text
    assert "Close matches: 'Q4 outreach'" in unknown.content[0].text
    assert ambiguous.is_error and first in ambiguous.content[0].text and second in ambiguous.content[0].text
    assert "2 campaigns are named 'launch'" in ambiguous.content[0].text
    assert costs.is_error and "costs" in costs.content[0].text and "'Q4 outreach'" in costs.content[0].text
    assert price.is_error and "'Growth Audit'" in price.content[0].text and "price_id" in price.content[0].text


async def test_configure_pipeline_takes_names_and_shows_them(pipeline: Pipeline) -> None:
    onboarding = pipeline.new_campaign("Onboarding")
    price = pipeline.price(4900, name="Growth Audit")
    async with client() as c:
        result = await c.call_tool("configure_pipeline", {
            "campaign_roles": {"post_purchase": "Onboarding"}, "campaign_prices": {"onboarding": "Growth Audit"}})
    out = result.structured_content
    assert not result.is_error and out["campaign_roles"] == {"post_purchase": onboarding}
    assert out["campaign_prices"] == {onboarding: price}
    assert f"post_purchase=Onboarding ({onboarding[:8]}…)" in result.content[0].text


async def test_sync_of_one_person_without_a_customer_says_so_without_none(pipeline: Pipeline) -> None:
    campaign = pipeline.new_campaign("Outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "solo@lead.io", "campaign": campaign}).raise_for_status()
    async with client() as c:
        one = await c.call_tool("sync_now", {"email": "solo@lead.io"})
        nobody = await c.call_tool("sync_now", {"email": "nobody@nowhere.io"})
    head = one.content[0].text.splitlines()[0]
    assert head.startswith("solo@lead.io: ") and "lead " in head and "customer" not in head and "None" not in head
    assert "no lead or customer found" in nobody.content[0].text and "None" not in nobody.content[0].text
