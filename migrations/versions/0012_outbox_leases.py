"""outbox rows are claimed with a lease, and resends after a lost outcome are counted

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resends", sa.Integer(), nullable=False, server_default="0")
        )
    # Rows left 'sending' before leases existed: their lease ran out when they were claimed.
    op.execute("UPDATE outbound_emails SET lease_expires_at = updated_at WHERE status = 'sending'")


def downgrade():
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_column("resends")
        batch_op.drop_column("lease_expires_at")
