"""Lead tools over MCP against the sandbox: import (custom variables, validation, caps), list/export with
pagination, get, update, delete behind confirm, move/copy, interest status."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client

from tests.instantly_mcp.conftest import SandboxHandle
from tests.instantly_mcp.fixtures_tools import fails, lead_rows, new_campaign, ok, sandbox_env, server, writes

__all__ = ["sandbox_env"]


async def _campaign_with_leads(client: Client, n: int, **extra: object) -> str:
    camp = await new_campaign(client)
    summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": lead_rows(n), **extra})
    assert summary["created"] == n, summary
    return str(camp["id"])


async def test_import_maps_fields_folds_duplicates_and_reports_invalid(sandbox_env: SandboxHandle) -> None:
    leads = [
        {"email": "Ann@Example.com", "first_name": "Ann", "icebreaker": "Saw your talk", "subject_line": "Hi Ann",
         "city": "Oslo", "rating": 4.5, "linkedin_url": "https://linkedin.com/in/ann", "website": "ann.example",
         "phone": "+4712345678", "custom_variables": {"plan": "pro", "vip": True, "seats": 12, "note": None}},
        {"email": "ann@example.COM", "last_name": "Berg", "company_name": "Acme"},  # duplicate: folded
        {"email": "not-an-email", "first_name": "Bad"},
        {"email": "bob@example.com", "first_name": "Bob"},
        {"first_name": "NoEmail"},
    ]
    async with Client(server()) as client:
        camp = await new_campaign(client)
        summary = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": leads})
        assert (summary["total"], summary["created"], summary["skipped"], summary["invalid"], summary["failed"]) == (
            5, 2, 1, 2, 0)
        assert summary["skipped_reasons"] == {"duplicate_in_input": 1}
        assert {(p["index"], p["reason"]) for p in summary["invalid_items"]} == {
            (2, "not a valid email address"), (4, "missing email")}
        ann = (await ok(client, "instantly_list_leads", {"leads": ["ann@example.com"],
                                                         "campaign_id": camp["id"]}))["items"][0]
    assert ann["first_name"] == "Ann" and ann["last_name"] == "Berg" and ann["company_name"] == "Acme"
    assert ann["website"] == "ann.example" and ann["phone"] == "+4712345678"
    payload = ann["payload"]
    for key, value in {"icebreaker": "Saw your talk", "subject_line": "Hi Ann", "city": "Oslo", "rating": 4.5,
                       "linkedin_url": "https://linkedin.com/in/ann", "plan": "pro", "vip": True, "seats": 12}.items():
        assert payload[key] == value, key
    assert sandbox_env.stats()["leads"]["total"] == 2


async def test_skip_unverified_and_reimport_is_safe(sandbox_env: SandboxHandle) -> None:
    leads = [{"email": "v1@example.com", "email_status": "verified"}, {"email": "v2@example.com", "email_status": "Valid"},
             {"email": "u1@example.com", "email_status": "unverified"}, {"email": "u2@example.com"}]
    async with Client(server()) as client:
        camp = await new_campaign(client)
        first = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": leads,
                                                            "skip_unverified": True})
        assert (first["created"], first["skipped"]) == (2, 2)
        assert first["skipped_reasons"] == {"not_verified": 2}
        again = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": leads})
        assert (again["created"], again["skipped"]) == (2, 2)
        assert again["skipped_reasons"] == {"already_in_target": 2}
        changed = [{"email": "v1@example.com", "company_name": "NewCo", "custom_variables": {"tier": "gold"}}]
        upd = await ok(client, "instantly_import_leads", {"campaign_id": camp["id"], "leads": changed,
                                                          "update_existing": True})
        assert (upd["created"], upd["updated"]) == (0, 1)
        lead = (await ok(client, "instantly_list_leads", {"leads": ["v1@example.com"]}))["items"][0]
        assert lead["company_name"] == "NewCo" and lead["payload"]["tier"] == "gold"
    stats = sandbox_env.stats()["leads"]
    assert stats["total"] == 4 and stats["duplicate_groups"] == 0


async def test_import_input_errors_name_the_field(sandbox_env: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async with Client(server()) as client:
        camp = await new_campaign(client)
        before = writes(sandbox_env)
        base = {"campaign_id": camp["id"]}
        text = await fails(client, "instantly_import_leads", {
            **base, "leads": [{"email": "a@example.com", "custom_variables": {"tags": ["x", "y"]}}]})
        assert "custom_variables" in text and "'tags'" in text and "string, number, boolean or null" in text
        text = await fails(client, "instantly_import_leads", {
            **base, "leads": [{"email": "a@example.com", "custom_variables": {"bio": "x" * 6000}}]})
        assert "'bio'" in text and "5000" in text
        text = await fails(client, "instantly_import_leads", {
            **base, "leads": [{"email": "a@example.com", "custom_variables": {"nested": {"a": 1}}}]})
        assert "'nested'" in text
        text = await fails(client, "instantly_import_leads", {"leads": lead_rows(1)})
        assert "campaign_id or list_id" in text
        text = await fails(client, "instantly_import_leads", {**base, "leads": lead_rows(3), "max_leads": 2})
        assert "cap of 2" in text and "max_leads" in text
        monkeypatch.setenv("INSTANTLY_MAX_LEADS_PER_IMPORT", "2")
    async with Client(server()) as client:
        text = await fails(client, "instantly_import_leads", {**base, "leads": lead_rows(3)})
        assert "INSTANTLY_MAX_LEADS_PER_IMPORT" in text
        text = await fails(client, "instantly_import_leads", {**base, "leads": lead_rows(3), "max_leads": 50})
        assert "cap of 2" in text  # the server-wide cap wins over a larger per-call one
    assert writes(sandbox_env) == before


async def test_list_and_export_walk_pages_truthfully(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await _campaign_with_leads(client, 230)
        ids: list[str] = []
        cursor = None
        for expected in (50, 50, 50, 50, 30):  # pages of 50 fit the 20 KB result budget
            page = await ok(client, "instantly_list_leads", {"campaign_id": camp, "limit": 50,
                                                             **({"starting_after": cursor} if cursor else {})})
            assert page["count"] == expected and "shortened" not in page
            ids += [x["id"] for x in page["items"]]
            cursor = page["next_starting_after"]
            assert page["has_more"] is (expected == 50)
        assert len(set(ids)) == 230 and cursor is None
        # all 230 at once are over the budget: the first ones are shown, and no cursor that would skip the rest
        full = await ok(client, "instantly_list_leads", {"campaign_id": camp, "limit": 10000})
        shown = [x["id"] for x in full["items"]]
        assert full["shortened"]["lists"]["items"] == {"shown": len(shown), "total": 230}
        assert ids[:len(shown)] == shown and full["has_more"] is True
        exact = await ok(client, "instantly_list_leads", {"campaign_id": camp, "limit": 30, "starting_after": ids[199]})
        assert exact["count"] == 30 and exact["has_more"] is False  # the trailing empty page is not "more"
        found = await ok(client, "instantly_list_leads", {"search": "person17@", "limit": 5})
        assert [x["email"] for x in found["items"]] == ["person17@example.com"]
        some = await ok(client, "instantly_list_leads", {"leads": ["person3@example.com", "person4@example.com"]})
        assert {x["email"] for x in some["items"]} == {"person3@example.com", "person4@example.com"}
        assert some["items"][0]["payload"]["icebreaker"].startswith("Loved your post")
        none = await ok(client, "instantly_list_leads", {"campaign_id": camp, "filter": "replied"})
        assert none["count"] == 0


async def test_get_update_and_delete_lead(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        await _campaign_with_leads(client, 2)
        lead = (await ok(client, "instantly_list_leads", {"leads": ["person1@example.com"]}))["items"][0]
        assert lead["status"] == "active" and lead["payload"]["seats"] == 1
        same = (await ok(client, "instantly_list_leads", {"leads": [lead["id"]]}))["items"][0]
        assert same["email"] == "person1@example.com"
        text = await fails(client, "instantly_list_leads", {"leads": ["nobody@example.com"]})
        assert "no lead with email nobody@example.com" in text
        merged = (await ok(client, "instantly_update_lead", {
            "lead": lead["id"], "job_title": "CTO", "custom_variables": {"tier": "gold"}}))["object"]
        assert merged["job_title"] == "CTO"
        assert merged["payload"]["tier"] == "gold" and merged["payload"]["seats"] == 1  # merged, not replaced
        replaced = (await ok(client, "instantly_update_lead", {
            "lead": lead["id"], "custom_variables": {"only": 1}, "replace_variables": True}))["object"]
        assert replaced["payload"].get("only") == 1 and "seats" not in replaced["payload"]
        assert "nothing to change" in await fails(client, "instantly_update_lead", {"lead": lead["id"]})

        before = writes(sandbox_env)
        preview = await ok(client, "instantly_delete", {"kind": "lead", "target": lead["id"]})
        assert preview["executed"] is False and "person1@example.com" in preview["preview"]
        assert writes(sandbox_env) == before
        await ok(client, "instantly_delete", {"kind": "lead", "target": lead["id"], "confirm": True})
        assert "404" in await fails(client, "instantly_list_leads", {"leads": [lead["id"]]})


async def test_move_copy_and_interest(sandbox_env: SandboxHandle) -> None:
    async with Client(server()) as client:
        camp = await _campaign_with_leads(client, 3)
        target = (await ok(client, "instantly_save_lead_list", {"name": "Hot leads"}))["object"]
        job = (await ok(client, "instantly_move_leads", {
            "emails": ["person0@example.com"], "from_campaign_id": camp, "to_list_id": target["id"],
            "mode": "copy"}))["object"]
        status = (await ok(client, "instantly_list", {"kind": "job", "job_id": job["id"]}))["items"][0]
        assert status["type"] == "move-leads" and status["status"] in ("success", "pending", "in-progress")
        in_list = await ok(client, "instantly_list_leads", {"list_id": target["id"]})
        assert [x["email"] for x in in_list["items"]] == ["person0@example.com"]
        assert (await ok(client, "instantly_list_leads", {"campaign_id": camp}))["count"] == 3  # copied
        text = await fails(client, "instantly_move_leads", {"lead_ids": ["x"], "to_list_id": target["id"]})
        assert "from_campaign_id or from_list_id" in text

        # Instantly applies interest changes later (202); here the sandbox applies them at once.
        sandbox_env.control("config", {"interest_delay_ms": 0})
        result = await ok(client, "instantly_update_lead", {"lead": "person2@example.com",
                                                                  "interest": "meeting_booked", "campaign_id": camp})
        assert result["object"]["interest_change"]["code"] == 2
        lead = (await ok(client, "instantly_list_leads", {"leads": ["person2@example.com"]}))["items"][0]
        assert lead["lt_interest_status"] == "meeting_booked"
        booked = await ok(client, "instantly_list_leads", {"campaign_id": camp, "filter": "meeting_booked"})
        assert [x["email"] for x in booked["items"]] == ["person2@example.com"]
        await ok(client, "instantly_update_lead", {"lead": "person2@example.com", "interest": "lead"})
        lead = (await ok(client, "instantly_list_leads", {"leads": ["person2@example.com"]}))["items"][0]
        assert lead.get("lt_interest_status") in (None, 0)
        assert "email" in await fails(client, "instantly_update_lead", {"lead": "nope", "interest": "won"})


async def test_interest_change_is_reported_as_queued_not_set(sandbox_env: SandboxHandle) -> None:
    sandbox_env.control("config", {"interest_delay_ms": 800})
    async with Client(server()) as client:
        camp = await _campaign_with_leads(client, 1)
        result = await client.call_tool("instantly_update_lead", {"lead": "person0@example.com",
                                                                        "interest": "won", "campaign_id": camp})
        assert not result.is_error
        text = result.content[0].text
        assert "queued" in text and "set to" not in text
        assert result.structured_content["object"]["interest_change"]["state"] == "queued"
        lead = (await ok(client, "instantly_list_leads", {"leads": ["person0@example.com"]}))["items"][0]
        assert lead.get("lt_interest_status") != "won"  # Instantly has not applied it yet
        deadline = asyncio.get_running_loop().time() + 10
        while lead.get("lt_interest_status") != "won":
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.1)
            lead = (await ok(client, "instantly_list_leads", {"leads": ["person0@example.com"]}))["items"][0]


ENRICHMENT = {"enrichment": {"linkedin": {"title": "CTO"}, "sources": ["web"]}, "tags": ["a", "b"]}


async def test_merging_variables_never_writes_objects_back(sandbox_env: SandboxHandle) -> None:
    # Lead.payload may hold objects (the OpenAPI document allows them); PATCH's custom_variables may not.
    async with Client(server()) as client:
        await _campaign_with_leads(client, 2)
        for email in ("person0@example.com", "person1@example.com"):
            sandbox_env.control("lead-payload", {"email": email, "payload": ENRICHMENT})
        merged = (await ok(client, "instantly_update_lead", {
            "lead": "person0@example.com", "custom_variables": {"tier": "gold"}}))["object"]
        assert merged["payload"]["tier"] == "gold" and merged["payload"]["seats"] == 0  # merged
        assert merged["payload"]["enrichment"] == ENRICHMENT["enrichment"]  # untouched, never sent back
        camp = merged["campaign"]
        upd = await ok(client, "instantly_import_leads", {
            "campaign_id": camp, "update_existing": True,
            "leads": [{"email": "person1@example.com", "custom_variables": {"tier": "silver"}}]})
        assert (upd["updated"], upd["failed"]) == (1, 0), upd
        lead = (await ok(client, "instantly_list_leads", {"leads": ["person1@example.com"]}))["items"][0]
        assert lead["payload"]["tier"] == "silver" and lead["payload"]["seats"] == 1


async def test_groups_mark_interest_of_many_then_move_only_those(sandbox_env: SandboxHandle) -> None:
    """Issue 15: a group's interest in one call, then a segment moved by status (Instantly's move filter)."""
    sandbox_env.control("config", {"interest_delay_ms": 0})
    async with Client(server()) as client:
        camp = await _campaign_with_leads(client, 5)
        many = await ok(client, "instantly_update_lead", {
            "leads": ["person0@example.com", "person3@example.com", "nobody@example.com"], "interest": "interested",
            "campaign_id": camp})
        assert many["object"]["queued"] == 2 and many["object"]["failed"] == 1
        assert "nobody@example.com" in many["object"]["failures"]
        interested = await ok(client, "instantly_list_leads", {"campaign_id": camp, "filter": "interested"})
        assert sorted(x["email"] for x in interested["items"]) == ["person0@example.com", "person3@example.com"]
        # many leads take an interest change only
        assert "interest" in await fails(client, "instantly_update_lead", {
            "leads": ["person1@example.com"], "first_name": "X", "interest": "lost"})
        hot = await new_campaign(client, "Hot")
        await ok(client, "instantly_move_leads", {"from_campaign_id": camp, "filter": "interested",
                                                  "to_campaign_id": hot["id"]})
        moved = await ok(client, "instantly_list_leads", {"campaign_id": hot["id"]})
        assert sorted(x["email"] for x in moved["items"]) == ["person0@example.com", "person3@example.com"]
        assert (await ok(client, "instantly_list_leads", {"campaign_id": camp}))["count"] == 3
        assert "from_campaign_id" in await fails(client, "instantly_move_leads", {"filter": "interested",
                                                                        "to_campaign_id": hot["id"]})
