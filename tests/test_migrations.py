"""Migrations on both backends: upgrade head -> downgrade base -> upgrade head leaves a schema
that matches the models and holds data. Each backend gets its own throwaway database, so a
failure here never leaves the shared test database half-migrated."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import bot.models  # noqa: F401 - registers every table on SQLModel.metadata
from bot.db import alembic_config, downgrade, make_engine, upgrade
from tests.conftest import BACKENDS, IN_CI, POSTGRES_URL


async def _pg_admin():
    import asyncpg

    admin = make_url(POSTGRES_URL).set(drivername="postgresql", database="test")
    return await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=5)


@pytest.fixture(params=BACKENDS)
async def fresh_url(request, tmp_path):
    """An empty database of one backend, removed after the test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"counterpoint_migrations_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        conn = await _pg_admin()
    except Exception as exc:  # noqa: BLE001 - unreachable server
        if IN_CI:
            pytest.fail(f"PostgreSQL not reachable: {exc!r}")
        pytest.skip(f"PostgreSQL not reachable: {exc!r}")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    conn = await _pg_admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _schema_diff(url: str) -> list:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata))
    finally:
        await engine.dispose()


async def _current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_round_trip(fresh_url):
    model_tables = set(SQLModel.metadata.tables)
    head = ScriptDirectory.from_config(alembic_config(fresh_url)).get_current_head()

    await upgrade(fresh_url)
    assert await _current_revision(fresh_url) == head
    assert model_tables <= await _tables(fresh_url)

    await downgrade(fresh_url, "base")
    assert await _current_revision(fresh_url) is None
    assert not (model_tables & await _tables(fresh_url)), "downgrade to base drops every table"

    await upgrade(fresh_url)
    assert await _current_revision(fresh_url) == head
    assert model_tables <= await _tables(fresh_url)


async def test_migrated_schema_matches_the_models(fresh_url):
    """Autogenerate finds nothing to do: every column, index and constraint in bot/models.py
    has a migration (a missing index would otherwise only show up as a slow lookup)."""
    await upgrade(fresh_url)
    assert await _schema_diff(fresh_url) == []


async def test_data_written_after_a_round_trip_reads_back(fresh_url):
    await upgrade(fresh_url)
    await downgrade(fresh_url, "base")
    await upgrade(fresh_url)
    engine = make_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO source (scope, origin, title, content_hash, text, status, published_inferred, "
                "added_at, updated_at) VALUES ('global', 'file:x.txt', 'A title', 'h', 'Body text.', 'active', "
                "false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO passage (source_id, seq, text, char_start, char_end, paragraph, kind, prefix, suffix) "
                "SELECT id, 0, 'Body text.', 0, 10, 1, 'body', '', '' FROM source"))
        async with engine.connect() as conn:
            row = (await conn.execute(text(
                "SELECT s.title, p.text FROM passage p JOIN source s ON s.id = p.source_id"))).one()
        assert tuple(row) == ("A title", "Body text.")
    finally:
        await engine.dispose()
