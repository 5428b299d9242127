"""Custom tags (+ toggle-resource and mappings), block-list entries and the workspace."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from instantly_mcp.sandbox import schemas
from instantly_mcp.sandbox.core import Sandbox
from instantly_mcp.sandbox.models import domain_of, norm_email, public
from instantly_mcp.sandbox.validation import known, validate
from instantly_mcp.sandbox.web import ApiError, bad, body, not_found, ok, page, path_id, q_bool, q_list, q_limit, q_str, sandbox

TAGS = "/api/v2/custom-tags"
BLOCK = "/api/v2/block-lists-entries"


# --- custom tags ---

def _tag(sb: Sandbox, tag_id: str) -> dict[str, Any]:
    tag = sb.store.get("tag", tag_id)
    if tag is None:
        raise not_found("Custom tag")
    return tag


def _unique_label(sb: Sandbox, label: str, own_id: str | None = None) -> str:
    label = label.strip()
    if any(t["label"].strip().lower() == label.lower() and t["id"] != own_id for t in sb.store.all("tag")):
        raise ApiError(409, f"A custom tag with the label '{label}' already exists")
    return label


async def create_tag(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_TAG)
    now = sb.clock.now()
    tag = {"id": sb.ids.uuid7(), "timestamp_created": now, "timestamp_updated": now,
           "organization_id": sb.workspace_id, "label": _unique_label(sb, data["label"]),
           "description": data.get("description")}
    sb.store.put("tag", tag)
    return ok(tag)


async def list_tags(request: Request) -> JSONResponse:
    sb = sandbox(request)
    limit = q_limit(request)
    search = (q_str(request, "search") or "").lower()
    tag_ids = set(q_list(request, "tag_ids"))
    resources = set(q_list(request, "resource_ids"))
    mapped = {m["tag_id"] for m in sb.store.all("tag_mapping") if m["resource_id"] in resources}
    items = [t for t in sb.store.all("tag") if search in t["label"].lower() and (not tag_ids or t["id"] in tag_ids)
             and (not resources or t["id"] in mapped)]
    return ok(page(items, limit, after=q_str(request, "starting_after")))


async def get_tag(request: Request) -> JSONResponse:
    return ok(_tag(sandbox(request), path_id(request)))


async def patch_tag(request: Request) -> JSONResponse:
    sb = sandbox(request)
    tag = _tag(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_TAG)
    if "label" in data:
        data["label"] = _unique_label(sb, data["label"], tag["id"])
    tag.update(known(data, schemas.PATCH_TAG), timestamp_updated=sb.clock.now())
    sb.store.put("tag", tag)
    return ok(tag)


async def delete_tag(request: Request) -> JSONResponse:
    sb = sandbox(request)
    tag = _tag(sb, path_id(request))
    with sb.store.tx():
        for m in sb.store.all("tag_mapping"):
            if m["tag_id"] == tag["id"]:
                sb.store.delete("tag_mapping", m["id"])
        sb.store.delete("tag", tag["id"])
    return ok(tag)


async def toggle_resource(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.TOGGLE_TAGS)
    for tag_id in data["tag_ids"]:
        _tag(sb, tag_id)
    kind = "account" if data["resource_type"] == 1 else "campaign"
    if data.get("selected_all"):
        key = "email" if kind == "account" else "id"
        excluded = set(data.get("excluded_resource_ids") or [])
        resources = [r[key] for r in sb.store.all(kind) if r[key] not in excluded]
    elif data.get("resource_ids"):
        resources = list(data["resource_ids"])
        missing = [r for r in resources if sb.store.get(kind, r) is None]
        if missing:
            raise not_found("Resource")
    else:
        raise bad("body must have required property 'resource_ids'")
    existing = {(m["tag_id"], m["resource_id"]): m for m in sb.store.all("tag_mapping")}
    with sb.store.tx():
        for tag_id in data["tag_ids"]:
            for rid in resources:
                mapping = existing.get((tag_id, rid))
                if data["assign"] and mapping is None:
                    sb.store.put("tag_mapping", {
                        "id": sb.ids.uuid7(), "tag_id": tag_id, "resource_id": rid,
                        "resource_type": data["resource_type"], "timestamp_created": sb.clock.now(),
                        "organization_id": sb.workspace_id})
                elif not data["assign"] and mapping is not None:
                    sb.store.delete("tag_mapping", mapping["id"])
    return ok({"success": True})


async def list_mappings(request: Request) -> JSONResponse:
    sb = sandbox(request)
    resources = set(q_list(request, "resource_ids"))
    items = [m for m in sb.store.all("tag_mapping") if not resources or m["resource_id"] in resources]
    return ok(page(items, q_limit(request), after=q_str(request, "starting_after")))


# --- block list ---

def blocked(sb: Sandbox, email: str) -> bool:
    values = {e["bl_value"].lower() for e in sb.store.all("block")}
    return email.lower() in values or domain_of(email.lower()) in values


def add_block(sb: Sandbox, value: str) -> dict[str, Any]:
    value = value.strip().lower()
    for entry in sb.store.all("block"):
        if entry["bl_value"] == value:
            return entry
    entry = {"id": sb.ids.uuid7(), "timestamp_created": sb.clock.now(), "organization_id": sb.workspace_id,
             "bl_value": value, "is_domain": "@" not in value}
    sb.store.put("block", entry)
    return entry


def _valid_block_value(value: str) -> bool:
    value = value.strip()
    if "@" in value:
        return norm_email(value) is not None and "." in value.rsplit("@", 1)[1]
    return "." in value and " " not in value and len(value) > 2


def _block(sb: Sandbox, entry_id: str) -> dict[str, Any]:
    entry = sb.store.get("block", entry_id)
    if entry is None:
        raise not_found("Block list entry")
    return entry


async def create_block(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.CREATE_BLOCK)
    if not _valid_block_value(data["bl_value"]):
        raise bad("body/bl_value must be an email address or a domain")
    return ok(add_block(sb, data["bl_value"]))


def _filtered_blocks(request: Request) -> list[dict[str, Any]]:
    sb = sandbox(request)
    search = (q_str(request, "search") or "").lower()
    domains_only = q_bool(request, "domains_only")
    return [e for e in sb.store.all("block") if search in e["bl_value"] and (not domains_only or e["is_domain"])]


async def list_blocks(request: Request) -> JSONResponse:
    return ok(page(_filtered_blocks(request), q_limit(request), after=q_str(request, "starting_after")))


async def get_block(request: Request) -> JSONResponse:
    return ok(_block(sandbox(request), path_id(request)))


async def patch_block(request: Request) -> JSONResponse:
    sb = sandbox(request)
    entry = _block(sb, path_id(request))
    data = await body(request)
    validate(data, schemas.PATCH_BLOCK)
    if not _valid_block_value(data["bl_value"]):
        raise bad("body/bl_value must be an email address or a domain")
    value = data["bl_value"].strip().lower()
    entry.update(bl_value=value, is_domain="@" not in value)
    sb.store.put("block", entry)
    return ok(entry)


async def delete_block(request: Request) -> JSONResponse:
    sb = sandbox(request)
    entry = _block(sb, path_id(request))
    sb.store.delete("block", entry["id"])
    return ok(entry)


async def delete_all_blocks(request: Request) -> JSONResponse:
    sb = sandbox(request)
    victims = _filtered_blocks(request)
    with sb.store.tx():
        for entry in victims:
            sb.store.delete("block", entry["id"])
    return ok(victims)


async def bulk_create_blocks(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.BULK_BLOCK)
    items, invalid = [], 0
    with sb.store.tx():
        for value in data["bl_values"]:
            if _valid_block_value(value):
                items.append(add_block(sb, value))
            else:
                invalid += 1
    return ok({"items": items, "valid_count": len(items), "invalid_count": invalid})


async def bulk_delete_blocks(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.BULK_UNBLOCK)
    victims = [e for e in (sb.store.get("block", i) for i in data["ids"]) if e is not None]
    with sb.store.tx():
        for entry in victims:
            sb.store.delete("block", entry["id"])
    return ok(victims)


# --- workspace ---

async def get_workspace(request: Request) -> JSONResponse:
    return ok(public(sandbox(request).workspace))


async def patch_workspace(request: Request) -> JSONResponse:
    sb = sandbox(request)
    data = await body(request)
    validate(data, schemas.PATCH_WORKSPACE)
    ws = sb.workspace
    ws.update(known(data, schemas.PATCH_WORKSPACE), timestamp_updated=sb.clock.now())
    sb.store.set_meta("workspace", ws)
    return ok(public(ws))


ROUTES = [
    Route(f"{TAGS}/toggle-resource", toggle_resource, methods=["POST"]),
    Route(TAGS, create_tag, methods=["POST"]),
    Route(TAGS, list_tags, methods=["GET"]),
    Route(TAGS + "/{id}", get_tag, methods=["GET"]),
    Route(TAGS + "/{id}", patch_tag, methods=["PATCH"]),
    Route(TAGS + "/{id}", delete_tag, methods=["DELETE"]),
    Route("/api/v2/custom-tag-mappings", list_mappings, methods=["GET"]),
    Route(f"{BLOCK}/bulk-create", bulk_create_blocks, methods=["POST"]),
    Route(f"{BLOCK}/bulk-delete", bulk_delete_blocks, methods=["POST"]),
    Route(BLOCK, create_block, methods=["POST"]),
    Route(BLOCK, list_blocks, methods=["GET"]),
    Route(BLOCK, delete_all_blocks, methods=["DELETE"]),
    Route(BLOCK + "/{id}", get_block, methods=["GET"]),
    Route(BLOCK + "/{id}", patch_block, methods=["PATCH"]),
    Route(BLOCK + "/{id}", delete_block, methods=["DELETE"]),
    Route("/api/v2/workspaces/current", get_workspace, methods=["GET"]),
    Route("/api/v2/workspaces/current", patch_workspace, methods=["PATCH"]),
]
