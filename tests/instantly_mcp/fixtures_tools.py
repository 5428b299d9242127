"""Helpers for the Instantly client and tool tests: point the server at the sandbox, call tools, count
requests. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client

from instantly_mcp.server import build
from shared.deps import ServerOptions
from shared.http import RetryPolicy
from tests.instantly_mcp.conftest import SandboxHandle

WEBHOOK_SECRET = "whs-test-secret-0123456789"
SENDER = "alex.rivera@sandbox-outreach.com"


@pytest.fixture
def sandbox_env(instantly_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxHandle]:
    """The sandbox, with the server's environment pointing at it (base URL, key, webhook secret)."""
    monkeypatch.setenv("INSTANTLY_BASE_URL", instantly_sandbox.url)
    monkeypatch.setenv("INSTANTLY_API_KEY", instantly_sandbox.api_key)
    monkeypatch.setenv("INSTANTLY_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("ISMCP_NO_AUDIT", "1")  # keep tool tests off the store; the framework tests cover it
    yield instantly_sandbox


FAST_RETRY = RetryPolicy(attempts=5, total_seconds=20, initial_wait=0.01, max_wait=0.05)


def server(*, fast_retry: bool = False, **options: Any) -> Any:
    """The Instantly MCP server (no audit); fast_retry shortens the backoff for fault-injection tests."""
    extra = {"instantly_retry": FAST_RETRY} if fast_retry else {}
    return build(ServerOptions(audit=False, extra=extra, **options))


async def ok(client: Client, tool: str, args: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(tool, args or {}, **kw)
    assert not result.is_error, f"{tool} failed: {result.content[0].text if result.content else result}"
    assert result.structured_content is not None
    return result.structured_content  # type: ignore[no-any-return]


async def fails(client: Client, tool: str, args: dict[str, Any] | None = None) -> str:
    """Call a tool that must fail; return the error text the model sees."""
    result = await client.call_tool(tool, args or {})
    assert result.is_error, f"{tool} should have failed: {result.structured_content}"
    return result.content[0].text  # type: ignore[no-any-return,union-attr]


def writes(sb: SandboxHandle) -> int:
    """Write requests (POST/PATCH/PUT/DELETE, excluding read-only POSTs) the sandbox has received so far."""
    read_posts = {"POST /api/v2/leads/list", "POST /api/v2/accounts/warmup-analytics"}
    return sum(n for k, n in sb.stats()["requests"].items()
               if k.split(" ")[0] in {"POST", "PATCH", "PUT", "DELETE"} and k not in read_posts)


def lead_rows(n: int, start: int = 0, domain: str = "example.com") -> list[dict[str, Any]]:
    return [{"email": f"person{i}@{domain}", "first_name": f"P{i}", "company_name": f"Co {i}",
             "icebreaker": f"Loved your post #{i}", "custom_variables": {"seats": i}} for i in range(start, start + n)]


async def new_campaign(client: Client, name: str = "Test campaign", **extra: Any) -> dict[str, Any]:
    simple = {} if "steps" in extra else {"subject": "Hi {{firstName}}", "body": "Hello\nthere"}
    args = {"name": name, **simple, "schedule": {"timezone": "America/Chicago"}, "sender_accounts": [SENDER], **extra}
    return (await ok(client, "instantly_save_campaign", args))["object"]
