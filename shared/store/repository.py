"""The repository: contacts, payments, audit log, cursors and config, plus the event queue (events.py).
Portable SQL only: dialect constructs where engines differ."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.redaction import redact_value
from shared.store.base import clean_values, mentions
from shared.store.crypto import mentions_text, open_contact, open_row, seal_contact
from shared.store.events import EventQueue
from shared.store.payments import PaymentBook
from shared.store.privacy import PrivacyBook
from shared.store.rate_budget import RateBudget
from shared.store.models import Contact, normalize_email
from shared.store.schema import (
    app_config,
    attributed_payments,
    audit_log,
    campaign_performance,
    events,
    sync_state,
    unified_contacts,
)

CONTACT_FIELDS = {c.name for c in unified_contacts.columns} - {"scope"}
# What makes a contact unique: the blind index of its normalized email (shared/store/crypto.py) within a scope.
CONTACT_KEY = ("scope", "email_index")


class Store(PaymentBook, EventQueue, RateBudget, PrivacyBook):
    """The repository. One instance per process; safe to share between tasks."""

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
        scope = self.scope()
        values = clean_values(unified_contacts, values)
        email = clean_values(unified_contacts, {"email": email})["email"]
        row = {
            "id": f"ct_{uuid.uuid4().hex[:20]}",
            "scope": scope,
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
        row = seal_contact(self.keys, row)
        stmt = self._insert(unified_contacts).values(**row)
        stmt = stmt.on_conflict_do_update(index_elements=list(CONTACT_KEY),
                                          set_=seal_contact(self.keys, {**values, "updated_at": now}))
        index = row["email_index"]

        async def run(conn: AsyncConnection) -> Contact:
            await conn.execute(stmt)
            got = (await conn.execute(select(unified_contacts).where(
                self.mine(unified_contacts, scope), unified_contacts.c.email_index == index))).one()
            return self._contact(got._asdict())

        return await self._retrying(run, conn)

    async def update_contact(
        self, contact_id: str, *, conn: AsyncConnection | None = None, **fields: Any
    ) -> Contact | None:
        unknown = set(fields) - CONTACT_FIELDS
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")
        fields = seal_contact(self.keys, clean_values(unified_contacts, fields))
        mine = self.mine(unified_contacts)

        async def run(conn: AsyncConnection) -> Contact | None:
            await conn.execute(
                update(unified_contacts)
                .where(mine, unified_contacts.c.id == contact_id)
                .values(**fields, updated_at=time.time())
            )
            got = (await conn.execute(select(unified_contacts).where(mine, unified_contacts.c.id == contact_id))).first()
            return self._contact(got._asdict()) if got else None

        return await self._retrying(run, conn)

    async def bump_contact(self, contact_id: str, conn: AsyncConnection, **deltas: int) -> None:
        """Add to counters atomically (UPDATE x = x + n): opens, clicks, replies, payment_failures."""
        unknown = set(deltas) - CONTACT_FIELDS
        if unknown:
            raise ValueError(f"unknown contact fields: {sorted(unknown)}")
        c = unified_contacts.c
        await conn.execute(update(unified_contacts).where(self.mine(unified_contacts), c.id == contact_id)
                           .values(updated_at=time.time(), **{k: c[k] + int(n) for k, n in deltas.items()}))

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
        for_update: bool = False,
    ) -> Contact | None:
        """One contact. With `conn` and for_update=True the row stays locked (PostgreSQL) until that transaction
        ends, so a rule that reads before it writes cannot lose another writer's update."""
        if contact_id:
            column, value = "id", contact_id
        elif email:
            column, value = "email_index", self.keys.blind_index(email)
        elif lead_id:
            column, value = "instantly_lead_id", lead_id
        elif customer_id:
            column, value = "stripe_customer_id", customer_id
        else:
            raise ValueError("give one of contact_id, email, lead_id, customer_id")
        if conn is None and self.dialect == "sqlite":
            row = self.read_one_inline(unified_contacts, column, value)
            return self._contact(row) if row else None
        stmt = select(unified_contacts).where(self.mine(unified_contacts), unified_contacts.c[column] == value).limit(1)
        if for_update:
            stmt = stmt.with_for_update()
        if conn is not None:  # inside the caller's transaction: see its own writes
            got = (await conn.execute(stmt)).first()
            return self._contact(got._asdict()) if got else None
        async with self.read() as rconn:
            got = (await rconn.execute(stmt)).first()
        return self._contact(got._asdict()) if got else None

    def _contact(self, row: dict[str, Any]) -> Contact:
        return Contact.model_validate(open_contact(self.keys, row))

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
        conds = [self.mine(unified_contacts)]
        if conversion_status:
            conds.append(c.conversion_status == conversion_status)
        if campaign_id:
            conds.append(c.source_campaign == campaign_id)
        if min_score is not None:
            conds.append(c.email_engagement_score >= min_score)
        if query and self.keys.data is not None:  # encrypted: matched on the decrypted values
            return await self._search_contacts(conds, query, limit)
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
        return [self._contact(r._asdict()) for r in rows]

    async def _search_contacts(self, conds: list[Any], query: str, limit: int) -> list[Contact]:
        """Contacts whose email, name or company contains `query`, when those are encrypted: decrypted and matched
        here, a batch at a time, in id order."""
        needle, found, after = query.lower(), [], None
        c = unified_contacts.c
        while len(found) < limit:
            page = [*conds, c.id > after] if after else conds
            async with self.read() as conn:
                rows = (await conn.execute(select(unified_contacts).where(*page).order_by(c.id).limit(1000))).all()
            if not rows:
                break
            for r in rows:
                contact = self._contact(r._asdict())
                if any(needle in (v or "").lower() for v in (contact.email, contact.first_name, contact.last_name,
                                                              contact.company)):
                    found.append(contact)
            after = rows[-1].id
        return found[:limit]

    async def delete_contact(self, contact_id: str) -> bool:
        mine = self.mine(unified_contacts)

        async def run(conn: AsyncConnection) -> bool:
            res = await conn.execute(delete(unified_contacts).where(mine, unified_contacts.c.id == contact_id))
            return bool(res.rowcount)

        return await self._retrying(run)

    async def forget(self, email: str, *, dry_run: bool = False) -> dict[str, int]:
        """Erase a person: the contact row (with its blind index), event payloads and audit arguments that mention
        the email. Payments stay (the books need them) but lose their link to the person. dry_run only counts."""
        email = normalize_email(email)
        index = self.keys.blind_index(email)
        scope = self.scope()

        async def run(conn: AsyncConnection) -> dict[str, int]:
            contact = (await conn.execute(select(unified_contacts.c.id).where(
                self.mine(unified_contacts, scope), unified_contacts.c.email_index == index))).scalar()
            event_ids = await self.ids_mentioning(conn, events, "payload", email, scope=scope)
            audit_ids = await self.ids_mentioning(conn, audit_log, "arguments", email, scope=scope)
            counts = {"contacts": 1 if contact else 0, "events": len(event_ids), "audit_entries": len(audit_ids),
                      "payments": 0}
            p = attributed_payments.c
            mine_p = self.mine(attributed_payments, scope)
            if dry_run:
                if contact:
                    counts["payments"] = int((await conn.execute(
                        select(func.count()).select_from(attributed_payments).where(mine_p, p.contact_id == contact))
                                              ).scalar() or 0)
                return counts
            if contact:
                counts["payments"] = (await conn.execute(
                    update(attributed_payments).where(mine_p, p.contact_id == contact).values(contact_id=None))).rowcount
                await conn.execute(delete(unified_contacts).where(self.mine(unified_contacts, scope),
                                                                  unified_contacts.c.id == contact))
            for i in range(0, len(event_ids), 500):
                await conn.execute(update(events).where(self.mine(events, scope), events.c.id.in_(event_ids[i:i + 500]))
                                   .values(payload={"forgotten": True}))
            for i in range(0, len(audit_ids), 500):
                await conn.execute(update(audit_log).where(self.mine(audit_log, scope),
                                                           audit_log.c.id.in_(audit_ids[i:i + 500]))
                                   .values(arguments={"forgotten": True}))
            return counts

        if dry_run:
            async with self.read() as conn:
                return await run(conn)
        return await self._retrying(run)

    async def ids_mentioning(self, conn: AsyncConnection, table: Any, column: str, needle: str, *,
                             scope: str | None = None) -> list[int]:
        """Ids of the rows of events or audit_log of the scope in effect (or `scope`) whose JSON `column` names
        `needle` (case-insensitive): in SQL on plain text; decrypted and matched here, a batch at a time, when
        encrypted."""
        mine = self.mine(table, scope)
        if self.keys.data is None:
            return list((await conn.execute(select(table.c.id).where(mine, mentions(table.c[column], needle))
                                            .order_by(table.c.id))).scalars())
        out: list[int] = []
        after = 0
        while True:
            rows = (await conn.execute(select(table.c.id, table.c[column]).where(mine, table.c.id > after)
                                       .order_by(table.c.id).limit(2000))).all()
            if not rows:
                return out
            out += [r[0] for r in rows if mentions_text(self.keys.decrypt_json(r[1]), needle)]
            after = rows[-1][0]

    # --- audit, cursors, config ---

    async def record_audit(
        self, server: str, tool: str, arguments: dict[str, Any], outcome: str, duration_ms: float,
        error: str | None = None,
    ) -> None:
        values = clean_values(audit_log, {
            "scope": self.scope(), "at": time.time(), "server": server, "tool": tool,
            "arguments": redact_value(arguments), "outcome": outcome, "duration_ms": round(duration_ms, 2),
            "error": error})
        # the arguments may name people (an email to look up, leads to import): encrypted like the contacts
        stmt = audit_log.insert().values(**{**values, "arguments": self.keys.encrypt_json(values["arguments"])})
        await self._retrying(lambda c: c.execute(stmt))

    async def list_audit(self, *, tool: str | None = None, since: float | None = None, limit: int = 50) -> list[dict[str, Any]]:
        a = audit_log.c
        conds = [self.mine(audit_log)]
        conds += [x for x in (a.tool == tool if tool else None, a.at >= since if since else None) if x is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(audit_log).where(*conds).order_by(a.id.desc()).limit(limit))).all()
        return [open_row(self.keys, r._asdict(), "arguments") for r in rows]

    async def get_cursor(self, key: str) -> str | None:
        async with self.read() as conn:
            return (await conn.execute(select(sync_state.c.cursor).where(self.mine(sync_state),
                                                                         sync_state.c.key == key))).scalar()

    async def set_cursor(self, key: str, cursor: str | None) -> None:
        now = time.time()
        key = clean_values(sync_state, {"key": key})["key"]
        stmt = self._insert(sync_state).values(scope=self.scope(), key=key, cursor=cursor, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["scope", "key"], set_={"cursor": cursor, "updated_at": now})
        await self._retrying(lambda c: c.execute(stmt))

    async def sync_times(self) -> dict[str, float]:
        async with self.read() as conn:
            rows = (await conn.execute(select(sync_state.c.key, sync_state.c.updated_at).where(self.mine(sync_state)))).all()
        return {r[0]: r[1] for r in rows}

    async def get_config(self, key: str, default: Any = None, *, scope: str | None = None) -> Any:
        """A config value of the scope in effect, or of `scope` (scopes.STORE_SCOPE: the store's own settings)."""
        async with self.read() as conn:
            value = (await conn.execute(select(app_config.c.value).where(self.mine(app_config, scope),
                                                                         app_config.c.key == key))).scalar()
        return default if value is None else value

    async def set_config(self, key: str, value: Any, *, scope: str | None = None) -> None:
        now = time.time()
        key, value = clean_values(app_config, {"key": key, "value": value}).values()
        stmt = self._insert(app_config).values(scope=scope or self.scope(), key=key, value=value, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["scope", "key"], set_={"value": value, "updated_at": now})
        await self._retrying(lambda c: c.execute(stmt))

    async def upsert_campaign_performance(self, rows: Sequence[dict[str, Any]]) -> None:
        now = time.time()
        scope = self.scope()

        async def run(conn: AsyncConnection) -> None:
            for row in rows:
                values = {**row, "scope": scope, "updated_at": now}
                stmt = self._insert(campaign_performance).values(**values)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["scope", "campaign_id"],
                    set_={k: v for k, v in values.items() if k not in ("scope", "campaign_id")}
                )
                await conn.execute(stmt)

        await self._retrying(run)

    async def campaign_performance(self) -> list[dict[str, Any]]:
        async with self.read() as conn:
            rows = (await conn.execute(select(campaign_performance).where(self.mine(campaign_performance)))).all()
        return [r._asdict() for r in rows]
