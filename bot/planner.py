"""Keep the query planner's table statistics in step with the library's size.

Without statistics SQLite guesses that `source.scope IN (...)` and `source.status = 'active'`
are selective, so a lookup that fetches its ~20 hit passages by id walks every source in the
scope instead (ix_source_scope / ix_source_status, then the passages of each): O(sources) per
lookup, about 60 ms at 100k passages. With statistics it fetches them by primary key. (For
thousands of ids at once even sampled statistics are not enough, which is why the stance
service loads its candidates without that join: `_load_active_rows_by_id`.)

A bulk load, a folder ingest and the start of a process refresh them when the `source` table
has at least doubled since they were taken (or they were never taken): a growing library gets
them a logarithmic number of times, a steady one never again. PostgreSQL's autovacuum would
get there eventually; a load should not wait for it. SQLite samples (`analysis_limit`), so a
refresh stays well under a second at 1M passages.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

GROWTH = 2  # refresh when the source table is this many times what the statistics last saw
TABLES = "source, passage, claim, link, index_change"


async def refresh_planner_statistics(engine: AsyncEngine) -> None:
    """Take fresh statistics of the tables the hot statements join."""
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            await conn.exec_driver_sql("ANALYZE")
        else:
            await conn.exec_driver_sql(f"ANALYZE {TABLES}")


async def _counted_by_statistics(conn) -> int | None:
    """How many sources the planner's statistics believe there are (None: never taken)."""
    if conn.dialect.name == "sqlite":
        present = (await conn.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"))).first()
        if present is None:
            return None
        row = (await conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'source' LIMIT 1"))).first()
        return int(row[0].split()[0]) if row else None
    row = (await conn.execute(text(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass('source')"))).first()
    # -1 (PostgreSQL 14+) or 0: never analysed or vacuumed.
    return int(row[0]) if row and row[0] > 0 else None


async def statistics_are_stale(engine: AsyncEngine) -> bool:
    """True when there are sources and the statistics are missing or saw under half of them."""
    async with engine.connect() as conn:
        sources = (await conn.execute(text("SELECT count(*) FROM source"))).scalar_one()
        if sources == 0:
            return False
        counted = await _counted_by_statistics(conn)
    return counted is None or sources >= GROWTH * counted


async def refresh_if_stale(engine: AsyncEngine) -> bool:
    """Refresh the statistics when `statistics_are_stale`; returns whether it did."""
    if not await statistics_are_stale(engine):
        return False
    await refresh_planner_statistics(engine)
    return True
