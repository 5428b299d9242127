"""The floor for the cold-start benchmark: a bare MCPServer with one tool, started the same way."""

from mcp.server.mcpserver import MCPServer

server = MCPServer(name="floor", version="0")


@server.tool()
async def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()
