"""contacts, the suppression list, appeals and their messages; a signature's appeal

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('subscription', sa.Enum('subscribed', 'not_subscribed', 'unsubscribed', 'bounced', 'complained', name='subscription', native_enum=False, length=15), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('email_normalized', name=op.f('uq_contacts_email_normalized'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_subscription'), ['subscription'], unique=False)

    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Enum('unsubscribed', 'bounced', 'complained', name='suppressionreason', native_enum=False, length=15), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('email_normalized', name=op.f('uq_suppressions_email_normalized'))
    )
    op.create_table('subscription_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('subscription', sa.Enum('subscribed', 'not_subscribed', 'unsubscribed', 'bounced', 'complained', name='subscription', native_enum=False, length=15), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_subscription_changes_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_changes'))
    )
    with op.batch_alter_table('subscription_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_changes_contact_id'), ['contact_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('supporters', 'partners', name='audience', native_enum=False, length=15), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('states', sa.JSON(), nullable=False),
    sa.Column('signed_campaign_ids', sa.JSON(), nullable=False),
    sa.Column('not_signed_campaign_ids', sa.JSON(), nullable=False),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled', name='appealstatus', native_enum=False, length=10), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('attempted', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sender_round', sa.Integer(), nullable=False),
    sa.Column('paused_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_appeals_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_appeals_created_by_id_accounts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['accounts.id'], name=op.f('fk_appeals_started_by_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_started_by_id'), ['started_by_id'], unique=False)
        batch_op.create_index('ix_appeals_status_scheduled_for', ['status', 'scheduled_for'], unique=False)

    op.create_table('appeal_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'suppressed', 'cancelled', name='messagestatus', native_enum=False), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_messages_appeal_id_appeals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_appeal_messages_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_messages')),
    sa.UniqueConstraint('appeal_id', 'email', name=op.f('uq_appeal_messages_appeal_id_email'))
    )
    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_messages_appeal_id_status', ['appeal_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_messages_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appeal_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_signatures_appeal_id', ['appeal_id'], unique=False, postgresql_where=sa.text('appeal_id IS NOT NULL'), sqlite_where=sa.text('appeal_id IS NOT NULL'))


    # Everyone who confirmed a signature becomes a contact, as they would have at
    # confirmation, with the details of their latest signature; subscribed when any of their
    # confirmed signatures asked for updates.
    op.execute(
        """
        INSERT INTO contacts (email, email_normalized, full_name, postal_code, state,
                              subscription, created_at, updated_at)
        SELECT s.email, s.email_normalized, s.full_name, s.postal_code, s.state,
               CASE WHEN latest.wants = 1 THEN 'subscribed' ELSE 'not_subscribed' END,
               s.confirmed_at, s.confirmed_at
        FROM signatures s
        JOIN (
            SELECT email_normalized, max(id) AS id,
                   max(CASE WHEN consent_updates THEN 1 ELSE 0 END) AS wants
            FROM signatures WHERE confirmed_at IS NOT NULL GROUP BY email_normalized
        ) latest ON latest.id = s.id
        """
    )


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_appeal_id', postgresql_where=sa.text('appeal_id IS NOT NULL'), sqlite_where=sa.text('appeal_id IS NOT NULL'))
        batch_op.drop_column('appeal_id')

    with op.batch_alter_table('appeal_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_messages_contact_id'))
        batch_op.drop_index('ix_appeal_messages_appeal_id_status')

    op.drop_table('appeal_messages')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index('ix_appeals_status_scheduled_for')
        batch_op.drop_index(batch_op.f('ix_appeals_started_by_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_campaign_id'))

    op.drop_table('appeals')
    with op.batch_alter_table('subscription_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_changes_contact_id'))

    op.drop_table('subscription_changes')
    op.drop_table('suppressions')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_subscription'))
        batch_op.drop_index(batch_op.f('ix_contacts_state'))

    op.drop_table('contacts')
