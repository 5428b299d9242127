"""Group commit for the receiver: deliveries that arrive together are written in one transaction, and each is
acknowledged only once its batch has committed.

Requests enqueue (row, future); one writer task takes everything queued (up to `max_batch`), writes it with one
INSERT ... ON CONFLICT DO NOTHING in one transaction (Store.record_events), then resolves the futures with
"new or duplicate". While a batch is being written the next one gathers, so a lone event is written at once and
a burst is written in few transactions. If the write fails, every future of that batch gets the exception (the
receiver answers 503 and the sender retries); none of its events is stored, because they shared a transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.store import Store

log = logging.getLogger(__name__)

MAX_BATCH = 512


class GroupCommit:
    def __init__(self, store: Callable[[], Awaitable[Store]], *, max_batch: int = MAX_BATCH,
                 on_stored: Callable[[], None] | None = None) -> None:
        self._store = store
        self.max_batch = max_batch
        self._on_stored = on_stored
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written, for tests and /healthz

    async def submit(self, row: dict[str, Any]) -> bool:
        """Wait until `row` (from shared.store.events.event_values) is durable. True when it is new."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bool] = loop.create_future()
        self._queue.append((row, fut))
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name="group-commit")
        self._wake.set()
        return await asyncio.shield(fut)  # a client that hangs up does not cancel the batch's bookkeeping

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(0)  # let requests that are already parsed join this batch
            while self._queue:
                batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
                await self._flush(batch)

    async def _flush(self, batch: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        try:
            created = await (await self._store()).record_events([row for row, _ in batch])
        except BaseException as exc:  # every delivery of the batch is told, none is acknowledged
            log.warning("batch of %d events not stored: %s", len(batch), type(exc).__name__)
            failure = exc if isinstance(exc, Exception) else RuntimeError("receiver stopping")
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(failure)
            if not isinstance(exc, Exception):
                raise
            return
        self.batches += 1
        for (_, fut), new in zip(batch, created, strict=True):
            if not fut.done():
                fut.set_result(new)
        if any(created) and self._on_stored is not None:
            self._on_stored()

    async def close(self) -> None:
        """Write what is queued, then stop."""
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            await self._flush(batch)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
