"""Unibox tools: list emails, read one, count unread, reply (sends mail: gated)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Email
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.common import (
    CURSOR_DESCRIPTION, ActionResult, ItemsResult, ObjectResult, client_of, obj, page_result, preview, text_to_html,
)
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput, ToolResult

UE_TYPE = {1: "sent_campaign", 2: "received", 3: "sent", 4: "scheduled"}


def _brief(e: Email) -> dict[str, Any]:
    out = e.pick("id", "thread_id", "timestamp_email", "subject", "from_address_email", "to_address_email_list",
                 "eaccount", "lead", "campaign_id", "content_preview")
    out["type"] = UE_TYPE.get(e.ue_type or 0, e.ue_type)
    out["unread"] = bool(e.is_unread)
    return out


class ListEmails(ToolInput):
    campaign_id: str | None = Field(None, description="Only this campaign's emails.")
    lead_email: str | None = Field(None, description="Only emails with this lead.")
    thread_id: str | None = Field(None, description="Only this thread.")
    email_type: Literal["received", "sent", "manual"] | None = Field(None, description="received = replies.")
    unread_only: bool = Field(False, description="Only unread.")
    limit: int = Field(20, ge=1, le=100, description="Max emails (the API allows 20 list calls a minute).")
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


@TOOLBOX.tool(toolset="unibox", title="List emails", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_emails(call: Call[InstantlyDeps], args: ListEmails) -> ItemsResult:
    """List Unibox emails and replies, newest first, with filters."""
    filters = {
        "campaign_id": args.campaign_id, "lead": args.lead_email, "email_type": args.email_type,
        "search": f"thread:{args.thread_id}" if args.thread_id else None, "is_unread": True if args.unread_only else None,
    }
    page = await (await client_of(call)).list_emails(filters, max_items=args.limit, starting_after=args.starting_after)
    return page_result(page, [_brief(e) for e in page.items], "emails")


class EmailId(ToolInput):
    email_id: str = Field(description="Email id.")


@TOOLBOX.tool(toolset="unibox", title="Get email", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_get_email(call: Call[InstantlyDeps], args: EmailId) -> ObjectResult:
    """One email with its full body."""
    e = await (await client_of(call)).get_email(args.email_id)
    return obj(e, "Email", type=UE_TYPE.get(e.ue_type or 0, e.ue_type))


class NoInput(ToolInput):
    pass


class CountResult(ToolResult):
    unread: int

    def summary(self) -> str:
        return f"{self.unread} unread emails."


@TOOLBOX.tool(toolset="unibox", title="Count unread emails", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_count_unread(call: Call[InstantlyDeps], args: NoInput) -> CountResult:
    """Number of unread emails in the Unibox."""
    return CountResult(unread=await (await client_of(call)).count_unread())


class Reply(ConfirmInput):
    email_id: str = Field(description="Id of the email to answer.")
    body: str = Field(min_length=1, description="Reply text or HTML.")
    subject: str | None = Field(None, description="Default: Re: original subject.")
    from_account: str | None = Field(None, description="Sending account; default: the one that got the email.")
    cc: list[str] | None = Field(None, description="CC addresses.")


@TOOLBOX.tool(toolset="unibox", title="Reply to email", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_reply_email(call: Call[InstantlyDeps], args: Reply) -> ActionResult:
    """Reply to an email in a thread; this SENDS real email. Needs confirm=true; otherwise a preview."""
    client = await client_of(call)
    original = await client.get_email(args.email_id)
    subject = args.subject or (original.subject or "")
    if subject and not subject.lower().startswith("re:") and not args.subject:
        subject = f"Re: {subject}"
    sender = args.from_account or original.eaccount or ""
    to = original.from_address_email if original.ue_type == 2 else original.to_address_email_list
    if not args.confirm:
        snippet = args.body if len(args.body) <= 200 else args.body[:197] + "..."
        return preview(f"Would send from {sender} to {to}, subject '{subject}': {snippet}")
    body: dict[str, Any] = {"reply_to_uuid": args.email_id, "eaccount": sender, "subject": subject,
                            "body": {"html": text_to_html(args.body), "text": args.body}}
    if args.cc:
        body["cc_address_email_list"] = ",".join(args.cc)
    sent = await client.reply(body)
    return ActionResult(executed=True, message=f"Reply sent from {sender} to {to} (email {sent.id}).",
                        object=sent.pick("id", "thread_id", "subject", "eaccount", "timestamp_email"))
