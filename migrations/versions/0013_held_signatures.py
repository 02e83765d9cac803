"""signatures from a busy address are held until a coordinator releases them

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("held_address", sa.String(length=45), nullable=True))
    op.create_index(
        "ix_signatures_held",
        "signatures",
        ["held_address"],
        unique=False,
        postgresql_where=sa.text("held_at IS NOT NULL"),
        sqlite_where=sa.text("held_at IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_signatures_held", table_name="signatures")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_column("held_address")
        batch_op.drop_column("held_at")
