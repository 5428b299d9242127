"""Data protection: personal data encrypted at rest, the email's blind index, and the suppression list.

Existing rows are migrated in batches, with a progress line per batch on stderr: contacts get their blind index
(email_index; (scope, email_index) is now the unique key, replacing 0005's (scope, email)) and their email, names
and company encrypted; event payloads and audit arguments are encrypted. The suppression list is per scope, like
every table since 0005. The key marker is the store's own row (app_config under scope.STORE_SCOPE): one data key
and one index key per installation, whatever the profile. The keys come from the environment or the OS keyring (created there on first use,
never written into the store; shared/store/crypto.py). With no key anywhere the store stays unprotected (plain
values, a public-key blind index) and `doctor` says so.

Revision ID: 0006_data_protection
Revises: 0005_profiles
"""

import sys
import time

import sqlalchemy as sa
from alembic import op

from shared.store.crypto import MARKER, keys_for_marker, seal_contact
from shared.store.scope import STORE_SCOPE

revision = "0006_data_protection"
down_revision = "0005_profiles"
branch_labels = None
depends_on = None

BATCH = 500
PERSONAL = ("email", "first_name", "last_name", "company")
contacts = sa.table("unified_contacts", sa.column("id", sa.String), sa.column("email_index", sa.String),
                    *(sa.column(name, sa.Text) for name in PERSONAL))
app_config = sa.table("app_config", sa.column("scope", sa.String), sa.column("key", sa.String),
                      sa.column("value", sa.JSON), sa.column("updated_at", sa.Float))
SCOPE_LENGTH = 48  # as shared/store/schema.py


def _progress(what: str, done: int, total: int) -> None:
    print(f"0006_data_protection: {what} {done}/{total}", file=sys.stderr, flush=True)


def _batches(bind, table, key, total: int, what: str, fix) -> None:  # type: ignore[no-untyped-def]
    """Rewrite every row of `table`, BATCH rows at a time in `key` order, with a progress line per batch."""
    after, done = None, 0
    while True:
        stmt = sa.select(table).order_by(table.c[key]).limit(BATCH)
        if after is not None:
            stmt = stmt.where(table.c[key] > after)
        rows = bind.execute(stmt).all()
        if not rows:
            return
        for row in rows:
            values = fix(row._asdict())
            if values:
                bind.execute(sa.update(table).where(table.c[key] == row._asdict()[key]).values(**values))
        done += len(rows)
        after = rows[-1]._asdict()[key]
        _progress(what, done, total)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "suppressions",
        sa.Column("scope", sa.String(SCOPE_LENGTH), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("scope", "email_index", name="pk_suppressions"),
    )
    with op.batch_alter_table("unified_contacts") as batch:
        batch.add_column(sa.Column("email_index", sa.String(64)))
    if postgres:  # ciphertext is longer than the plain value (SQLite does not enforce lengths)
        for name in PERSONAL:
            op.alter_column("unified_contacts", name, type_=sa.Text)
        # 0005's (scope, email) cannot hold over ciphertext (a fresh nonce per value): it moves to the blind index
        op.execute("ALTER TABLE unified_contacts DROP CONSTRAINT IF EXISTS uq_contacts_scope_email")

    marker_row = sa.and_(app_config.c.scope == STORE_SCOPE, app_config.c.key == MARKER)
    existing = bind.execute(sa.select(app_config.c.value).where(marker_row)).scalar()
    keys, marker = keys_for_marker(existing, "being migrated")

    def contact(row: dict) -> dict:  # type: ignore[type-arg]
        values = {"email": row["email"].strip().lower(),
                  **{n: row[n] for n in PERSONAL[1:] if row[n] is not None}}
        return seal_contact(keys, values)

    total = bind.execute(sa.select(sa.func.count()).select_from(contacts)).scalar() or 0
    if total:
        _batches(bind, contacts, "id", total, "contacts encrypted and indexed", contact)
    if keys.data is not None:
        for name, column in (("events", "payload"), ("audit_log", "arguments")):
            table = sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.JSON))
            n = bind.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0
            if n:
                _batches(bind, table, "id", n, f"{name} {column}s encrypted",
                         lambda row, c=column: {c: keys.encrypt_json(row[c])})
    if postgres:
        op.execute("ALTER TABLE unified_contacts ADD CONSTRAINT uq_contacts_scope_email_index "
                   "UNIQUE (scope, email_index)")
        op.alter_column("unified_contacts", "email_index", nullable=False)
    else:  # SQLite cannot drop a constraint in place: the table is rebuilt (copy, drop, rename), as in 0005
        with op.batch_alter_table("unified_contacts", recreate="always") as batch:
            batch.drop_constraint("uq_contacts_scope_email", type_="unique")
            batch.create_unique_constraint("uq_contacts_scope_email_index", ["scope", "email_index"])
            batch.alter_column("email_index", existing_type=sa.String(64), nullable=False)
    # the funnel scans this narrow covering index, not the rows made wider by ciphertext (bench B3)
    # (scope first: every funnel query is limited to one profile's rows, shared/store/scope.py)
    op.create_index("ix_contacts_funnel", "unified_contacts", ["scope", "source_campaign", "last_sent_at",
                                                               "last_opened_at", "last_clicked_at", "last_replied_at",
                                                               "link_sent_at", "paid_at"])
    if marker is not None:
        bind.execute(sa.delete(app_config).where(marker_row))
        bind.execute(sa.insert(app_config).values(scope=STORE_SCOPE, key=MARKER, value=marker,
                                                  updated_at=time.time()))


def downgrade() -> None:
    # Decrypting back to plain text is deliberately not offered, and without it 0005's (scope, email) uniqueness
    # cannot be restored over encrypted emails (each has its own nonce).
    raise NotImplementedError("data protection cannot be undone: the emails are encrypted and unique by their "
                              "blind index only")
