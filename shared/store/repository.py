"""A small typed repository over the tables. Portable SQL only: dialect constructs where engines differ."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Text, and_, case, cast, delete, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from shared.redaction import redact_value
from shared.store.models import Contact, EventRow, normalize_email
from shared.store.schema import app_config, attributed_payments, audit_log, campaign_performance, events, sync_state, unified_contacts

CONTACT_FIELDS = {c.name for c in unified_contacts.columns}


def _mentions(column: Any, needle: str) -> Any:
    """Case-insensitive "the JSON text of column contains needle", with LIKE's wildcards escaped."""
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(column, Text)).like(f"%{escaped}%", escape="\\")


def _is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


class Store:
    """The repository. One instance per process; safe to share between tasks."""

    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name
        self._read_engine = engine.execution_options(readonly=True)
        # SQLite has one writer at a time. Queue this process's writers here rather than letting each pooled
        # connection spin in SQLite's busy handler, whose sleeps (up to 100 ms each) made webhook ingestion slow
        # and its tail long under concurrency (bench B2). Other processes still wait on the busy timeout.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None

    async def close(self) -> None:
        await self.engine.dispose()

    # --- transactions ---

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction. SQLite takes the write lock up front (BEGIN IMMEDIATE). Not re-entrant: inside
        it, pass its `conn` to the repository's methods."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._read_engine.connect() as conn:
            yield conn

    async def _retrying(self, fn: Any, conn: AsyncConnection | None = None) -> Any:
        """Run a write in its own transaction, or in the caller's when `conn` is given.

        The busy timeout absorbs contention; the retry here is the belt to its braces."""
        if conn is not None:
            return await fn(conn)
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(5),
            wait=wait_exponential_jitter(multiplier=0.05, max=1.0, jitter=0.05),
            retry=retry_if_exception(_is_locked),
            reraise=True,
        ):
            with attempt:
                async with self.write() as conn:
                    return await fn(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    # --- contacts ---

    async def upsert_contact(self, email: str, *, conn: AsyncConnection | None = None, **fields: Any) -> Contact:
        """Insert or update the contact with this email (case-insensitive). None values leave fields as they are."""
        email = normalize_email(email)
        now = time.time()
        values = {k: v for k, v in fields.items() if v is not None}
        unknown = set(values) - CONTACT_FIELDS
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")
        values.pop("id", None)
        row = {
            "id": f"ct_{uuid.uuid4().hex[:20]}",
            "email": email,
            "instantly_campaign_ids": [],
            "email_engagement_score": 0.0,
            "opens": 0,
            "clicks": 0,
            "replies": 0,
            "total_revenue": 0,
            "payment_failures": 0,
            "conversion_status": "prospect",
            "attribution_data": {},
            "do_not_contact": False,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        stmt = self._insert(unified_contacts).values(**row)
        stmt = stmt.on_conflict_do_update(index_elements=["email"], set_={**values, "updated_at": now})

        async def run(conn: AsyncConnection) -> Contact:
            await conn.execute(stmt)
            got = (await conn.execute(select(unified_contacts).where(unified_contacts.c.email == email))).one()
            return Contact.model_validate(got._asdict())

        return await self._retrying(run, conn)

    async def update_contact(
        self, contact_id: str, *, conn: AsyncConnection | None = None, **fields: Any
    ) -> Contact | None:
        unknown = set(fields) - CONTACT_FIELDS
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")

        async def run(conn: AsyncConnection) -> Contact | None:
            await conn.execute(
                update(unified_contacts)
                .where(unified_contacts.c.id == contact_id)
                .values(**fields, updated_at=time.time())
            )
            got = (await conn.execute(select(unified_contacts).where(unified_contacts.c.id == contact_id))).first()
            return Contact.model_validate(got._asdict()) if got else None

        return await self._retrying(run, conn)

    async def link_ids(
        self, email: str, *, lead_id: str | None = None, customer_id: str | None = None, campaign_id: str | None = None
    ) -> Contact:
        """Attach an Instantly lead id, a Stripe customer id and/or a campaign to the contact."""
        contact = await self.upsert_contact(email, instantly_lead_id=lead_id, stripe_customer_id=customer_id)
        if campaign_id and campaign_id not in contact.instantly_campaign_ids:
            updated = await self.update_contact(
                contact.id, instantly_campaign_ids=[*contact.instantly_campaign_ids, campaign_id]
            )
            assert updated is not None
            contact = updated
        return contact

    async def get_contact(
        self,
        *,
        conn: AsyncConnection | None = None,
        contact_id: str | None = None,
        email: str | None = None,
        lead_id: str | None = None,
        customer_id: str | None = None,
    ) -> Contact | None:
        c = unified_contacts.c
        if contact_id:
            cond = c.id == contact_id
        elif email:
            cond = c.email == normalize_email(email)
        elif lead_id:
            cond = c.instantly_lead_id == lead_id
        elif customer_id:
            cond = c.stripe_customer_id == customer_id
        else:
            raise ValueError("give one of contact_id, email, lead_id, customer_id")
        stmt = select(unified_contacts).where(cond).limit(1)
        if conn is not None:
            got = (await conn.execute(stmt)).first()
        else:
            async with self.read() as rconn:
                got = (await rconn.execute(stmt)).first()
        return Contact.model_validate(got._asdict()) if got else None

    async def list_contacts(
        self,
        *,
        conversion_status: str | None = None,
        campaign_id: str | None = None,
        min_score: float | None = None,
        query: str | None = None,
        limit: int = 50,
        after_id: str | None = None,
    ) -> list[Contact]:
        c = unified_contacts.c
        conds = []
        if conversion_status:
            conds.append(c.conversion_status == conversion_status)
        if campaign_id:
            conds.append(c.source_campaign == campaign_id)
        if min_score is not None:
            conds.append(c.email_engagement_score >= min_score)
        if query:
            like = f"%{query.lower()}%"
            conds.append(
                or_(c.email.like(like), func.lower(c.first_name).like(like), func.lower(c.last_name).like(like),
                    func.lower(c.company).like(like))
            )
        if after_id:
            conds.append(c.id > after_id)
        stmt = select(unified_contacts).where(*conds).order_by(c.id).limit(limit)
        async with self.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Contact.model_validate(r._asdict()) for r in rows]

    async def delete_contact(self, contact_id: str) -> bool:
        async def run(conn: AsyncConnection) -> bool:
            res = await conn.execute(delete(unified_contacts).where(unified_contacts.c.id == contact_id))
            return bool(res.rowcount)

        return await self._retrying(run)

    async def forget(self, email: str) -> dict[str, int]:
        """Erase a person: the contact row, event payloads and audit arguments that mention the email.

        Payments stay (the books need them) but lose their link to the person."""
        email = normalize_email(email)

        async def run(conn: AsyncConnection) -> dict[str, int]:
            contact = (await conn.execute(select(unified_contacts.c.id).where(unified_contacts.c.email == email))).scalar()
            counts = {"contacts": 0, "events": 0, "audit_entries": 0, "payments": 0}
            if contact:
                counts["payments"] = (await conn.execute(
                    update(attributed_payments).where(attributed_payments.c.contact_id == contact)
                    .values(contact_id=None))).rowcount
                counts["contacts"] = (await conn.execute(
                    delete(unified_contacts).where(unified_contacts.c.id == contact))).rowcount
            counts["events"] = (await conn.execute(
                update(events).where(_mentions(events.c.payload, email))
                .values(payload={"forgotten": True}))).rowcount
            counts["audit_entries"] = (await conn.execute(
                update(audit_log).where(_mentions(audit_log.c.arguments, email))
                .values(arguments={"forgotten": True}))).rowcount
            return counts

        return await self._retrying(run)

    # --- payments ---

    async def record_payment(
        self, reference: str, *, amount: int, currency: str, kind: str = "payment", contact_id: str | None = None,
        campaign_id: str | None = None, at: float | None = None, conn: AsyncConnection | None = None,
    ) -> bool:
        """Record a payment (or a negative refund) once per reference. True when it is new."""
        stmt = (
            self._insert(attributed_payments)
            .values(reference=reference, contact_id=contact_id, campaign_id=campaign_id, amount=int(amount),
                    currency=currency.lower(), kind=kind, at=at or time.time())
            .on_conflict_do_nothing(index_elements=["reference"])
        )

        async def run(c: AsyncConnection) -> bool:
            return bool((await c.execute(stmt)).rowcount)

        return await self._retrying(run, conn)

    async def payments_for(self, *, contact_id: str | None = None, campaign_id: str | None = None) -> list[dict[str, Any]]:
        p = attributed_payments.c
        conds = [x for x in (p.contact_id == contact_id if contact_id else None,
                             p.campaign_id == campaign_id if campaign_id else None) if x is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(attributed_payments).where(*conds).order_by(p.at))).all()
        return [r._asdict() for r in rows]

    # --- events ---

    async def record_event(
        self, source: str, event_id: str, type_: str, payload: dict[str, Any], *, via: str = "webhook"
    ) -> bool:
        """Store an inbound event once. True when it is new; a duplicate changes nothing."""
        stmt = (
            self._insert(events)
            .values(
                source=source, event_id=event_id, type=type_, payload=payload, received_at=time.time(), via=via,
                status="pending", attempts=0, next_attempt_at=0.0,
            )
            .on_conflict_do_nothing(index_elements=["source", "event_id"])
        )

        async def run(conn: AsyncConnection) -> bool:
            return bool((await conn.execute(stmt)).rowcount)

        return await self._retrying(run)

    async def claim_events(self, limit: int = 10, lease_seconds: float = 60.0) -> list[EventRow]:
        """Lease up to `limit` due events. A crashed worker's lease expires and the event is claimed again."""
        now = time.time()
        e = events.c
        due = and_(e.status == "pending", e.next_attempt_at <= now, or_(e.lease_until.is_(None), e.lease_until < now))

        async def run(conn: AsyncConnection) -> list[EventRow]:
            rows = (
                await conn.execute(
                    select(events).where(due).order_by(e.id).limit(limit).with_for_update(skip_locked=True)
                )
            ).all()
            ids = [r.id for r in rows]
            if ids:
                await conn.execute(update(events).where(e.id.in_(ids)).values(lease_until=now + lease_seconds))
            return [EventRow.model_validate(r._asdict()) for r in rows]

        return await self._retrying(run)

    async def mark_processed(self, event_pk: int, conn: AsyncConnection | None = None) -> None:
        stmt = (
            update(events)
            .where(events.c.id == event_pk)
            .values(status="processed", processed_at=time.time(), lease_until=None, last_error=None,
                    attempts=events.c.attempts + 1)
        )
        await self._retrying(lambda c: c.execute(stmt), conn)

    async def mark_failed(
        self, event_pk: int, error: str, *, max_attempts: int = 5, base_delay: float = 2.0,
        conn: AsyncConnection | None = None,
    ) -> str:
        """Record a failure; back off, or dead-letter after max_attempts. Returns the new status."""

        async def run(conn: AsyncConnection) -> str:
            row = (await conn.execute(select(events.c.attempts).where(events.c.id == event_pk))).one()
            attempts = row.attempts + 1
            status = "dead" if attempts >= max_attempts else "pending"
            await conn.execute(
                update(events)
                .where(events.c.id == event_pk)
                .values(attempts=attempts, status=status, last_error=error[:2000], lease_until=None,
                        next_attempt_at=time.time() + base_delay * (2 ** (attempts - 1)))
            )
            return status

        return await self._retrying(run, conn)

    async def replay_event(self, event_pk: int) -> bool:
        """Put a dead or processed event back in the queue."""

        async def run(conn: AsyncConnection) -> bool:
            res = await conn.execute(
                update(events).where(events.c.id == event_pk)
                .values(status="pending", attempts=0, next_attempt_at=0.0, lease_until=None)
            )
            return bool(res.rowcount)

        return await self._retrying(run)

    async def list_events(
        self, *, status: str | None = None, type_: str | None = None, source: str | None = None, limit: int = 50
    ) -> list[EventRow]:
        e = events.c
        conds = [cond for cond in (
            e.status == status if status else None,
            e.type == type_ if type_ else None,
            e.source == source if source else None,
        ) if cond is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(events).where(*conds).order_by(e.id.desc()).limit(limit))).all()
        return [EventRow.model_validate(r._asdict()) for r in rows]

    async def events_for_contact(self, email: str, customer_id: str | None, *, limit: int = 200) -> list[EventRow]:
        """Events whose payload mentions this email or customer id, oldest first."""
        conds = [_mentions(events.c.payload, f'"{normalize_email(email)}"')]
        if customer_id:
            conds.append(_mentions(events.c.payload, f'"{customer_id}"'))
        async with self.read() as conn:
            rows = (await conn.execute(select(events).where(or_(*conds)).order_by(events.c.received_at, events.c.id)
                                       .limit(limit))).all()
        return [EventRow.model_validate(r._asdict()) for r in rows]

    async def event_stats(self) -> list[dict[str, Any]]:
        """Per source and channel (webhook/poll): count, last received, retrying and dead events."""
        e = events.c
        stmt = select(
            e.source, e.via, func.count().label("count"), func.max(e.received_at).label("last_received_at"),
            func.sum(case((and_(e.status == "pending", e.attempts > 0), 1), else_=0)).label("retrying"),
            func.sum(case((e.status == "dead", 1), else_=0)).label("dead"),
        ).group_by(e.source, e.via)
        async with self.read() as conn:
            return [r._asdict() for r in (await conn.execute(stmt)).all()]

    async def event_counts(self) -> dict[str, int]:
        async with self.read() as conn:
            rows = (await conn.execute(select(events.c.status, func.count()).group_by(events.c.status))).all()
        return {r[0]: r[1] for r in rows}

    # --- audit, cursors, config ---

    async def record_audit(
        self, server: str, tool: str, arguments: dict[str, Any], outcome: str, duration_ms: float,
        error: str | None = None,
    ) -> None:
        stmt = audit_log.insert().values(
            at=time.time(), server=server, tool=tool, arguments=redact_value(arguments), outcome=outcome,
            duration_ms=round(duration_ms, 2), error=error,
        )
        await self._retrying(lambda c: c.execute(stmt))

    async def list_audit(self, *, tool: str | None = None, since: float | None = None, limit: int = 50) -> list[dict[str, Any]]:
        a = audit_log.c
        conds = [x for x in (a.tool == tool if tool else None, a.at >= since if since else None) if x is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(audit_log).where(*conds).order_by(a.id.desc()).limit(limit))).all()
        return [r._asdict() for r in rows]

    async def get_cursor(self, key: str) -> str | None:
        async with self.read() as conn:
            return (await conn.execute(select(sync_state.c.cursor).where(sync_state.c.key == key))).scalar()

    async def set_cursor(self, key: str, cursor: str | None) -> None:
        now = time.time()
        stmt = self._insert(sync_state).values(key=key, cursor=cursor, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"cursor": cursor, "updated_at": now})
        await self._retrying(lambda c: c.execute(stmt))

    async def sync_times(self) -> dict[str, float]:
        async with self.read() as conn:
            rows = (await conn.execute(select(sync_state.c.key, sync_state.c.updated_at))).all()
        return {r[0]: r[1] for r in rows}

    async def get_config(self, key: str, default: Any = None) -> Any:
        async with self.read() as conn:
            value = (await conn.execute(select(app_config.c.value).where(app_config.c.key == key))).scalar()
        return default if value is None else value

    async def set_config(self, key: str, value: Any) -> None:
        now = time.time()
        stmt = self._insert(app_config).values(key=key, value=value, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
        await self._retrying(lambda c: c.execute(stmt))

    async def upsert_campaign_performance(self, rows: Sequence[dict[str, Any]]) -> None:
        now = time.time()

        async def run(conn: AsyncConnection) -> None:
            for row in rows:
                values = {**row, "updated_at": now}
                stmt = self._insert(campaign_performance).values(**values)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["campaign_id"], set_={k: v for k, v in values.items() if k != "campaign_id"}
                )
                await conn.execute(stmt)

        await self._retrying(run)

    async def campaign_performance(self) -> list[dict[str, Any]]:
        async with self.read() as conn:
            rows = (await conn.execute(select(campaign_performance))).all()
        return [r._asdict() for r in rows]
