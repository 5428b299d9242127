"""Leads (one at a time and by selection) and lead lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from instantly_mcp.client.base import InstantlyHttp
from instantly_mcp.client.models import BackgroundJob, Lead, LeadList, Page
from instantly_mcp.client.pagination import paginate


def _id(value: str) -> str:
    return quote(value, safe="")


class LeadsApi(InstantlyHttp):
    async def list_leads(
        self, filters: dict[str, Any] | None = None, *, max_items: int = 100, starting_after: str | None = None,
    ) -> Page[Lead]:
        """POST /leads/list: filters go in the body (search, filter, campaign, list_id, contacts, ids, ...)."""
        base = {k: v for k, v in (filters or {}).items() if v is not None}

        async def fetch(limit: int, cursor: str | None) -> Any:
            body = {**base, "limit": limit}
            if cursor:
                body["starting_after"] = cursor
            # A read sent as POST: safe to retry.
            return await self.post("/leads/list", body, idempotent=True)

        return await paginate(fetch, Lead.model_validate, max_items=max_items, starting_after=starting_after)

    async def get_lead(self, lead_id: str) -> Lead:
        return Lead.model_validate(await self.get(f"/leads/{_id(lead_id)}"))

    async def find_lead(self, email: str, *, campaign_id: str | None = None, list_id: str | None = None) -> Lead | None:
        page = await self.list_leads({"contacts": [email], "campaign": campaign_id, "list_id": list_id}, max_items=1)
        return page.items[0] if page.items else None

    async def update_lead(self, lead_id: str, body: dict[str, Any]) -> Lead:
        return Lead.model_validate(await self.patch(f"/leads/{_id(lead_id)}", body))

    async def delete_lead(self, lead_id: str) -> None:
        await self.delete(f"/leads/{_id(lead_id)}")

    async def move_leads(self, body: dict[str, Any]) -> BackgroundJob:
        # Not retried after a lost response: a second job could copy the leads twice.
        return BackgroundJob.model_validate(await self.post("/leads/move", body))

    async def set_interest_status(
        self, lead_email: str, interest_value: int | None, *, campaign_id: str | None = None,
        list_id: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"lead_email": lead_email, "interest_value": interest_value}
        if campaign_id:
            body["campaign_id"] = campaign_id
        if list_id:
            body["list_id"] = list_id
        answer = await self.post("/leads/update-interest-status", body, idempotent=True)
        return str(answer.get("message", "submitted")) if isinstance(answer, dict) else "submitted"

    # --- lead lists ---

    async def list_lead_lists(
        self, *, search: str | None = None, max_items: int = 100, starting_after: str | None = None,
    ) -> Page[LeadList]:
        return await paginate(
            lambda limit, cursor: self.get("/lead-lists", {"search": search, "limit": limit, "starting_after": cursor}),
            LeadList.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def create_lead_list(self, name: str, *, has_enrichment_task: bool | None = None) -> LeadList:
        body: dict[str, Any] = {"name": name}
        if has_enrichment_task is not None:
            body["has_enrichment_task"] = has_enrichment_task
        return LeadList.model_validate(await self.post("/lead-lists", body))

    async def get_lead_list(self, list_id: str) -> LeadList:
        return LeadList.model_validate(await self.get(f"/lead-lists/{_id(list_id)}"))

    async def update_lead_list(self, list_id: str, body: dict[str, Any]) -> LeadList:
        return LeadList.model_validate(await self.patch(f"/lead-lists/{_id(list_id)}", body))

    async def delete_lead_list(self, list_id: str) -> None:
        await self.delete(f"/lead-lists/{_id(list_id)}")
