"""Run-time dependencies of the Instantly tools: options, the store, and the API client (created on first use)."""

from __future__ import annotations

from shared.deps import BaseDeps, ServerOptions
from shared.secrets import INSTANTLY_API_KEY, env_value, require

INSTANTLY_BASE_URL_ENV = "INSTANTLY_BASE_URL"
DEFAULT_BASE_URL = "https://api.instantly.ai"


class InstantlyDeps(BaseDeps):
    server = "instantly"

    def __init__(self, options: ServerOptions | None = None) -> None:
        super().__init__(options)

    def base_url(self) -> str:
        return env_value(INSTANTLY_BASE_URL_ENV, default=DEFAULT_BASE_URL) or DEFAULT_BASE_URL

    def api_key(self) -> str:
        """The key, or MissingSecretError saying how to set it (at call time, never at start)."""
        return require(INSTANTLY_API_KEY)
