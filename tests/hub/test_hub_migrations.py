"""The Alembic migrations produce exactly the tables the models describe, on both backends."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, column, insert, inspect, table, text

from hub.db import alembic_config, migrate
from hub.models import Base
from qaid.db import utcnow


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_is_idempotent(engine: Engine) -> None:
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "hospitals",
        "images",
        "transcripts",
        "deliveries",
        "delivery_attempts",
        "alembic_version",
    } <= tables


def test_0005_takes_registrations_of_ids_with_a_hospital_token_as_the_hospitals_own(engine: Engine) -> None:
    """Before 0005 the hub did not record who registered the URLs: an id with a hospital token may
    have joined with it, so its URLs are held to public addresses; the operator's others are not."""
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
        conn.commit()
    row = {"name": "H", "lat": 0.0, "lon": 0.0, "hip_url": "http://h", "webhook_url": "http://h/w",
           "webhook_enabled": True, "credentials_enc": b"x", "contact": "", "offers": {}, "active": True,
           "created_at": utcnow(), "updated_at": utcnow()}  # fmt: skip
    hospitals = Base.metadata.tables["hospitals"]
    before = table(
        "hospitals", *(column(c.name, c.type) for c in hospitals.columns if c.name != "urls_from_hospital")
    )
    with engine.begin() as conn:
        for hospital_id in ("joined", "operators"):
            conn.execute(insert(before).values(id=hospital_id, **row))
        conn.execute(text("INSERT INTO hospital_tokens (hospital_id, token_sha256, created_at) "
                          "VALUES ('joined', :d, :t)"), {"d": "0" * 64, "t": utcnow()})  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT id, urls_from_hospital FROM hospitals")).all())
    assert flags == {"joined": True, "operators": False}
