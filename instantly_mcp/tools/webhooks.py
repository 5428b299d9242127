"""Webhook tools: list (and event types), create with our receiver's secret header, delete (gated)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from instantly_mcp.client import Webhook
from instantly_mcp.client.enums import WebhookEventName
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.common import ActionResult, ListInput, ObjectResult, client_of, obj, preview
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput, ToolResult

SECRET_HEADER = "X-Webhook-Secret"
STATUS = {1: "active", -1: "error (auto-disabled)"}


def _safe(w: Webhook) -> dict[str, Any]:
    """The webhook without header values: they carry our receiver's secret."""
    out = w.pick("id", "name", "target_hook_url", "event_type", "campaign", "timestamp_created")
    out["status"] = STATUS.get(w.status or 0, w.status)
    if w.headers:
        out["headers"] = sorted(w.headers)
    return out


class ListWebhooks(ListInput):
    campaign_id: str | None = Field(None, description="Only webhooks of this campaign.")
    include_event_types: bool = Field(False, description="Also list the event types one can subscribe to.")


class WebhooksResult(ToolResult):
    items: list[dict[str, Any]]
    count: int
    has_more: bool = False
    next_starting_after: str | None = None
    event_types: list[dict[str, Any]] | None = None

    def summary(self) -> str:
        types = f"; {len(self.event_types)} event types" if self.event_types is not None else ""
        more = f"; more after {self.next_starting_after}" if self.has_more else ""
        return f"{self.count} webhooks{types}{more}."


@TOOLBOX.tool(toolset="webhooks", title="List webhooks", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_webhooks(call: Call[InstantlyDeps], args: ListWebhooks) -> WebhooksResult:
    """List webhook subscriptions (header values hidden), optionally with the event types."""
    client = await client_of(call)
    page = await client.list_webhooks(campaign_id=args.campaign_id, max_items=args.limit,
                                      starting_after=args.starting_after)
    types = await client.webhook_event_types() if args.include_event_types else None
    return WebhooksResult(items=[_safe(w) for w in page.items], count=len(page.items), has_more=page.has_more,
                          next_starting_after=page.next_starting_after, event_types=types)


class CreateWebhook(ToolInput):
    url: str = Field(pattern=r"^https?://", description="Receiver URL (http/https).")
    event_type: WebhookEventName = Field("all_events", description="One event per webhook, or all_events.")
    campaign_id: str | None = Field(None, description="Only this campaign; omit for all.")
    name: str | None = Field(None, description="Label.")


@TOOLBOX.tool(toolset="webhooks", title="Create webhook", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_create_webhook(call: Call[InstantlyDeps], args: CreateWebhook) -> ObjectResult:
    """Subscribe a URL to Instantly events. Deliveries carry our secret (INSTANTLY_WEBHOOK_SECRET, never
    shown) in the X-Webhook-Secret header for the receiver to check."""
    secret = call.deps.webhook_secret()
    body: dict[str, Any] = {"target_hook_url": args.url, "event_type": args.event_type,
                            "headers": {SECRET_HEADER: secret}}
    if args.campaign_id:
        body["campaign"] = args.campaign_id
    if args.name:
        body["name"] = args.name
    hook = await (await client_of(call)).create_webhook(body)
    return obj(_safe(hook), "Webhook")


class DeleteWebhook(ConfirmInput):
    webhook_id: str = Field(description="Webhook id.")


@TOOLBOX.tool(toolset="webhooks", title="Delete webhook", read_only=False, destructive=True, idempotent=True,
              open_world=True)
async def instantly_delete_webhook(call: Call[InstantlyDeps], args: DeleteWebhook) -> ActionResult:
    """Delete a webhook subscription. Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    hook = await client.get_webhook(args.webhook_id)
    label = f"webhook {hook.name or ''} {hook.id} ({hook.event_type or 'custom'} -> {hook.target_hook_url})"
    label = " ".join(label.split())
    if not args.confirm:
        return preview(f"Would delete {label}; its events stop being delivered.")
    await client.delete_webhook(args.webhook_id)
    return ActionResult(executed=True, message=f"Deleted {label}.")
