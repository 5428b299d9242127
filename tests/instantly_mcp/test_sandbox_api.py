"""The Instantly sandbox as a client sees it: auth, the error envelope, validation, pagination, lead
import semantics, campaigns, lists, tags, block list, jobs, and persistence across a restart."""

from __future__ import annotations

import time

import httpx

from tests.instantly_mcp.conftest import (
    SENDER,
    SandboxHandle,
    add_leads,
    assert_error,
    campaign_body,
    create_campaign,
    leads,
)


def test_auth_is_required_and_checked(instantly_sandbox: SandboxHandle) -> None:
    url = f"{instantly_sandbox.api_url}/campaigns"
    assert_error(httpx.get(url), 401, "Missing Authorization header")
    assert_error(httpx.get(url, headers={"Authorization": "Bearer wrong-key"}), 401, "invalid")
    assert_error(httpx.get(url, headers={"Authorization": instantly_sandbox.api_key}), 401, "bearer")
    with instantly_sandbox.client() as client:
        assert client.get("/campaigns").status_code == 200


def test_unknown_routes_ids_and_bad_ids(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        assert_error(client.get("/no-such-thing"), 404, "not found")
        assert_error(client.get("/campaigns/019ffad2-5c4b-761a-9bc4-0599e8a95bea"), 404, "campaign")
        assert_error(client.get("/leads/not-a-uuid"), 400, 'format "uuid"')
        assert_error(client.put("/campaigns"), 404)


def test_campaign_validation(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        bad_tz = campaign_body()
        bad_tz["campaign_schedule"] = {"schedules": [{**bad_tz["campaign_schedule"]["schedules"][0],
                                                      "timezone": "America/New_York"}]}
        assert_error(client.post("/campaigns", json=bad_tz), 400, "timezone")
        assert_error(client.post("/campaigns", json={"campaign_schedule": campaign_body()["campaign_schedule"]}),
                     400, "required property 'name'")
        assert_error(client.post("/campaigns", json=campaign_body(email_list=["nobody@nowhere.test"])), 400, "account")
        assert_error(client.post("/campaigns", content=b"{not json", headers={"content-type": "application/json"}), 400)
        bad_time = campaign_body()
        bad_time["campaign_schedule"]["schedules"][0]["timing"] = {"from": "25:00", "to": "17:00"}
        assert_error(client.post("/campaigns", json=bad_time), 400, "pattern")
        assert_error(client.get("/campaigns", params={"limit": 101}), 400, "<= 100")


def test_lead_validation(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = create_campaign(client)["id"]
        list_id = client.post("/lead-lists", json={"name": "List"}).json()["id"]
        obj = [{"email": "a@example.com", "custom_variables": {"nested": {"x": 1}}}]
        assert_error(client.post("/leads/add", json={"campaign_id": cid, "leads": obj}), 400, "custom_variables/nested")
        arr = [{"email": "a@example.com", "custom_variables": {"tags": ["a", "b"]}}]
        assert_error(client.post("/leads/add", json={"campaign_id": cid, "leads": arr}), 400, "custom_variables/tags")
        assert_error(client.post("/leads", json={"campaign": cid, "email": "b@example.com",
                                                 "custom_variables": {"o": {}}}), 400, "custom_variables")
        too_many = [{"email": f"x{i}@example.com"} for i in range(1001)]
        assert_error(client.post("/leads/add", json={"campaign_id": cid, "leads": too_many}), 400, "1000")
        one = [{"email": "c@example.com"}]
        assert_error(client.post("/leads/add", json={"campaign_id": cid, "list_id": list_id, "leads": one}), 400, "both")
        assert_error(client.post("/leads/add", json={"leads": one}), 400, "campaign_id")
        assert_error(client.post("/leads/add", json={"campaign_id": cid, "leads": []}), 400, "fewer than 1")
        assert_error(client.post("/leads/list", json={"limit": 500}), 400, "<= 100")
        ok = client.post("/leads/add", json={"campaign_id": cid, "leads": [
            {"email": "d@example.com", "custom_variables": {"s": "x", "n": 1.5, "b": True, "z": None}}]})
        assert ok.status_code == 200 and ok.json()["leads_uploaded"] == 1
        assert client.post("/leads/list", json={"campaign": cid}).json()["items"][0]["payload"]["n"] == 1.5
        assert client.get(f"/campaigns/{cid}").json()["custom_variables"].keys() >= {"s", "n", "b", "z"}


def test_campaign_lifecycle_and_filters(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        draft = client.post("/campaigns", json={"name": "Empty", "campaign_schedule": campaign_body()["campaign_schedule"]})
        assert draft.json()["status"] == 0
        assert_error(client.post(f"/campaigns/{draft.json()['id']}/activate"), 400, "sequence")
        campaign = create_campaign(client, "Launch me")
        assert campaign["status"] == 0 and campaign["email_list"] == [SENDER]
        assert client.post(f"/campaigns/{campaign['id']}/activate").json()["status"] == 1
        assert client.post(f"/campaigns/{campaign['id']}/pause").json()["status"] == 2
        assert client.post(f"/campaigns/{campaign['id']}/activate").json()["status"] == 1
        patched = client.patch(f"/campaigns/{campaign['id']}", json={"name": "Renamed", "daily_limit": 40})
        assert patched.json()["name"] == "Renamed" and patched.json()["daily_limit"] == 40
        assert_error(client.patch(f"/campaigns/{campaign['id']}", json={}), 400, "fewer than 1 properties")
        active = client.get("/campaigns", params={"status": 1}).json()["items"]
        assert [c["id"] for c in active] == [campaign["id"]]
        assert [c["name"] for c in client.get("/campaigns", params={"search": "renam"}).json()["items"]] == ["Renamed"]
        assert client.get("/campaigns/count-launched").json() == {"count": 1}
        deleted = client.delete(f"/campaigns/{campaign['id']}")
        assert deleted.status_code == 200 and deleted.json()["id"] == campaign["id"]
        assert_error(client.get(f"/campaigns/{campaign['id']}"), 404)


def test_pagination_walks_every_page_once(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        made = [create_campaign(client, f"Campaign {i}")["id"] for i in range(7)]
        seen, cursor, pages = [], None, 0
        while True:
            params = {"limit": 3, **({"starting_after": cursor} if cursor else {})}
            body = client.get("/campaigns", params=params).json()
            pages += 1
            seen += [c["id"] for c in body["items"]]
            cursor = body.get("next_starting_after")
            if not body["items"] or not cursor:
                break
        assert seen == made and pages == 3

        cid = made[0]
        add_leads(client, cid, leads(250))
        ids, cursor = [], None
        while True:
            body = client.post("/leads/list", json={"campaign": cid, "limit": 100,
                                                    **({"starting_after": cursor} if cursor else {})}).json()
            ids += [lead["id"] for lead in body["items"]]
            cursor = body.get("next_starting_after")
            if not cursor:
                break
        assert len(ids) == 250 == len(set(ids)) and ids == sorted(ids)
        full_last = client.post("/leads/list", json={"campaign": cid, "limit": 50, "starting_after": ids[199]}).json()
        assert len(full_last["items"]) == 50
        assert client.post("/leads/list", json={"campaign": cid, "starting_after": full_last["next_starting_after"]}
                           ).json() == {"items": []}


def test_leads_add_is_idempotent_and_counts_like_the_spec(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        cid = create_campaign(client)["id"]
        first = add_leads(client, cid, [{"email": "Dup@Example.com", "first_name": "Dee"}])
        assert first["leads_uploaded"] == 1 and first["created_leads"][0]["index"] == 0
        again = add_leads(client, cid, [{"email": "dup@example.com", "first_name": "Dee"}])
        assert again["leads_uploaded"] == 0 and again["duplicated_leads"] == 1 and again["created_leads"] == []
        client.post("/block-lists-entries", json={"bl_value": "blocked.com"})
        mixed = add_leads(client, cid, [
            {"email": "new@example.com"}, {"email": "new@example.com"}, {"email": "not-an-email"},
            {"first_name": "No email"}, {"email": "x@blocked.com"}, {"email": "dup@example.com"},
        ])
        assert {k: mixed[k] for k in ("total_sent", "leads_uploaded", "duplicate_email_count", "invalid_email_count",
                                      "incomplete_count", "in_blocklist", "duplicated_leads", "skipped_count")} == {
            "total_sent": 6, "leads_uploaded": 1, "duplicate_email_count": 1, "invalid_email_count": 1,
            "incomplete_count": 1, "in_blocklist": 1, "duplicated_leads": 1, "skipped_count": 0}
        assert [c["index"] for c in mixed["created_leads"]] == [0]
        other = create_campaign(client, "Other")["id"]
        skipped = add_leads(client, other, [{"email": "dup@example.com"}, {"email": "fresh@example.com"}],
                            skip_if_in_workspace=True)
        assert skipped["skipped_count"] == 1 and skipped["leads_uploaded"] == 1
        in_other = add_leads(client, other, [{"email": "new@example.com"}])
        assert in_other["leads_uploaded"] == 1  # the same email may sit in two different campaigns
        single = client.post("/leads", json={"campaign": cid, "email": "dup@example.com"})
        assert single.status_code == 200 and single.json()["id"] == first["created_leads"][0]["id"]
        stats = instantly_sandbox.stats()["leads"]
        assert stats["by_campaign"] == {cid: 2, other: 2} and stats["duplicate_groups"] == 0


def test_lead_crud_move_and_interest(instantly_sandbox: SandboxHandle) -> None:
    instantly_sandbox.control("config", {"interest_delay_ms": 0})  # interest changes apply before the 202
    with instantly_sandbox.client() as client:
        cid = create_campaign(client)["id"]
        list_id = client.post("/lead-lists", json={"name": "Nurture"}).json()["id"]
        lead = client.post("/leads", json={"campaign": cid, "email": "ann@example.com", "first_name": "Ann",
                                           "custom_variables": {"tier": "gold"}}).json()
        assert lead["status"] == 1 and lead["payload"] == {"firstName": "Ann", "tier": "gold"}
        patched = client.patch(f"/leads/{lead['id']}", json={"job_title": "CTO", "custom_variables": {"tier": "silver"}})
        assert patched.json()["job_title"] == "CTO" and patched.json()["payload"]["tier"] == "silver"
        found = client.post("/leads/list", json={"contacts": ["ANN@example.com"]}).json()["items"]
        assert [x["id"] for x in found] == [lead["id"]]
        assert client.post("/leads/list", json={"search": "ann", "filter": "FILTER_VAL_NOT_CONTACTED"}).json()["items"]
        response = client.post("/leads/update-interest-status", json={"lead_email": "ann@example.com", "interest_value": 1})
        assert response.status_code == 202 and "message" in response.json()
        assert client.get(f"/leads/{lead['id']}").json()["lt_interest_status"] == 1
        assert client.post("/leads/list", json={"filter": "FILTER_LEAD_INTERESTED"}).json()["items"][0]["id"] == lead["id"]
        job = client.post("/leads/move", json={"campaign": cid, "ids": [lead["id"]], "to_list_id": list_id}).json()
        assert job["type"] == "move-leads"
        deadline = time.monotonic() + 10
        while client.get(f"/background-jobs/{job['id']}").json()["status"] != "success":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        moved = client.get(f"/leads/{lead['id']}").json()
        assert moved["list_id"] == list_id and moved["campaign"] is None
        assert_error(client.post("/leads/move", json={"ids": [lead["id"]], "to_list_id": list_id}), 400, "campaign or list_id")
        assert client.delete(f"/leads/{lead['id']}").json()["id"] == lead["id"]
        assert_error(client.get(f"/leads/{lead['id']}"), 404)


def test_lists_tags_blocklist_workspace_accounts(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        created = [client.post("/lead-lists", json={"name": f"List {i}"}).json() for i in range(3)]
        first = client.get("/lead-lists", params={"limit": 2}).json()
        assert [x["id"] for x in first["items"]] == [c["id"] for c in created[:2]]
        rest = client.get("/lead-lists", params={"limit": 2, "starting_after": first["next_starting_after"]}).json()
        assert [x["id"] for x in rest["items"]] == [created[2]["id"]]
        assert client.patch(f"/lead-lists/{created[0]['id']}", json={"name": "Renamed"}).json()["name"] == "Renamed"
        assert client.delete(f"/lead-lists/{created[0]['id']}").status_code == 200

        tag = client.post("/custom-tags", json={"label": "VIP"}).json()
        assert_error(client.post("/custom-tags", json={"label": " vip "}), 409)
        campaign = create_campaign(client)
        toggle = client.post("/custom-tags/toggle-resource",
                             json={"tag_ids": [tag["id"]], "resource_type": 2, "resource_ids": [campaign["id"]], "assign": True})
        assert toggle.json() == {"success": True}
        assert [c["id"] for c in client.get("/campaigns", params={"tag_ids": tag["id"]}).json()["items"]] == [campaign["id"]]

        entry = client.post("/block-lists-entries", json={"bl_value": "Spam.com"}).json()
        assert entry["is_domain"] is True and entry["bl_value"] == "spam.com"
        assert client.get("/block-lists-entries", params={"domains_only": "true"}).json()["items"][0]["id"] == entry["id"]
        assert client.delete(f"/block-lists-entries/{entry['id']}").json()["id"] == entry["id"]
        assert client.get("/block-lists-entries").json()["items"] == []

        assert client.get("/workspaces/current").json()["name"] == "Sandbox Workspace"
        accounts = client.get("/accounts").json()["items"]
        assert SENDER in [a["email"] for a in accounts]
        assert client.post(f"/accounts/{SENDER}/pause").json()["status"] == 2
        assert client.post(f"/accounts/{SENDER}/resume").json()["status"] == 1
        job = client.post("/accounts/warmup/disable", json={"emails": [SENDER]}).json()
        assert job["type"] == "update-warmup-accounts"
        assert client.get(f"/accounts/{SENDER}").json()["warmup_status"] == 0
        client.post("/accounts/warmup/enable", json={"emails": [SENDER]})
        analytics = client.post("/accounts/warmup-analytics", json={"emails": [SENDER]}).json()
        assert analytics["aggregate_data"][SENDER]["sent"] > 0


def test_state_survives_a_restart(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        campaign = create_campaign(client, "Durable")
        add_leads(client, campaign["id"], leads(5))
        workspace = client.get("/workspaces/current").json()
    instantly_sandbox.restart()
    with instantly_sandbox.client() as client:
        assert client.get(f"/campaigns/{campaign['id']}").json()["name"] == "Durable"
        assert len(client.post("/leads/list", json={"campaign": campaign["id"]}).json()["items"]) == 5
        assert client.get("/workspaces/current").json()["id"] == workspace["id"]
        assert add_leads(client, campaign["id"], leads(5))["duplicated_leads"] == 5


def test_reset_wipes_everything(instantly_sandbox: SandboxHandle) -> None:
    with instantly_sandbox.client() as client:
        create_campaign(client)
        assert instantly_sandbox.control("reset", {}) == {"ok": True}
        assert client.get("/campaigns").json() == {"items": []}
        assert len(client.get("/accounts").json()["items"]) == 3
    assert instantly_sandbox.stats()["requests_total"] == 2  # counted since the reset


def test_custom_variables_must_be_scalars(instantly_sandbox: SandboxHandle) -> None:
    # createLead / patchLead: custom_variables values are string, number, boolean or null ("We do NOT allow
    # objects or arrays as values"), while Lead.payload may carry objects from elsewhere.
    with instantly_sandbox.client() as client:
        cid = create_campaign(client)["id"]
        lead = client.post("/leads", json={"campaign": cid, "email": "obj@example.com"}).json()
        for value in ({"a": 1}, [1, 2]):
            assert_error(client.patch(f"/leads/{lead['id']}", json={"custom_variables": {"x": value}}), 400,
                         "body/custom_variables/x must be string,number,boolean,null")
            assert_error(client.post("/leads", json={"campaign": cid, "email": "o2@example.com",
                                                     "custom_variables": {"x": value}}), 400, "custom_variables/x")
        shown = instantly_sandbox.control("lead-payload", {"lead_id": lead["id"], "payload": {"crm": {"id": 7}}})
        assert shown["payload"]["crm"] == {"id": 7}
        assert client.get(f"/leads/{lead['id']}").json()["payload"]["crm"] == {"id": 7}
        patched = client.patch(f"/leads/{lead['id']}", json={"custom_variables": {"x": "y"}}).json()
        assert patched["payload"]["x"] == "y" and patched["payload"]["crm"] == {"id": 7}
