"""Stable event ids, so that a webhook and a poll of the same thing are stored once.

Stripe events carry their own id (evt_...). Instantly deliveries carry none, so the id is a hash of
the fields that identify the happening: its type, the lead, the campaign, and the email or the time.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Subscribed as `email_link_clicked`, delivered as `link_clicked`: store one name.
TYPE_ALIASES = {"email_link_clicked": "link_clicked"}

# Lead-status changes happen once per lead and campaign: the time of delivery must not split them.
STATUS_EVENTS = {
    "lead_interested", "lead_not_interested", "lead_neutral", "lead_meeting_booked", "lead_meeting_completed",
    "lead_closed", "lead_out_of_office", "lead_wrong_person", "lead_no_show", "lead_unsubscribed", "email_bounced",
}


def instantly_event_type(payload: dict[str, Any]) -> str:
    raw = str(payload.get("event_type") or "unknown")
    return TYPE_ALIASES.get(raw, raw)


def instantly_event_id(payload: dict[str, Any]) -> str:
    """`ins_` + sha256 of the identifying fields (stable across webhook and poll)."""
    kind = instantly_event_type(payload)
    lead = str(payload.get("lead_email") or "").strip().lower()
    campaign = str(payload.get("campaign_id") or "")
    if kind in STATUS_EVENTS:
        basis: list[Any] = [kind, lead, campaign]
    elif payload.get("email_id"):
        basis = [kind, lead, campaign, str(payload["email_id"])]
    else:
        basis = [kind, lead, campaign, str(payload.get("timestamp") or ""), payload.get("step")]
    digest = hashlib.sha256(json.dumps(basis, separators=(",", ":")).encode()).hexdigest()
    return f"ins_{digest[:40]}"
