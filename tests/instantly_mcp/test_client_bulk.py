"""Bulk import through the typed client against the sandbox: batching, folding, validation, progress,
retries that never duplicate, failures that are reported (never dropped), and update_existing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from instantly_mcp.client import InstantlyClient, NewLead
from shared.errors import InputError
from shared.http import RetryPolicy
from tests.instantly_mcp.conftest import SandboxHandle, create_campaign

FAST = RetryPolicy(attempts=4, total_seconds=20, initial_wait=0.01, max_wait=0.05)


@pytest.fixture
async def api(instantly_sandbox: SandboxHandle) -> AsyncIterator[InstantlyClient]:
    client = InstantlyClient(instantly_sandbox.api_key, instantly_sandbox.url, retry=FAST)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def campaign(instantly_sandbox: SandboxHandle) -> str:
    with instantly_sandbox.client() as http:
        return str(create_campaign(http)["id"])


def rows(n: int, start: int = 0) -> list[dict[str, object]]:
    return [{"email": f"u{i}@corp.example", "first_name": f"U{i}"} for i in range(start, start + n)]


async def test_batches_progress_and_one_summary(api: InstantlyClient, campaign: str,
                                                instantly_sandbox: SandboxHandle) -> None:
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int, message: str) -> None:
        seen.append((done, total))

    summary = await api.import_leads(rows(1250), campaign_id=campaign, batch_size=500, concurrency=2,
                                     progress=progress)
    assert (summary.total, summary.created, summary.batches) == (1250, 1250, 3)
    assert len(summary.created_ids) == len(set(summary.created_ids)) == 1250
    assert sorted(seen) == seen and len(seen) == 3 and seen[-1] == (1250, 1250)
    assert instantly_sandbox.stats()["requests"]["POST /api/v2/leads/add"] == 3


async def test_folds_duplicates_and_reports_invalid_without_sending_them(
    api: InstantlyClient, campaign: str, instantly_sandbox: SandboxHandle,
) -> None:
    items: list[NewLead | dict[str, object]] = [
        NewLead(email=" Mia@Corp.example ", first_name="Mia"),
        {"email": "mia@corp.EXAMPLE", "company_name": "Corp", "custom_variables": {"a": 1}},
        {"email": "two@@corp.example"},
        {"email": "x" * 250 + "@corp.example"},
        {"email": "ok@corp.example", "custom_variables": {"bad": [1, 2]}},
        {"email": "ok2@corp.example", "unknown_field": 1},
    ]
    summary = await api.import_leads(items, campaign_id=campaign)
    assert (summary.created, summary.skipped, summary.invalid, summary.unaccounted()) == (1, 1, 4, 0)
    assert summary.skipped_reasons == {"duplicate_in_input": 1}
    reasons = {p.index: p.reason for p in summary.invalid_items}
    assert reasons[2] == "not a valid email address" and "254" in reasons[3]
    assert "'bad'" in reasons[4] and "unknown_field" in reasons[5]
    lead = await api.find_lead("mia@corp.example", campaign_id=campaign)
    assert lead is not None and lead.company_name == "Corp" and (lead.payload or {}).get("a") == 1
    assert instantly_sandbox.stats()["leads"]["total"] == 1


async def test_needs_exactly_one_target(api: InstantlyClient, campaign: str) -> None:
    with pytest.raises(InputError, match="exactly one of campaign_id or list_id"):
        await api.import_leads(rows(1), campaign_id=campaign, list_id=campaign)
    with pytest.raises(InputError):
        await api.import_leads(rows(1))


async def test_lists_take_leads_with_a_name_but_no_email(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    lst = await api.create_lead_list("Names")
    summary = await api.import_leads([{"first_name": "Only"}, {"email": "a@corp.example"}, {}], list_id=lst.id)
    assert (summary.created, summary.invalid) == (2, 1)
    assert summary.invalid_items[0].reason == "needs an email or a name"


async def test_dropped_answer_after_commit_is_retried_without_duplicates(
    api: InstantlyClient, campaign: str, instantly_sandbox: SandboxHandle,
) -> None:
    instantly_sandbox.control("faults", {"after_commit_next": 2, "match": "/api/v2/leads/add"})
    summary = await api.import_leads(rows(900), campaign_id=campaign, batch_size=300, concurrency=1)
    assert (summary.created, summary.skipped, summary.failed, summary.unaccounted()) == (900, 0, 0, 0)
    assert summary.retried_batches == 1  # the first batch: committed, answer lost twice, then "all duplicates"
    assert len(set(summary.created_ids)) == 900
    stats = instantly_sandbox.stats()
    assert stats["after_commit_dropped"] == 2
    assert stats["leads"]["total"] == 900 and stats["leads"]["duplicate_groups"] == 0
    assert stats["requests"]["POST /api/v2/leads/add"] == 5  # 3 batches + 2 retries of the first


async def test_a_failed_batch_is_reported_and_the_others_land(
    api: InstantlyClient, campaign: str, instantly_sandbox: SandboxHandle,
) -> None:
    instantly_sandbox.control("faults", {"fail_next": ["500", "500", "500", "500"], "match": "/api/v2/leads/add"})
    summary = await api.import_leads(rows(600), campaign_id=campaign, batch_size=200, concurrency=1)
    assert (summary.created, summary.failed, summary.failed_batches, summary.unaccounted()) == (400, 200, 1, 0)
    failed = {p.email for p in summary.failed_items}
    assert failed == {f"u{i}@corp.example" for i in range(200)}  # the first batch, lead by lead
    assert all("Instantly 500" in p.reason and p.batch == 1 for p in summary.failed_items)
    assert instantly_sandbox.stats()["leads"]["total"] == 400


async def test_rejected_batch_is_not_retried(api: InstantlyClient, instantly_sandbox: SandboxHandle) -> None:
    summary = await api.import_leads(rows(10), campaign_id="01a00000-0000-7000-8000-000000000000")
    assert summary.failed == 10 and "404" in summary.failed_items[0].reason
    assert instantly_sandbox.stats()["requests"]["POST /api/v2/leads/add"] == 1


async def test_existing_leads_are_skipped_or_updated(api: InstantlyClient, campaign: str) -> None:
    await api.import_leads([{"email": "keep@corp.example", "first_name": "Old", "custom_variables": {"x": 1}}],
                           campaign_id=campaign)
    again = [{"email": "keep@corp.example", "first_name": "New", "custom_variables": {"y": 2}},
             {"email": "fresh@corp.example"}]
    skipped = await api.import_leads(again, campaign_id=campaign)
    assert (skipped.created, skipped.skipped, skipped.skipped_reasons) == (1, 1, {"already_in_target": 1})
    updated = await api.import_leads(again, campaign_id=campaign, update_existing=True)
    assert (updated.created, updated.updated, updated.skipped, updated.failed) == (0, 1, 1, 0)
    assert updated.skipped_reasons == {"already_in_target": 1}  # fresh@ has no fields to update
    lead = await api.find_lead("keep@corp.example", campaign_id=campaign)
    assert lead is not None and lead.first_name == "New"
    assert (lead.payload or {}).get("x") == 1 and (lead.payload or {}).get("y") == 2


async def test_skip_flags_and_blocklist_are_reported(api: InstantlyClient, campaign: str,
                                                     instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as http:
        other = create_campaign(http, "Other")["id"]
    await api.add_block_list_entry("blocked.example")
    await api.import_leads([{"email": "taken@corp.example"}], campaign_id=other)
    summary = await api.import_leads(
        [{"email": "taken@corp.example"}, {"email": "x@blocked.example"}, {"email": "new@corp.example"}],
        campaign_id=campaign, skip_if_in_workspace=True)
    assert summary.created == 1
    assert summary.skipped_reasons == {"blocklisted": 1, "skip_flags": 1}


async def test_an_unexpected_error_in_one_batch_keeps_the_others(
    api: InstantlyClient, campaign: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    real = api._send_batch

    async def flaky(number, batch, *args):  # type: ignore[no-untyped-def]
        if number == 2:
            raise RuntimeError("boom")
        return await real(number, batch, *args)

    monkeypatch.setattr(api, "_send_batch", flaky)
    summary = await api.import_leads(rows(30), campaign_id=campaign, batch_size=10)
    assert (summary.created, summary.failed, summary.unaccounted()) == (20, 10, 0)
    assert "re-run the import" in summary.failed_items[0].reason
    assert "batch 2 failed unexpectedly" in caplog.text


async def test_lost_answer_and_failed_check_are_reported_as_uncertain(
    api: InstantlyClient, campaign: str, instantly_sandbox: SandboxHandle,
) -> None:
    instantly_sandbox.control("faults", {"after_commit_next": 1, "match": "/api/v2/leads/add"})
    instantly_sandbox.control("faults", {"fail_next": ["500"] * 4, "match": "/api/v2/leads/list"})
    summary = await api.import_leads(rows(50), campaign_id=campaign)
    assert (summary.created, summary.failed, summary.retried_batches, summary.unaccounted()) == (0, 50, 1, 0)
    assert summary.failed_items[0].reason.startswith("answer lost and the check failed: may have been added")
    assert instantly_sandbox.stats()["leads"]["total"] == 50  # they were added: the report says "may have been"
    again = await api.import_leads(rows(50), campaign_id=campaign)
    assert (again.created, again.skipped_reasons) == (0, {"already_in_target": 50})
