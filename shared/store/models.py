"""The store's row types, importable without SQLAlchemy (so a server's start-up does not pay for it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


class Contact(BaseModel):
    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    instantly_lead_id: str | None = None
    instantly_campaign_ids: list[str] = []
    email_engagement_score: float = 0.0
    interest_status: int | None = None
    last_sent_at: float | None = None
    last_opened_at: float | None = None
    last_clicked_at: float | None = None
    last_replied_at: float | None = None
    opens: int = 0
    clicks: int = 0
    replies: int = 0
    stripe_customer_id: str | None = None
    total_revenue: int = 0
    revenue_currency: str | None = None
    subscription_status: str | None = None
    payment_failures: int = 0
    conversion_status: str = "prospect"
    source_campaign: str | None = None
    attribution_data: dict[str, Any] = {}
    do_not_contact: bool = False
    link_sent_at: float | None = None
    paid_at: float | None = None
    created_at: float
    updated_at: float


class EventRow(BaseModel):
    id: int
    scope: str = "default:test"  # the profile and Stripe mode it arrived for (shared/store/scope.py)
    source: str
    event_id: str
    type: str
    payload: dict[str, Any]
    received_at: float
    via: str
    status: str
    processed_at: float | None = None
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    applied_at: float | None = None
    rerun_effects: bool = False


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass
class RetentionPolicy:
    """Days to keep each kind of data; None keeps it forever."""

    event_payload_days: float | None = 30  # after the event is processed; the row, counters and times stay
    audit_days: float | None = 365
    dead_letter_days: float | None = 90
    inactive_contact_days: float | None = None  # off by default

    def as_dict(self) -> dict[str, float | None]:
        return dict(self.__dict__)
