"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from hotline.db import Database, migrate
from hotline.domain.models import Base


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


TICKET_ROW = {"service_request_id": "202611010000001", "token": "t" * 32, "request_fingerprint": "f" * 64,
              "service_code": "street_light_out", "status": "open", "description": "路灯坏了", "language": "zh",
              "attributes": "{}", "department": "city_management_commission", "priority": "normal",
              "response_due": "2026-11-02 08:00:00+00:00", "resolution_due": "2026-11-08 08:00:00+00:00",
              "requested_at": "2026-11-01 08:00:00+00:00", "updated_at": "2026-11-01 08:00:00+00:00"}


def database_at(database_url: str, revision: str) -> Database:
    """A fresh database migrated to ``revision`` only."""
    from alembic import command
    from alembic.config import Config

    from hotline.db import ROOT

    db = Database(database_url)
    config = Config(str(ROOT / "hotline" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "hotline" / "migrations"))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        command.upgrade(config, revision)
    return db


def insert_ticket(connection: Connection, **fields: str) -> int:
    row = {**TICKET_ROW, **fields}
    connection.execute(text(f"INSERT INTO tickets ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
                       row)
    return int(connection.execute(text("SELECT max(id) FROM tickets")).scalar_one())


def test_a_filled_database_of_the_first_release_upgrades_keeping_its_tickets(database_url: str) -> None:
    db = database_at(database_url, "0001")
    with db.engine.begin() as connection:
        ticket_id = insert_ticket(connection)
        connection.execute(text("INSERT INTO ticket_updates "
                                "(ticket_id, status, note, note_language, actor, created_at) "
                                "VALUES (:t, 'open', '', 'zh', 'test', '2026-11-01 08:00:00+00:00')"), {"t": ticket_id})
    migrate(db.engine)
    with db.engine.connect() as connection:
        kept = connection.execute(text("SELECT description, needs_multilingual_operator FROM tickets")).one()
        updates = connection.execute(text("SELECT count(*) FROM ticket_updates")).scalar_one()
    db.dispose()
    assert (kept[0], bool(kept[1]), updates) == ("路灯坏了", False, 1)


def test_0003_fills_the_redacted_copy_of_tickets_already_there(database_url: str) -> None:
    db = database_at(database_url, "0002")
    personal = {"description": "我是张三，电话13812345678，路灯坏了", "address_string": "工体北路8号院5号楼2单元301室",
                "first_name": "三", "last_name": "张", "translation": "My name is Zhang San, call 13812345678"}
    with db.engine.begin() as connection:
        for n in range(3):
            insert_ticket(connection, service_request_id=f"20261101000000{n}", token=f"{n}" * 32, **personal)
    migrate(db.engine)
    with db.engine.connect() as connection:
        filled = connection.execute(text("SELECT public_text FROM tickets ORDER BY id")).scalars().all()
    db.dispose()
    expected = "我是[name]，电话[phone]，路灯坏了\n工体北路8号院5号楼[room]\nMy name is [name], call [phone]"
    assert filled == [expected] * 3
