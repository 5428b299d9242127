"""The Stripe API as MCP tools: a client on the official SDK, the tools on top of it, and a local sandbox."""
