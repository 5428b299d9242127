"""Run-time dependencies of the Instantly tools: options, the store, and the API client (created on first use)."""

from __future__ import annotations

from instantly_mcp.client import InstantlyClient
from instantly_mcp.client.base import workspace_limits
from shared.deps import BaseDeps, ServerOptions
from shared.ratelimit_shared import StoreGetter
from shared.sandbox_mode import SandboxSpec
from shared.errors import InputError
from shared.secrets import INSTANTLY_API_KEY, INSTANTLY_WEBHOOK_SECRET, env_value, require

INSTANTLY_BASE_URL_ENV = "INSTANTLY_BASE_URL"
# The shared local sandbox used in sandbox mode (--sandbox / ISMCP_SANDBOX=1); it accepts this fixed key.
SANDBOX = SandboxSpec("instantly", "instantly_mcp.sandbox", "ISMCP_SANDBOX_INSTANTLY_PORT", 8761,
                      "sandbox-instantly-key")
DEFAULT_BASE_URL = "https://api.instantly.ai"
MAX_LEADS_ENV = "INSTANTLY_MAX_LEADS_PER_IMPORT"
DEFAULT_MAX_LEADS = 10_000


class InstantlyDeps(BaseDeps):
    server = "instantly"

    def __init__(self, options: ServerOptions | None = None, *, budget_store: StoreGetter | None = None) -> None:
        super().__init__(options)
        self._clients: dict[str, InstantlyClient] = {}  # one per profile (shared/profiles.py)
        # Where the shared rate-limit budget lives: this server's store, or the embedding process's (orchestrator).
        self._budget_store = budget_store

    def base_url(self) -> str:
        url = (env_value(INSTANTLY_BASE_URL_ENV, default=DEFAULT_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")
        # Other Instantly tools take the URL with /api/v2; our paths carry it already.
        return url.removesuffix("/api/v2")

    def api_key(self) -> str:
        """The profile in effect's key, or MissingSecretError saying how to set it (at call time, never at start)."""
        return require(INSTANTLY_API_KEY)

    async def client(self) -> InstantlyClient:
        """The API client, created on first use so a missing key is an error of the call, not of start-up.
        In sandbox mode it talks to the shared local sandbox, started if it is not running."""
        return await self.per_profile(self._clients, self._new_client)

    async def _new_client(self) -> InstantlyClient:
        key, url = await self.endpoint(SANDBOX, self.api_key, self.base_url)
        # options.extra["instantly_retry"]: a shared.http.RetryPolicy (tests use a fast one)
        # The workspace's rate limits are shared through the store with every process of this installation.
        return InstantlyClient(key, url, retry=self.options.extra.get("instantly_retry"),
                               limits=workspace_limits(key, self._budget_store or self.store))

    def webhook_secret(self) -> str:
        """The profile in effect's shared secret our webhook receiver checks in the X-Webhook-Secret header."""
        return require(INSTANTLY_WEBHOOK_SECRET)

    def max_leads_per_import(self) -> int:
        raw = env_value(MAX_LEADS_ENV, default=str(DEFAULT_MAX_LEADS)) or str(DEFAULT_MAX_LEADS)
        try:
            value = int(raw)
        except ValueError:
            raise InputError(f"must be a whole number, got {raw!r}", MAX_LEADS_ENV) from None
        return max(1, value)

    def mode_note(self) -> str | None:
        return "Instantly sandbox: simulated data, nothing is sent" if self.options.sandbox else None

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        await super().aclose()
