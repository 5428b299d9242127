"""Run-time dependencies of the Stripe tools: options, the store, and the Stripe client (created on first use)."""

from __future__ import annotations

from shared.deps import BaseDeps, ServerOptions
from shared.secrets import STRIPE_API_KEY, env_value, require

STRIPE_API_BASE_ENV = "STRIPE_API_BASE"
DEFAULT_API_BASE = "https://api.stripe.com"


class StripeDeps(BaseDeps):
    server = "stripe"

    def __init__(self, options: ServerOptions | None = None) -> None:
        super().__init__(options)

    def api_base(self) -> str:
        return env_value(STRIPE_API_BASE_ENV, default=DEFAULT_API_BASE) or DEFAULT_API_BASE

    def api_key(self) -> str:
        """The key, or MissingSecretError saying how to set it (at call time, never at start)."""
        return require(STRIPE_API_KEY)
