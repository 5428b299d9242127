"""Webhook tools: list (and event types), create with our receiver's secret header (deleting: instantly_delete)."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import Field, field_validator

from instantly_mcp.client import Webhook
from instantly_mcp.client.enums import WebhookEventName
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ObjectResult, client_of, obj
from instantly_mcp.tools.resolve import Names
from shared.tooling import Call, ToolInput

EVENT_TYPES = get_args(WebhookEventName)
SECRET_HEADER = "X-Webhook-Secret"
STATUS = {1: "active", -1: "error (auto-disabled)"}


def safe_webhook(w: Webhook) -> dict[str, Any]:
    """The webhook without header values: they carry our receiver's secret."""
    out = w.pick("id", "name", "target_hook_url", "event_type", "campaign", "timestamp_created")
    out["status"] = STATUS.get(w.status or 0, w.status)
    if w.headers:
        out["headers"] = sorted(w.headers)
    return out


class CreateWebhook(ToolInput):
    url: str = Field(pattern=r"^https?://", description="Receiver URL (http/https).")
    event_type: str = Field("all_events", description="One event type (instantly_list kind=event_types), "
                                                        "or all_events.")

    @field_validator("event_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"{value!r} is not an event type; valid: {', '.join(EVENT_TYPES)}")
        return value
    campaign_id: str | None = Field(None, description="Only this campaign (name or id); omit for all.")
    name: str | None = Field(None, description="Label.")


@TOOLBOX.tool(toolset="webhooks", title="Create webhook", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_create_webhook(call: Call[InstantlyDeps], args: CreateWebhook) -> ObjectResult:
    """Subscribe a URL to Instantly events. Deliveries carry our secret (INSTANTLY_WEBHOOK_SECRET, never
    shown) in the X-Webhook-Secret header for the receiver to check."""
    secret = call.deps.webhook_secret()
    body: dict[str, Any] = {"target_hook_url": args.url, "event_type": args.event_type,
                            "headers": {SECRET_HEADER: secret}}
    names = Names(await client_of(call))
    if args.campaign_id:
        body["campaign"] = await names.campaign_id(args.campaign_id)
    if args.name:
        body["name"] = args.name
    hook = await names.client.create_webhook(body)
    return obj((await names.name_rows([safe_webhook(hook)]))[0], "Webhook")
