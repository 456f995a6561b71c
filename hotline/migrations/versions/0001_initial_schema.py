"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 05:47:28.552784
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_published_at'), ['published_at'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_sha256')
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_request_id', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('translation', sa.Text(), nullable=True),
    sa.Column('translation_language', sa.String(length=8), nullable=True),
    sa.Column('address_string', sa.String(length=500), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('long', sa.Double(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('media_url', sa.String(length=1000), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('district_code', sa.String(length=12), nullable=True),
    sa.Column('subdistrict_code', sa.String(length=12), nullable=True),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('response_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('channel_user_id', sa.String(length=128), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=True),
    sa.Column('last_name', sa.String(length=100), nullable=True),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('account_id', sa.String(length=128), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('service_request_id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_requested_at'), ['requested_at'], unique=False)
        batch_op.create_index('ix_tickets_resident', ['channel', 'channel_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_service_code'), ['service_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_subdistrict_code'), ['subdistrict_code'], unique=False)

    op.create_table('satisfaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('note_language', sa.String(length=8), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_updates_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_updates_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_updates_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_updates_created_at'))

    op.drop_table('ticket_updates')
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_ticket_id'))

    op.drop_table('satisfaction')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_subdistrict_code'))
        batch_op.drop_index(batch_op.f('ix_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_service_code'))
        batch_op.drop_index('ix_tickets_resident')
        batch_op.drop_index(batch_op.f('ix_tickets_requested_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_district_code'))
        batch_op.drop_index(batch_op.f('ix_tickets_department'))

    op.drop_table('tickets')
    op.drop_table('staff')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_published_at'))

    op.drop_table('outbox')
