"""Unibox tools: list or read emails (and count unread), reply (sends mail: gated)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Email
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import (
    CURSOR_DESCRIPTION, ActionResult, ItemsResult, by_id, client_of, preview, text_to_html,
)
from instantly_mcp.tools.resolve import Names, label
from shared.safety import ConfirmInput
from shared.tooling import Call, ToolInput

UE_TYPE = {1: "sent_campaign", 2: "received", 3: "sent", 4: "scheduled"}


def _brief(e: Email) -> dict[str, Any]:
    out = e.pick("id", "thread_id", "timestamp_email", "subject", "from_address_email", "to_address_email_list",
                 "eaccount", "lead", "campaign_id", "content_preview")
    out["type"] = UE_TYPE.get(e.ue_type or 0, e.ue_type)
    out["unread"] = bool(e.is_unread)
    return out


class ListEmails(ToolInput):
    email_id: str | None = Field(None, description="This email in full, with its body.")
    campaign_id: str | None = Field(None, description="Only this campaign's emails (name or id).")
    lead_email: str | None = Field(None, description="Only emails with this lead.")
    thread_id: str | None = Field(None, description="Only this thread.")
    email_type: Literal["received", "sent", "manual"] | None = Field(None, description="received = replies.")
    unread_only: bool = Field(False, description="Only unread; also counts all unread.")
    limit: int = Field(20, ge=1, le=100, description="Max emails (the API allows 20 list calls a minute).")
    starting_after: str | None = Field(None, description=CURSOR_DESCRIPTION)


class EmailsResult(ItemsResult):
    unread_total: int | None = None

    def summary(self) -> str:
        head = super().summary()
        return head if self.unread_total is None else f"{self.unread_total} unread in all. {head}"


@TOOLBOX.tool(toolset="unibox", title="List or read emails", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_list_emails(call: Call[InstantlyDeps], args: ListEmails) -> EmailsResult:
    """List Unibox emails and replies, newest first, with filters; or read one in full with email_id."""
    names = Names(await client_of(call))
    client = names.client
    if args.email_id:
        e = await client.get_email(args.email_id)
        full = {**e.as_dict(), "type": UE_TYPE.get(e.ue_type or 0, e.ue_type)}
        out = EmailsResult(items=await names.name_rows([full]), count=1)
        out._noun = ("email", None)
        out._headline = f"Email {label(e.subject, e.id)} from {e.from_address_email}."
        return out
    filters = {
        "campaign_id": await names.campaign_id(args.campaign_id), "lead": args.lead_email,
        "email_type": args.email_type, "search": f"thread:{args.thread_id}" if args.thread_id else None,
        "is_unread": True if args.unread_only else None,
    }
    page = await client.list_emails(filters, max_items=args.limit, starting_after=args.starting_after)
    out = EmailsResult(items=await names.name_rows([_brief(e) for e in page.items]), count=len(page.items),
                       has_more=page.has_more, next_starting_after=page.next_starting_after,
                       unread_total=await client.count_unread() if args.unread_only else None)
    out._noun = ("email", None)
    out._cursor = by_id
    return out


class NoInput(ToolInput):
    pass


class Reply(ConfirmInput):
    email_id: str = Field(description="Id of the email to answer.")
    body: str = Field(min_length=1, description="Reply text or HTML.")
    subject: str | None = Field(None, description="Default: Re: original subject.")
    from_account: str | None = Field(None, description="Sending account; default: the one that got the email.")
    cc: list[str] | None = Field(None, description="CC addresses.")


@TOOLBOX.tool(toolset="unibox", title="Reply to email", read_only=False, destructive=False, idempotent=False,
              open_world=True)
async def instantly_reply_email(call: Call[InstantlyDeps], args: Reply) -> ActionResult:
    """Reply to an email in a thread; this SENDS real email."""
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
