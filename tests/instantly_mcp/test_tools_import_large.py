"""Large imports over MCP: 2,500 leads with a progress notification per batch, and imports under injected
faults (including a write that commits and then loses its answer) that lose and duplicate nothing."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import lead_rows, new_campaign, ok, sandbox_env, server

__all__ = ["sandbox_env"]


async def test_2500_leads_with_progress_per_batch(sandbox_env: SandboxHandle) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async with Client(server()) as client:
        camp = await new_campaign(client)
        summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(2500)},
                           progress_callback=on_progress)
    assert (summary["created"], summary["skipped"], summary["invalid"], summary["failed"]) == (2500, 0, 0, 0)
    assert summary["batches"] == 3
    assert len(seen) == 3
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert seen[-1][0] == seen[-1][1] == 2500
    assert all(m and "batch" in m for _, _, m in seen)
    stats = sandbox_env.stats()
    assert stats["leads"]["total"] == 2500 and stats["leads"]["duplicate_groups"] == 0
    assert stats["requests"]["POST /api/v2/leads/add"] == 3


def _emails_in(sb: SandboxHandle, campaign_id: str) -> list[str]:
    out: list[str] = []
    with sb.client() as http:
        cursor = None
        while True:
            body: dict[str, Any] = {"campaign": campaign_id, "limit": 100}
            if cursor:
                body["starting_after"] = cursor
            page = http.post("/leads/list", json=body).json()
            out += [x["email"] for x in page["items"]]
            cursor = page.get("next_starting_after")
            if not page["items"] or not cursor:
                return out


async def test_import_under_faults_loses_and_duplicates_nothing(sandbox_env: SandboxHandle) -> None:
    rows = lead_rows(2200)
    async with Client(server(fast_retry=True)) as client:
        camp = await new_campaign(client)
        # The first batch commits and then the connection drops; later requests meet random faults.
        sandbox_env.control("faults", {"after_commit_next": 1, "match": "/api/v2/leads/add", "fault_rate": 0.35,
                                       "fault_kinds": ["429", "500", "reset", "timeout"], "retry_after": 0.05,
                                       "hang_seconds": 0.05})
        summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": rows})
        sandbox_env.control("faults", {"clear": True, "fault_rate": 0})
    stats = sandbox_env.stats()
    assert stats["after_commit_dropped"] == 1 and sum(stats["faults_injected"].values()) >= 1
    assert summary["retried_batches"] >= 1
    stored = _emails_in(sandbox_env, camp["id"])
    assert len(stored) == len(set(stored)), "a lead was stored twice"
    assert stats["leads"]["duplicate_groups"] == 0
    # Every lead is accounted for exactly once; none is lost silently. Under heavy faults a batch may fail for
    # good (then its leads are counted failed, with reasons), or its answer may be lost and the check fail too
    # (counted failed as "may have been added").
    assert summary["created"] + summary["skipped"] + summary["invalid"] + summary["failed"] == 2200
    assert summary["created"] <= len(stored) <= summary["created"] + summary["failed"]
    listed_failed = {p["email"] for p in summary["failed_items"] if "email" in p}
    assert all(p["reason"] for p in summary["failed_items"])
    if len(stored) == summary["created"]:
        assert not listed_failed & set(stored)
    assert summary["skipped"] == 0 and summary["invalid"] == 0


async def test_a_batch_that_keeps_failing_is_reported_and_rerun_is_safe(sandbox_env: SandboxHandle) -> None:
    rows = lead_rows(800)
    async with Client(server(fast_retry=True)) as client:
        camp = await new_campaign(client)
        sandbox_env.control("faults", {"fail_next": ["500"] * 5, "match": "/api/v2/leads/add"})  # every attempt
        summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": rows})
        assert (summary["failed_batches"], summary["failed"], summary["created"]) == (1, 800, 0)
        listed = summary["failed_items"]
        assert len(listed) == 10 and all("500" in p["reason"] and "5 attempts" in p["reason"] for p in listed)
        assert sum(summary["failed_reasons"].values()) == 800  # every failure counted by reason, a few listed
        assert sandbox_env.stats()["leads"]["total"] == 0
        again = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": rows})
    assert (again["created"], again["failed"]) == (800, 0)
    assert sandbox_env.stats()["leads"]["total"] == 800


async def test_commit_then_every_answer_lost_still_counts_created(sandbox_env: SandboxHandle) -> None:
    async with Client(server(fast_retry=True)) as client:
        camp = await new_campaign(client)
        sandbox_env.control("faults", {"after_commit_next": 5, "match": "/api/v2/leads/add"})
        summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(300)})
    assert summary["created"] == 300 and summary["failed"] == 0 and summary["skipped"] == 0
    assert sandbox_env.stats()["leads"]["total"] == 300
