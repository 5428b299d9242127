"""Signed webhook deliveries: a background task POSTs each queued event to its endpoint, retrying with backoff.

Header `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's whsec_ secret>`,
which `stripe.Webhook.construct_event` verifies. The queue is in SQLite, so deliveries survive a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from .runtime import Sandbox, public

log = logging.getLogger(__name__)


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@dataclass
class DeliveryConfig:
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # first retry after this, doubling each time
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 10.0

    def update(self, body: dict[str, Any]) -> None:
        for key in ("max_attempts", "backoff_seconds", "max_backoff_seconds", "timeout_seconds"):
            if key in body and body[key] is not None:
                setattr(self, key, type(getattr(self, key))(body[key]))


class WebhookWorker:
    def __init__(self, sb: Sandbox, config: DeliveryConfig | None = None) -> None:
        self.sb = sb
        self.config = config or DeliveryConfig()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self.delivered = 0
        self.failed_attempts = 0

    def reset(self) -> None:
        self.config = DeliveryConfig()
        self.delivered = self.failed_attempts = 0

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._client = httpx.AsyncClient(trust_env=False)  # receivers are local; ignore proxy variables
        self._task = asyncio.create_task(self._run(), name="sandbox-webhooks")
        self.sb.wake_webhooks = self.wake

    async def stop(self) -> None:
        self.sb.wake_webhooks = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            try:
                due = self.sb.store.due_deliveries(time.time())
                if due:
                    await asyncio.gather(*(self._deliver(d) for d in due))
                    continue
                nxt = self.sb.store.next_delivery_at()
                wait = 5.0 if nxt is None else min(5.0, max(0.0, nxt - time.time()))
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=wait)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the worker must keep running (e.g. the store was reset meanwhile)
                log.exception("webhook worker error")
                await asyncio.sleep(0.2)

    async def _deliver(self, d: dict[str, Any]) -> None:
        store = self.sb.store
        endpoint = store.get("webhook_endpoint", d["endpoint_id"])
        event = store.get("event", d["event_id"])
        if endpoint is None or event is None or endpoint.get("status") != "enabled":
            store.update_delivery(d["id"], status="canceled")
            return
        payload = json.dumps(public(event), indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, endpoint["_secret"]),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        status: int | None = None
        error: str | None = None
        assert self._client is not None
        try:
            resp = await self._client.post(endpoint["url"], content=payload.encode(), headers=headers,
                                           timeout=self.config.timeout_seconds)
            status = resp.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = d["attempts"] + 1
        if status is not None and 200 <= status < 300:
            store.update_delivery(d["id"], status="delivered", attempts=attempts, last_status=status,
                                  last_error=None, delivered_at=time.time())
            self.delivered += 1
            current = store.get("event", d["event_id"])
            if current is not None:
                current["pending_webhooks"] = max(0, int(current.get("pending_webhooks", 1)) - 1)
                store.save("event", current)
            return
        self.failed_attempts += 1
        error = error or f"HTTP {status}"
        if attempts >= self.config.max_attempts:
            store.update_delivery(d["id"], status="failed", attempts=attempts, last_status=status, last_error=error)
            return
        delay = min(self.config.backoff_seconds * 2 ** (attempts - 1), self.config.max_backoff_seconds)
        store.update_delivery(d["id"], attempts=attempts, last_status=status, last_error=error,
                              next_at=time.time() + delay)

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is due now (retries scheduled later do not count). True if drained in time."""
        deadline = time.monotonic() + timeout
        self.wake()
        while time.monotonic() < deadline:
            if not self.sb.store.due_deliveries(time.time(), limit=1):
                return True
            await asyncio.sleep(0.02)
        return False
