"""Campaigns: CRUD, activate/pause, and the four analytics views."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from instantly_mcp.client.base import InstantlyHttp
from instantly_mcp.client.models import Campaign, Page
from instantly_mcp.client.pagination import paginate


def _id(value: str) -> str:
    return quote(value, safe="")


class CampaignsApi(InstantlyHttp):
    async def list_campaigns(
        self, *, search: str | None = None, status: int | None = None, tag_ids: list[str] | None = None,
        max_items: int = 100, starting_after: str | None = None,
    ) -> Page[Campaign]:
        params = {"search": search, "status": status, "tag_ids": ",".join(tag_ids) if tag_ids else None}
        return await paginate(
            lambda limit, cursor: self.get("/campaigns", {**params, "limit": limit, "starting_after": cursor}),
            Campaign.model_validate, max_items=max_items, starting_after=starting_after,
        )

    async def get_campaign(self, campaign_id: str) -> Campaign:
        return Campaign.model_validate(await self.get(f"/campaigns/{_id(campaign_id)}"))

    async def create_campaign(self, body: dict[str, Any]) -> Campaign:
        # Not idempotent: a retried create after a lost response would make a second campaign.
        return Campaign.model_validate(await self.post("/campaigns", body))

    async def update_campaign(self, campaign_id: str, body: dict[str, Any]) -> Campaign:
        return Campaign.model_validate(await self.patch(f"/campaigns/{_id(campaign_id)}", body))

    async def delete_campaign(self, campaign_id: str) -> Campaign | None:
        body = await self.delete(f"/campaigns/{_id(campaign_id)}")
        return Campaign.model_validate(body) if isinstance(body, dict) and body.get("id") else None

    async def activate_campaign(self, campaign_id: str) -> Campaign:
        # Activating an active campaign leaves it active, so a retry is safe.
        return Campaign.model_validate(await self.post(f"/campaigns/{_id(campaign_id)}/activate", idempotent=True))

    async def pause_campaign(self, campaign_id: str) -> Campaign:
        return Campaign.model_validate(await self.post(f"/campaigns/{_id(campaign_id)}/pause", idempotent=True))

    # --- analytics (rates are not returned by the API; the tools compute them) ---

    async def campaign_analytics(
        self, campaign_ids: list[str] | None = None, start_date: str | None = None, end_date: str | None = None,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"start_date": start_date, "end_date": end_date}
        if campaign_ids and len(campaign_ids) == 1:
            params["id"] = campaign_ids[0]
        elif campaign_ids:
            params["ids"] = campaign_ids
        body = await self.get("/campaigns/analytics", params)
        return list(body) if isinstance(body, list) else []

    async def analytics_overview(
        self, campaign_ids: list[str] | None = None, start_date: str | None = None, end_date: str | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"start_date": start_date, "end_date": end_date}
        if campaign_ids and len(campaign_ids) == 1:
            params["id"] = campaign_ids[0]
        elif campaign_ids:
            params["ids"] = campaign_ids
        body = await self.get("/campaigns/analytics/overview", params)
        return dict(body) if isinstance(body, dict) else {}

    async def analytics_daily(
        self, campaign_id: str | None = None, start_date: str | None = None, end_date: str | None = None,
    ) -> list[dict[str, Any]]:
        body = await self.get(
            "/campaigns/analytics/daily", {"campaign_id": campaign_id, "start_date": start_date, "end_date": end_date}
        )
        return list(body) if isinstance(body, list) else []

    async def analytics_steps(
        self, campaign_id: str | None = None, start_date: str | None = None, end_date: str | None = None,
    ) -> list[dict[str, Any]]:
        body = await self.get(
            "/campaigns/analytics/steps", {"campaign_id": campaign_id, "start_date": start_date, "end_date": end_date}
        )
        return list(body) if isinstance(body, list) else []
