"""The sandbox's API surface through the official SDK: form nesting, pagination, search, expand, errors, keys."""

from __future__ import annotations

import httpx
import pytest
import stripe

from tests.stripe_mcp.conftest import SandboxHandle


async def test_nested_form_parameters_round_trip(stripe_client: stripe.StripeClient) -> None:
    cus = await stripe_client.v1.customers.create_async(params={
        "email": "ada@example.com", "name": "Ada", "metadata": {"lead_id": "L-1", "source": "cold"},
        "address": {"line1": "1 Main St", "city": "Berlin", "country": "DE"}, "preferred_locales": ["de", "en"],
    })
    assert cus.id.startswith("cus_") and cus.object == "customer" and cus.livemode is False
    assert cus.metadata.to_dict() == {"lead_id": "L-1", "source": "cold"}
    assert cus.address.city == "Berlin" and cus.preferred_locales == ["de", "en"]
    prod = await stripe_client.v1.products.create_async(params={"name": "Audit"})
    price = await stripe_client.v1.prices.create_async(params={
        "product": prod.id, "currency": "eur", "unit_amount": 9900, "recurring": {"interval": "month",
                                                                                   "interval_count": 3}})
    assert price.recurring.interval_count == 3 and price.type == "recurring"
    link = await stripe_client.v1.payment_links.create_async(params={
        "line_items": [{"price": price.id, "quantity": 2}], "metadata": {"lead_id": "L-1"},
        "after_completion": {"type": "redirect", "redirect": {"url": "https://example.com/thanks"}},
        "restrictions": {"completed_sessions": {"limit": 1}},
    })
    assert link.id.startswith("plink_") and link.after_completion.redirect.url == "https://example.com/thanks"
    assert link.restrictions.completed_sessions.limit == 1 and link.metadata.lead_id == "L-1"
    items = await stripe_client.v1.payment_links.line_items.list_async(link.id)
    assert [(i.price.id, i.quantity, i.amount_total) for i in items.data] == [(price.id, 2, 19800)]
    # metadata: "" unsets one key
    cus = await stripe_client.v1.customers.update_async(cus.id, params={"metadata": {"source": ""}, "name": "Ada L."})
    assert cus.metadata.to_dict() == {"lead_id": "L-1"} and cus.name == "Ada L."


def test_query_arrays_with_empty_brackets_and_expand(stripe_sandbox: SandboxHandle) -> None:
    auth = {"Authorization": f"Bearer {stripe_sandbox.api_key}"}
    with httpx.Client(base_url=stripe_sandbox.url, headers=auth) as http:
        cus = http.post("/v1/customers", data={"email": "e@example.com"}).json()
        pi = http.post("/v1/payment_intents", data={"amount": "700", "currency": "usd", "customer": cus["id"]}).json()
        got = http.get(f"/v1/payment_intents/{pi['id']}?expand[]=customer").json()
        assert got["customer"]["email"] == "e@example.com"
        listed = http.get("/v1/payment_intents?expand[]=data.customer&limit=1").json()
        assert listed["data"][0]["customer"]["id"] == cus["id"]
        resp = http.get("/v1/payment_intents?created[gte]=0&created[lt]=1")
        assert resp.status_code == 200 and resp.json()["data"] == []
        assert resp.headers["Request-Id"].startswith("req_")


async def test_pagination_both_directions_and_auto_paging(stripe_client: stripe.StripeClient) -> None:
    ids = [(await stripe_client.v1.customers.create_async(params={"email": f"p{i}@example.com"})).id
           for i in range(7)]
    newest_first = list(reversed(ids))
    page1 = await stripe_client.v1.customers.list_async(params={"limit": 3})
    assert [c.id for c in page1.data] == newest_first[:3] and page1.has_more and page1.url == "/v1/customers"
    page2 = await stripe_client.v1.customers.list_async(params={"limit": 3, "starting_after": page1.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[3:6] and page2.has_more
    page3 = await stripe_client.v1.customers.list_async(params={"limit": 3, "starting_after": page2.data[-1].id})
    assert [c.id for c in page3.data] == newest_first[6:] and not page3.has_more
    back = await stripe_client.v1.customers.list_async(params={"limit": 2, "ending_before": page3.data[0].id})
    assert [c.id for c in back.data] == newest_first[4:6] and back.has_more
    everything = [c.id async for c in (await stripe_client.v1.customers.list_async(
        params={"limit": 2})).auto_paging_iter()]
    assert everything == newest_first
    backwards = [c.id async for c in (await stripe_client.v1.customers.list_async(
        params={"limit": 2, "ending_before": newest_first[5]})).auto_paging_iter()]
    assert backwards == list(reversed(newest_first[:5]))
    only = await stripe_client.v1.customers.list_async(params={"email": "p3@example.com"})
    assert [c.id for c in only.data] == [ids[3]]
    # the email filter is exact and case-sensitive (https://docs.stripe.com/api/customers/list), newest first,
    # pages like any list, and never returns a deleted customer
    twin = await stripe_client.v1.customers.create_async(params={"email": "p3@example.com"})
    assert [c.id for c in (await stripe_client.v1.customers.list_async(params={"email": "P3@example.com"})).data] == []
    both = await stripe_client.v1.customers.list_async(params={"email": "p3@example.com", "limit": 1})
    assert [c.id for c in both.data] == [twin.id] and both.has_more
    rest = await stripe_client.v1.customers.list_async(params={"email": "p3@example.com",
                                                               "starting_after": twin.id})
    assert [c.id for c in rest.data] == [ids[3]] and not rest.has_more
    await stripe_client.v1.customers.delete_async(twin.id)
    assert [c.id for c in (await stripe_client.v1.customers.list_async(params={"email": "p3@example.com"})).data] \
        == [ids[3]]


async def test_search_queries(stripe_client: stripe.StripeClient, stripe_sandbox: SandboxHandle) -> None:
    stripe_sandbox.control("config", {"search_lag_seconds": 0})  # search right after creating (Stripe lags ~1 min)
    people = [("Jane Doe", "jane@example.com", "acme"), ("John Doe", "john@example.com", "acme"),
              ("Jane Roe", "roe@example.com", "globex")]
    for name, email, company in people:
        await stripe_client.v1.customers.create_async(params={"name": name, "email": email,
                                                              "metadata": {"company": company}})
    search = stripe_client.v1.customers.search_async
    assert [c.email for c in (await search(params={"query": "email:'john@example.com'"})).data] == ["john@example.com"]
    assert {c.name for c in (await search(params={"query": "name~'Doe'"})).data} == {"Jane Doe", "John Doe"}
    found = await search(params={"query": "metadata['company']:'acme' AND name~'jane'"})
    assert [c.name for c in found.data] == ["Jane Doe"] and found.object == "search_result"
    either = await search(params={"query": "email:'roe@example.com' OR email:'jane@example.com'"})
    assert len(either.data) == 2
    assert (await search(params={"query": "-metadata['company']:'acme'"})).data[0].name == "Jane Roe"
    first = await search(params={"query": "email~'example'", "limit": 2})
    assert first.has_more and first.next_page
    all_found = [c.email async for c in first.auto_paging_iter()]
    assert sorted(all_found) == sorted(e for _, e, _ in people)
    with pytest.raises(stripe.InvalidRequestError) as bad:
        await search(params={"query": "favourite_color:'red'"})
    assert bad.value.param == "query"


async def test_errors_are_stripe_shaped(stripe_client: stripe.StripeClient) -> None:
    prod = await stripe_client.v1.products.create_async(params={"name": "X"})
    with pytest.raises(stripe.InvalidRequestError) as bad_currency:
        await stripe_client.v1.prices.create_async(params={"product": prod.id, "currency": "xyz", "unit_amount": 1})
    assert bad_currency.value.http_status == 400 and bad_currency.value.param == "currency"
    assert bad_currency.value.error.type == "invalid_request_error"
    with pytest.raises(stripe.InvalidRequestError) as negative:
        await stripe_client.v1.prices.create_async(params={"product": prod.id, "currency": "usd", "unit_amount": -5})
    assert negative.value.param == "unit_amount"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await stripe_client.v1.customers.retrieve_async("cus_doesnotexist")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    assert missing.value.param == "id" and "cus_doesnotexist" in str(missing.value.user_message)
    other = await stripe_client.v1.products.create_async(params={"name": "Other", "default_price_data": {
        "currency": "usd", "unit_amount": 100}})
    with pytest.raises(stripe.InvalidRequestError) as foreign:
        await stripe_client.v1.products.update_async(prod.id, params={"default_price": other.default_price})
    assert foreign.value.param == "default_price"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await stripe_client.v1.customers.create_async(params={"emial": "typo@example.com"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.param == "emial"
    with pytest.raises(stripe.CardError) as declined:
        await stripe_client.v1.payment_intents.create_async(params={
            "amount": 2000, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True})
    err = declined.value
    assert err.http_status == 402 and err.code == "card_declined" and err.error.decline_code == "generic_decline"
    assert err.error.payment_intent.status == "requires_payment_method"
    with pytest.raises(stripe.InvalidRequestError) as small:
        await stripe_client.v1.payment_intents.create_async(params={"amount": 10, "currency": "usd"})
    assert small.value.code == "amount_too_small"


async def test_keys_modes_and_restricted_permissions(stripe_sandbox: SandboxHandle) -> None:
    stripe_sandbox.control("keys", {"rk_test_readonly": ["customers:read"]})
    live, live_http = stripe_sandbox.client("sk_live_abc")
    restricted, rk_http = stripe_sandbox.client("rk_test_readonly")
    bogus, bogus_http = stripe_sandbox.client("pk_test_public")
    test, test_http = stripe_sandbox.client()
    try:
        created = await live.v1.customers.create_async(params={"email": "live@example.com"})
        assert created.livemode is True
        assert (await test.v1.customers.list_async()).data == []  # live objects are not visible to test keys
        with pytest.raises(stripe.PermissionError) as denied:
            await restricted.v1.customers.create_async(params={"email": "x@example.com"})
        assert denied.value.http_status == 403 and "rak_customer_write" in str(denied.value.user_message)
        assert denied.value.error.type == "permission_error"
        assert (await restricted.v1.customers.list_async()).data == []
        with pytest.raises(stripe.PermissionError):
            await restricted.v1.products.list_async()
        with pytest.raises(stripe.AuthenticationError) as unauth:
            await bogus.v1.customers.list_async()
        assert unauth.value.http_status == 401
        resp = httpx.get(stripe_sandbox.url + "/v1/customers", headers={"Stripe-Version": "2024-06-20",
                                                                        "Authorization": "Bearer sk_test_x"})
        assert resp.headers["Stripe-Version"] == "2024-06-20"
    finally:
        for http in (live_http, rk_http, bogus_http, test_http):
            await http.close_async()
