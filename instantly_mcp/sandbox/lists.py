"""Lead lists: create, list (cursor = timestamp_created, as documented), get, patch, delete, and the
verification stats of a list."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import body, not_found, ok, page, path_id, q_bool, q_limit, q_str, sandbox

P = "/api/v2/lead-lists"


def get_list(sb: Sandbox, list_id: str) -> dict[str, Any]:
    found = sb.store.get("lead_list", list_id)
    if found is None:
        raise not_found("Lead list")
    return found


async def create(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_LEAD_LIST)
    item = {"id": sb.ids.uuid7(), "organization_id": sb.workspace_id, "has_enrichment_task": False,
            "owned_by": sb.workspace["owner"], "timestamp_created": sb.clock.stamp(),
            **known(data, schemas.CREATE_LEAD_LIST)}
    sb.store.put("lead_list", item)
    return ok(item)


async def list_lists(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    search = (q_str(request, "search") or "").lower()
    enrich = q_bool(request, "has_enrichment_task")
    items = sorted(
        (x for x in sb.store.all("lead_list")
         if search in x["name"].lower() and (enrich is None or bool(x.get("has_enrichment_task")) == enrich)),
        key=lambda x: (x["timestamp_created"], x["id"]),
    )
    return ok(page(items, limit, after=q_str(request, "starting_after"), key=lambda x: x["timestamp_created"]))


async def get(request: Request) -> JSONResponse:
    return ok(get_list(sandbox(request), path_id(request)))


async def patch(request: Request) -> JSONResponse:
    sb = sandbox(request)
    item = get_list(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_LEAD_LIST)
    item.update(known(data, schemas.PATCH_LEAD_LIST))
    sb.store.put("lead_list", item)
    return ok(item)


async def delete(request: Request) -> JSONResponse:
    sb = sandbox(request)
    item = get_list(sb, path_id(request))
    with sb.store.tx():
        for lead in list(sb.store.iter_leads(list_id=item["id"])):
            sb.store.delete_lead(lead["id"])
        sb.store.delete("lead_list", item["id"])
    return ok(item)


async def verification_stats(request: Request) -> JSONResponse:
    sb = sandbox(request)
    item = get_list(sb, path_id(request))
    statuses = Counter(lead.get("verification_status") for lead in sb.store.iter_leads(list_id=item["id"]))
    names = {1: "verified", -1: "invalid", -2: "risky", -3: "catch_all", -4: "job_change",
             12: "verification_job_pending_leadfinder", 11: "verification_job_pending_user"}
    stats = {name: statuses.get(code, 0) for code, name in names.items()}
    return ok({"stats": stats, "total_leads": sum(statuses.values())})


ROUTES = [
    Route(P, create, methods=["POST"]),
    Route(P, list_lists, methods=["GET"]),
    Route(P + "/{id}", get, methods=["GET"]),
    Route(P + "/{id}", patch, methods=["PATCH"]),
    Route(P + "/{id}", delete, methods=["DELETE"]),
    Route(P + "/{id}/verification-stats", verification_stats, methods=["GET"]),
]
