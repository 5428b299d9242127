"""The typed client against the sandbox: cursor pagination (caps, truthful has_more), the documented rate
limits (checked on a fake clock), and Instantly's error envelope mapped to typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from instantly_mcp.client import EMAILS_ENDPOINT, InstantlyClient, default_limits
from shared.errors import AuthError, BadRequest, NotFound, PaymentRequired
from shared.ratelimit import Rate
from tests.instantly_mcp.conftest import SandboxHandle, add_leads, create_campaign, leads


@pytest.fixture
async def api(instantly_sandbox: SandboxHandle) -> AsyncIterator[InstantlyClient]:
    client = InstantlyClient(instantly_sandbox.api_key, instantly_sandbox.url)
    try:
        yield client
    finally:
        await client.aclose()


def _seed(sb: SandboxHandle, n: int) -> str:
    with sb.client() as http:
        camp = create_campaign(http)
        for start in range(0, n, 1000):
            add_leads(http, camp["id"], leads(min(1000, n - start), start=start))
    return str(camp["id"])


def _list_calls(sb: SandboxHandle) -> int:
    return int(sb.stats()["requests"].get("POST /api/v2/leads/list", 0))


async def test_walks_every_page_and_stops_on_a_short_page(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    camp = _seed(instantly_sandbox, 250)
    page = await api.list_leads({"campaign": camp}, max_items=10_000)
    assert len(page.items) == 250 and len({x.id for x in page.items}) == 250
    assert (page.has_more, page.next_starting_after, page.pages) == (False, None, 3)
    assert _list_calls(instantly_sandbox) == 3


async def test_cap_reports_has_more_and_a_cursor_that_continues(
    api: InstantlyClient, instantly_sandbox: SandboxHandle,
) -> None:
    camp = _seed(instantly_sandbox, 250)
    first = await api.list_leads({"campaign": camp}, max_items=150)
    assert len(first.items) == 150 and first.has_more is True and first.next_starting_after
    assert first.pages == 2  # 100 + 50: the last page asks only for what is still wanted
    rest = await api.list_leads({"campaign": camp}, max_items=1000, starting_after=first.next_starting_after)
    assert len(rest.items) == 100 and rest.has_more is False
    assert {x.id for x in first.items}.isdisjoint({x.id for x in rest.items})


async def test_exact_multiple_is_not_reported_as_more(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    camp = _seed(instantly_sandbox, 200)
    page = await api.list_leads({"campaign": camp}, max_items=200)
    # The API hands out a cursor after the second full page; the probe finds the next page empty.
    assert len(page.items) == 200 and page.has_more is False and page.next_starting_after is None
    everything = await api.list_leads({"campaign": camp}, max_items=5000)
    assert len(everything.items) == 200 and everything.pages == 3  # the trailing empty page ends the walk


async def test_page_cap_stops_the_walk(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    from instantly_mcp.client.pagination import paginate

    camp = _seed(instantly_sandbox, 120)

    async def fetch(limit: int, cursor: str | None) -> Any:
        body: dict[str, Any] = {"campaign": camp, "limit": min(limit, 50)}
        if cursor:
            body["starting_after"] = cursor
        return await api.post("/leads/list", body, idempotent=True)

    page = await paginate(fetch, lambda x: x, max_items=1000, page_size=50, max_pages=2)
    assert len(page.items) == 100 and page.pages == 2 and page.has_more is True


async def test_get_lists_paginate_with_query_cursors(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as http:
        for i in range(5):
            create_campaign(http, f"Campaign {i}")
    first = await api.list_campaigns(max_items=3)
    assert len(first.items) == 3 and first.has_more
    rest = await api.list_campaigns(max_items=100, starting_after=first.next_starting_after)
    assert [c.name for c in first.items + rest.items] == [f"Campaign {i}" for i in range(5)]
    accounts = await api.list_accounts(max_items=2)
    assert len(accounts.items) == 2 and accounts.has_more
    more = await api.list_accounts(max_items=10, starting_after=accounts.next_starting_after)
    assert len(more.items) == 1 and not more.has_more


async def test_errors_are_typed_and_name_the_field(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    with pytest.raises(NotFound) as nf:
        await api.get_campaign("01a00000-0000-7000-8000-000000000000")
    assert nf.value.status == 404 and nf.value.request_id and "Campaign not found" in nf.value.message
    with pytest.raises(BadRequest) as bad:
        await api.create_campaign({"campaign_schedule": {"schedules": []}})
    assert bad.value.param == "name" and "Fix the field `name`" in bad.value.hint()
    wrong = InstantlyClient("not-the-key", instantly_sandbox.url)
    try:
        with pytest.raises(AuthError) as auth:
            await wrong.current_workspace()
        assert auth.value.attempts == 1 and "auth set" in auth.value.hint()
    finally:
        await wrong.aclose()
    instantly_sandbox.control("config", {"plan": "none"})
    with pytest.raises(PaymentRequired):
        await api.current_workspace()


def test_default_limits_are_the_documented_ones() -> None:
    limits = default_limits()
    assert limits.default.rates == (Rate(100, 1.0), Rate(6000, 60.0))
    assert limits.per_endpoint[EMAILS_ENDPOINT].rates == (Rate(20, 60.0),)
    assert EMAILS_ENDPOINT == "GET /api/v2/emails"


class _FakeTime:
    """A clock that only moves when the limiter sleeps: waits are measured, never spent."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-6)  # a real clock always moves on; a float sum may not
        self.slept += seconds


async def test_throttles_to_the_documented_limits(
    api: InstantlyClient, instantly_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shared.ratelimit as rl

    # The client's limiter runs on a fake clock here; the sandbox's windows run on real time, so they are off.
    instantly_sandbox.control("config", {"rate_limits": False})
    fake = _FakeTime()
    monkeypatch.setattr(rl, "time", fake)
    monkeypatch.setattr(rl, "asyncio", type("A", (), {"sleep": staticmethod(fake.sleep), "Lock": asyncio.Lock}))
    api.limits = default_limits()  # buckets created on the fake clock
    for _ in range(21):
        await api.list_emails(max_items=1)
    emails = api.limits.per_endpoint[EMAILS_ENDPOINT]
    assert 59.0 <= emails.waited <= 61.0  # 20 more calls at 20/min: about a minute, on the fake clock
    before = api.limits.default.waited
    for _ in range(250):
        await api.count_unread()  # other endpoints only pay the workspace limits (100/s burst)
    assert 1.3 <= api.limits.default.waited - before <= 1.6
    assert emails.waited <= 61.0


async def test_two_clients_of_one_workspace_get_429s_and_finish(instantly_sandbox: SandboxHandle) -> None:
    # The sandbox enforces Instantly's 100/s per workspace by default. Two processes (each with its own
    # limiter) together go over it: the sandbox answers 429, and each client's retries still finish every call.
    clients = [InstantlyClient(instantly_sandbox.api_key, instantly_sandbox.url) for _ in range(2)]
    try:
        counts = await asyncio.gather(*(c.count_unread() for c in clients for _ in range(80)))
    finally:
        for c in clients:
            await c.aclose()
    assert len(counts) == 160
    stats = instantly_sandbox.stats()
    assert stats["responses_by_status"].get("429", 0) >= 1
    assert stats["responses_by_status"]["200"] == 160
