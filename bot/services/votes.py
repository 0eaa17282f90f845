"""Helpful / not helpful votes: one per user per answer (the quote shown), changeable."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import select

from bot.errors import NotFound
from bot.models import Passage, Source, Vote, utcnow
from bot.results import VoteTally
from bot.retry import db_retry
from bot.scope import visible
from bot.services._common import check_id

if TYPE_CHECKING:
    from bot.app import Counterpoint


@db_retry
async def vote(app: Counterpoint, *, guild_id: int | None, user_id: int, passage_id: int, helpful: bool) -> VoteTally:
    check_id(passage_id, "answer")
    async with app.sessions() as session:
        found = (await session.exec(select(Passage.id).join(Source, Source.id == Passage.source_id)
                                    .where(Passage.id == passage_id, visible(guild_id)))).first()
        if found is None:
            raise NotFound("That answer is no longer on file.")
        row = (await session.exec(select(Vote).where(Vote.user_id == user_id, Vote.passage_id == passage_id))).first()
        if row is None:
            row = Vote(guild_id=guild_id, user_id=user_id, passage_id=passage_id, helpful=helpful)
        row.helpful, row.updated_at = helpful, utcnow()
        session.add(row)
        await session.commit()
    return await tally(app, passage_id, guild_id=guild_id, user_id=user_id)


@db_retry
async def tally(app: Counterpoint, passage_id: int, *, guild_id: int | None, user_id: int | None = None) -> VoteTally:
    """Votes cast in this guild only: one server's members do not see another's activity."""
    async with app.sessions() as session:
        guild = Vote.guild_id.is_(None) if guild_id is None else Vote.guild_id == guild_id
        counts = dict((await session.exec(select(Vote.helpful, func.count()).where(Vote.passage_id == passage_id, guild)
                                          .group_by(Vote.helpful))).all())
        mine = None
        if user_id is not None:
            mine = (await session.exec(select(Vote.helpful).where(Vote.passage_id == passage_id,
                                                                  Vote.user_id == user_id))).first()
    return VoteTally(helpful=counts.get(True, 0), not_helpful=counts.get(False, 0), mine=mine)
