"""Run Alembic's `upgrade head` from the app and the CLI, safely when several processes start."""

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from alembic import command
from app.drill.sync import sync_stale
from app.settings import PROJECT_ROOT

MIGRATION_LOCK_KEY = 74_410_001  # any constant: PostgreSQL advisory locks are keyed by a number


def alembic_config(engine: Engine) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several app processes may start together; one migrates, the others wait and find nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        # data the schema now expects to be written ahead of reads (see app.drill.sync)
        with Session(bind=connection) as session:
            sync_stale(session)
            session.flush()
