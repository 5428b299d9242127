"""Profiles: every row gets a scope, `<profile>:<mode>` (shared/store/scope.py), and natural keys become unique per
scope: (scope, email) for contacts, (scope, reference) for payments, (scope, alias), (scope, campaign_id),
(scope, source, event_id), (scope, key) for cursors and config. The audit log gets the column and an index.

Existing rows go to the default profile. Their mode is the mode of the default profile's Stripe key as this
process sees it (environment, then keyring): `live` for an sk_live_/rk_live_ key, else `test`. That is the key the
store was used with until now, so a user's live data stays visible under their live key.

PostgreSQL changes the tables in place; SQLite, which cannot change a primary key, rebuilds them (copy, drop,
rename), in the migration's one transaction.

Revision ID: 0005_profiles
Revises: 0004_api_tokens
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_profiles"
down_revision = "0004_api_tokens"
branch_labels = None
depends_on = None

SCOPE_LENGTH = 48
# table -> (primary key after, or None to keep it; unique constraints after (name, columns); dropped before)
TABLES: dict[str, tuple[tuple[str, ...] | None, list[tuple[str, tuple[str, ...]]], list[tuple[str, ...]]]] = {
    "unified_contacts": (None, [("uq_contacts_scope_email", ("scope", "email"))], [("email",)]),
    "attributed_payments": (("scope", "reference"), [], []),
    "payment_aliases": (("scope", "alias"), [], []),
    "campaign_performance": (("scope", "campaign_id"), [], []),
    "events": (None, [("uq_events_scope_source_event", ("scope", "source", "event_id"))],
               [("source", "event_id")]),
    "audit_log": (None, [], []),
    "sync_state": (("scope", "key"), [], []),
    "app_config": (("scope", "key"), [], []),
}
NEW_INDEXES = [("ix_audit_scope", "audit_log", ("scope",))]


def _default_scope() -> str:
    from shared.secrets import stripe_mode

    return f"default:{stripe_mode('default')}"


def upgrade() -> None:
    bind = op.get_bind()
    scope = _default_scope()
    for table in TABLES:
        op.add_column(table, sa.Column("scope", sa.String(SCOPE_LENGTH), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET scope = :scope").bindparams(scope=scope))
    if bind.dialect.name == "postgresql":
        _postgres(bind)
    else:
        _sqlite(bind)
    for name, table, cols in NEW_INDEXES:
        op.create_index(name, table, list(cols))


def _postgres(bind: sa.engine.Connection) -> None:
    insp = sa.inspect(bind)
    for table, (pk, uniques, dropped) in TABLES.items():
        op.execute(f"ALTER TABLE {table} ALTER COLUMN scope SET NOT NULL")
        for cols in dropped:
            for uc in insp.get_unique_constraints(table):
                if tuple(uc["column_names"]) == cols:
                    op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{uc["name"]}"')
        if pk is not None:
            old = insp.get_pk_constraint(table)["name"]
            op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{old}"')
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({', '.join(pk)})")
        for name, cols in uniques:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({', '.join(cols)})")


def _sqlite(bind: sa.engine.Connection) -> None:
    for table, (pk, uniques, dropped) in TABLES.items():
        insp = sa.inspect(bind)
        old = sa.Table(table, sa.MetaData(), autoload_with=bind)
        indexes = insp.get_indexes(table)
        keep_pk = pk or tuple(insp.get_pk_constraint(table)["constrained_columns"])
        kept_uniques = [tuple(uc["column_names"]) for uc in insp.get_unique_constraints(table)
                        if tuple(uc["column_names"]) not in dropped]
        cols = []
        for c in old.columns:
            in_pk = c.name in keep_pk
            cols.append(sa.Column(c.name, c.type, nullable=False if (c.name == "scope" or in_pk) else c.nullable,
                                  primary_key=in_pk, autoincrement=bool(in_pk and len(keep_pk) == 1
                                                                        and isinstance(c.type, sa.Integer))))
        new_name = f"{table}__v5"
        constraints = [sa.UniqueConstraint(*u, name=n) for n, u in uniques]
        constraints += [sa.UniqueConstraint(*u) for u in kept_uniques]
        new = sa.Table(new_name, sa.MetaData(), *cols, *constraints)
        new.create(bind)
        names = ", ".join(f'"{c.name}"' for c in old.columns)
        op.execute(f"INSERT INTO {new_name} ({names}) SELECT {names} FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {new_name} RENAME TO {table}")
        for ix in indexes:
            op.create_index(ix["name"], table, ix["column_names"], unique=bool(ix.get("unique")))


def downgrade() -> None:
    raise NotImplementedError("profiles cannot be undone: rows of several profiles would collide")
