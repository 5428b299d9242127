"""instantly_list: the workspace's small collections in one tool (lead lists, tags, the block list, webhooks and
their event types, a background job), so a model reads one short schema instead of six (issue 14 §4, B5)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ItemsResult, ListInput, by_id, client_of, page_result
from instantly_mcp.tools.resolve import Names
from instantly_mcp.tools.webhooks import safe_webhook
from shared.render import plural
from shared.tooling import Call

Kind = Literal["lead_lists", "tags", "block_list", "webhooks", "event_types", "job"]


class ListWhat(ListInput):
    kind: Kind = Field(description="What to list; job = one background job's status and progress (job_id).")
    search: str | None = Field(None, description="Match on name, label, email or domain.")
    campaign_id: str | None = Field(None, description="webhooks: only this campaign's (name or id).")
    domains_only: bool = Field(False, description="block_list: only blocked domains.")
    job_id: str | None = Field(None, description="job: the id a move or warmup change returned.")

    @model_validator(mode="after")
    def _job(self) -> ListWhat:
        if self.kind == "job" and not self.job_id:
            raise ValueError("kind=job needs job_id (the id a move or warmup change returned)")
        return self


class ListResult(ItemsResult):
    pass


@TOOLBOX.tool(toolset="admin", also=("lists", "webhooks"), title="List lead lists, tags, block list, webhooks",
              read_only=True, destructive=False, idempotent=True, open_world=True)
async def instantly_list(call: Call[InstantlyDeps], args: ListWhat) -> ListResult:
    """List lead lists, custom tags, blocked emails/domains, webhooks (header values hidden) or the webhook event
    types; or a background job's status."""
    client = await client_of(call)
    paging: dict[str, Any] = {"max_items": args.limit, "starting_after": args.starting_after}
    if args.kind == "lead_lists":
        page = await client.list_lead_lists(search=args.search, **paging)
        # Lead lists page by creation time (the API's cursor is the last list's timestamp_created).
        return page_result(page, [x.pick("id", "name", "has_enrichment_task", "timestamp_created")
                                  for x in page.items], "lead list",
                           cursor=lambda item: item.get("timestamp_created"), cls=ListResult)
    if args.kind == "tags":
        page = await client.list_tags(search=args.search, **paging)
        return page_result(page, [t.pick("id", "label", "description") for t in page.items], "tag", cls=ListResult)
    if args.kind == "block_list":
        page = await client.list_block_list(search=args.search, domains_only=args.domains_only or None, **paging)
        return page_result(page, [b.pick("id", "bl_value", "is_domain") for b in page.items],
                           "entry", "entries", cls=ListResult)
    if args.kind == "webhooks":
        names = Names(client)
        page = await client.list_webhooks(campaign_id=await names.campaign_id(args.campaign_id), **paging)
        out = ListResult(items=await names.name_rows([safe_webhook(w) for w in page.items]), count=len(page.items),
                         has_more=page.has_more, next_starting_after=page.next_starting_after)
        out._noun, out._cursor = ("webhook", None), by_id
        return out
    if args.kind == "event_types":
        types = await client.webhook_event_types()
        out = ListResult(items=types, count=len(types))
        out._headline = f"{plural(len(types), 'webhook event type')} (subscribe with instantly_create_webhook)."
        return out
    job = (await client.get_job(args.job_id or "")).as_dict()
    out = ListResult(items=[job], count=1)
    out._headline = f"Job {job.get('id')}: {job.get('status')}, {job.get('progress') or 0}% done."
    return out
