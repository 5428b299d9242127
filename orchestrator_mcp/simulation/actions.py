"""Leads engaging and time passing, in the sandboxes, and what each caused."""

from __future__ import annotations

from typing import Any

from orchestrator_mcp.simulation.sandboxes import Sandboxes

DAY = 86400


def engagement_lines(result: dict[str, Any]) -> list[str]:
    out = []
    for lead in result["leads"]:
        applied = ", ".join(lead.get("applied") or [])
        if applied and lead.get("skipped"):
            out.append(f"{lead['email']}: {applied}; then stopped ({lead['skipped']})")
        elif applied:
            out.append(f"{lead['email']}: {applied}")
        else:
            out.append(f"{lead['email']}: skipped ({lead.get('skipped') or 'nothing applied'})")
    return out


async def engage(sb: Sandboxes, *, events: list[str], campaign: str | None, emails: list[str] | None,
                 count: int | None, share: float | None, reply_text: str | None) -> tuple[str, list[str], Any]:
    """(headline, what happened, the webhook bodies emitted)."""
    body: dict[str, Any] = {"events": events}
    for key, value in (("campaign", campaign), ("emails", emails), ("count", count), ("share", share),
                       ("text", reply_text)):
        if value is not None:
            body[key] = value
    result = await sb.instantly("simulate/engage", body)
    done = [x for x in result["leads"] if x.get("applied")]
    where = f" in {result['campaign_name']}" if result.get("campaign_name") else ""
    headline = f"{len(done)} of {len(result['leads'])} lead{'' if len(result['leads']) == 1 else 's'}{where}: " \
               f"{', '.join(events)}."
    if not result["leads"]:
        headline = f"No lead{where} could take {events[0]} (none sent an email yet, or none left)."
    return headline, engagement_lines(result), result["payloads"]


STRIPE_LABELS = {
    "invoice.paid": "invoice paid", "invoice.payment_failed": "payment failed",
    "customer.subscription.deleted": "subscription ended",
    "customer.subscription.trial_will_end": "trial ending notice", "invoice.upcoming": "upcoming invoice notice",
    "charge.refunded": "charge refunded", "charge.dispute.created": "dispute opened",
    "checkout.session.completed": "checkout completed", "payment_intent.payment_failed": "card declined",
}


def stripe_lines(by_type: dict[str, int]) -> list[str]:
    """What the Stripe events of a simulation say, from their counts by type."""
    return [f"Stripe: {n} × {STRIPE_LABELS[k]} ({k})" for k, n in sorted(by_type.items()) if k in STRIPE_LABELS]


async def pass_time(sb: Sandboxes, *, days: float, campaign: str | None) -> tuple[str, list[str], Any]:
    seconds = round(days * DAY)
    body: dict[str, Any] = {"seconds": seconds}
    if campaign:
        body["campaign"] = campaign
    sent = await sb.instantly("simulate/time", body)
    happened: list[str] = []
    for entry in sent["campaigns"]:
        if entry.get("skipped") and not entry["sent"]:
            happened.append(f"{entry['campaign_name']}: nothing sent ({entry['skipped']})")
            continue
        steps = ", ".join(f"step {k}: {v}" for k, v in sorted(entry["by_step"].items())) or "nothing due"
        line = f"{entry['campaign_name']}: {entry['sent']} email{'' if entry['sent'] == 1 else 's'} sent ({steps})"
        line += f"; {entry['waiting']} lead{'' if entry['waiting'] == 1 else 's'} with steps still to come"
        if entry.get("completed"):
            line += "; campaign completed"
        happened.append(line)
    stripe_events = 0
    if campaign is None:  # one campaign's sends only: the Stripe clock stays where it is
        stripe_events = len((await sb.stripe("simulate/advance", {"seconds": seconds})).get("events") or [])
    if not sent["campaigns"]:
        happened.insert(0, "No active campaign" + (" by that name" if campaign else "") + ": nothing to send.")
    headline = f"{days:g} day{'' if days == 1 else 's'} passed: {sent['sent']} email" \
               f"{'' if sent['sent'] == 1 else 's'} sent" + \
               (f", {stripe_events} Stripe event{'' if stripe_events == 1 else 's'}" if campaign is None else "") + "."
    return headline, happened, sent["payloads"]
