"""Exactly-once jobs: the daily digest (one run per guild and local day) and the weekly drift
check (one run per week) claim their run the same way.

A run row is claimed by inserting it: its unique key lets exactly one process win. When the
row exists, a failed attempt old enough to retry, or a claim abandoned by a process that died,
is taken over with one conditional UPDATE, a race that exactly one UPDATE wins. Both tables
have `status`, `attempts`, `claimed_by`, `claimed_at` and `finished_at`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from bot.app import Counterpoint

CLAIMED, FAILED = "claimed", "failed"


async def claim_run(app: Counterpoint, row, *, key, worker: str, now: datetime, max_attempts: int,
                    retry_after: timedelta, stale_after: timedelta, reset: dict | None = None) -> bool:
    """Insert `row` (status claimed, attempts 1), or take its slot (`key`: the SQL conditions
    naming it) over. True for exactly one caller per slot (or per retry). `reset`: more
    columns a take-over clears."""
    table = type(row)
    async with app.sessions() as session:
        session.add(row)
        try:
            await session.commit()
            return True
        except IntegrityError:
            await session.rollback()
        result = await session.exec(
            update(table)
            .where(*key, table.attempts < max_attempts,
                   or_((table.status == FAILED) & (table.finished_at <= now - retry_after),
                       (table.status == CLAIMED) & (table.claimed_at <= now - stale_after)))
            .values(status=CLAIMED, attempts=table.attempts + 1, claimed_by=worker, claimed_at=now,
                    finished_at=None, **(reset or {})))
        await session.commit()
        return result.rowcount == 1
