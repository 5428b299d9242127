"""Confirmation gating for writes that send, delete, start/pause or move money.

Claude Desktop declares no elicitation capability, so the portable pattern is a two-step call:
without confirm=true the tool makes no write call and returns a preview of what would happen.
"""

from __future__ import annotations

from pydantic import Field

from shared.tooling import ToolInput, ToolResult

CONFIRM_DESCRIPTION = "Do it; without it only a preview (nothing changed)."


class ConfirmInput(ToolInput):
    """Mixin base for inputs of gated tools."""

    confirm: bool = Field(False, description=CONFIRM_DESCRIPTION)


class GatedResult(ToolResult):
    """Mixin base for results of gated tools: executed=False means this is only a preview."""

    executed: bool = Field(description="True when the action was carried out; false for a preview.")
    preview: str | None = Field(None, description="What would happen, when executed is false.")

    def summary(self) -> str:
        if not self.executed:
            return f"PREVIEW (nothing changed): {self.preview} Call again with confirm=true to do it."
        return super().summary()
