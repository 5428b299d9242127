"""The server as hosts run it: `python -m stripe_mcp` over stdio, against the sandbox."""

from __future__ import annotations

import sys

from mcp import Client, StdioServerParameters

from tests.conftest import subprocess_env


async def test_stdio_subprocess_round_trip(stripe_sandbox) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "stripe_mcp"], env=subprocess_env(
        STRIPE_API_BASE=stripe_sandbox.url, STRIPE_API_KEY=stripe_sandbox.api_key))
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"stripe_save_customer", "stripe_list", "stripe_revenue"} <= names
        made = await client.call_tool("stripe_save_customer", {"email": "stdio@example.com",
                                                               "metadata": {"via": "stdio"}})
        assert not made.is_error and made.structured_content["object"]["metadata"] == {"via": "stdio"}
        listed = await client.call_tool("stripe_list", {"kind": "customers", "email": "stdio@example.com"})
        assert listed.structured_content["items"][0]["id"] == made.structured_content["object"]["id"]
        assert "(test mode)" in listed.content[0].text
        bad = await client.call_tool("stripe_create_price", {"product": "prod_x", "unit_amount": 5,
                                                             "currency": "EUR"})
        assert bad.is_error and "currency:" in bad.content[0].text
    assert stripe_sandbox.count("customer") == 1
