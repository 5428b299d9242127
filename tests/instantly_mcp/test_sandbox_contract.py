"""Contract tests: every sandbox response a client relies on validates against the response schema of the
same operation in Instantly's own OpenAPI document (`$ref`s resolved against the whole spec), including
the documented error responses (400, 401, 402, 404, 429)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from instantly_mcp.sandbox import SANDBOX_API_KEY, create_app
from shared.asgi import BackgroundServer
from tests.contract.specs import load as load_spec
from tests.instantly_mcp.conftest import SENDER, campaign_body, leads

SPEC_URI = "urn:instantly-v2-openapi"

# (method, spec path, status) the client relies on; each must be exercised and validate.
OPERATIONS: list[tuple[str, str, str]] = [
    ("GET", "/api/v2/workspaces/current", "200"),
    ("POST", "/api/v2/campaigns", "200"),
    ("GET", "/api/v2/campaigns", "200"),
    ("GET", "/api/v2/campaigns/{id}", "200"),
    ("PATCH", "/api/v2/campaigns/{id}", "200"),
    ("POST", "/api/v2/campaigns/{id}/activate", "200"),
    ("POST", "/api/v2/campaigns/{id}/pause", "200"),
    ("DELETE", "/api/v2/campaigns/{id}", "200"),
    ("GET", "/api/v2/campaigns/search-by-contact", "200"),
    ("GET", "/api/v2/campaigns/count-launched", "200"),
    ("GET", "/api/v2/campaigns/analytics", "200"),
    ("GET", "/api/v2/campaigns/analytics/overview", "200"),
    ("GET", "/api/v2/campaigns/analytics/daily", "200"),
    ("GET", "/api/v2/campaigns/analytics/steps", "200"),
    ("POST", "/api/v2/leads/add", "200"),
    ("POST", "/api/v2/leads", "200"),
    ("POST", "/api/v2/leads/list", "200"),
    ("GET", "/api/v2/leads/{id}", "200"),
    ("PATCH", "/api/v2/leads/{id}", "200"),
    ("DELETE", "/api/v2/leads/{id}", "200"),
    ("DELETE", "/api/v2/leads", "200"),
    ("POST", "/api/v2/leads/move", "200"),
    ("POST", "/api/v2/leads/update-interest-status", "202"),
    ("POST", "/api/v2/lead-lists", "200"),
    ("GET", "/api/v2/lead-lists", "200"),
    ("GET", "/api/v2/lead-lists/{id}", "200"),
    ("PATCH", "/api/v2/lead-lists/{id}", "200"),
    ("DELETE", "/api/v2/lead-lists/{id}", "200"),
    ("GET", "/api/v2/lead-lists/{id}/verification-stats", "200"),
    ("GET", "/api/v2/accounts", "200"),
    ("GET", "/api/v2/accounts/{email}", "200"),
    ("PATCH", "/api/v2/accounts/{email}", "200"),
    ("POST", "/api/v2/accounts/{email}/pause", "200"),
    ("POST", "/api/v2/accounts/{email}/resume", "200"),
    ("POST", "/api/v2/accounts/pause", "200"),
    ("POST", "/api/v2/accounts/warmup/enable", "200"),
    ("POST", "/api/v2/accounts/warmup/disable", "200"),
    ("POST", "/api/v2/accounts/warmup-analytics", "200"),
    ("GET", "/api/v2/emails", "200"),
    ("GET", "/api/v2/emails/{id}", "200"),
    ("PATCH", "/api/v2/emails/{id}", "200"),
    ("GET", "/api/v2/emails/unread/count", "200"),
    ("POST", "/api/v2/emails/reply", "200"),
    ("POST", "/api/v2/emails/threads/{thread_id}/mark-as-read", "200"),
    ("POST", "/api/v2/webhooks", "200"),
    ("GET", "/api/v2/webhooks", "200"),
    ("GET", "/api/v2/webhooks/{id}", "200"),
    ("PATCH", "/api/v2/webhooks/{id}", "200"),
    ("DELETE", "/api/v2/webhooks/{id}", "200"),
    ("GET", "/api/v2/webhooks/event-types", "200"),
    ("POST", "/api/v2/webhooks/{id}/test", "200"),
    ("POST", "/api/v2/webhooks/{id}/resume", "200"),
    ("GET", "/api/v2/webhook-events", "200"),
    ("GET", "/api/v2/webhook-events/summary", "200"),
    ("GET", "/api/v2/background-jobs/{id}", "200"),
    ("GET", "/api/v2/background-jobs", "200"),
    ("POST", "/api/v2/custom-tags", "200"),
    ("GET", "/api/v2/custom-tags", "200"),
    ("GET", "/api/v2/custom-tags/{id}", "200"),
    ("PATCH", "/api/v2/custom-tags/{id}", "200"),
    ("DELETE", "/api/v2/custom-tags/{id}", "200"),
    ("POST", "/api/v2/custom-tags/toggle-resource", "200"),
    ("GET", "/api/v2/custom-tag-mappings", "200"),
    ("POST", "/api/v2/block-lists-entries", "200"),
    ("GET", "/api/v2/block-lists-entries", "200"),
    ("GET", "/api/v2/block-lists-entries/{id}", "200"),
    ("PATCH", "/api/v2/block-lists-entries/{id}", "200"),
    ("DELETE", "/api/v2/block-lists-entries/{id}", "200"),
    ("POST", "/api/v2/block-lists-entries/bulk-create", "200"),
    ("POST", "/api/v2/block-lists-entries/bulk-delete", "200"),
    ("DELETE", "/api/v2/block-lists-entries", "200"),
    # documented errors
    ("GET", "/api/v2/campaigns", "401"),
    ("GET", "/api/v2/campaigns/{id}", "404"),
    ("GET", "/api/v2/leads/{id}", "404"),
    ("POST", "/api/v2/campaigns", "400"),
    ("POST", "/api/v2/leads/list", "400"),
    ("GET", "/api/v2/campaigns", "429"),
    ("GET", "/api/v2/campaigns", "402"),
    ("GET", "/api/v2/webhooks", "402"),
]


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return "T" in value

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$", value))

    return checker


@dataclass
class Recorder:
    client: httpx.Client
    seen: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)

    def call(self, method: str, template: str, *, expect: int = 200, params_path: dict[str, str] | None = None,
             **kwargs: Any) -> Any:
        path = template.format(**(params_path or {}))
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        self.seen.setdefault((method, template, str(response.status_code)), []).append(body)
        return body


def _scenario(rec: Recorder, url: str) -> None:
    call = rec.call
    call("GET", "/api/v2/workspaces/current")
    campaign = call("POST", "/api/v2/campaigns", json=campaign_body("Contract"))
    cid = campaign["id"]
    ids = {"id": cid}
    call("GET", "/api/v2/campaigns", params={"limit": 1})
    call("GET", "/api/v2/campaigns/{id}", params_path=ids)
    call("PATCH", "/api/v2/campaigns/{id}", params_path=ids, json={"daily_limit": 25, "stop_on_reply": True})
    call("POST", "/api/v2/leads/add", json={"campaign_id": cid, "leads": leads(4)})
    lead = call("POST", "/api/v2/leads", json={"campaign": cid, "email": "solo@example.com", "first_name": "Solo",
                                               "custom_variables": {"score": 5, "vip": True}})
    call("POST", "/api/v2/campaigns/{id}/activate", params_path=ids)
    rec.client.post(f"{url}/_sandbox/tick", json={}).raise_for_status()
    for event in ("opened", "clicked", "replied", "interested"):
        rec.client.post(f"{url}/_sandbox/engagement", json={"email": "lead0@example.com", "event": event})
    rec.client.post(f"{url}/_sandbox/engagement", json={"email": "lead1@example.com", "event": "auto_replied"})
    call("GET", "/api/v2/campaigns/analytics", params={"id": cid})
    call("GET", "/api/v2/campaigns/analytics")
    call("GET", "/api/v2/campaigns/analytics/overview", params={"ids": [cid]})
    call("GET", "/api/v2/campaigns/analytics/daily", params={"campaign_id": cid})
    call("GET", "/api/v2/campaigns/analytics/steps", params={"campaign_id": cid, "include_opportunities_count": "true"})
    call("GET", "/api/v2/campaigns/analytics/steps", params={"campaign_id": cid})
    call("GET", "/api/v2/campaigns/search-by-contact", params={"search": "lead0@example.com"})
    call("GET", "/api/v2/campaigns/count-launched")
    listed = call("POST", "/api/v2/leads/list", json={"campaign": cid, "limit": 2})
    call("POST", "/api/v2/leads/list", json={"filter": "FILTER_VAL_REPLIED", "distinct_contacts": True})
    lid = {"id": lead["id"]}
    call("GET", "/api/v2/leads/{id}", params_path={"id": listed["items"][0]["id"]})
    call("PATCH", "/api/v2/leads/{id}", params_path=lid, json={"job_title": "CEO", "lt_interest_status": 2})
    call("POST", "/api/v2/leads/update-interest-status", expect=202,
         json={"lead_email": "lead2@example.com", "interest_value": -1})

    lead_list = call("POST", "/api/v2/lead-lists", json={"name": "Contract list"})
    ll = {"id": lead_list["id"]}
    call("GET", "/api/v2/lead-lists", params={"limit": 5})
    call("GET", "/api/v2/lead-lists/{id}", params_path=ll)
    call("PATCH", "/api/v2/lead-lists/{id}", params_path=ll, json={"name": "Renamed list"})
    job = call("POST", "/api/v2/leads/move", json={"campaign": cid, "contacts": ["lead3@example.com"],
                                                   "to_list_id": lead_list["id"]})
    call("GET", "/api/v2/background-jobs/{id}", params_path={"id": job["id"]})
    call("GET", "/api/v2/background-jobs/{id}", params_path={"id": job["id"]}, params={"data_fields": "moved_leads"})
    call("GET", "/api/v2/lead-lists/{id}/verification-stats", params_path=ll)
    call("DELETE", "/api/v2/leads", json={"list_id": lead_list["id"]})
    call("DELETE", "/api/v2/lead-lists/{id}", params_path=ll)

    acc = {"email": SENDER}
    call("GET", "/api/v2/accounts", params={"limit": 2})
    call("GET", "/api/v2/accounts/{email}", params_path=acc)
    call("PATCH", "/api/v2/accounts/{email}", params_path=acc, json={"daily_limit": 40, "warmup": {"limit": 25}})
    call("POST", "/api/v2/accounts/{email}/pause", params_path=acc)
    call("POST", "/api/v2/accounts/{email}/resume", params_path=acc)
    call("POST", "/api/v2/accounts/pause", json={"emails": ["sam.patel@sandbox-mail.io", "missing@nowhere.test"]})
    job = call("POST", "/api/v2/accounts/warmup/disable", json={"emails": [SENDER]})
    call("POST", "/api/v2/accounts/warmup/enable", json={"emails": [SENDER]})
    call("GET", "/api/v2/background-jobs", params={"type": "update-warmup-accounts"})
    call("POST", "/api/v2/accounts/warmup-analytics", json={"emails": [SENDER, "jordan.lee@sandbox-outreach.com"]})

    emails = call("GET", "/api/v2/emails", params={"limit": 10})
    received = call("GET", "/api/v2/emails", params={"email_type": "received"})["items"][0]
    call("GET", "/api/v2/emails/{id}", params_path={"id": emails["items"][0]["id"]})
    call("PATCH", "/api/v2/emails/{id}", params_path={"id": received["id"]}, json={"is_unread": 0})
    call("GET", "/api/v2/emails/unread/count")
    call("POST", "/api/v2/emails/reply", json={"reply_to_uuid": received["id"], "eaccount": SENDER,
                                               "subject": "Re: hello", "body": {"html": "<p>Sure</p>"}})
    call("POST", "/api/v2/emails/threads/{thread_id}/mark-as-read", params_path={"thread_id": received["thread_id"]})

    hook = call("POST", "/api/v2/webhooks", json={"target_hook_url": f"{url}/_sandbox/health", "event_type": "email_sent",
                                                  "campaign": cid, "headers": {"X-Secret": "x"}})
    hid = {"id": hook["id"]}
    call("GET", "/api/v2/webhooks")
    call("GET", "/api/v2/webhooks/{id}", params_path=hid)
    call("PATCH", "/api/v2/webhooks/{id}", params_path=hid, json={"name": "Contract hook"})
    call("GET", "/api/v2/webhooks/event-types")
    call("POST", "/api/v2/webhooks/{id}/test", params_path=hid)
    call("POST", "/api/v2/webhooks/{id}/resume", params_path=hid)
    rec.client.post(f"{url}/_sandbox/tick", json={}).raise_for_status()
    rec.client.post(f"{url}/_sandbox/webhooks/drain", json={"timeout": 10}).raise_for_status()
    call("GET", "/api/v2/webhook-events")
    call("GET", "/api/v2/webhook-events/summary")
    call("DELETE", "/api/v2/webhooks/{id}", params_path=hid)

    tag = call("POST", "/api/v2/custom-tags", json={"label": "Priority"})
    tid = {"id": tag["id"]}
    call("GET", "/api/v2/custom-tags")
    call("GET", "/api/v2/custom-tags/{id}", params_path=tid)
    call("PATCH", "/api/v2/custom-tags/{id}", params_path=tid, json={"label": "Top priority"})
    call("POST", "/api/v2/custom-tags/toggle-resource",
         json={"tag_ids": [tag["id"]], "resource_type": 2, "resource_ids": [cid], "assign": True})
    call("GET", "/api/v2/custom-tag-mappings")
    call("DELETE", "/api/v2/custom-tags/{id}", params_path=tid)

    entry = call("POST", "/api/v2/block-lists-entries", json={"bl_value": "nope@blocked.com"})
    bid = {"id": entry["id"]}
    call("GET", "/api/v2/block-lists-entries")
    call("GET", "/api/v2/block-lists-entries/{id}", params_path=bid)
    call("PATCH", "/api/v2/block-lists-entries/{id}", params_path=bid, json={"bl_value": "blocked.com"})
    bulk = call("POST", "/api/v2/block-lists-entries/bulk-create", json={"bl_values": ["a.com", "b@c.com", "??"]})
    call("POST", "/api/v2/block-lists-entries/bulk-delete", json={"ids": [bulk["items"][0]["id"]]})
    call("DELETE", "/api/v2/block-lists-entries/{id}", params_path=bid)
    call("DELETE", "/api/v2/block-lists-entries")

    call("POST", "/api/v2/campaigns/{id}/pause", params_path=ids)
    call("DELETE", "/api/v2/leads/{id}", params_path=lid)
    call("DELETE", "/api/v2/campaigns/{id}", params_path=ids)

    # errors
    call("GET", "/api/v2/campaigns", expect=401, headers={"Authorization": ""})
    call("GET", "/api/v2/campaigns/{id}", expect=404, params_path=ids)
    call("GET", "/api/v2/leads/{id}", expect=404, params_path=lid)
    call("POST", "/api/v2/campaigns", expect=400, json={"name": "No schedule"})
    call("POST", "/api/v2/leads/list", expect=400, json={"limit": 1000})
    rec.client.post(f"{url}/_sandbox/faults", json={"fail_next": ["429"]}).raise_for_status()
    call("GET", "/api/v2/campaigns", expect=429)
    rec.client.post(f"{url}/_sandbox/config", json={"plan": "growth"}).raise_for_status()
    call("GET", "/api/v2/webhooks", expect=402)
    rec.client.post(f"{url}/_sandbox/config", json={"plan": "none"}).raise_for_status()
    call("GET", "/api/v2/campaigns", expect=402)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec("instantly-v2-openapi.json")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str, str], list[Any]]]:
    app = create_app(tmp_path_factory.mktemp("contract") / "sandbox.sqlite")
    with BackgroundServer(app) as server, httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"}, timeout=10
    ) as client:
        rec = Recorder(client)
        _scenario(rec, server.url)
        yield rec.seen


def _validator(spec: dict[str, Any], method: str, path: str, status: str) -> Draft202012Validator:
    def esc(part: str) -> str:
        return quote(part.replace("~", "~0").replace("/", "~1"), safe="~")

    operation = spec["paths"][path][method.lower()]
    assert status in operation["responses"], f"{method} {path} documents no {status}"
    pointer = "/".join(["", "paths", esc(path), method.lower(), "responses", status, "content",
                        esc("application/json"), "schema"])
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=_format_checker())


@pytest.mark.parametrize(("method", "path", "status"), OPERATIONS, ids=[f"{m} {p} {s}" for m, p, s in OPERATIONS])
def test_response_matches_the_spec(spec: dict[str, Any], recorded: dict[tuple[str, str, str], list[Any]],
                                   method: str, path: str, status: str) -> None:
    bodies = recorded.get((method, path, status))
    assert bodies, f"{method} {path} -> {status} was not exercised"
    validator = _validator(spec, method, path, status)
    for body in bodies:
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_error_bodies_are_exactly_the_envelope(recorded: dict[tuple[str, str, str], list[Any]]) -> None:
    for (_method, _path, status), bodies in recorded.items():
        if status.startswith("4"):
            for body in bodies:
                assert set(body) == {"statusCode", "error", "message"} and body["statusCode"] == int(status)


def test_non_empty_analytics_were_validated(recorded: dict[tuple[str, str, str], list[Any]]) -> None:
    rows = recorded[("GET", "/api/v2/campaigns/analytics", "200")][0]
    assert rows and rows[0]["open_count"] == 1 and rows[0]["reply_count"] == 1
    assert recorded[("GET", "/api/v2/campaigns/analytics/daily", "200")][0]
    assert recorded[("GET", "/api/v2/webhook-events", "200")][0]["items"]
