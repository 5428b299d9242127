"""Instantly API v2 as MCP tools: a typed async client, the tools on top of it, and a local sandbox."""
