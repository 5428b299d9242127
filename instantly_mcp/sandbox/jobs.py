"""Background jobs (`move-leads`, `update-warmup-accounts`): the work is done when the job is created, and
the job reports `in-progress` for `job_delay_ms` before `success`, so clients exercise their polling."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.ids import iso
from instantly_mcp.sandbox.models import public
from instantly_mcp.sandbox.web import not_found, ok, page, path_id, q_enum, q_list, q_limit, q_str, sandbox

P = "/api/v2/background-jobs"
TYPES = ("move-leads", "import-leads", "export-leads", "update-warmup-accounts", "rename-variable",
         "broadcast-ai-generate", "broadcast-website-scrape", "import-subscribers-from-crm", "resync-subscriber-crm-tags")
ENTITY_TYPES = ("list", "campaign", "workspace", "broadcast", "subscriber-group-sync", "subscriber-group")


def new_job(sb: Sandbox, type: str, *, entity_type: str, entity_id: str | None, data: dict[str, Any]) -> dict[str, Any]:
    now_ms = sb.clock.now_ms()
    now = sb.clock.now()
    job = {
        "id": sb.ids.uuid7(), "workspace_id": sb.workspace_id, "user_id": sb.workspace["owner"], "type": type,
        "entity_id": entity_id, "entity_type": entity_type, "data": data, "progress": 0, "status": "pending",
        "created_at": now, "updated_at": now, "_done_at_ms": now_ms + float(sb.config.job_delay_ms),
    }
    sb.store.put("job", job)
    return job_out(sb, job)


def job_out(sb: Sandbox, job: dict[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    out = public(job)
    done_at = int(job.get("_done_at_ms", 0))
    if sb.clock.now_ms() >= done_at:
        out.update(status="success", progress=100, updated_at=max(job["updated_at"], iso(done_at)))
    else:
        out.update(status="in-progress", progress=50)
    if fields:
        out["data"] = {k: v for k, v in (job.get("data") or {}).items() if k in fields}
    return out


async def get(request: Request) -> JSONResponse:
    sb = sandbox(request)
    job = sb.store.get("job", path_id(request, uuid=False))
    if job is None:
        raise not_found("Background job")
    return ok(job_out(sb, job, q_list(request, "data_fields") or None))


async def list_jobs(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    type_ = q_enum(request, "type", TYPES)
    entity_type = q_enum(request, "entity_type", ENTITY_TYPES)
    entity_id = q_str(request, "entity_id")
    ids = set(q_list(request, "ids") + q_list(request, "included_ids"))
    excluded = set(q_list(request, "excluded_ids"))
    statuses = set(q_list(request, "status"))
    desc = q_enum(request, "sort_order", ("asc", "desc")) == "desc"
    jobs = [job_out(sb, j) for j in sb.store.all("job")]
    items = [
        j for j in jobs
        if (type_ is None or j["type"] == type_) and (entity_type is None or j["entity_type"] == entity_type)
        and (entity_id is None or j["entity_id"] == entity_id) and (not ids or j["id"] in ids)
        and j["id"] not in excluded and (not statuses or j["status"] in statuses)
    ]
    if desc:
        items.reverse()
    return ok(page(items, limit, after=q_str(request, "starting_after"), descending=desc))


ROUTES = [
    Route(P, list_jobs, methods=["GET"]),
    Route(P + "/{id}", get, methods=["GET"]),
]
