"""Tables. Times are epoch seconds (float); money is integer minor units plus a currency."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

unified_contacts = Table(
    "unified_contacts",
    metadata,
    Column("id", String(40), primary_key=True),
    # Personal text is encrypted by the application (shared/store/crypto.py): the lengths here check the plain
    # value before it is encrypted (the database columns are TEXT). Lookups and uniqueness use email_index, the
    # blind index (HMAC) of the lower-cased, stripped email.
    Column("email", String(320), nullable=False),
    Column("email_index", String(64), nullable=False),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("company", String(300)),
    Column("instantly_lead_id", String(64)),
    Column("instantly_campaign_ids", JSON, nullable=False, default=list),
    Column("email_engagement_score", Float, nullable=False, default=0.0),
    Column("interest_status", Integer),
    Column("last_sent_at", Float),
    Column("last_opened_at", Float),
    Column("last_clicked_at", Float),
    Column("last_replied_at", Float),
    Column("opens", Integer, nullable=False, default=0),
    Column("clicks", Integer, nullable=False, default=0),
    Column("replies", Integer, nullable=False, default=0),
    Column("stripe_customer_id", String(64)),
    Column("total_revenue", BigInteger, nullable=False, default=0),
    Column("revenue_currency", String(3)),
    Column("subscription_status", String(32)),
    Column("payment_failures", Integer, nullable=False, default=0),
    Column("conversion_status", String(32), nullable=False, default="prospect"),
    Column("source_campaign", String(64)),
    Column("attribution_data", JSON, nullable=False, default=dict),
    Column("do_not_contact", Boolean, nullable=False, default=False),
    Column("link_sent_at", Float),
    Column("paid_at", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("uq_contacts_email_index", "email_index", unique=True),
    Index("ix_contacts_lead", "instantly_lead_id"),
    Index("ix_contacts_customer", "stripe_customer_id"),
    Index("ix_contacts_status", "conversion_status"),
    Index("ix_contacts_source_campaign", "source_campaign"),
    # The funnel reads only these: scanning this narrow index instead of the rows (wide with ciphertext) halves it.
    Index("ix_contacts_funnel", "source_campaign", "last_sent_at", "last_opened_at", "last_clicked_at",
          "last_replied_at", "link_sent_at", "paid_at"),
)

# One row per money movement, unique on its reference (pi_/cs_/in_/re_...): applying the same payment
# twice is impossible by construction. Refunds are negative amounts.
attributed_payments = Table(
    "attributed_payments",
    metadata,
    Column("reference", String(96), primary_key=True),
    Column("contact_id", String(40)),
    Column("campaign_id", String(64)),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),  # payment | refund
    Column("at", Float, nullable=False),
    # For a refund: the payment it returns money from (a payment_aliases reference).
    Column("payment_reference", String(96)),
    Index("ix_payments_campaign", "campaign_id"),
    Index("ix_payments_contact", "contact_id"),
    Index("ix_payments_payment", "payment_reference"),
)

# Every id that names one payment (checkout session, invoice, payment intent, charge) points at the payment's
# reference: whichever event arrives first claims the payment, the later ones map to it (one purchase, one row).
payment_aliases = Table(
    "payment_aliases",
    metadata,
    Column("alias", String(96), primary_key=True),
    Column("reference", String(96), nullable=False),
    Index("ix_payment_aliases_reference", "reference"),
)

campaign_performance = Table(
    "campaign_performance",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("campaign_name", String(300)),
    Column("emails_sent", Integer, nullable=False, default=0),
    Column("contacted", Integer, nullable=False, default=0),
    Column("opened", Integer, nullable=False, default=0),
    Column("clicked", Integer, nullable=False, default=0),
    Column("replied", Integer, nullable=False, default=0),
    Column("bounced", Integer, nullable=False, default=0),
    Column("links_sent", Integer, nullable=False, default=0),
    Column("paid", Integer, nullable=False, default=0),
    Column("revenue", BigInteger, nullable=False, default=0),
    Column("currency", String(3)),
    Column("cost", BigInteger),
    Column("updated_at", Float, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("via", String(16), nullable=False, default="webhook"),
    Column("status", String(16), nullable=False, default="pending"),  # pending | processed | dead
    Column("processed_at", Float),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, default=0.0),
    Column("lease_until", Float),
    Column("lease_owner", String(64)),  # the processor holding the lease; only it may mark the event
    Column("last_error", Text),
    # When the rules first applied this event's counted effects (counters, money); a replay never repeats them.
    Column("applied_at", Float),
    # Set by replay_event when the user asks for the outside actions (campaign moves, payment links) to run again.
    Column("rerun_effects", Boolean, nullable=False, default=False),
    UniqueConstraint("source", "event_id", name="uq_events_source_event"),
    Index("ix_events_pending", "status", "next_attempt_at"),
    Index("ix_events_type", "type"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("server", String(32), nullable=False),
    Column("tool", String(96), nullable=False),
    Column("arguments", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | error
    Column("duration_ms", Float, nullable=False),
    Column("error", Text),
    Index("ix_audit_at", "at"),
    Index("ix_audit_tool", "tool"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("key", String(96), primary_key=True),
    Column("cursor", Text),
    Column("updated_at", Float, nullable=False),
)

app_config = Table(
    "app_config",
    metadata,
    Column("key", String(96), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# People who must not be emailed again (unsubscribed, complained, hard-bounced, erased): the blind index of the
# email only (shared/store/crypto.py), so the list itself holds no address, and a re-import cannot bring them back.
suppressions = Table(
    "suppressions",
    metadata,
    Column("email_index", String(64), primary_key=True),
    Column("reason", String(32), nullable=False),  # unsubscribed | spam_complaint | hard_bounce | erasure | manual
    Column("source", String(32), nullable=False),  # where it was learned: instantly event type, a tool, ...
    Column("at", Float, nullable=False),
)
