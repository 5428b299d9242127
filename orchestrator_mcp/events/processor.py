"""The processor: claim due events, apply the rules, mark them processed — one transaction per event.

A rule does its outside work (API calls, which are idempotent) first, then returns the store changes,
which are committed in the same transaction that marks the event processed. A failing event is
retried with exponential backoff and dead-lettered after `max_attempts`; it stays visible and can be
replayed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.errors import describe
from shared.store import EventRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from shared.store import Store

log = logging.getLogger(__name__)

Commit = Callable[["AsyncConnection"], Awaitable[None]]
Handler = Callable[[EventRow], Awaitable[Commit | None]]


@dataclass
class ProcessReport:
    processed: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class Processor:
    def __init__(
        self, store: Store, handle: Handler, *, max_attempts: int = 5, base_delay: float = 2.0, batch: int = 50
    ) -> None:
        self.store = store
        self.handle = handle
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.batch = batch
        self.wake = asyncio.Event()

    async def process(self, event: EventRow, report: ProcessReport) -> None:
        try:
            commit = await self.handle(event)
            async with self.store.write() as conn:
                if commit is not None:
                    await commit(conn)
                await self.store.mark_processed(event.id, conn=conn)
            report.processed += 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event, never lost
            message = describe(exc)
            if not hasattr(exc, "hint"):
                log.warning("event %s/%s failed", event.source, event.event_id, exc_info=exc)
            status = await self.store.mark_failed(
                event.id, message, max_attempts=self.max_attempts, base_delay=self.base_delay
            )
            report.errors.append(f"{event.source}:{event.event_id}: {message}")
            if status == "dead":
                report.dead += 1
            else:
                report.retried += 1

    async def run_once(self, limit: int = 1000) -> ProcessReport:
        """Process every due event (up to limit), in order of arrival."""
        report = ProcessReport()
        done = 0
        while done < limit:
            claimed = await self.store.claim_events(limit=min(self.batch, limit - done))
            if not claimed:
                break
            for event in claimed:
                await self.process(event, report)
            done += len(claimed)
        return report

    async def run_forever(self, interval: float = 2.0) -> None:
        """Inside the receiver: process as events arrive, and retry due ones every `interval` seconds."""
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - the loop must survive a bad batch
                log.exception("event processing loop failed; continuing")
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=interval)
            except TimeoutError:
                pass
