"""public update state and duplicates: ticket_updates.public_state, the FixMyStreet state Open311 shows for an
update; tickets.master_id, the ticket a duplicate follows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (in place on SQLite), as in 0002.
    op.add_column('ticket_updates', sa.Column('public_state', sa.String(length=24), nullable=True))
    op.add_column('tickets', sa.Column('master_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_tickets_master_id'), 'tickets', ['master_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_master_id'))
        batch_op.drop_column('master_id')
    with op.batch_alter_table('ticket_updates', schema=None) as batch_op:
        batch_op.drop_column('public_state')
