"""The live-key rule for the orchestrator's Stripe writes: with a live Stripe key, a tool that would create or
change anything in Stripe needs confirm=true; without it, it returns a preview and writes nothing anywhere.
In test mode and in the sandbox no confirm is needed (except for the destructive tools' own gates)."""

from __future__ import annotations

from pydantic import Field

from orchestrator_mcp.deps import OrchestratorDeps
from shared.tooling import ToolInput

LIVE_CONFIRM = "Needed with a live Stripe key (else a preview)."


class LiveConfirm(ToolInput):
    confirm: bool = Field(False, description=LIVE_CONFIRM)


async def stripe_is_live(deps: OrchestratorDeps) -> bool:
    return (await deps.stripe_client()).mode == "live"


async def live_blocked(deps: OrchestratorDeps, confirm: bool) -> bool:
    """True when this call must stop at a preview: a live Stripe key and no confirm=true."""
    return not confirm and await stripe_is_live(deps)
