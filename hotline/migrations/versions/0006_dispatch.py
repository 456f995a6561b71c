"""dispatch: handling units' assignments, the ticket audit trail, staff units, the lead unit's state on tickets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 20:30:00

Tickets filed before this revision stay ``undispatched``: the call centre dispatches them from its queue.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('return_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_ticket_assignments_ticket_id'), 'ticket_assignments', ['ticket_id'], unique=False)
    op.create_index('ix_ticket_assignments_unit_state', 'ticket_assignments', ['unit', 'state'], unique=False)
    op.create_table('ticket_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_ticket_history_ticket_id'), 'ticket_history', ['ticket_id'], unique=False)
    # Plain ADD COLUMN / CREATE INDEX (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('dispatch_state', sa.String(length=16), server_default='undispatched',
                                       nullable=False))
    op.add_column('tickets', sa.Column('lead_unit', sa.String(length=64), nullable=True))
    op.add_column('tickets', sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('deadline_tier', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_tickets_lead_unit'), 'tickets', ['lead_unit'], unique=False)
    op.add_column('staff', sa.Column('unit', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('unit')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_lead_unit'))
        batch_op.drop_column('deadline_tier')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('lead_unit')
        batch_op.drop_column('dispatch_state')
    op.drop_index(op.f('ix_ticket_history_ticket_id'), table_name='ticket_history')
    op.drop_table('ticket_history')
    op.drop_index('ix_ticket_assignments_unit_state', table_name='ticket_assignments')
    op.drop_index(op.f('ix_ticket_assignments_ticket_id'), table_name='ticket_assignments')
    op.drop_table('ticket_assignments')
