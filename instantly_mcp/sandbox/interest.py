"""Interest changes are asynchronous, as at Instantly.

`POST /api/v2/leads/update-interest-status` (updateLeadInterestStatus) documents a single success response:
202 `{"message": "Lead interest status update background job submitted"}` (Instantly's OpenAPI document,
tests/contract/specs). The change is applied later, so a read right after the 202 may still see the old
status. The sandbox stores each accepted request and applies it `interest_delay_ms` later (0: before the
202 is sent); the lead's `lead_*` webhook fires when the change is applied, not when it is accepted.

Pending changes are stored (they survive a restart) and applied by a worker on the server's event loop;
every API request also applies the ones that are due first, so a read after the delay is never stale."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from instantly_mcp.sandbox.engagement import set_interest

if TYPE_CHECKING:
    from instantly_mcp.sandbox.core import Sandbox

log = logging.getLogger(__name__)
KIND = "interest_change"


class InterestQueue:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._next_due: float | None = self._earliest()

    # --- accepting and applying ---

    def submit(self, email: str, value: int | None, campaign_id: str | None, list_id: str | None) -> None:
        change = {"email": email, "value": value, "campaign_id": campaign_id, "list_id": list_id}
        delay = float(self.sb.config.interest_delay_ms) / 1000
        if delay <= 0:
            self._apply(change)
            return
        due = time.time() + delay
        self.sb.store.put(KIND, {"id": self.sb.ids.uuid7(), **change, "_due": due})
        self._next_due = due if self._next_due is None else min(self._next_due, due)
        if self._wake is not None:
            self._wake.set()

    def apply_due(self) -> int:
        """Apply every stored change whose time has come, oldest first; returns how many."""
        now = time.time()
        if self._next_due is None or self._next_due > now:
            return 0
        due = sorted((c for c in self.sb.store.all(KIND) if float(c["_due"]) <= now),
                     key=lambda c: (float(c["_due"]), c["id"]))
        for change in due:
            with self.sb.store.tx():
                self._apply(change)
                self.sb.store.delete(KIND, change["id"])
        self._next_due = self._earliest()
        return len(due)

    def pending(self) -> int:
        return self.sb.store.count(KIND)

    def forget(self) -> None:
        """After a wipe: nothing is pending."""
        self._next_due = self._earliest()

    def _apply(self, change: dict[str, Any]) -> None:
        # Leads are looked up when the change is applied: one deleted meanwhile is simply not changed.
        for lead in self.sb.store.leads_by_email([change["email"]]):
            if change.get("campaign_id") in (None, lead.get("campaign")) and change.get("list_id") in (
                    None, lead.get("list_id")):
                set_interest(self.sb, lead, change["value"])

    def _earliest(self) -> float | None:
        dues = [float(c["_due"]) for c in self.sb.store.all(KIND)]
        return min(dues) if dues else None

    # --- the worker (on the server's event loop) ---

    async def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sandbox-interest")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                self.apply_due()
            except Exception:  # keep the worker alive; the next request retries the change
                log.exception("sandbox: applying an interest change failed")
                await asyncio.sleep(0.5)
            timeout = None if self._next_due is None else max(0.0, self._next_due - time.time())
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
