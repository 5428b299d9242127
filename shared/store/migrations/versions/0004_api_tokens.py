"""API tokens for the HTTP transport: only a hash of each token is kept, with the one profile it acts as, its
role, when it expires and whether it was revoked.

Revision ID: 0004_api_tokens
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_api_tokens"
down_revision = "0003"  # 0003_payment_aliases.py
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("profile", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float),
        sa.Column("revoked_at", sa.Float),
    )
    op.create_index("ix_api_tokens_profile", "api_tokens", ["profile"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_profile", "api_tokens")
    op.drop_table("api_tokens")
