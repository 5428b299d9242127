"""Data protection: the suppression list (blind-index values only).

Revision ID: 0006_data_protection
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_data_protection"
# The newest revision on main is "0003" (the file 0003_payment_aliases.py); the lead re-chains at merge.
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("email_index", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
