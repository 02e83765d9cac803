"""campaigns are authored in the console: versions, milestones, closing date, share image

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('ask', sa.Text(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('changed', sa.JSON(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_versions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['edited_by_id'], ['accounts.id'], name=op.f('fk_campaign_versions_edited_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_versions')),
    sa.UniqueConstraint('campaign_id', 'number', name=op.f('uq_campaign_versions_campaign_id_number'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_milestones', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('share_image', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('share_image_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_campaigns_created_by_id_accounts'), 'accounts', ['created_by_id'], ['id'])

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_version', sa.Integer(), nullable=True))

    # Campaigns already public were opened with the text they have: that is their version 1.
    op.execute(
        "INSERT INTO campaign_versions (campaign_id, number, title, summary, ask, rationale,"
        " changed, created_at) SELECT id, 1, title, summary, ask, rationale, '[]', created_at"
        " FROM campaigns WHERE status != 'draft'"
    )
    op.execute("UPDATE campaigns SET opened_at = created_at WHERE status != 'draft'")



def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('campaign_version')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaigns_created_by_id_accounts'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('version')
        batch_op.drop_column('share_image_version')
        batch_op.drop_column('share_image')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('extra_milestones')

    op.drop_table('campaign_versions')
