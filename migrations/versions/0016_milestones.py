"""the highest milestone each campaign has announced

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("milestone_reached", sa.Integer(), server_default="0", nullable=False)
        )
    # What a campaign had already passed is not news: only milestones from now on are told.
    op.execute("UPDATE campaigns SET milestone_reached = confirmed_count")


def downgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("milestone_reached")
