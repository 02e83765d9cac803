"""outbox rows carry when they are next due, for backoff and the relay

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbound_emails SET due_at = created_at")
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.alter_column("due_at", nullable=False)
        batch_op.drop_index("ix_outbound_emails_status_created")
        batch_op.create_index("ix_outbound_emails_status_due", ["status", "due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_emails_status_due")
        batch_op.create_index(
            "ix_outbound_emails_status_created", ["status", "created_at"], unique=False
        )
        batch_op.drop_column("due_at")
