"""dangers: an urgent ticket's kind of danger and the emergency number it was referred to; the unit queues'
order (priority, requested_at) as an index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('danger_kind', sa.String(length=16), nullable=True))
    op.add_column('tickets', sa.Column('referred_to', sa.String(length=8), nullable=True))
    op.create_index('ix_tickets_queue_order', 'tickets', ['priority', 'requested_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_queue_order', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('referred_to')
        batch_op.drop_column('danger_kind')
