"""Sending accounts (keyed by email address) and their warmup."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from instantly_mcp.client.base import InstantlyHttp
from instantly_mcp.client.models import Account, BackgroundJob, Page
from instantly_mcp.client.pagination import paginate


def _email(value: str) -> str:
    return quote(value, safe="@")


class AccountsApi(InstantlyHttp):
    async def list_accounts(
        self, *, search: str | None = None, status: int | None = None, max_items: int = 100,
        starting_after: str | None = None,
    ) -> Page[Account]:
        params = {"search": search, "status": status}
        return await paginate(
            lambda limit, cursor: self.get("/accounts", {**params, "limit": limit, "starting_after": cursor}),
            Account.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def get_account(self, email: str) -> Account:
        return Account.model_validate(await self.get(f"/accounts/{_email(email)}"))

    async def pause_account(self, email: str) -> Account:
        return Account.model_validate(await self.post(f"/accounts/{_email(email)}/pause", idempotent=True))

    async def resume_account(self, email: str) -> Account:
        return Account.model_validate(await self.post(f"/accounts/{_email(email)}/resume", idempotent=True))

    async def set_warmup(self, emails: list[str], enable: bool) -> BackgroundJob:
        path = "/accounts/warmup/enable" if enable else "/accounts/warmup/disable"
        # Enabling (or disabling) twice ends in the same state: safe to retry.
        return BackgroundJob.model_validate(await self.post(path, {"emails": emails}, idempotent=True))

    async def warmup_analytics(self, emails: list[str]) -> dict[str, Any]:
        body = await self.post("/accounts/warmup-analytics", {"emails": emails}, idempotent=True)
        return dict(body) if isinstance(body, dict) else {}
