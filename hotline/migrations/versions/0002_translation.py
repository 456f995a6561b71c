"""machine translation: source language, flags, translation cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('translation_cache',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('source_language', sa.String(length=8), nullable=False),
    sa.Column('target_language', sa.String(length=8), nullable=False),
    sa.Column('translation', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    # Plain ALTER TABLE ADD COLUMN / CREATE INDEX, which SQLite does in place: a batch (copy and
    # drop) of `tickets` fails on a filled database, whose other tables point at it.
    op.add_column('tickets', sa.Column('source_language', sa.String(length=8), nullable=True))
    op.add_column('tickets', sa.Column('machine_translated', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('tickets', sa.Column('translated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('needs_multilingual_operator', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.create_index(op.f('ix_tickets_needs_multilingual_operator'), 'tickets', ['needs_multilingual_operator'],
                    unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_needs_multilingual_operator'))
        batch_op.drop_column('needs_multilingual_operator')
        batch_op.drop_column('translated_at')
        batch_op.drop_column('machine_translated')
        batch_op.drop_column('source_language')
    op.drop_table('translation_cache')
