"""The real services the scale-out tests need (PostgreSQL and Redis): whether they answer,
a scratch database on the server, and the command that restarts it. Tests that need them
are skipped only when they are unreachable and CI does not require them."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from drafting.config import database_url

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable() -> str | None:
    """Why the services cannot be used, or None."""
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"Redis unreachable: {error}"
    try:
        engine = create_engine(database_url(POSTGRES, ""))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL unreachable: {error}"
    return None


def required() -> bool:
    return os.environ.get("CI") == "true" or bool(os.environ.get("DRAFTING_REQUIRE_SERVICES"))


def need(problem: str | None) -> None:
    """Skip the test for this problem, or fail it where CI requires the services."""
    if problem:
        if required():
            pytest.fail(f"{problem} (required in CI)")
        pytest.skip(problem)


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new empty database on the PostgreSQL server, dropped afterwards (its URL)."""
    name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = create_engine(  # a new connection each time: the server may restart meanwhile
        str(make_url(database_url(POSTGRES, "")).set(database="postgres")),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(database_url(POSTGRES, ""))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def restart_command() -> str | None:
    """The command that restarts the PostgreSQL cluster serving POSTGRES (Debian's
    pg_ctlcluster), or None where there is none."""
    if shutil.which("pg_lsclusters") is None or shutil.which("pg_ctlcluster") is None:
        return None
    port = str(make_url(POSTGRES).port or 5432)
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        version, cluster, cluster_port, *_rest = line.split()
        if cluster_port == port:
            return f"pg_ctlcluster --skip-systemctl-redirect {version} {cluster} restart"
    return None
