"""Test or live mode, read from the key's prefix (sk_test_/rk_test_/sk_live_/rk_live_)."""

from __future__ import annotations

from typing import Literal

from shared.errors import AppError, MissingSecretError

Mode = Literal["test", "live"]

_PREFIXES: dict[str, tuple[Mode, bool]] = {
    "sk_test_": ("test", False),
    "rk_test_": ("test", True),
    "sk_live_": ("live", False),
    "rk_live_": ("live", True),
}


class LiveModeRefused(AppError):
    """A live key was configured while STRIPE_REFUSE_LIVE=1."""

    def hint(self) -> str:
        return "Use a test key (sk_test_/rk_test_) or unset STRIPE_REFUSE_LIVE to allow live mode."


def key_mode(key: str) -> tuple[Mode, bool]:
    """(mode, restricted) for a Stripe key, or MissingSecretError for a key that is not a Stripe secret key."""
    for prefix, found in _PREFIXES.items():
        if key.startswith(prefix):
            return found
    if key.startswith("pk_"):
        raise MissingSecretError(
            "The configured Stripe key is a publishable key (pk_...); a secret (sk_) or restricted (rk_) key is "
            "needed: set it with `stripe-mcp auth set api-key` or export STRIPE_API_KEY=..."
        )
    raise MissingSecretError(
        "The configured Stripe key does not look like a secret or restricted key (sk_test_, sk_live_, rk_test_, "
        "rk_live_): set it with `stripe-mcp auth set api-key` or export STRIPE_API_KEY=..."
    )


def object_mode(obj: dict) -> Mode | None:  # type: ignore[type-arg]
    """The mode an object says it belongs to (its `livemode`), if it says."""
    live = obj.get("livemode")
    if live is None:
        return None
    return "live" if live else "test"
