"""Unibox: emails and replies (GET /emails is limited to 20 requests a minute)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from instantly_mcp.client.base import InstantlyHttp
from instantly_mcp.client.models import Email, Page
from instantly_mcp.client.pagination import paginate


class EmailsApi(InstantlyHttp):
    async def list_emails(
        self, filters: dict[str, Any] | None = None, *, max_items: int = 100, starting_after: str | None = None,
    ) -> Page[Email]:
        base = {k: v for k, v in (filters or {}).items() if v is not None}
        # No has_more probe here: every extra request spends one of the 20 per minute.
        return await paginate(
            lambda limit, cursor: self.get("/emails", {**base, "limit": limit, "starting_after": cursor}),
            Email.model_validate, max_items=max_items, starting_after=starting_after, probe=False,
        )

    async def get_email(self, email_id: str) -> Email:
        return Email.model_validate(await self.get(f"/emails/{quote(email_id, safe='')}"))

    async def count_unread(self) -> int:
        body = await self.get("/emails/unread/count")
        return int(body.get("count", 0)) if isinstance(body, dict) else 0

    async def reply(self, body: dict[str, Any]) -> Email:
        # Never retried after a lost response: that could send the reply twice.
        return Email.model_validate(await self.post("/emails/reply", body, idempotent=False))
