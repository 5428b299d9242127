"""The two sandboxes' simulation controls (`/_sandbox/...`), reachable only in sandbox mode.

The simulation tools make the sandboxes' world move: they never run against real keys. `require_sandbox`
is the one check every simulation call makes first, whatever the server listed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.errors import AppError, InputError

NOT_SANDBOX = ("simulation works only in sandbox mode (start the servers with --sandbox or ISMCP_SANDBOX=1); "
               "with real keys nothing is simulated")


def require_sandbox(options: Any) -> None:
    if not getattr(options, "sandbox", False):
        raise AppError(NOT_SANDBOX)


class Sandboxes:
    """HTTP to both sandboxes' controls and APIs (sandbox keys only)."""

    def __init__(self, instantly_url: str, stripe_url: str, *, instantly_key: str, stripe_key: str) -> None:
        self.instantly_url = instantly_url.rstrip("/")
        self.stripe_url = stripe_url.rstrip("/")
        self.instantly_key = instantly_key
        self.stripe_key = stripe_key
        self.http = httpx.AsyncClient(timeout=120)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, api: str, method: str, url: str, **kwargs: Any) -> Any:
        res = await self.http.request(method, url, **kwargs)
        if res.status_code >= 400:
            try:
                data = res.json()
            except ValueError:
                data = {}
            message = (data.get("error") or {}).get("message") if isinstance(data.get("error"), dict) else None
            message = message or data.get("message") or res.text[:300]
            if res.status_code in (400, 402, 404):  # refused: bad input, unknown object, or a declined card
                raise InputError(f"{api} sandbox: {message}")
            raise AppError(f"{api} sandbox answered {res.status_code}: {message}")
        return res.json()

    async def instantly(self, path: str, body: Any = None) -> Any:
        """POST (or GET without a body) to the Instantly sandbox's /_sandbox/<path>."""
        method = "POST" if body is not None else "GET"
        return await self._send("Instantly", method, f"{self.instantly_url}/_sandbox/{path}", json=body)

    async def stripe(self, path: str, body: Any = None) -> Any:
        method = "POST" if body is not None else "GET"
        return await self._send("Stripe", method, f"{self.stripe_url}/_sandbox/{path}", json=body)

    async def instantly_api(self, method: str, path: str, body: Any = None) -> Any:
        return await self._send("Instantly", method, f"{self.instantly_url}/api/v2/{path}", json=body,
                                headers={"Authorization": f"Bearer {self.instantly_key}"})

    async def stripe_api(self, method: str, path: str, data: dict[str, Any] | None = None,
                         key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.stripe_key}"}
        if key:
            headers["Idempotency-Key"] = key
        return await self._send("Stripe", method, f"{self.stripe_url}/v1/{path}", data=data, headers=headers)


async def open_sandboxes() -> Sandboxes:
    """Both shared sandboxes (started if they are not running)."""
    from instantly_mcp.deps import SANDBOX as INSTANTLY
    from shared.sandbox_mode import ensure_running
    from stripe_mcp.deps import SANDBOX as STRIPE

    instantly_url, stripe_url = await asyncio.gather(asyncio.to_thread(ensure_running, INSTANTLY),
                                                     asyncio.to_thread(ensure_running, STRIPE))
    return Sandboxes(instantly_url, stripe_url, instantly_key=INSTANTLY.api_key, stripe_key=STRIPE.api_key)
