"""DB retries against real faults: a SQLite writer lock held by another connection, a
PostgreSQL backend killed mid-transaction, a refused connection, and a constraint error
that must not be retried."""
from __future__ import annotations

import asyncio
import socket
import sqlite3

import pytest
from sqlalchemy import event, exc as sa_exc, text
from sqlmodel import select

from bot.db import make_engine, make_session_factory
from bot.errors import DatabaseUnavailable
from bot.models import Alias
from bot.retry import UNAVAILABLE_MESSAGE, backoff_delay, is_transient_db_error, with_db_retry


@pytest.fixture
async def locked_sqlite(tmp_path):
    """A SQLite file, an app engine on it with a short busy timeout (so a test sees
    'database is locked' in 50 ms, not 5 s), and a second raw connection to hold the lock."""
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):  # runs after make_engine's pragmas
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=50")
        cursor.close()

    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT UNIQUE NOT NULL)"))
    holder = sqlite3.connect(path, isolation_level=None)
    yield engine, holder
    holder.close()
    await engine.dispose()


def _insert_note(engine, body: str, calls: list):
    async def work():
        calls.append(body)
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": body})
    return work


async def _notes(engine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT body FROM note ORDER BY id"))).scalars())


async def test_sqlite_lock_released_soon_then_write_succeeds(locked_sqlite):
    engine, holder = locked_sqlite
    holder.execute("BEGIN EXCLUSIVE")
    asyncio.get_running_loop().call_later(0.3, holder.execute, "COMMIT")
    calls: list = []
    await with_db_retry(_insert_note(engine, "after the lock", calls), attempts=12, base_delay=0.05, max_delay=0.2)
    assert len(calls) >= 2  # the first attempt really hit the lock
    assert await _notes(engine) == ["after the lock"]


async def test_sqlite_lock_held_too_long_gives_friendly_error(locked_sqlite):
    engine, holder = locked_sqlite
    holder.execute("BEGIN EXCLUSIVE")
    calls: list = []
    try:
        with pytest.raises(DatabaseUnavailable) as err:
            await with_db_retry(_insert_note(engine, "never", calls), attempts=3, base_delay=0.02, max_delay=0.05)
    finally:
        holder.execute("COMMIT")
    assert str(err.value) == "The database is busy right now, please try again in a moment."
    assert str(err.value) == UNAVAILABLE_MESSAGE
    assert len(calls) == 3
    assert await _notes(engine) == []  # nothing half-written


async def test_constraint_error_propagates_at_once(session_factory):
    """Runs on SQLite and PostgreSQL: a duplicate alias is a logic error, not a busy DB."""
    async with session_factory() as session:
        session.add(Alias(term="pm", canonical="prime minister"))
        await session.commit()
    calls: list = []

    async def add_duplicate():
        calls.append(1)
        async with session_factory() as session:
            session.add(Alias(term="pm", canonical="something else"))
            await session.commit()

    with pytest.raises(sa_exc.IntegrityError):
        await with_db_retry(add_duplicate, attempts=4)
    assert calls == [1]
    async with session_factory() as session:
        rows = (await session.exec(select(Alias))).all()
    assert [(a.term, a.canonical) for a in rows] == [("pm", "prime minister")]


async def test_postgres_connection_killed_mid_transaction_is_retried(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("terminating a server backend is a PostgreSQL fault")
    factory = make_session_factory(engine)
    calls: list = []

    async def add_alias():
        calls.append(1)
        async with factory() as session:
            if len(calls) == 1:
                pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]
                async with engine.connect() as other:  # the pool hands out another connection
                    await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    await other.commit()
                await asyncio.sleep(0.1)
            session.add(Alias(term="un", canonical="united nations"))
            await session.commit()

    await with_db_retry(add_alias, attempts=4, base_delay=0.01)
    assert len(calls) == 2
    async with factory() as session:
        rows = (await session.exec(select(Alias))).all()
    assert [(a.term, a.canonical) for a in rows] == [("un", "united nations")]


async def test_connection_refused_ends_in_database_unavailable():
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing")
    calls: list = []

    async def query():
        calls.append(1)
        async with dead.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        with pytest.raises(DatabaseUnavailable, match="busy right now"):
            await with_db_retry(query, attempts=2, base_delay=0.01)
    finally:
        await dead.dispose()
    assert calls == [1, 1]


def test_classification_of_wrapped_errors():
    locked = sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    missing_table = sa_exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    unique = sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    invalidated = sa_exc.DBAPIError("SELECT", {}, Exception("closed"), connection_invalidated=True)
    assert is_transient_db_error(locked)
    assert not is_transient_db_error(missing_table)
    assert not is_transient_db_error(unique)
    assert is_transient_db_error(invalidated)
    assert is_transient_db_error(ConnectionRefusedError(111, "Connection refused"))
    assert not is_transient_db_error(ValueError("bad input"))


def test_backoff_grows_is_capped_and_jittered():
    delays = [backoff_delay(n, 0.05, 1.0) for n in range(10)]
    assert 0.025 <= delays[0] <= 0.05
    assert all(0.5 <= d <= 1.0 for d in delays[5:])
    assert len({backoff_delay(3, 0.05, 1.0) for _ in range(20)}) > 1
