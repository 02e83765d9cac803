"""a partial index for the transactional worker's drain: one stream's queued rows by due time

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_outbound_emails_queued_stream_due",
        "outbound_emails",
        ["stream", "due_at"],
        unique=False,
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )


def downgrade():
    op.drop_index("ix_outbound_emails_queued_stream_due", table_name="outbound_emails")
