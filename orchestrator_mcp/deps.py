"""Run-time dependencies of the orchestrator: the store, and both API packages' deps as libraries."""

from __future__ import annotations

from instantly_mcp.deps import InstantlyDeps
from shared.deps import BaseDeps, ServerOptions
from stripe_mcp.deps import StripeDeps


class OrchestratorDeps(BaseDeps):
    server = "orchestrator"

    def __init__(self, options: ServerOptions | None = None) -> None:
        super().__init__(options)
        self.instantly = InstantlyDeps(self.options)
        self.stripe = StripeDeps(self.options)

    async def aclose(self) -> None:
        await self.instantly.aclose()
        await self.stripe.aclose()
        await super().aclose()
