"""deadline clock: tickets.paused_at (waiting for the resident), extension requests; an index on dispatch_state
(the call centre's to-dispatch queue)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extension_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('unit_of_time', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_extension_requests_ticket_id'), 'extension_requests', ['ticket_id'], unique=False)
    op.create_index(op.f('ix_extension_requests_state'), 'extension_requests', ['state'], unique=False)
    # Plain ADD COLUMN (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_tickets_dispatch_state'), 'tickets', ['dispatch_state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_dispatch_state'))
        batch_op.drop_column('paused_at')
    op.drop_index(op.f('ix_extension_requests_state'), table_name='extension_requests')
    op.drop_index(op.f('ix_extension_requests_ticket_id'), table_name='extension_requests')
    op.drop_table('extension_requests')
