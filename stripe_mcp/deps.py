"""Run-time dependencies of the Stripe tools: options, the store, and the Stripe client (created on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.deps import BaseDeps, ServerOptions
from shared.ratelimit import RateLimits
from shared.ratelimit_shared import StoreGetter, limiter, limits_from_env
from shared.sandbox_mode import SandboxSpec
from shared import profiles
from shared.secrets import STRIPE_ACCOUNT, STRIPE_API_KEY, env_flag, env_value, lookup, require
from stripe_mcp.client.mode import Mode

if TYPE_CHECKING:
    from stripe_mcp.client.api import StripeApi

STRIPE_API_BASE_ENV = "STRIPE_API_BASE"
REFUSE_LIVE_ENV = "STRIPE_REFUSE_LIVE"
# Opt-in client-side limit on Stripe requests, e.g. "25/1" (Stripe allows 100 per second in live mode, 25 in test
# mode and sandboxes, per account: https://docs.stripe.com/rate-limits), shared through the store by every process
# of the account ("local:25/1": per process). Unset: no client-side limit; the SDK retries Stripe's 429s.
RATE_LIMIT_ENV = "STRIPE_RATE_LIMIT"
DEFAULT_API_BASE = "https://api.stripe.com"
# The shared local sandbox used in sandbox mode (--sandbox / ISMCP_SANDBOX=1); it accepts this test key.
SANDBOX = SandboxSpec("stripe", "stripe_mcp.sandbox", "ISMCP_SANDBOX_STRIPE_PORT", 8762, "sk_test_sandbox")


class StripeDeps(BaseDeps):
    server = "stripe"

    def __init__(self, options: ServerOptions | None = None, *, budget_store: StoreGetter | None = None) -> None:
        super().__init__(options)
        self._clients: dict[str, StripeApi] = {}  # one per profile (shared/profiles.py)
        self._budget_store = budget_store  # where a shared rate limit lives: this store or the embedding process's

    def api_base(self) -> str:
        return env_value(STRIPE_API_BASE_ENV, default=DEFAULT_API_BASE) or DEFAULT_API_BASE

    def api_key(self) -> str:
        """The profile in effect's key, or MissingSecretError saying how to set it (at call time, never at start)."""
        return require(STRIPE_API_KEY)

    def stripe_account(self) -> str | None:
        """The profile's Connect account (acct_...), sent as the Stripe-Account header on every request; None
        acts on the key's own account. Never in sandbox mode."""
        if self.options.sandbox:
            return None
        found = lookup(STRIPE_ACCOUNT)
        return found.value if found else None

    async def client(self) -> StripeApi:
        """The Stripe client, created on first use: a missing key (or a refused live key) fails this call only.
        In sandbox mode it talks to the shared local sandbox, started if it is not running."""
        return await self.per_profile(self._clients, self._new_client)

    async def _new_client(self) -> StripeApi:
        from stripe_mcp.client.api import StripeApi, retries_from_env  # the SDK loads on the first Stripe call

        key, base = await self.endpoint(SANDBOX, self.api_key, self.api_base)
        limits = None
        if group := limits_from_env(RATE_LIMIT_ENV, ()):
            limits = RateLimits(limiter("Stripe", key, group, self._budget_store or self.store))
        return StripeApi(key, api_base=base, max_network_retries=retries_from_env(),
                         refuse_live=env_flag(REFUSE_LIVE_ENV), limits=limits,
                         stripe_account=self.stripe_account())

    @property
    def _client(self) -> StripeApi | None:
        """The profile in effect's client, if it exists yet."""
        return self._clients.get(profiles.current())

    @property
    def mode(self) -> Mode | None:
        """test or live, once the client exists (tools read `(await deps.client()).mode`)."""
        return self._client.mode if self._client is not None else None

    def mode_note(self) -> str | None:
        if self.options.sandbox:
            return "Stripe sandbox: simulated data, no real money"
        if self._client is None:
            return None
        return "LIVE mode: real money" if self._client.mode == "live" else "test mode"

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        await super().aclose()
