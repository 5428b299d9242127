"""Data protection in the store: the suppression list (blind index only), retention purges, and what the store
holds about one person (the right of access).

Profiles: the suppression list and the right of access are the scope in effect's (shared/store/scope.py), like
every other row; a retention purge is the scope in effect's, or every scope's with `all_scopes` (the installation's
scheduled purge)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Text, and_, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.store.base import StoreBase
from shared.store.crypto import UNPROTECTED, Keys
from shared.store.models import RetentionPolicy
from shared.store.schema import attributed_payments, audit_log, events, suppressions, unified_contacts

# What a purged event payload becomes: the event row (type, times, status, attempts) stays, its content goes.
PURGED_PAYLOAD = {"purged": True}
PURGED_TEXT = '{"purged": true}'
SUPPRESSION_REASONS = ("unsubscribed", "spam_complaint", "hard_bounce", "erasure", "manual")
DAY = 86400.0


class PrivacyBook(StoreBase):
    keys: Keys = UNPROTECTED  # open_store sets the store's own keys

    # --- suppression ---

    async def suppress(self, email: str, reason: str, source: str, *, conn: AsyncConnection | None = None) -> bool:
        """Put the address on the suppression list (its blind index only). True when it was not on it yet."""
        if reason not in SUPPRESSION_REASONS:
            raise ValueError(f"unknown suppression reason {reason!r}")
        stmt = (self._insert(suppressions)
                .values(scope=self.scope(), email_index=self.keys.blind_index(email), reason=reason,
                        source=source[:32], at=time.time())
                .on_conflict_do_nothing(index_elements=["scope", "email_index"]))

        async def run(c: AsyncConnection) -> bool:
            return bool((await c.execute(stmt)).rowcount)

        return await self._retrying(run, conn)

    async def suppressed(self, emails: list[str]) -> dict[str, str]:
        """{email: reason} for those of `emails` on the scope in effect's suppression list (emails as given)."""
        by_index = {self.keys.blind_index(e): e for e in emails if e}
        if not by_index:
            return {}
        s = suppressions.c
        found: dict[str, str] = {}
        keys = list(by_index)
        async with self.read() as conn:
            for i in range(0, len(keys), 500):
                rows = (await conn.execute(select(s.email_index, s.reason).where(
                    self.mine(suppressions), s.email_index.in_(keys[i:i + 500]))))
                found.update({by_index[r[0]]: r[1] for r in rows})
        return found

    async def suppression_reason(self, email: str) -> str | None:
        return (await self.suppressed([email])).get(email)

    async def unsuppress(self, email: str) -> bool:
        mine = self.mine(suppressions)

        async def run(c: AsyncConnection) -> bool:
            res = await c.execute(delete(suppressions).where(mine,
                                                             suppressions.c.email_index == self.keys.blind_index(email)))
            return bool(res.rowcount)

        return await self._retrying(run)

    # --- retention ---

    def _retention_conditions(self, policy: RetentionPolicy, now: float, scope: str | None) -> dict[str, Any]:
        """The rows past the policy, by kind: of `scope` only, or of every scope when it is None."""
        e, a, c = events.c, audit_log.c, unified_contacts.c
        conds: dict[str, Any] = {}
        if policy.event_payload_days:
            # only processed events: a pending (or retrying) event keeps everything it needs to be applied
            conds["event_payloads"] = and_(e.status == "processed", e.processed_at < now - policy.event_payload_days * DAY,
                                           cast(e.payload, Text) != PURGED_TEXT)
        if policy.dead_letter_days:
            conds["dead_letters"] = and_(e.status == "dead", e.received_at < now - policy.dead_letter_days * DAY)
        if policy.audit_days:
            conds["audit_entries"] = a.at < now - policy.audit_days * DAY
        if policy.inactive_contact_days:
            cutoff = now - policy.inactive_contact_days * DAY
            conds["contacts"] = and_(c.updated_at < cutoff, *[or_(col.is_(None), col < cutoff) for col in (
                c.last_sent_at, c.last_opened_at, c.last_clicked_at, c.last_replied_at, c.paid_at, c.link_sent_at)])
        if scope is not None:
            tables = {"event_payloads": events, "dead_letters": events, "audit_entries": audit_log,
                      "contacts": unified_contacts}
            conds = {k: and_(self.mine(tables[k], scope), v) for k, v in conds.items()}
        return conds

    async def purge_expired(self, policy: RetentionPolicy, *, now: float | None = None, dry_run: bool = False,
                            all_scopes: bool = False) -> dict[str, int]:
        """Apply the retention policy: {what: rows}. Never touches a pending event, and payments keep their
        campaign (a purged contact's payments only lose the link to the person). dry_run only counts. The scope in
        effect's rows only, unless `all_scopes` (the installation-wide purge)."""
        now = time.time() if now is None else now
        conds = self._retention_conditions(policy, now, None if all_scopes else self.scope())
        tables = {"event_payloads": events, "dead_letters": events, "audit_entries": audit_log,
                  "contacts": unified_contacts}

        async def count(conn: AsyncConnection) -> dict[str, int]:
            out = {k: int((await conn.execute(select(func.count()).select_from(tables[k]).where(v))).scalar() or 0)
                   for k, v in conds.items()}
            if "contacts" in conds:
                ids = select(unified_contacts.c.id).where(conds["contacts"])
                out["payments_unlinked"] = int((await conn.execute(select(func.count()).select_from(
                    attributed_payments).where(attributed_payments.c.contact_id.in_(ids)))).scalar() or 0)
            return out

        if dry_run:
            async with self.read() as conn:
                return await count(conn)

        async def run(conn: AsyncConnection) -> dict[str, int]:
            out: dict[str, int] = {}
            if "event_payloads" in conds:
                out["event_payloads"] = (await conn.execute(
                    update(events).where(conds["event_payloads"]).values(payload=PURGED_PAYLOAD))).rowcount
            if "dead_letters" in conds:
                out["dead_letters"] = (await conn.execute(delete(events).where(conds["dead_letters"]))).rowcount
            if "audit_entries" in conds:
                out["audit_entries"] = (await conn.execute(delete(audit_log).where(conds["audit_entries"]))).rowcount
            if "contacts" in conds:
                ids = [r[0] for r in (await conn.execute(select(unified_contacts.c.id).where(conds["contacts"])))]
                unlinked = 0
                for i in range(0, len(ids), 500):
                    chunk = ids[i:i + 500]
                    unlinked += (await conn.execute(update(attributed_payments)
                                                    .where(attributed_payments.c.contact_id.in_(chunk))
                                                    .values(contact_id=None))).rowcount
                    await conn.execute(delete(unified_contacts).where(unified_contacts.c.id.in_(chunk)))
                out["contacts"], out["payments_unlinked"] = len(ids), unlinked
            return out

        return await self._retrying(run)

    async def oldest_rows(self) -> dict[str, float | None]:
        """The time of the oldest row of each table (epoch seconds), None for an empty table; over every scope,
        as the installation-wide retention policy applies to them all."""
        e = events.c
        probes = {
            "unified_contacts": select(func.min(unified_contacts.c.created_at)),
            "events": select(func.min(e.received_at)),
            "event_payloads": select(func.min(e.processed_at)).where(e.status == "processed",
                                                                     cast(e.payload, Text) != PURGED_TEXT),
            "dead_letters": select(func.min(e.received_at)).where(e.status == "dead"),
            "audit_log": select(func.min(audit_log.c.at)),
            "attributed_payments": select(func.min(attributed_payments.c.at)),
            "suppressions": select(func.min(suppressions.c.at)),
        }
        async with self.read() as conn:
            return {k: (await conn.execute(q)).scalar() for k, q in probes.items()}

    # --- the right of access ---

    async def contact_record(self, email: str) -> dict[str, Any]:
        """Everything the store holds about one person in the scope in effect: the contact, their payments, the
        events and audit entries that name them, and their suppression entry."""
        from shared.store.models import normalize_email

        email = normalize_email(email)
        contact = await self.get_contact(email=email)  # type: ignore[attr-defined]
        payments = await self.payments_for(contact_id=contact.id) if contact else []  # type: ignore[attr-defined]
        events_ = await self.events_for_contact(  # type: ignore[attr-defined]
            email, contact.stripe_customer_id if contact else None, limit=10_000)
        audit = await self.audit_mentioning(email)
        s = suppressions.c
        async with self.read() as conn:
            row = (await conn.execute(select(s.reason, s.source, s.at).where(
                self.mine(suppressions), s.email_index == self.keys.blind_index(email)))).first()
        return {
            "contact": contact.model_dump() if contact else None,
            "payments": payments,
            "events": [ev.model_dump() for ev in events_],
            "audit_entries": audit,
            "suppression": row._asdict() if row else None,
        }

    async def audit_mentioning(self, email: str, *, limit: int = 10_000) -> list[dict[str, Any]]:
        """The scope in effect's audit entries whose arguments name the email."""
        from shared.store.crypto import open_row

        a = audit_log.c
        async with self.read() as conn:
            ids = (await self.ids_mentioning(conn, audit_log, "arguments", email))[:limit]  # type: ignore[attr-defined]
            rows = []
            for i in range(0, len(ids), 500):
                rows += (await conn.execute(select(audit_log).where(self.mine(audit_log), a.id.in_(ids[i:i + 500]))
                                            .order_by(a.id))).all()
        return [open_row(self.keys, r._asdict(), "arguments") for r in rows]
