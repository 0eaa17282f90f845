"""Async engine and sessions for SQLite (default) and PostgreSQL (scale path).

discord.py runs on asyncio, so every database call is awaited (aiosqlite / asyncpg) and the
event loop never blocks on I/O. The schema comes from Alembic migrations, never `create_all`.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Iterable, Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Ids per IN (...) list: PostgreSQL allows 32767 bind parameters per statement, SQLite 32766
# (999 before 3.32); 5000 stays far below both and costs one round trip per 5000 rows.
ID_CHUNK = 5_000


def chunked(ids: Iterable[int], size: int | None = None) -> Iterator[list[int]]:
    """`ids` in lists of at most `size` (default `ID_CHUNK`), so an IN (...) list built from a
    big source never exceeds the databases' parameter limits."""
    size = size or ID_CHUNK
    chunk: list[int] = []
    for value in ids:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")  # wait for a brief lock instead of failing
    cursor.close()


def ensure_sqlite_folder(database_url: str) -> None:
    """A fresh checkout has no data/ folder yet: SQLite needs it to create its file."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(database_url: str, **kwargs) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL pragmas and its folder, PostgreSQL a pool."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_folder(database_url)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)  # survive a PostgreSQL restart
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def _upgrade_sync(database_url: str, revision: str) -> None:
    ensure_sqlite_folder(database_url)
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Run migrations up to `revision` (in a thread: Alembic's env runs its own loop)."""
    await asyncio.to_thread(_upgrade_sync, database_url, revision)


async def downgrade(database_url: str, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), revision)
