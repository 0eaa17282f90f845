"""Timing, memory and query-plan helpers shared by the benchmark phases."""
from __future__ import annotations

import asyncio
import os
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from sqlalchemy import event


def percentiles_ms(samples_s: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds (inclusive quantiles: p99 of 600 samples is real data)."""
    if not samples_s:
        return {"n": 0}
    ms = sorted(s * 1000 for s in samples_s)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {"n": len(ms), "p50": round(q[49], 3), "p95": round(q[94], 3), "p99": round(q[98], 3),
            "max": round(ms[-1], 3), "mean": round(statistics.fmean(ms), 3)}


def time_sync(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


async def time_async(items: list, fn: Callable[[object], Awaitable[object]], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            await fn(item)
            out.append(time.perf_counter() - start)
    return out


async def concurrent_clients(items: list, fn: Callable[[object], Awaitable[object]], clients: int) -> dict:
    """`clients` tasks each run every item; throughput is all requests over the wall time."""
    latencies: list[float] = []

    async def client(offset: int) -> None:
        rotated = items[offset:] + items[:offset]  # clients ask different things at the same time
        for item in rotated:
            start = time.perf_counter()
            await fn(item)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(i * len(items) // clients) for i in range(clients)))
    wall = time.perf_counter() - start
    return {"clients": clients, "requests": len(latencies), "seconds": round(wall, 3),
            "per_second": round(len(latencies) / wall, 1), "latency_ms": percentiles_ms(latencies)}


def rss_bytes() -> int:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


@dataclass
class CapturedStatement:
    sql: str
    params: object


class StatementRecorder:
    """Records the SQL a block of code sends (to EXPLAIN exactly what a lookup runs)."""

    def __init__(self, engine):
        self.engine = engine.sync_engine
        self.statements: list[CapturedStatement] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(CapturedStatement(statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


async def explain(engine, statements: list[CapturedStatement]) -> list[dict]:
    """Plan of every distinct SELECT: EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (ANALYZE) (PG)."""
    seen: set[str] = set()
    plans = []
    async with engine.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        for item in statements:
            sql = item.sql.strip()
            if not sql.upper().startswith("SELECT") or sql in seen:
                continue
            seen.add(sql)
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if pg else "EXPLAIN QUERY PLAN "
            rows = (await conn.exec_driver_sql(prefix + sql, item.params)).all()
            lines = [r[0] for r in rows] if pg else [r[-1] for r in rows]
            plans.append({"sql": " ".join(sql.split())[:600], "plan": lines, "full_scans": _full_scans(lines, pg)})
    return plans


def _full_scans(lines: list[str], pg: bool) -> list[str]:
    """Plan lines that read a whole table instead of using an index."""
    if pg:
        return [line.strip() for line in lines if "Seq Scan" in line]
    return [line for line in lines if line.startswith("SCAN") and "USING" not in line and "CONSTANT ROW" not in line]
