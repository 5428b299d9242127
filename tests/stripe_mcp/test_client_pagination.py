"""Auto-pagination (`async for` over the SDK's pager), list cursors, search pages and events."""

from __future__ import annotations

from tests.stripe_mcp.stripe_support import api_for


async def test_iterate_walks_every_page_newest_first(stripe_sandbox) -> None:
    stripe_sandbox.control("config", {"search_lag_seconds": 0})  # searches right after creating
    async with api_for(stripe_sandbox) as api:
        made = [(await api.create_customer(email=f"c{i:02}@example.com"))["id"] for i in range(23)]
        walked = [c["id"] async for c in api.iterate("customers", page_size=5)]
        assert walked == made[::-1]
        first_seven = [c["id"] async for c in api.iterate("customers", page_size=5, max_items=7)]
        assert first_seven == made[::-1][:7]
        by_route = stripe_sandbox.stats()["requests"]["by_route"]
        assert sum(n for route, n in by_route.items() if route.startswith("GET") and "customers" in route) == 5 + 2

        page = await api.list_customers(limit=10)
        assert page.has_more and page.next_cursor == page.items[-1]["id"]
        rest = await api.list_customers(limit=20, cursor=page.next_cursor)
        assert [c["id"] for c in page.items + rest.items] == made[::-1] and not rest.has_more

        hits = await api.search_customers(query="email~'example.com'", limit=20)
        more = await api.search_customers(query="email~'example.com'", limit=20, cursor=hits.next_cursor)
        assert hits.has_more and len(hits.items) + len(more.items) == 23
        assert (await api.find_customer_by_email("c05@example.com"))["id"] == made[5]
        assert await api.find_customer_by_email("nobody@example.com") is None


async def test_events_for_polling(stripe_sandbox) -> None:
    async with api_for(stripe_sandbox) as api:
        since = stripe_sandbox.control("clock")["now"]
        cus = await api.create_customer(email="evt@example.com")
        await api.update_customer(cus["id"], name="Evt")
        events = await api.list_events(since=since, types=["customer.created", "customer.updated"])
        assert [e["type"] for e in events] == ["customer.updated", "customer.created"]
        assert all(e["data"]["object"]["id"] == cus["id"] for e in events)
