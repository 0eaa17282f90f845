"""`/forget`: a member deletes their own lookup history.

Their query-log rows go (topics, results, when; in every server and in DMs), so nothing they
asked feeds suggestions or a digest any more and old buttons on those answers say the lookup
is no longer on file. Their helpful / not helpful votes stay counted but lose their user id:
the tallies others saw do not change, and nothing links the votes to the member.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

from sqlalchemy import delete, update

from bot.models import QueryLog, Vote
from bot.retry import db_retry

if TYPE_CHECKING:
    from bot.app import Counterpoint


@dataclass(frozen=True)
class ForgetReport:
    lookups_deleted: int
    votes_unlinked: int


@db_retry
async def forget_member(app: Counterpoint, user_id: int) -> ForgetReport:
    async with app.sessions() as session:
        lookups = await session.exec(delete(QueryLog).where(QueryLog.user_id == user_id))
        votes = await session.exec(update(Vote).where(Vote.user_id == user_id).values(user_id=None))
        await session.commit()
        return ForgetReport(lookups.rowcount or 0, votes.rowcount or 0)
