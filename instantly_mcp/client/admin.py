"""Webhooks, custom tags, the block list, background jobs and the workspace."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from instantly_mcp.client.base import InstantlyHttp
from instantly_mcp.client.models import BackgroundJob, BlockListEntry, CustomTag, Page, Webhook, Workspace
from instantly_mcp.client.pagination import paginate


def _id(value: str) -> str:
    return quote(value, safe="")


class AdminApi(InstantlyHttp):
    # --- webhooks ---

    async def list_webhooks(
        self, *, campaign_id: str | None = None, max_items: int = 100, starting_after: str | None = None,
    ) -> Page[Webhook]:
        return await paginate(
            lambda limit, cursor: self.get(
                "/webhooks", {"campaign": campaign_id, "limit": limit, "starting_after": cursor}
            ),
            Webhook.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def create_webhook(self, body: dict[str, Any]) -> Webhook:
        return Webhook.model_validate(await self.post("/webhooks", body))

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return Webhook.model_validate(await self.get(f"/webhooks/{_id(webhook_id)}"))

    async def delete_webhook(self, webhook_id: str) -> None:
        await self.delete(f"/webhooks/{_id(webhook_id)}")

    async def webhook_event_types(self) -> list[dict[str, Any]]:
        body = await self.get("/webhooks/event-types")
        return list(body.get("event_types") or []) if isinstance(body, dict) else []

    # --- custom tags ---

    async def list_tags(
        self, *, search: str | None = None, max_items: int = 100, starting_after: str | None = None,
    ) -> Page[CustomTag]:
        return await paginate(
            lambda limit, cursor: self.get("/custom-tags", {"search": search, "limit": limit, "starting_after": cursor}),
            CustomTag.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def create_tag(self, label: str, description: str | None = None) -> CustomTag:
        body: dict[str, Any] = {"label": label}
        if description:
            body["description"] = description
        return CustomTag.model_validate(await self.post("/custom-tags", body))

    async def toggle_tags(self, tag_ids: list[str], resource_type: int, resource_ids: list[str], assign: bool) -> bool:
        body = {"tag_ids": tag_ids, "resource_type": resource_type, "resource_ids": resource_ids, "assign": assign}
        answer = await self.post("/custom-tags/toggle-resource", body, idempotent=True)
        return bool(answer.get("success", True)) if isinstance(answer, dict) else True

    # --- block list ---

    async def list_block_list(
        self, *, search: str | None = None, domains_only: bool | None = None, max_items: int = 100,
        starting_after: str | None = None,
    ) -> Page[BlockListEntry]:
        params = {"search": search, "domains_only": domains_only}
        return await paginate(
            lambda limit, cursor: self.get(
                "/block-lists-entries", {**params, "limit": limit, "starting_after": cursor}
            ),
            BlockListEntry.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def add_block_list_entry(self, value: str) -> BlockListEntry:
        return BlockListEntry.model_validate(await self.post("/block-lists-entries", {"bl_value": value}))

    async def bulk_add_block_list(self, values: list[str]) -> dict[str, Any]:
        body = await self.post("/block-lists-entries/bulk-create", {"bl_values": values})
        return dict(body) if isinstance(body, dict) else {}

    async def get_block_list_entry(self, entry_id: str) -> BlockListEntry:
        return BlockListEntry.model_validate(await self.get(f"/block-lists-entries/{_id(entry_id)}"))

    async def delete_block_list_entry(self, entry_id: str) -> None:
        await self.delete(f"/block-lists-entries/{_id(entry_id)}")

    # --- background jobs and workspace ---

    async def get_job(self, job_id: str) -> BackgroundJob:
        return BackgroundJob.model_validate(await self.get(f"/background-jobs/{_id(job_id)}"))

    async def current_workspace(self) -> Workspace:
        return Workspace.model_validate(await self.get("/workspaces/current"))
