"""The shared rate-limit budget: a sliding log of grants per API account and limit (shared/ratelimit.py).

Revision ID: 0007_rate_limits
Revises: 0006_data_protection
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_rate_limits"
down_revision = "0006_data_protection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(96), nullable=False),
        sa.Column("until", sa.Float, nullable=False),
        sa.Column("tokens", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_limits_key_until", "rate_limits", ["key", "until"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_key_until", "rate_limits")
    op.drop_table("rate_limits")
