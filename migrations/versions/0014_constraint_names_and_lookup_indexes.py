"""unique constraints named after all their columns; indexes on foreign keys used in look-ups

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# table, columns: each was named after its first column only.
RENAMED = [
    ("endorsements", ["partner_id", "campaign_id"]),
    ("signatures", ["campaign_id", "email_normalized"]),
    ("co_signatures", ["letter_id", "partner_id"]),
    ("letter_versions", ["letter_id", "number"]),
    ("letter_deliveries", ["letter_id", "target_id"]),
    ("letter_reminders", ["letter_id", "partner_id"]),
    ("petition_deliveries", ["campaign_id", "target_id"]),
]
INDEXED = [
    ("letter_deliveries", "target_id"),
    ("petition_deliveries", "target_id"),
    ("target_responses", "target_id"),
    ("account_tokens", "created_by_id"),
    ("account_tokens", "account_id"),
]


def _rename(old_of, new_of):
    for table, columns in RENAMED:
        old, new = old_of(table, columns), new_of(table, columns)
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
        else:  # SQLite cannot rename a constraint: the table is rebuilt
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_constraint(old, type_="unique")
                batch_op.create_unique_constraint(new, columns)


def _first(table, columns):
    return f"uq_{table}_{columns[0]}"


def _all(table, columns):
    return f"uq_{table}_{'_'.join(columns)}"


def upgrade():
    _rename(_first, _all)
    for table, column in INDEXED:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade():
    for table, column in INDEXED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    _rename(_all, _first)
