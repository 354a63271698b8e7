"""A real SQLite deployment for tests that start ``adminduk run`` themselves (crash, restart, gevent)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.conftest import open_all_day

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "queue_service.cli"]


def seeded_sqlite(tmp_path: Path, **env: str) -> tuple[dict, dict, dict]:
    """``adminduk init-db`` + ``seed-demo --json`` on a SQLite file in ``tmp_path``, the demo office open all
    day (the servers run on the real clock). Returns (the server's ADMINDUK_* environment with ``env`` added,
    the seed data, tokens by user name and device kind)."""
    db_url = f"sqlite:///{tmp_path / 'adminduk.db'}"
    env = {"ADMINDUK_SECRET_KEY": "test-deployment-secret", "ADMINDUK_DATABASE_URL": db_url,
           "ADMINDUK_INSTANCE_PATH": str(tmp_path / "instance"), "ADMINDUK_PUBLIC_URL": "https://antrean.example.go.id",
           **env}
    full_env = {**os.environ, **env}
    subprocess.run([*CLI, "init-db"], cwd=ROOT, env=full_env, check=True, capture_output=True)
    data = json.loads(subprocess.run([*CLI, "seed-demo", "--json"], cwd=ROOT, env=full_env, check=True,
                                     capture_output=True, text=True).stdout)
    engine = create_engine(db_url)
    with Session(engine) as session:
        open_all_day(session)
        session.commit()
    engine.dispose()
    tokens = {u["username"]: u["api_token"] for u in data["users"]}
    tokens.update({d["kind"]: d["token"] for d in data["devices"]})
    return env, data, tokens
