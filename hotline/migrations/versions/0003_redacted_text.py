"""redacted text: tickets.public_text, the de-identified copy analysts search

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 09:00:00

Filled for the tickets already there, in batches of 500, with today's redaction rules
(``hotline.domain.privacy.redacted_text``).
"""

from alembic import op
import sqlalchemy as sa

from hotline.domain.privacy import redacted_text


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    # Plain ADD COLUMN (in place on SQLite), as in 0002.
    op.add_column('tickets', sa.Column('public_text', sa.Text(), nullable=True))
    tickets = sa.table('tickets', sa.column('id', sa.Integer()), sa.column('description', sa.Text()),
                       sa.column('address_string', sa.String()), sa.column('translation', sa.Text()),
                       sa.column('first_name', sa.String()), sa.column('last_name', sa.String()),
                       sa.column('public_text', sa.Text()))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(tickets.c.id, tickets.c.description, tickets.c.address_string, tickets.c.translation,
                      tickets.c.first_name, tickets.c.last_name)
            .where(tickets.c.id > last_id).order_by(tickets.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            tickets.update().where(tickets.c.id == sa.bindparam('row_id')).values(public_text=sa.bindparam('text')),
            [{'row_id': row.id, 'text': redacted_text(row.description, row.address_string, row.translation,
                                                      first_name=row.first_name, last_name=row.last_name)}
             for row in rows],
        )
        last_id = rows[-1].id


def downgrade() -> None:
    op.drop_column('tickets', 'public_text')
