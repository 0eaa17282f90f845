"""Scratch databases for one benchmark run: a SQLite file in a temporary folder, or a
PostgreSQL database created from the `test` database and dropped at the end."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def scratch_url(backend: str, workdir: Path, postgres_admin: str = DEFAULT_POSTGRES) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    if backend == "postgresql":
        return make_url(postgres_admin).set(database=f"counterpoint_bench_{os.getpid()}").render_as_string(
            hide_password=False)
    raise ValueError(f"unknown backend {backend!r} (sqlite or postgresql)")


async def _admin(url: str):
    import asyncpg

    admin = make_url(url).set(drivername="postgresql", database="test")
    return await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)


async def create_database(url: str) -> None:
    """Start from an empty database (a SQLite file is removed, a PG database recreated)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    conn = await _admin(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    conn = await _admin(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


async def database_bytes(url: str, engine) -> int:
    """On-disk size of the database (SQLite file plus its WAL; PG pg_database_size)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return sum(Path(parsed.database + s).stat().st_size for s in ("", "-wal") if Path(parsed.database + s).exists())
    from sqlalchemy import text

    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_database_size(current_database())"))).scalar_one())


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
