"""tickets.source_key: who filed a ticket (a digest), so that urgent reports from one source merge

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN / CREATE INDEX (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('source_key', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_tickets_source_key'), 'tickets', ['source_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_source_key'))
        batch_op.drop_column('source_key')
