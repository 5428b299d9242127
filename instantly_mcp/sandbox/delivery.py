"""Real webhook delivery: every matching webhook gets an HTTP POST (httpx, async, in the background) with
its custom headers and the documented payload. Deliveries are stored first (so they survive a restart),
then attempted; a failed attempt (no 2xx) is retried on `webhook_retry_delays`, and a webhook whose
deliveries keep failing is auto-disabled (status -1, `timestamp_error` set), as Instantly does.

The stored delivery is the spec's WebhookEvent (`GET /api/v2/webhook-events`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

log = logging.getLogger(__name__)

# payload event_type -> the subscription event_type that receives it (when they differ)
SUBSCRIPTION_FOR = {"link_clicked": "email_link_clicked"}
# payload event types only `all_events` subscribers receive
ALL_EVENTS_ONLY = {"auto_reply_received"}
USER_AGENT = "instantly-sandbox-webhooks/1.0"


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def subscribed(webhook: dict[str, Any], event_type: str, campaign_id: str | None) -> bool:
    if webhook.get("status") == -1:
        return False
    if webhook.get("campaign") and webhook["campaign"] != campaign_id:
        return False
    sub = webhook.get("event_type")
    if sub == "all_events":
        return True
    if sub is None or event_type in ALL_EVENTS_ONLY:
        return False
    return bool(sub == SUBSCRIPTION_FOR.get(event_type, event_type))


class Dispatcher:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._inflight = 0

    # --- lifecycle (on the server's event loop) ---

    async def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(follow_redirects=False)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-webhooks")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # --- emitting ---

    def emit(self, event_type: str, payload: dict[str, Any], campaign_id: str | None) -> int:
        """Queue a delivery of `payload` to every matching webhook; returns how many were queued."""
        hooks = [w for w in self.sb.store.all("webhook") if subscribed(w, event_type, campaign_id)]
        now = self.sb.clock.now()
        for hook in hooks:
            record = {
                "id": self.sb.ids.uuid7(), "timestamp_created": now, "timestamp_created_date": now[:10],
                "organization_id": self.sb.workspace_id, "payload": payload, "success": False, "retry_count": 0,
                "will_retry": True, "webhook_url": hook["target_hook_url"], "status_code": None,
                "error_message": None, "timestamp_next_retry": None, "retry_group_id": self.sb.ids.uuid7(),
                "retry_successful": None, "lead_email": payload.get("lead_email"), "response_time_ms": None,
                "_webhook_id": hook["id"], "_headers": hook.get("headers") or {}, "_state": "pending",
                "_next_at": time.time(), "_attempts": 0, "_event_type": event_type,
            }
            self.sb.store.put_delivery(record)
        if hooks:
            self.kick()
        return len(hooks)

    # --- the worker ---

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                due = self.sb.store.due_deliveries(time.time())
                if due:
                    self._inflight = len(due)
                    await asyncio.gather(*(self._attempt(d) for d in due))
                    self._inflight = 0
                    continue
                nxt = self.sb.store.next_delivery_at()
                timeout = None if nxt is None else max(0.0, nxt - time.time())
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=timeout)
                except TimeoutError:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # keep delivering whatever happens to one batch
                self._inflight = 0
                log.exception("webhook delivery loop failed; continuing")
                await asyncio.sleep(0.1)

    async def _attempt(self, d: dict[str, Any]) -> None:
        assert self._client is not None
        cfg = self.sb.config
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, **d["_headers"]}
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(d["webhook_url"], json=d["payload"], headers=headers,
                                               timeout=cfg.webhook_timeout)
            status = response.status_code
            if not response.is_success:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        if not self.sb.store.has_delivery(d["id"]):
            return  # wiped by a reset while the request was in flight
        if self.sb.store.get("webhook", d["_webhook_id"]) is None and error is not None:
            error = error + " (webhook deleted)"
        d["_attempts"] += 1
        d["status_code"] = status
        d["response_time_ms"] = round((time.monotonic() - started) * 1000, 1)
        d["error_message"] = error
        if error is None:
            d.update(success=True, will_retry=False, timestamp_next_retry=None, _state="success")
            d["retry_successful"] = True if d["retry_count"] else None
            self._note_result(d["_webhook_id"], ok=True)
        else:
            delays = list(cfg.webhook_retry_delays)
            hook_alive = self.sb.store.get("webhook", d["_webhook_id"]) is not None
            if d["retry_count"] < len(delays) and hook_alive:
                delay = float(delays[d["retry_count"]])
                d["retry_count"] += 1
                d["_next_at"] = time.time() + delay
                d.update(will_retry=True, timestamp_next_retry=self.sb.clock.now())
            else:
                d.update(will_retry=False, timestamp_next_retry=None, _state="failed",
                         retry_successful=False if d["retry_count"] else None)
                self._note_result(d["_webhook_id"], ok=False)
        self.sb.store.put_delivery(d)

    def _note_result(self, webhook_id: str, *, ok: bool) -> None:
        hook = self.sb.store.get("webhook", webhook_id)
        if hook is None:
            return
        failures = 0 if ok else int(hook.get("_failures", 0)) + 1
        hook["_failures"] = failures
        if not ok and failures >= self.sb.config.webhook_disable_after and hook.get("status") != -1:
            hook["status"] = -1
            hook["timestamp_error"] = self.sb.clock.now()
        self.sb.store.put("webhook", hook)

    # --- reporting ---

    def counts(self) -> dict[str, Any]:
        records = self.sb.store.deliveries()
        states = Counter(r["_state"] for r in records)
        return {
            "total": len(records),
            "attempted": sum(int(r["_attempts"]) for r in records),
            "succeeded": states["success"],
            "failed": states["failed"],
            "pending": states["pending"],
            "by_event_type": dict(Counter(r["_event_type"] for r in records)),
        }

    def idle(self) -> bool:
        return self.sb.store.delivery_counts().get("pending", 0) == 0 and self._inflight == 0

    async def drain(self, timeout: float) -> bool:
        """Wait until nothing is pending (True) or the timeout passes (False)."""
        deadline = time.monotonic() + timeout
        self.kick()
        while not self.idle():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def send_test(self, hook: dict[str, Any]) -> dict[str, Any]:
        """`POST /webhooks/{id}/test`: one synchronous delivery of a test payload, not recorded."""
        payload = {"timestamp": self.sb.clock.now(), "event_type": "webhook_test", "workspace": self.sb.workspace_id,
                   "campaign_id": hook.get("campaign"), "campaign_name": None, "message": "Instantly sandbox test"}
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, **(hook.get("headers") or {})}
        started = time.monotonic()
        try:
            async with httpx.AsyncClient() as client:
                response = await client.post(hook["target_hook_url"], json=payload, headers=headers,
                                             timeout=self.sb.config.webhook_timeout)
        except httpx.HTTPError as exc:
            return {"success": False, "message": "Webhook test failed", "error": f"{type(exc).__name__}: {exc}"[:300],
                    "response_time_ms": round((time.monotonic() - started) * 1000, 1)}
        out: dict[str, Any] = {"success": response.is_success, "status_code": response.status_code,
                               "response_time_ms": round((time.monotonic() - started) * 1000, 1),
                               "message": "Webhook test sent" if response.is_success else "Webhook test failed"}
        if not response.is_success:
            out["error"] = f"HTTP {response.status_code}"
        return out
