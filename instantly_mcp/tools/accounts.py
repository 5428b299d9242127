"""Sending account tools: list, get, warmup analytics, and state changes (pause/resume, warmup on/off)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from instantly_mcp.client import Account, InstantlyClient
from instantly_mcp.client.enums import ACCOUNT_STATUS, ACCOUNT_STATUS_CODE, WARMUP_STATUS, AccountStatusName, name_of
from instantly_mcp.deps import InstantlyDeps
from instantly_mcp.tools import TOOLBOX
from instantly_mcp.tools.common import ItemsResult, ListInput, ObjectResult, client_of, obj, page_result
from shared.errors import ApiError
from shared.safety import ConfirmInput, GatedResult
from shared.tooling import Call, ToolInput, ToolResult


def _brief(a: Account) -> dict[str, Any]:
    out = a.pick("email", "first_name", "last_name", "daily_limit", "stat_warmup_score")
    out["status"] = name_of(ACCOUNT_STATUS, a.status)
    out["warmup_status"] = name_of(WARMUP_STATUS, a.warmup_status)
    return out


class ListAccounts(ListInput):
    search: str | None = Field(None, description="Match on email or domain.")
    status: AccountStatusName | None = Field(None, description="Only accounts in this status.")


@TOOLBOX.tool(toolset="accounts", title="List sending accounts", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_list_accounts(call: Call[InstantlyDeps], args: ListAccounts) -> ItemsResult:
    """List sending email accounts with status, warmup status and warmup score."""
    client = await client_of(call)
    page = await client.list_accounts(
        search=args.search, status=ACCOUNT_STATUS_CODE[args.status] if args.status else None,
        max_items=args.limit, starting_after=args.starting_after,
    )
    return page_result(page, [_brief(a) for a in page.items], "accounts")


class AccountEmail(ToolInput):
    email: str = Field(description="Sending account email.")


@TOOLBOX.tool(toolset="accounts", title="Get sending account", read_only=True, destructive=False, idempotent=True,
              open_world=True)
async def instantly_get_account(call: Call[InstantlyDeps], args: AccountEmail) -> ObjectResult:
    """One sending account: status, limits, warmup settings and status."""
    a = await (await client_of(call)).get_account(args.email)
    return obj(a, "Account", status=name_of(ACCOUNT_STATUS, a.status),
               warmup_status=name_of(WARMUP_STATUS, a.warmup_status))


class WarmupIn(ToolInput):
    emails: list[str] = Field(min_length=1, max_length=100, description="Sending account emails.")
    daily: bool = Field(False, description="Include per-day numbers.")


class WarmupResult(ToolResult):
    accounts: dict[str, dict[str, Any]]

    def summary(self) -> str:
        parts = [f"{e}: warmup {v.get('warmup_status', '?')}, health {v.get('health_score', '?')}"
                 for e, v in list(self.accounts.items())[:10]]
        return "; ".join(parts) + "."


@TOOLBOX.tool(toolset="accounts", title="Warmup status and analytics", read_only=True, destructive=False,
              idempotent=True, open_world=True)
async def instantly_account_warmup(call: Call[InstantlyDeps], args: WarmupIn) -> WarmupResult:
    """Warmup status, health score, inbox/spam counts for sending accounts."""
    client = await client_of(call)
    data = await client.warmup_analytics(args.emails)
    aggregate = data.get("aggregate_data") or {}
    daily = data.get("email_date_data") or {}
    out: dict[str, dict[str, Any]] = {}
    for email in args.emails:
        row = dict(aggregate.get(email) or {})
        try:
            row["warmup_status"] = name_of(WARMUP_STATUS, (await client.get_account(email)).warmup_status)
        except ApiError as exc:
            row["warmup_status"] = f"unknown ({exc.api_message})"
        if args.daily and email in daily:
            row["daily"] = daily[email]
        out[email] = row
    return WarmupResult(accounts=out)


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
        return f"{self.action}: {len(self.done)} accounts{job}{bad}."


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
    """Pause/resume sending accounts or turn warmup on/off. Needs confirm=true; otherwise a preview."""
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
