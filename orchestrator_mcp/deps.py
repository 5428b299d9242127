"""Run-time dependencies of the orchestrator: the store, and both API packages' clients as libraries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from instantly_mcp.client import InstantlyClient
from instantly_mcp.deps import InstantlyDeps
from orchestrator_mcp.config import PipelineConfig, load_config
from shared.deps import BaseDeps, ServerOptions
from stripe_mcp.deps import StripeDeps

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi


class OrchestratorDeps(BaseDeps):
    server = "orchestrator"

    def __init__(self, options: ServerOptions | None = None) -> None:
        super().__init__(options)
        # The API packages' deps, without their own audit trail: the orchestrator audits its tool calls.
        inner = ServerOptions(sandbox=self.options.sandbox, store_url=self.options.store_url, audit=False)
        self.instantly = InstantlyDeps(inner, budget_store=self.store)  # one store per process, rate budget too
        self.stripe = StripeDeps(inner, budget_store=self.store)

    async def instantly_client(self) -> InstantlyClient:
        return await self.instantly.client()

    async def stripe_client(self) -> StripeApi:
        return await self.stripe.client()

    async def config(self) -> PipelineConfig:
        return await load_config(await self.store())

    def mode_note(self) -> str | None:
        return "sandbox mode: simulated Instantly and Stripe, no real email or money" if self.options.sandbox else None

    async def aclose(self) -> None:
        await self.instantly.aclose()
        await self.stripe.aclose()
        await super().aclose()
