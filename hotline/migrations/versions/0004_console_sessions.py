"""console sessions, audit log, login failures; who created and revoked each staff token

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_sha256', sa.String(length=64), nullable=False),
    sa.Column('staff_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_sha256')
    )
    op.create_index(op.f('ix_console_sessions_staff_name'), 'console_sessions', ['staff_name'], unique=False)
    op.create_index(op.f('ix_console_sessions_expires_at'), 'console_sessions', ['expires_at'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_action'), 'audit_log', ['action'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('account', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_login_failures_at'), 'login_failures', ['at'], unique=False)
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'at'], unique=False)
    # Plain ALTER TABLE ADD COLUMN (nullable), which SQLite does in place, as in 0002.
    op.add_column('staff', sa.Column('created_by', sa.String(length=100), nullable=True))
    op.add_column('staff', sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff', sa.Column('revoked_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('revoked_by')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('created_by')
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_index(op.f('ix_login_failures_at'), table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index(op.f('ix_audit_log_action'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_console_sessions_expires_at'), table_name='console_sessions')
    op.drop_index(op.f('ix_console_sessions_staff_name'), table_name='console_sessions')
    op.drop_table('console_sessions')
