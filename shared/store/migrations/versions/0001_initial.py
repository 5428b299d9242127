"""Initial schema: contacts, campaign performance, events, audit log, sync state, config.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unified_contacts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("first_name", sa.String(200)),
        sa.Column("last_name", sa.String(200)),
        sa.Column("company", sa.String(300)),
        sa.Column("instantly_lead_id", sa.String(64)),
        sa.Column("instantly_campaign_ids", sa.JSON, nullable=False),
        sa.Column("email_engagement_score", sa.Float, nullable=False),
        sa.Column("interest_status", sa.Integer),
        sa.Column("last_sent_at", sa.Float),
        sa.Column("last_opened_at", sa.Float),
        sa.Column("last_clicked_at", sa.Float),
        sa.Column("last_replied_at", sa.Float),
        sa.Column("opens", sa.Integer, nullable=False),
        sa.Column("clicks", sa.Integer, nullable=False),
        sa.Column("replies", sa.Integer, nullable=False),
        sa.Column("stripe_customer_id", sa.String(64)),
        sa.Column("total_revenue", sa.BigInteger, nullable=False),
        sa.Column("revenue_currency", sa.String(3)),
        sa.Column("subscription_status", sa.String(32)),
        sa.Column("payment_failures", sa.Integer, nullable=False),
        sa.Column("conversion_status", sa.String(32), nullable=False),
        sa.Column("source_campaign", sa.String(64)),
        sa.Column("attribution_data", sa.JSON, nullable=False),
        sa.Column("do_not_contact", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_contacts_lead", "unified_contacts", ["instantly_lead_id"])
    op.create_index("ix_contacts_customer", "unified_contacts", ["stripe_customer_id"])
    op.create_index("ix_contacts_status", "unified_contacts", ["conversion_status"])
    op.create_index("ix_contacts_source_campaign", "unified_contacts", ["source_campaign"])

    op.create_table(
        "campaign_performance",
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("campaign_name", sa.String(300)),
        sa.Column("emails_sent", sa.Integer, nullable=False),
        sa.Column("contacted", sa.Integer, nullable=False),
        sa.Column("opened", sa.Integer, nullable=False),
        sa.Column("clicked", sa.Integer, nullable=False),
        sa.Column("replied", sa.Integer, nullable=False),
        sa.Column("bounced", sa.Integer, nullable=False),
        sa.Column("links_sent", sa.Integer, nullable=False),
        sa.Column("paid", sa.Integer, nullable=False),
        sa.Column("revenue", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("cost", sa.BigInteger),
        sa.Column("updated_at", sa.Float, nullable=False),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("processed_at", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("source", "event_id", name="uq_events_source_event"),
    )
    op.create_index("ix_events_pending", "events", ["status", "next_attempt_at"])
    op.create_index("ix_events_type", "events", ["type"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("server", sa.String(32), nullable=False),
        sa.Column("tool", sa.String(96), nullable=False),
        sa.Column("arguments", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])
    op.create_index("ix_audit_tool", "audit_log", ["tool"])

    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(96), primary_key=True),
        sa.Column("cursor", sa.Text),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "app_config",
        sa.Column("key", sa.String(96), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("app_config", "sync_state", "audit_log", "events", "campaign_performance", "unified_contacts"):
        op.drop_table(table)
