"""Stripe per profile: one process, a client per profile (its key, its Connect account as the Stripe-Account header),
and `--profile` on the stdio server's start."""

from __future__ import annotations

import sys

from mcp import Client, StdioServerParameters
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared import profiles
from shared.asgi import BackgroundServer
from stripe_mcp.deps import StripeDeps
from tests.conftest import subprocess_env


async def test_one_process_serves_two_profiles_with_their_keys_and_connect_account(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str | None, str | None]] = []

    async def balance(request: Request) -> JSONResponse:
        seen.append((request.headers.get("authorization"), request.headers.get("stripe-account")))
        return JSONResponse({"object": "balance", "available": [], "pending": [], "livemode": False})

    with BackgroundServer(Starlette(routes=[Route("/v1/balance", balance)])) as api:
        monkeypatch.setenv("STRIPE_API_BASE", api.url)
        monkeypatch.setenv("STRIPE_API_KEY", "sk_test_defaultPROFILE1")
        monkeypatch.setenv("STRIPE_API_KEY__ACME", "sk_test_acmePROFILE22")
        monkeypatch.setenv("STRIPE_ACCOUNT__ACME", "acct_1AcmeConnect")
        deps = StripeDeps()
        try:
            await (await deps.client()).get_balance()
            with profiles.use("acme"):
                acme_client = await deps.client()
                await acme_client.get_balance()
            assert acme_client is not await deps.client()  # the default profile's client is another one
            await (await deps.client()).get_balance()
        finally:
            await deps.aclose()
    assert seen == [("Bearer sk_test_defaultPROFILE1", None), ("Bearer sk_test_acmePROFILE22", "acct_1AcmeConnect"),
                    ("Bearer sk_test_defaultPROFILE1", None)]


async def test_stdio_server_started_with_a_profile_uses_that_profiles_key(stripe_sandbox) -> None:  # type: ignore[no-untyped-def]
    env = subprocess_env(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_API_KEY__ACME=stripe_sandbox.api_key)
    params = StdioServerParameters(command=sys.executable, args=["-m", "stripe_mcp", "--profile", "acme"], env=env)
    async with Client(params) as client:
        made = await client.call_tool("stripe_save_customer", {"email": "acme@example.com"})
        assert not made.is_error, made.content[0].text
    params = StdioServerParameters(command=sys.executable, args=["-m", "stripe_mcp"], env=env)
    async with Client(params) as client:  # the default profile has no key: it says how to set one
        missing = await client.call_tool("stripe_list", {"kind": "customers"})
        assert missing.is_error and "STRIPE_API_KEY" in missing.content[0].text
    assert stripe_sandbox.count("customer") == 1
