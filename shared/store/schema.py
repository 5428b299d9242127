"""Tables. Times are epoch seconds (float); money is integer minor units plus a currency.

Every table has a `scope` column, `<profile>:<mode>` (shared/store/scope.py): whose row it is. Natural keys
(an email, a payment reference, a config key, an event id) are unique within a scope, never across scopes."""

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
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
SCOPE_LENGTH = 48  # a profile name (40) + ":" + a mode


def scope_column() -> Column:  # type: ignore[type-arg]
    return Column("scope", String(SCOPE_LENGTH), nullable=False)

unified_contacts = Table(
    "unified_contacts",
    metadata,
    Column("id", String(40), primary_key=True),
    scope_column(),
    # Personal text is encrypted by the application (shared/store/crypto.py): the lengths here check the plain
    # value before it is encrypted (the database columns are TEXT). Lookups and uniqueness use email_index, the
    # blind index (HMAC) of the lower-cased, stripped email, per scope.
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
    UniqueConstraint("scope", "email_index", name="uq_contacts_scope_email_index"),
    Index("ix_contacts_lead", "instantly_lead_id"),
    Index("ix_contacts_customer", "stripe_customer_id"),
    Index("ix_contacts_status", "conversion_status"),
    Index("ix_contacts_source_campaign", "source_campaign"),
    # The funnel reads only these: scanning this narrow index instead of the rows (wide with ciphertext) halves it.
    Index("ix_contacts_funnel", "scope", "source_campaign", "last_sent_at", "last_opened_at", "last_clicked_at",
          "last_replied_at", "link_sent_at", "paid_at"),
)

# One row per money movement, unique on its reference (pi_/cs_/in_/re_...): applying the same payment
# twice is impossible by construction. Refunds are negative amounts.
attributed_payments = Table(
    "attributed_payments",
    metadata,
    scope_column(),
    Column("reference", String(96), nullable=False),
    Column("contact_id", String(40)),
    Column("campaign_id", String(64)),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),  # payment | refund
    Column("at", Float, nullable=False),
    # For a refund: the payment it returns money from (a payment_aliases reference).
    Column("payment_reference", String(96)),
    PrimaryKeyConstraint("scope", "reference", name="pk_attributed_payments"),
    Index("ix_payments_campaign", "campaign_id"),
    Index("ix_payments_contact", "contact_id"),
    Index("ix_payments_payment", "payment_reference"),
)

# Every id that names one payment (checkout session, invoice, payment intent, charge) points at the payment's
# reference: whichever event arrives first claims the payment, the later ones map to it (one purchase, one row).
payment_aliases = Table(
    "payment_aliases",
    metadata,
    scope_column(),
    Column("alias", String(96), nullable=False),
    Column("reference", String(96), nullable=False),
    PrimaryKeyConstraint("scope", "alias", name="pk_payment_aliases"),
    Index("ix_payment_aliases_reference", "reference"),
)

campaign_performance = Table(
    "campaign_performance",
    metadata,
    scope_column(),
    Column("campaign_id", String(64), nullable=False),
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
    PrimaryKeyConstraint("scope", "campaign_id", name="pk_campaign_performance"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    scope_column(),  # the profile (and mode) the event arrived for; it is processed under that scope
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
    UniqueConstraint("scope", "source", "event_id", name="uq_events_scope_source_event"),
    Index("ix_events_pending", "status", "next_attempt_at"),
    Index("ix_events_type", "type"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    scope_column(),
    Column("at", Float, nullable=False),
    Column("server", String(32), nullable=False),
    Column("tool", String(96), nullable=False),
    Column("arguments", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | error
    Column("duration_ms", Float, nullable=False),
    Column("error", Text),
    Index("ix_audit_at", "at"),
    Index("ix_audit_tool", "tool"),
    Index("ix_audit_scope", "scope"),
)

sync_state = Table(
    "sync_state",
    metadata,
    scope_column(),
    Column("key", String(96), nullable=False),
    Column("cursor", Text),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_sync_state"),
)

app_config = Table(
    "app_config",
    metadata,
    scope_column(),
    Column("key", String(96), nullable=False),
    Column("value", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("scope", "key", name="pk_app_config"),
)

# The rate-limit budget every process using one API account shares (shared/ratelimit.py): a sliding log of
# grants. A grant of `tokens` requests under `key` (an API, a hash of the account's key, a limit's name) counts
# against that limit until `until` (epoch seconds): the end of the grant's lease plus the limit's window.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(96), nullable=False),
    Column("until", Float, nullable=False),
    Column("tokens", Integer, nullable=False),
    Index("ix_rate_limits_key_until", "key", "until"),
)

# People who must not be emailed again (unsubscribed, complained, hard-bounced, erased): the blind index of the
# email only (shared/store/crypto.py), so the list itself holds no address, and a re-import cannot bring them back.
suppressions = Table(
    "suppressions",
    metadata,
    scope_column(),  # a suppression holds in its own profile (and mode) only
    Column("email_index", String(64), nullable=False),
    Column("reason", String(32), nullable=False),  # unsubscribed | spam_complaint | hard_bounce | erasure | manual
    Column("source", String(32), nullable=False),  # where it was learned: instantly event type, a tool, ...
    Column("at", Float, nullable=False),
    PrimaryKeyConstraint("scope", "email_index", name="pk_suppressions"),
)
