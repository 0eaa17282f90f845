"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Backends come from TEST_BACKENDS (default "sqlite,postgresql"). PostgreSQL is found at
TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, database counterpoint_test, created on
demand from the `test` database). Locally a missing PostgreSQL skips its tests with a reason;
under CI (CI=true) it fails instead, so CI can never pass on SQLite alone.

Each backend is migrated once per session (Alembic, like production) and every table is
emptied before each test, so tests do not depend on each other's order.
"""
from __future__ import annotations

import asyncio
import os

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.config import PROJECT_ROOT, Settings
from bot.db import make_engine, make_session_factory, upgrade

SEED_PATH = PROJECT_ROOT / "seeds" / "000_8fb6bfb397d84a2e.txt"
BACKENDS = [b.strip() for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
# One database per test process, so parallel runs (several developers, CI) never collide.
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/counterpoint_test_{os.getpid()}"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


async def _ensure_postgres_database(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="test")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=5)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


def _prepare_postgres() -> str:
    try:
        asyncio.run(_ensure_postgres_database(POSTGRES_URL))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not available"
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc!r}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    asyncio.run(_reset_and_migrate(POSTGRES_URL))
    return POSTGRES_URL


async def _drop_postgres_database(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="test")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def _reset_and_migrate(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await upgrade(url)


@pytest.fixture(scope="session")
def _migrated_urls() -> dict:
    urls: dict = {}
    yield urls
    if "postgresql" in urls and "TEST_POSTGRES_URL" not in os.environ:
        asyncio.run(_drop_postgres_database(urls["postgresql"]))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory, _migrated_urls) -> str:
    """A migrated database URL for one backend (the test runs once per backend)."""
    backend = request.param
    if backend not in _migrated_urls:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("sqlite") / "test.db"
            url = f"sqlite+aiosqlite:///{path}"
            asyncio.run(upgrade(url))
        elif backend == "postgresql":
            url = _prepare_postgres()
        else:
            raise ValueError(f"unknown backend {backend}")
        _migrated_urls[backend] = url
    return _migrated_urls[backend]


async def _empty_all_tables(engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest_asyncio.fixture
async def engine(database_url):
    """An engine on an empty, migrated database."""
    eng = make_engine(database_url)
    await _empty_all_tables(eng)
    yield eng
    await eng.dispose()


@pytest_asyncio.fixture
async def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    """Settings pointing at the test database and a fresh index folder."""
    return Settings.from_env(
        env_file=os.devnull,
        database_url=database_url,
        index_dir=tmp_path / "index",
        seeds_dir=PROJECT_ROOT / "seeds",
        discord_token=None,
    )


@pytest.fixture
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest_asyncio.fixture
async def app(engine, settings):
    """The service container on an empty database, with the seed article ingested."""
    from bot.app import Counterpoint

    container = await Counterpoint.open(settings, migrate=False)
    yield container
    await container.close()


@pytest_asyncio.fixture
async def bare_app(engine, settings):
    """The service container on an empty database, without seeds."""
    from bot.app import Counterpoint

    container = await Counterpoint.open(settings, migrate=False, ingest_seeds=False)
    yield container
    await container.close()
