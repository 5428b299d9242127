"""The money book: one row per payment however many ids and events report it, refunds once, revenue added atomically.

A purchase is reported under several ids (checkout session, invoice, payment intent, charge) by several events
that arrive in any order, by webhook and by poll. `payment_aliases` maps every id to the payment's reference:
the first event claims the payment, later ones map to it. When an event links two ids that were claimed apart
(a payment intent counted before the invoice that owns it was known), the two merge and the duplicate is undone.
Every claim runs under one lock (an advisory lock on PostgreSQL; SQLite's single writer already serializes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.store.base import StoreBase, clean_values
from shared.store.schema import attributed_payments, payment_aliases, unified_contacts

PAYMENTS_LOCK = 724312
UNIDENTIFIED = "refund:unidentified:"


@dataclass
class Link:
    reference: str
    claimed: bool  # a payment row exists for this reference
    merged: list[dict[str, Any]] = field(default_factory=list)  # duplicate payment rows removed by this link


class PaymentBook(StoreBase):

    async def _lock_payments(self, conn: AsyncConnection) -> None:
        if self.dialect == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PAYMENTS_LOCK})")

    async def payment_reference_for(self, ids: list[str], conn: AsyncConnection | None = None) -> str | None:
        """The reference of the payment any of these ids names, or None (a read)."""
        ids = [i for i in dict.fromkeys(ids) if i]
        if not ids:
            return None
        stmt = (select(payment_aliases.c.reference)
                .where(self.mine(payment_aliases), payment_aliases.c.alias.in_(ids)).limit(1))
        if conn is not None:
            return (await conn.execute(stmt)).scalar()
        async with self.read() as rconn:
            return (await rconn.execute(stmt)).scalar()

    async def link_payment(self, ids: list[str], conn: AsyncConnection) -> Link:
        """Make every id in `ids` name one payment. Inside the caller's transaction (the event's commit)."""
        ids = [i for i in dict.fromkeys(ids) if i]
        for i in ids:
            clean_values(payment_aliases, {"alias": i})
        await self._lock_payments(conn)
        a, p = payment_aliases.c, attributed_payments.c
        scope = self.scope()
        my_aliases, my_payments = self.mine(payment_aliases, scope), self.mine(attributed_payments, scope)
        refs = list(dict.fromkeys(r for r in (await conn.execute(
            select(a.reference).where(my_aliases, a.alias.in_(ids)).order_by(a.alias))).scalars()))
        rows = {r.reference: r._asdict() for r in (await conn.execute(
            select(attributed_payments).where(my_payments, p.reference.in_(refs), p.kind == "payment")
            .order_by(p.at)))}
        # The payment counted first stays; a group nobody claimed yet keeps its first reference.
        claimed = sorted(rows.values(), key=lambda r: (r["at"], r["reference"]))
        reference = claimed[0]["reference"] if claimed else (refs[0] if refs else ids[0])
        others = [r for r in refs if r != reference]
        merged: list[dict[str, Any]] = []
        if others:
            await conn.execute(update(payment_aliases).where(my_aliases, a.reference.in_(others))
                               .values(reference=reference))
            await conn.execute(update(attributed_payments).where(my_payments, p.payment_reference.in_(others))
                               .values(payment_reference=reference))
            merged = [rows[r] for r in others if r in rows]
            if merged:
                await conn.execute(delete(attributed_payments).where(
                    my_payments, p.reference.in_([m["reference"] for m in merged]), p.kind == "payment"))
                campaign = next((m["campaign_id"] for m in merged if m["campaign_id"]), None)
                if campaign:  # the duplicate may have known the campaign the first report did not
                    await self.fill_payment_campaign(reference, campaign, conn)
                for m in merged:  # the duplicate's money comes off its contact again
                    if m["contact_id"]:
                        await self.add_revenue(m["contact_id"], -int(m["amount"]), m["currency"], conn)
        known = set(refs) | set((await conn.execute(select(a.alias).where(my_aliases, a.alias.in_(ids)))).scalars())
        missing = [i for i in ids if i not in known]
        if missing:
            await conn.execute(payment_aliases.insert(),
                               [{"scope": scope, "alias": i, "reference": reference} for i in missing])
        return Link(reference=reference, claimed=bool(claimed), merged=merged)

    async def record_payment(
        self, reference: str, *, amount: int, currency: str, kind: str = "payment", contact_id: str | None = None,
        campaign_id: str | None = None, at: float | None = None, payment_reference: str | None = None,
        conn: AsyncConnection | None = None,
    ) -> bool:
        """Record a payment (or a negative refund) once per reference. True when it is new."""
        values = clean_values(attributed_payments, {
            "scope": self.scope(), "reference": reference, "contact_id": contact_id, "campaign_id": campaign_id, "amount": int(amount),
            "currency": currency.lower(), "kind": kind, "at": at or time.time(), "payment_reference": payment_reference})
        stmt = (
            self._insert(attributed_payments)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["scope", "reference"])
        )

        async def run(c: AsyncConnection) -> bool:
            return bool((await c.execute(stmt)).rowcount)

        return await self._retrying(run, conn)

    async def payment(self, reference: str, conn: AsyncConnection | None = None) -> dict[str, Any] | None:
        p = attributed_payments.c
        stmt = select(attributed_payments).where(self.mine(attributed_payments), p.reference == reference,
                                                 p.kind == "payment")
        if conn is not None:
            row = (await conn.execute(stmt)).first()
        else:
            async with self.read() as rconn:
                row = (await rconn.execute(stmt)).first()
        return row._asdict() if row else None

    async def fill_payment_campaign(self, reference: str, campaign_id: str, conn: AsyncConnection) -> None:
        """A later event of the same payment may know the campaign the first did not."""
        p = attributed_payments.c
        await conn.execute(update(attributed_payments).where(self.mine(attributed_payments), p.reference == reference,
                                                             p.campaign_id.is_(None))
                           .values(campaign_id=campaign_id))

    async def add_revenue(self, contact_id: str, amount: int, currency: str, conn: AsyncConnection) -> bool:
        """total_revenue += amount, atomically, when the contact's revenue is in this currency (or has none yet)."""
        c = unified_contacts.c
        currency = currency.lower()
        res = await conn.execute(
            update(unified_contacts)
            .where(self.mine(unified_contacts), c.id == contact_id, (c.revenue_currency.is_(None)) | (c.revenue_currency == currency))
            .values(total_revenue=c.total_revenue + int(amount), revenue_currency=currency, updated_at=time.time()))
        return bool(res.rowcount)

    async def record_refund(
        self, payment_reference: str, *, refund_id: str | None, amount: int | None, cumulative: int | None,
        currency: str, contact_id: str | None, campaign_id: str | None, conn: AsyncConnection,
    ) -> int:
        """Record refunded money once; returns how much more is refunded now (0 for a repeat). Call after
        `link_payment` (which holds the lock).

        A refund named by id (refund.created, charge.refunds) is recorded under its id. A charge.refunded without
        its refunds gives only the charge's cumulative refunded amount: what exceeds the refunds known so far is
        held as "unidentified" and absorbed when the refund's own event names it, so each cent counts once."""
        p = attributed_payments.c
        mine = self.mine(attributed_payments)
        ours = and_(mine, p.payment_reference == payment_reference, p.kind == "refund")
        unidentified_ref = f"{UNIDENTIFIED}{payment_reference}"
        sums = (await conn.execute(select(
            func.coalesce(func.sum(case((p.reference != unidentified_ref, -p.amount), else_=0)), 0),
            func.coalesce(func.sum(case((p.reference == unidentified_ref, -p.amount), else_=0)), 0)).where(ours))).one()
        identified, unidentified = int(sums[0]), int(sums[1])
        common = {"currency": currency, "kind": "refund", "contact_id": contact_id, "campaign_id": campaign_id,
                  "payment_reference": payment_reference, "conn": conn}
        if refund_id and amount:
            if not await self.record_payment(refund_id, amount=-amount, **common):
                return 0
            absorbed = min(unidentified, amount)
            if absorbed:
                await conn.execute(update(attributed_payments).where(mine, p.reference == unidentified_ref)
                                   .values(amount=p.amount + absorbed))
            return amount - absorbed
        if cumulative is not None and cumulative > identified + unidentified:
            more = cumulative - identified - unidentified
            if not await self.record_payment(unidentified_ref, amount=-more, **common):
                await conn.execute(update(attributed_payments).where(mine, p.reference == unidentified_ref)
                                   .values(amount=p.amount - more))
            return more
        return 0

    async def payments_for(self, *, contact_id: str | None = None, campaign_id: str | None = None) -> list[dict[str, Any]]:
        p = attributed_payments.c
        conds = [self.mine(attributed_payments)]
        conds += [x for x in (p.contact_id == contact_id if contact_id else None,
                             p.campaign_id == campaign_id if campaign_id else None) if x is not None]
        async with self.read() as conn:
            rows = (await conn.execute(select(attributed_payments).where(*conds).order_by(p.at))).all()
        return [r._asdict() for r in rows]
