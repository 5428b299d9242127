"""Sandbox mode has its own store in the sandbox's state folder: a user who tried the sandbox and then added real
keys sees none of the sandbox's contacts, revenue or campaign roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.orchestrator_mcp.conftest import Pipeline, call, client


async def test_sandbox_then_real_keys_share_no_data(pipeline: Pipeline, tmp_path: Path, monkeypatch: Any) -> None:
    # sandbox mode finds "its" sandboxes on these ports (the test's loopback sandboxes stand in for them)
    monkeypatch.setenv("ISMCP_SANDBOX_DIR", str(tmp_path / "sandbox-state"))
    monkeypatch.setenv("ISMCP_SANDBOX_INSTANTLY_PORT", str(urlparse(pipeline.instantly.url).port))
    monkeypatch.setenv("ISMCP_SANDBOX_STRIPE_PORT", str(urlparse(pipeline.stripe_url).port))
    campaign = pipeline.new_campaign("Sandbox outreach")
    with pipeline.instantly.client() as http:
        http.post("/leads", json={"email": "sandy@sandbox.io", "campaign": campaign}).raise_for_status()
    async with client(sandbox=True) as c:
        await call(c, "sync_now", {"email": "sandy@sandbox.io"})
        await call(c, "configure_pipeline", {"campaign_roles": {"post_purchase": campaign}})
        assert (await call(c, "find_contacts", {}))["contacts"]
    assert (tmp_path / "sandbox-state" / "store.sqlite").exists()

    async with client() as c:  # the real account: its own store (ISMCP_STORE_PATH)
        assert (await call(c, "find_contacts", {}))["contacts"] == []
        assert (await call(c, "configure_pipeline", {}))["campaign_roles"] == {}
        assert (await call(c, "funnel_report", {"chart": False}))["counts"]["contacted"] == 0
