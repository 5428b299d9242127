"""Funnel and revenue attribution from the store: portable SQL, one scan each, indexed by campaign.

Each stage counts exactly what STAGE_DEFINITIONS says. Email stages are cumulative (a contact who clicked was
also contacted and opened: opens are not always tracked). A lead that was only imported is not "contacted".
A payment link is "link_created" when it was written for the contact, and "link_sent" only when an email went
out to the contact after that (the link reaches the lead through {{payment_link}} in a later step). "paid"
counts every contact who paid, whether or not through a link. A time range selects contacts whose activity
at that stage falls inside it (for link_sent: the link's creation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, literal, or_, select

from shared.store.schema import attributed_payments, campaign_performance, unified_contacts

if TYPE_CHECKING:
    from shared.store import Store

STAGE_DEFINITIONS = {
    "contacted": "an email was sent to the lead (Instantly reported it sent), or the lead opened, clicked or "
                 "replied to one; imported leads never emailed are not counted",
    "opened": "opened an email, or clicked or replied (opens are not always tracked)",
    "clicked": "clicked a link in an email",
    "replied": "replied to an email",
    "link_created": "a Stripe payment link was created for the contact (it may not have been emailed yet)",
    "link_sent": "a payment link was created and an email went out to the contact after it",
    "paid": "paid at least once (any Stripe payment from the contact)",
}
STAGES = tuple(STAGE_DEFINITIONS)


@dataclass
class Funnel:
    counts: dict[str, int]

    @property
    def rates(self) -> dict[str, float | None]:
        """Stage-to-stage conversion: each stage over the one before it."""
        out: dict[str, float | None] = {}
        for prev, stage in zip(STAGES, STAGES[1:], strict=False):
            before = self.counts[prev]
            out[f"{prev}_to_{stage}"] = round(self.counts[stage] / before, 4) if before else None
        return out


def _in_range(col: Any, since: float | None, until: float | None) -> Any:
    cond = col.is_not(None)
    if since is not None:
        cond = and_(cond, col >= since)
    if until is not None:
        cond = and_(cond, col < until)
    return cond


async def funnel(store: Store, *, campaign_id: str | None = None, since: float | None = None,
                 until: float | None = None) -> Funnel:
    c = unified_contacts.c
    r = lambda col: _in_range(col, since, until)  # noqa: E731
    # link_sent_at is the time the payment link was written for the contact (trigger_payment_flow)
    stage_conditions = {
        "paid": r(c.paid_at),
        "link_created": r(c.link_sent_at),
        "link_sent": and_(r(c.link_sent_at), c.last_sent_at.is_not(None), c.last_sent_at > c.link_sent_at),
        "replied": r(c.last_replied_at),
        "clicked": r(c.last_clicked_at),
    }
    stage_conditions["opened"] = or_(r(c.last_opened_at), stage_conditions["clicked"], stage_conditions["replied"])
    stage_conditions["contacted"] = or_(r(c.last_sent_at), stage_conditions["opened"])
    columns = [func.coalesce(func.sum(case((cond, literal(1)), else_=literal(0))), 0).label(name)
               for name, cond in stage_conditions.items()]
    stmt = select(*columns).where(store.mine(unified_contacts))  # this profile's contacts only
    if campaign_id:
        stmt = stmt.where(c.source_campaign == campaign_id)
    async with store.read() as conn:
        row = (await conn.execute(stmt)).one()._asdict()
    return Funnel({name: int(row[name]) for name in STAGES})


@dataclass
class CampaignRevenue:
    campaign_id: str
    currency: str
    revenue: int  # minor units, refunds netted
    payments: int
    paying_contacts: int
    contacts: int
    emails_sent: int
    replies: int


async def attribution(store: Store, *, campaign_id: str | None = None, since: float | None = None,
                      until: float | None = None) -> list[CampaignRevenue]:
    p = attributed_payments.c
    conds = [store.mine(attributed_payments), p.campaign_id.is_not(None)]
    if campaign_id:
        conds.append(p.campaign_id == campaign_id)
    if since is not None:
        conds.append(p.at >= since)
    if until is not None:
        conds.append(p.at < until)
    money = (
        select(p.campaign_id, p.currency, func.sum(p.amount).label("revenue"),
               func.sum(case((p.kind == "payment", 1), else_=0)).label("payments"),
               func.count(func.distinct(p.contact_id)).label("paying"))
        .where(*conds).group_by(p.campaign_id, p.currency)
    )
    c = unified_contacts.c
    sizes = (select(c.source_campaign, func.count().label("n"))
             .where(store.mine(unified_contacts), c.source_campaign.is_not(None)))
    if campaign_id:
        sizes = sizes.where(c.source_campaign == campaign_id)
    sizes = sizes.group_by(c.source_campaign)
    async with store.read() as conn:
        revenue_rows = (await conn.execute(money)).all()
        contact_counts = {row[0]: row[1] for row in (await conn.execute(sizes)).all()}
        perf = {row.campaign_id: row for row in (await conn.execute(
            select(campaign_performance).where(store.mine(campaign_performance)))).all()}
    out = [
        CampaignRevenue(
            campaign_id=row.campaign_id, currency=row.currency, revenue=int(row.revenue or 0),
            payments=int(row.payments or 0), paying_contacts=int(row.paying or 0),
            contacts=contact_counts.get(row.campaign_id, 0),
            emails_sent=int(perf[row.campaign_id].emails_sent) if row.campaign_id in perf else 0,
            replies=int(perf[row.campaign_id].replied) if row.campaign_id in perf else 0,
        )
        for row in revenue_rows
    ]
    # campaigns with activity but no revenue yet still belong in a comparison
    seen = {r.campaign_id for r in out}
    for cid, row in perf.items():
        if cid not in seen and (campaign_id is None or cid == campaign_id):
            out.append(CampaignRevenue(cid, row.currency or "usd", 0, 0, 0, contact_counts.get(cid, 0),
                                       int(row.emails_sent), int(row.replied)))
    return sorted(out, key=lambda r: r.revenue, reverse=True)
