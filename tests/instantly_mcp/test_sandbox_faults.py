"""The sandbox's test knobs: latency, each injected fault kind, the fault after commit, random faults from
the factory, plan gating (402) and the rate limits (on by default)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from instantly_mcp.sandbox import create_app
from shared.asgi import BackgroundServer
from tests.instantly_mcp.conftest import SandboxHandle, add_leads, assert_error, create_campaign, leads


def test_latency_knob(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("config", {"latency_ms": 150})
    with instantly_sandbox.client() as client:
        started = time.monotonic()
        assert client.get("/workspaces/current").status_code == 200
        assert time.monotonic() - started >= 0.14  # a floor, never a ceiling
    assert instantly_sandbox.control("config")["latency_ms"] == 150


def test_injected_429_and_500(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("faults", {"fail_next": ["429", "500"], "retry_after": 2})
    with instantly_sandbox.client() as client:
        limited = client.get("/campaigns")
        assert_error(limited, 429, "Rate limit exceeded")
        assert limited.headers["retry-after"] == "2"
        assert_error(client.get("/campaigns"), 500)
        assert client.get("/campaigns").status_code == 200
    assert instantly_sandbox.stats()["faults_injected"] == {"429": 1, "500": 1}


def test_faults_can_target_one_path(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("faults", {"fail_next": ["500"], "match": "/api/v2/leads/add", "method": "post"})
    with instantly_sandbox.client() as client:
        assert client.get("/campaigns").status_code == 200
        cid = create_campaign(client)["id"]
        assert client.post("/leads/add", json={"campaign_id": cid, "leads": leads(1)}).status_code == 500
        assert client.post("/leads/add", json={"campaign_id": cid, "leads": leads(1)}).status_code == 200


def test_timeout_fault_outlasts_the_client(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("faults", {"fail_next": ["timeout"], "hang_seconds": 30})
    with instantly_sandbox.client(timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/campaigns")
    with instantly_sandbox.client() as client:
        assert client.get("/campaigns").status_code == 200
    instantly_sandbox.control("faults", {"fail_next": ["timeout"], "hang_seconds": 0.1})
    with instantly_sandbox.client() as client:
        assert_error(client.get("/campaigns"), 504)


def test_connection_reset_fault(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("faults", {"fail_next": ["reset"]})
    with instantly_sandbox.client() as client:
        with pytest.raises(httpx.TransportError):
            client.get("/campaigns")
        assert client.get("/campaigns").status_code == 200
    assert instantly_sandbox.stats()["faults_injected"] == {"reset": 1}


def test_fault_after_commit_keeps_the_write(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = create_campaign(client)["id"]
        instantly_sandbox.control("faults", {"after_commit_next": 1})
        batch = leads(20)
        with pytest.raises(httpx.TransportError):
            client.post("/leads/add", json={"campaign_id": cid, "leads": batch})
        listed = client.post("/leads/list", json={"campaign": cid}).json()["items"]
        assert len(listed) == 20  # committed although the client never saw the response
        retry = add_leads(client, cid, batch)  # what a client does after a dropped connection
        assert retry["leads_uploaded"] == 0 and retry["duplicated_leads"] == 20
    stats = instantly_sandbox.stats()
    assert stats["after_commit_dropped"] == 1
    assert stats["leads"]["by_campaign"] == {cid: 20} and stats["leads"]["duplicate_groups"] == 0
    assert stats["requests"]["POST /api/v2/leads/add"] == 2


def test_after_commit_skips_reads_and_failed_writes(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("faults", {"after_commit_next": 1})
    with instantly_sandbox.client() as client:
        assert client.get("/campaigns").status_code == 200
        assert client.post("/leads/list", json={}).status_code == 200
        assert client.post("/campaigns", json={}).status_code == 400
        with pytest.raises(httpx.TransportError):
            client.post("/lead-lists", json={"name": "Committed"})
        assert [x["name"] for x in client.get("/lead-lists").json()["items"]] == ["Committed"]


def test_factory_fault_rate_and_kinds(tmp_path: Path) -> None:
    app = create_app(tmp_path / "faulty.sqlite", fault_rate=1.0, fault_kinds=("500",), seed=7, api_key="k")
    with BackgroundServer(app) as server, httpx.Client(base_url=f"{server.url}/api/v2",
                                                       headers={"Authorization": "Bearer k"}) as client:
        assert [client.get("/campaigns").status_code for _ in range(3)] == [500, 500, 500]
        httpx.post(f"{server.url}/_sandbox/config", json={"fault_rate": 0}).raise_for_status()
        assert client.get("/campaigns").status_code == 200
        assert httpx.post(f"{server.url}/_sandbox/config", json={"fault_kinds": ["nope"]}).status_code == 400


def test_seeded_fault_rate_is_reproducible(tmp_path: Path) -> None:
    def run(name: str) -> list[int]:
        app = create_app(tmp_path / name, fault_rate=0.5, fault_kinds=("429", "500"), seed=42)
        with BackgroundServer(app) as server, httpx.Client(
            base_url=f"{server.url}/api/v2", headers={"Authorization": "Bearer sandbox-instantly-key"}
        ) as client:
            return [client.get("/workspaces/current").status_code for _ in range(12)]

    first = run("a.sqlite")
    assert first == run("b.sqlite")
    assert {200, 429, 500} >= set(first) and len(set(first)) > 1


def test_plan_gating_402(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        instantly_sandbox.control("config", {"plan": "growth"})
        assert_error(client.get("/webhooks"), 402, "Hypergrowth")
        assert client.get("/campaigns").status_code == 200
        instantly_sandbox.control("config", {"plan": "none"})
        assert_error(client.get("/campaigns"), 402, "Workspace does not have an active paid plan")
        instantly_sandbox.control("config", {"plan": "hypergrowth"})
        assert client.get("/webhooks").status_code == 200


def test_rate_limits_are_on_by_default_without_rate_limit_headers(instantly_sandbox: SandboxHandle) -> None:
    # Instantly: 20/min on GET /emails, 100/s and 6,000/min per workspace; a 429 carries the standard body and
    # no X-RateLimit-* / Retry-After headers (none are documented).
    assert instantly_sandbox.control("config")["rate_limits"] is True
    with instantly_sandbox.client() as client:
        codes = [client.get("/emails").status_code for _ in range(20)]
        assert codes == [200] * 20
        limited = client.get("/emails")
        assert_error(limited, 429, "Rate limit exceeded")
        assert limited.json()["error"] == "Too Many Requests"
        assert not [h for h in limited.headers if h.startswith(("x-ratelimit", "ratelimit", "retry-after"))]
        assert client.get("/campaigns").status_code == 200
        started = time.monotonic()
        burst = [client.get("/campaigns").status_code for _ in range(150)]
    if time.monotonic() - started < 1.0:  # only meaningful when the burst fit in one second
        assert burst.count(429) >= 50  # at most 100 requests pass in any one second
    instantly_sandbox.control("config", {"rate_limits": False})
    with instantly_sandbox.client() as client:
        assert client.get("/emails").status_code == 200


def test_rate_limits_off_through_create_app(tmp_path: Path) -> None:
    with BackgroundServer(create_app(tmp_path / "s.sqlite", rate_limits=False)) as server:
        assert httpx.get(f"{server.url}/_sandbox/config").json()["rate_limits"] is False
        with httpx.Client(base_url=f"{server.url}/api/v2", headers={"Authorization": "Bearer sandbox-instantly-key"}) as c:
            assert {c.get("/emails").status_code for _ in range(25)} == {200}
