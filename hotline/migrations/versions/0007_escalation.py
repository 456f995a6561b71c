"""escalation: per-deadline escalation levels and the next step's time on tickets; the steps reached, once each

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:00:00

Open tickets filed before this revision get their response deadline as the next step's time, so the first
sweep looks at each of them once and schedules the rest.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'kind', 'level', 'due_at', name='uq_ticket_escalation_step')
    )
    op.create_index(op.f('ix_ticket_escalations_ticket_id'), 'ticket_escalations', ['ticket_id'], unique=False)
    # Plain ADD COLUMN / CREATE INDEX (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('response_escalation', sa.Integer(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('resolution_escalation', sa.Integer(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('escalation_level', sa.Integer(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('next_escalation_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_tickets_escalation_level'), 'tickets', ['escalation_level'], unique=False)
    op.create_index(op.f('ix_tickets_next_escalation_at'), 'tickets', ['next_escalation_at'], unique=False)
    op.execute("UPDATE tickets SET next_escalation_at = response_due WHERE status NOT IN ('resolved', 'closed')")


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_next_escalation_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_escalation_level'))
        batch_op.drop_column('next_escalation_at')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('resolution_escalation')
        batch_op.drop_column('response_escalation')
    op.drop_index(op.f('ix_ticket_escalations_ticket_id'), table_name='ticket_escalations')
    op.drop_table('ticket_escalations')
