"""Sending account tools: list or get (with warmup analytics), and state changes (pause/resume, warmup on/off)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Account, InstantlyClient, Page
from instantly_mcp.client.enums import ACCOUNT_STATUS, ACCOUNT_STATUS_CODE, WARMUP_STATUS, AccountStatusName, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools.box import TOOLBOX
from instantly_mcp.tools.common import ItemsResult, ListInput, client_of, page_result
from shared.errors import ApiError
from shared.render import plural
from shared.safety import ConfirmInput, GatedResult
from shared.tooling import Call


def _brief(a: Account) -> dict[str, Any]:
    out = a.pick("email", "first_name", "last_name", "daily_limit", "stat_warmup_score", "timestamp_created")
    out["status"] = name_of(ACCOUNT_STATUS, a.status)
    out["warmup_status"] = name_of(WARMUP_STATUS, a.warmup_status)
    return out


class ListAccounts(ListInput):
    emails: list[str] | None = Field(None, max_length=100, description="These accounts in full, with warmup "
                                                                       "health and inbox/spam counts.")
    daily: bool = Field(False, description="With emails: warmup numbers per day too.")
    search: str | None = Field(None, description="Match on email or domain.")
    status: AccountStatusName | None = Field(None, description="Only accounts in this status.")


def _cursor(item: dict[str, Any]) -> str | None:
    """Accounts page by `timestamp_created&email` of the last one (listAccount's documented cursor)."""
    if item.get("timestamp_created") and item.get("email"):
        return f"{item['timestamp_created']}&{item['email']}"
    return None


@TOOLBOX.tool(toolset="accounts", title="List or get sending accounts", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_list_accounts(call: Call[InstantlyDeps], args: ListAccounts) -> ItemsResult:
    """List sending accounts with status and warmup, or give emails for those in full with warmup analytics."""
    client = await client_of(call)
    if args.emails:
        return await _detailed(client, args.emails, args.daily)
    page = await client.list_accounts(
        search=args.search, status=ACCOUNT_STATUS_CODE[args.status] if args.status else None,
        max_items=args.limit, starting_after=args.starting_after,
    )
    return page_result(page, [_brief(a) for a in page.items], "account", cursor=_cursor)


async def _detailed(client: InstantlyClient, emails: list[str], daily: bool) -> ItemsResult:
    data = await client.warmup_analytics(emails)
    aggregate = data.get("aggregate_data") or {}
    per_day = data.get("email_date_data") or {}
    rows: list[dict[str, Any]] = []
    for email in emails:
        account = await client.get_account(email)  # an unknown email is an error (404), never a silent gap
        row = {**account.as_dict(), "status": name_of(ACCOUNT_STATUS, account.status),
               "warmup_status": name_of(WARMUP_STATUS, account.warmup_status),
               "warmup_analytics": aggregate.get(email) or {}}
        if daily and email in per_day:
            row["warmup_daily"] = per_day[email]
        rows.append({k: v for k, v in row.items() if v is not None})
    out = page_result(Page(items=rows), rows, "account", cursor=None)
    out._headline = "; ".join(
        f"{r['email']}: {r.get('status')}, warmup {r.get('warmup_status')}, health "
        f"{r['warmup_analytics'].get('health_score', 'n/a')}" for r in rows[:10]) + "."
    return out


class AccountAction(ConfirmInput):
    emails: list[str] = Field(min_length=1, max_length=100, description="Sending account emails.")
    action: Literal["pause", "resume", "enable_warmup", "disable_warmup"] = Field(description="What to do.")


class AccountActionResult(GatedResult):
    action: str
    done: list[str] = []
    failed: dict[str, str] = {}
    job_id: str | None = None

    def summary(self) -> str:
        if not self.executed:
            return super().summary()
        job = f" (background job {self.job_id})" if self.job_id else ""
        bad = f"; failed: {self.failed}" if self.failed else ""
        return f"{self.action}: {plural(len(self.done), 'account')}{job}{bad}."


async def _states(client: InstantlyClient, emails: list[str]) -> str:
    parts = []
    for email in emails[:20]:
        try:
            a = await client.get_account(email)
            parts.append(f"{email} ({name_of(ACCOUNT_STATUS, a.status)}, warmup {name_of(WARMUP_STATUS, a.warmup_status)})")
        except ApiError as exc:
            parts.append(f"{email} ({exc.api_message})")
    more = f" and {len(emails) - 20} more" if len(emails) > 20 else ""
    return ", ".join(parts) + more


@TOOLBOX.tool(toolset="accounts", title="Pause/resume account or toggle warmup", read_only=False,
              destructive=False, idempotent=True, open_world=True)
async def instantly_manage_accounts(call: Call[InstantlyDeps], args: AccountAction) -> AccountActionResult:
    """Pause/resume sending accounts or turn warmup on/off."""
    client = await client_of(call)
    if not args.confirm:
        effect = {"pause": "stop sending from", "resume": "send again from", "enable_warmup": "start warmup for",
                  "disable_warmup": "stop warmup for"}[args.action]
        return AccountActionResult(executed=False, action=args.action,
                                   preview=f"Would {effect} {await _states(client, args.emails)}.")
    if args.action in ("enable_warmup", "disable_warmup"):
        job = await client.set_warmup(args.emails, args.action == "enable_warmup")
        return AccountActionResult(executed=True, action=args.action, done=list(args.emails), job_id=job.id)
    done: list[str] = []
    failed: dict[str, str] = {}
    for email in args.emails:
        try:
            if args.action == "pause":
                await client.pause_account(email)
            else:
                await client.resume_account(email)
            done.append(email)
        except ApiError as exc:
            if len(args.emails) == 1:
                raise
            failed[email] = exc.message
    return AccountActionResult(executed=True, action=args.action, done=done, failed=failed)
