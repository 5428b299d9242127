"""Auth that fails closed: the HTTP transport refuses an open non-loopback address, API tokens (created by the
CLI, stored as hashes) map to one profile and one role, and missing, bad, expired or revoked tokens get 401 with
WWW-Authenticate. Roles decide which tools a token sees and may call."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from orchestrator_mcp.__main__ import main
from shared import profiles
from shared.errors import AppError
from shared.remote.app import auth_required
from shared.remote.config import HttpConfig
from tests.shared.remote.support import call, client, new_token, serve, tool_names

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"Accept": "application/json, text/event-stream"}


async def test_non_loopback_without_auth_refuses_to_start_and_says_how(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(AppError, match="tokens create --profile") as err:
        await auth_required(HttpConfig(host="0.0.0.0"), None)
    assert "ISMCP_OAUTH_ISSUER" in str(err.value)
    assert await auth_required(HttpConfig(host="127.0.0.1"), None) is False  # loopback: open, like stdio
    await new_token("acme", "read")
    assert await auth_required(HttpConfig(host="0.0.0.0"), None) is True  # a token exists: auth on everywhere
    assert await auth_required(HttpConfig(host="127.0.0.1"), None) is True


def test_cli_serve_http_on_all_interfaces_without_auth_exits_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "9"])
    err = capsys.readouterr().err
    assert code == 2 and "Refusing to serve HTTP on 0.0.0.0 without authentication" in err
    assert "orchestrator-mcp tokens create" in err


def test_tokens_cli_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tokens", "create", "--profile", "acme", "--read-only", "--expires", "30d", "--label", "ci"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("ismcp_") and "role read" in err and "only time it is shown" in err
    token_id = err.split()[1]
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert token_id in listing and "| acme | read |" in listing and "active" in listing and token not in listing
    assert main(["tokens", "create", "--expires", "soon"]) == 2
    assert "not a duration" in capsys.readouterr().err
    with serve(auth=True) as s:
        assert _post(s.url, token).status_code == 200
        assert main(["tokens", "revoke", token_id]) == 0
        assert _post(s.url, token).status_code == 401  # at once: no cache to outlive the revocation
    assert main(["tokens", "list", "--profile", "acme"]) == 0 and "revoked" in capsys.readouterr().out


def _post(url: str, token: str | None) -> httpx.Response:
    headers = {**ACCEPT, **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.post(url, json=INIT, headers=headers, timeout=30)


async def test_missing_bad_expired_and_revoked_tokens_get_401_with_www_authenticate() -> None:
    good, _ = await new_token("acme", "read")
    expired, _ = await new_token("acme", "read", expires_in=0.05)
    revoked, revoked_id = await new_token("acme", "admin")
    from shared.store import open_store
    from shared.store.tokens import TokenBook

    store = await open_store()
    assert await TokenBook(store).revoke(revoked_id)
    await store.close()
    await asyncio.sleep(0.1)
    with serve(auth=True) as s:
        assert _post(s.url, good).status_code == 200
        for token in (None, "ismcp_not-a-real-token", "garbage", expired, revoked):
            res = _post(s.url, token)
            assert res.status_code == 401, token
            assert res.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        async with client(s.url, good) as c:  # a real client with the good token works
            assert "find_contacts" in await tool_names(c)
        with pytest.raises(Exception):  # noqa: B017, PT011 - the SDK surfaces the 401 as its own error type
            async with client(s.url, "ismcp_wrong") as c:
                await c.list_tools()


ADMIN_ONLY = {"forget_contact", "purge_expired_data"}
OPERATE = {"sync_now", "trigger_payment_flow", "map_contact", "replay_event"}
READ = {"find_contacts", "audit_log", "funnel_report", "system_status"}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_roles_decide_what_is_listed_and_what_may_be_called(mode: str) -> None:
    read, _ = await new_token("acme", "read")
    operate, _ = await new_token("acme", "operate")
    admin, _ = await new_token("acme", "admin")
    with serve(auth=True) as s:
        async with client(s.url, read, mode=mode) as c:
            names = await tool_names(c)
            assert READ <= names and not (names & (OPERATE | ADMIN_ONLY))
            refused = await c.call_tool("sync_now", {})
            assert refused.is_error and "needs the operate role" in refused.content[0].text
        async with client(s.url, operate, mode=mode) as c:
            names = await tool_names(c)
            assert (READ | OPERATE) <= names and not (names & ADMIN_ONLY)
            refused = await c.call_tool("forget_contact", {"email": "ada@acme.io"})
            assert refused.is_error and "needs the admin role" in refused.content[0].text
            live = await c.call_tool("trigger_payment_flow", {"email": "ada@acme.io", "price_id": "price_1",
                                                              "confirm": True})
            assert live.is_error and "confirm=true needs the admin role" in live.content[0].text
        async with client(s.url, admin, mode=mode) as c:
            assert (READ | OPERATE | ADMIN_ONLY) <= await tool_names(c)


async def test_each_request_runs_as_its_tokens_profile() -> None:
    acme, _ = await new_token("acme", "read")
    beta, _ = await new_token("beta", "read")
    from orchestrator_mcp.server import build
    from shared.deps import ServerOptions

    server = build(ServerOptions())

    @server.tool(name="whoami_probe")
    async def whoami_probe() -> str:  # a probe for this test: what the tools downstream see
        return profiles.current()

    with serve(auth=True, server=server) as s:
        for token, expected in ((acme, "acme"), (beta, "beta"), (acme, "acme")):
            async with client(s.url, token) as c:
                result = await c.call_tool("whoami_probe", {})
                assert result.structured_content == {"result": expected}


async def test_a_tokens_profile_never_sees_another_profiles_contacts() -> None:
    from shared.store import open_store

    store = await open_store()
    with profiles.use("acme"):
        await store.upsert_contact("ada@shared.io", first_name="Acme's Ada")
    with profiles.use("beta"):
        await store.upsert_contact("ada@shared.io", first_name="Beta's Ada")
    await store.close()
    acme, _ = await new_token("acme", "read")
    beta, _ = await new_token("beta", "read")
    with serve(auth=True) as s:
        for token, name in ((acme, "Acme's Ada"), (beta, "Beta's Ada")):
            async with client(s.url, token) as c:
                found = await call(c, "find_contacts", {"query": "ada@shared.io"})
                assert [x["first_name"] for x in found["contacts"]] == [name]
