"""Print the SQL that creates MLflow's tracking database at one alembic revision, made by MLflow itself.

mlspec creates `mlflow.db` from Node without Python; the DDL it runs is this script's output,
committed as schemas/mlflow-sqlite.sql. It runs MLflow's own path for a fresh
database (the initial tables, then its alembic migrations) but stops at REVISION, and dumps
sqlite_master in creation order. A test regenerates it with the oldest supported MLflow and
compares.

    python tools/mlflow/sqlite_schema.py REVISION > schemas/mlflow-sqlite.sql
"""

import logging
import os
import sqlite3
import sys
import tempfile


def main():
    revision = sys.argv[1]
    logging.disable(logging.WARNING)
    import mlflow
    import sqlalchemy
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "mlflow.db")
        url = f"sqlite:///{db}"
        engine = sqlalchemy.create_engine(url)
        InitialBase.metadata.create_all(engine)
        config = _get_alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        engine.dispose()
        connection = sqlite3.connect(db)
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
        (stamped,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        connection.close()
    if stamped != revision:
        sys.exit(f"MLflow {mlflow.__version__} stamped {stamped}, not {revision}")
    print(f"-- MLflow's tracking schema at alembic revision {revision}, made by MLflow {mlflow.__version__}")
    print("-- with tools/mlflow/sqlite_schema.py (do not edit by hand).")
    for kind, name, sql in rows:
        print(f"{sql.strip()};")
    print(f"INSERT INTO alembic_version (version_num) VALUES ('{revision}');")


if __name__ == "__main__":
    main()
