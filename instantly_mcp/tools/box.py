"""The Instantly toolbox that the tool modules register on (`instantly_mcp.tools.TOOLBOX` is the full one)."""

from shared.tooling import Toolbox

TOOLBOX = Toolbox("instantly")
