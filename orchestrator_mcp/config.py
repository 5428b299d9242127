"""The orchestrator's configuration, kept in the store (app_config key `pipeline`) and set by a tool.

Which Instantly campaign plays which lifecycle role is configuration, never hard-coded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from orchestrator_mcp.scoring import ScoringWeights

if TYPE_CHECKING:
    from shared.store import Store


Role = Literal["post_purchase", "dunning", "renewal", "win_back", "upsell"]
ROLES: tuple[Role, ...] = ("post_purchase", "dunning", "renewal", "win_back", "upsell")
CONFIG_KEY = "pipeline"
MAX_LINKS_ENV = "ORCHESTRATOR_MAX_LINKS_PER_RUN"


class PipelineConfig(BaseModel):
    campaign_roles: dict[Role, str] = Field(default_factory=dict, description="Lifecycle role -> Instantly campaign id.")
    auto_payment_flow: bool = Field(
        False, description="Run trigger_payment_flow automatically when a lead is marked interested or books a meeting.")
    campaign_prices: dict[str, str] = Field(
        default_factory=dict, description="Instantly campaign id -> Stripe price id used for automatic links.")
    default_price_id: str | None = Field(None, description="Price for automatic links when the campaign has none.")
    scoring: ScoringWeights = Field(default_factory=ScoringWeights)
    max_links_per_run: int = Field(100, ge=1, description="Cap on payment links one bulk conversion may create.")


async def load_config(store: Store) -> PipelineConfig:
    cfg = PipelineConfig.model_validate(await store.get_config(CONFIG_KEY, default={}))
    if cap := os.environ.get(MAX_LINKS_ENV, "").strip():
        cfg.max_links_per_run = min(cfg.max_links_per_run, max(1, int(cap)))
    return cfg


async def save_config(store: Store, cfg: PipelineConfig) -> None:
    await store.set_config(CONFIG_KEY, cfg.model_dump(mode="json"))
