"""What the bot may show one member about what other members asked.

A lookup is its asker's business. A private lookup (`private: true`) and every lookup in a
DM are seen by the asker only. A topic reaches anyone else (other members' suggestions, the
daily digest's "most asked") only once at least `MIN_PUBLIC_ASKERS` distinct members asked it
publicly in that guild, and then with any link in it defused, so a digest cannot be used to
post a URL or an invite. `/forget` deletes a member's lookups (`bot.services.forget`), and lookups older than
QUERY_LOG_DAYS (90) are deleted by every bot process (`purge_old_lookups`, every 6 hours).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import select

from bot.models import QueryLog, utcnow
from bot.retry import db_retry

if TYPE_CHECKING:
    from bot.app import Counterpoint

MIN_PUBLIC_ASKERS = 3
# Anything Discord would turn into a link or an invite: a scheme, www., or an invite domain.
_LINKISH = re.compile(
    r"(?i)(?:<?\b[a-z][a-z0-9+.\-]{1,15}://\S*|\bwww\.\S+|\b(?:discord(?:app)?\s*\.\s*(?:gg|com|io|me|li|new)"
    r"|dsc\s*\.\s*gg|invite\s*\.\s*gg)\b\S*)")


def shared_topics(guild_id: int, since: datetime, until: datetime | None = None):
    """(topic, lookups) of `guild_id` asked publicly by at least MIN_PUBLIC_ASKERS members in
    [since, until), most asked first: the only way a topic leaves its asker."""
    n = func.count().label("n")
    stmt = (select(QueryLog.topic, n)
            .where(QueryLog.guild_id == guild_id, QueryLog.created_at >= since, QueryLog.topic != "",
                   QueryLog.private.is_(False), QueryLog.user_id.is_not(None)))
    if until is not None:
        stmt = stmt.where(QueryLog.created_at < until)
    return (stmt.group_by(QueryLog.topic)
            .having(func.count(func.distinct(QueryLog.user_id)) >= MIN_PUBLIC_ASKERS)
            .order_by(n.desc(), QueryLog.topic))


def public_lookups(guild_id: int):
    """SQL condition: lookups of `guild_id` that others may count (not private, not a DM)."""
    return (QueryLog.guild_id == guild_id) & QueryLog.private.is_(False)


@db_retry
async def purge_old_lookups(app: Counterpoint, days: int) -> int:
    """Delete lookups older than `days` (QUERY_LOG_DAYS): what a member asked is not kept
    longer than suggestions, digests and answer buttons need it. Returns rows deleted."""
    async with app.sessions() as session:
        result = await session.exec(delete(QueryLog).where(QueryLog.created_at < utcnow() - timedelta(days=days)))
        await session.commit()
        return result.rowcount or 0


def defuse_links(text: str) -> str:
    """`text` with every URL, www. address and invite replaced by "[link]"."""
    return _LINKISH.sub("[link]", text)
