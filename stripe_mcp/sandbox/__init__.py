"""A local Stripe API simulator for tests and demos: the `/v1` endpoints the official SDK uses, state in SQLite,
signed webhooks, and test controls under `/_sandbox/` (see control.py and README.md).

    from stripe_mcp.sandbox import create_app, SANDBOX_API_KEY
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

SANDBOX_API_KEY = "sk_test_sandbox"

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["SANDBOX_API_KEY", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":  # lazy: importing the package for the key does not load Starlette
        from .app import create_app

        return create_app
    raise AttributeError(name)
