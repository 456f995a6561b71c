"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from hotline.db import Database, migrate
from hotline.models import Base


def test_migrations_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    migrate(db.engine)
    migrate(db.engine)  # running again is a no-op
    with db.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    db.dispose()
    assert drift == []
    assert {"tickets", "ticket_updates", "satisfaction", "outbox", "staff", "alembic_version"} <= tables
