"""Attributed payments (unique per payment reference) and the times a link was sent and paid.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unified_contacts") as batch:
        batch.add_column(sa.Column("link_sent_at", sa.Float))
        batch.add_column(sa.Column("paid_at", sa.Float))
    op.create_table(
        "attributed_payments",
        sa.Column("reference", sa.String(96), primary_key=True),
        sa.Column("contact_id", sa.String(40)),
        sa.Column("campaign_id", sa.String(64)),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_payments_campaign", "attributed_payments", ["campaign_id"])
    op.create_index("ix_payments_contact", "attributed_payments", ["contact_id"])


def downgrade() -> None:
    op.drop_table("attributed_payments")
    with op.batch_alter_table("unified_contacts") as batch:
        batch.drop_column("paid_at")
        batch.drop_column("link_sent_at")
