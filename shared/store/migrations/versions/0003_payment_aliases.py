"""Payment aliases (every id naming one payment maps to its reference), the payment a refund belongs to, and
when an event's counted effects were applied (so a replay never applies them twice), and who holds an event's
lease (only the holder may mark it).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_aliases",
        sa.Column("alias", sa.String(96), primary_key=True),
        sa.Column("reference", sa.String(96), nullable=False),
    )
    op.create_index("ix_payment_aliases_reference", "payment_aliases", ["reference"])
    with op.batch_alter_table("attributed_payments") as batch:
        batch.add_column(sa.Column("payment_reference", sa.String(96)))
    op.create_index("ix_payments_payment", "attributed_payments", ["payment_reference"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("applied_at", sa.Float))
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("rerun_effects", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE events SET applied_at = processed_at WHERE status = 'processed'")
    # Payments recorded before aliases existed name themselves.
    op.execute("INSERT INTO payment_aliases (alias, reference) "
               "SELECT reference, reference FROM attributed_payments WHERE kind = 'payment'")


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("rerun_effects")
        batch.drop_column("applied_at")
        batch.drop_column("lease_owner")
    op.drop_index("ix_payments_payment", "attributed_payments")
    with op.batch_alter_table("attributed_payments") as batch:
        batch.drop_column("payment_reference")
    op.drop_table("payment_aliases")
