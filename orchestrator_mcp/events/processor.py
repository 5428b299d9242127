"""The processor: claim due events, apply the rules, mark them processed — one transaction per event.

A rule does its outside work (API calls, which are idempotent) first, then returns the store changes,
which are committed in the same transaction that marks the event processed. A failing event is
retried with exponential backoff and dead-lettered after `max_attempts`; it stays visible and can be
replayed.

Leases are owned: each claimed batch carries this processor's token, the lease is renewed while the
batch is worked, and the processed mark is written only while the token still holds the lease (checked
in the commit's own transaction). A processor that lost its lease rolls its changes back, so no event's
counted effects apply twice when a batch outlives its lease. Transient database failures (deadlock,
serialization failure, dropped connection) run the commit again.

Profiles: each event is processed under the scope (profile and Stripe mode) it arrived for, so its rules read and
write only that profile's rows and call its APIs with that profile's keys. The receiver's processor claims every
profile's events (`all_scopes=True`); a tool's processor only its caller's.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.errors import describe
from shared.store import EventRow
from shared.store import scope as scopes

if TYPE_CHECKING:
    from shared.store import Store
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

Commit = Callable[["AsyncConnection"], Awaitable[None]]
Handler = Callable[[EventRow], Awaitable[Commit | None]]


@dataclass
class ProcessReport:
    processed: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0  # leases another processor took over; their events are that processor's now


class LeaseLost(Exception):
    pass


class Processor:
    def __init__(
        self, store: Store, handle: Handler, *, max_attempts: int = 5, base_delay: float = 2.0, batch: int = 50,
        lease_seconds: float = 60.0, all_scopes: bool = False,
    ) -> None:
        self.store = store
        self.all_scopes = all_scopes
        self.handle = handle
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.owner = f"proc_{uuid.uuid4().hex[:24]}"
        self.wake = asyncio.Event()

    async def process(self, event: EventRow, report: ProcessReport) -> None:
        with scopes.use(event.scope):  # the event's own profile and mode, never the caller's
            await self._process(event, report)

    async def _process(self, event: EventRow, report: ProcessReport) -> None:
        try:
            commit = await self.handle(event)

            async def apply() -> None:
                async with self.store.write() as conn:
                    # First, in this transaction: is the lease still ours? (The row stays locked until commit.)
                    if not await self.store.mark_processed(event.id, conn=conn, owner=self.owner):
                        raise LeaseLost
                    if commit is not None:
                        await commit(conn)

            from shared.store.base import retry_transient  # SQLAlchemy: loaded on first use, not at start-up

            await retry_transient(apply)
            report.processed += 1
        except LeaseLost:
            report.lost += 1
            log.warning("event %s/%s: lease lost to another processor; its changes were rolled back",
                        event.source, event.event_id)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event, never lost
            message = describe(exc)
            from shared.store.base import is_transient

            if not hasattr(exc, "hint") and not is_transient(exc):
                log.warning("event %s/%s failed", event.source, event.event_id, exc_info=exc)
            status = await self.store.mark_failed(
                event.id, message, max_attempts=self.max_attempts, base_delay=self.base_delay, owner=self.owner
            )
            if status == "lost":
                report.lost += 1
                return
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
            claimed = await self.store.claim_events(limit=min(self.batch, limit - done),
                                                    lease_seconds=self.lease_seconds, owner=self.owner,
                                                    all_scopes=self.all_scopes)
            if not claimed:
                break
            renew_at = time.monotonic() + self.lease_seconds / 2
            for i, event in enumerate(claimed):
                if time.monotonic() >= renew_at:  # long work: keep the rest of the batch ours
                    await self.store.renew_lease([e.id for e in claimed[i:]], self.owner, self.lease_seconds)
                    renew_at = time.monotonic() + self.lease_seconds / 2
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
