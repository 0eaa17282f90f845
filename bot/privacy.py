"""What the bot may show one member about what other members asked.

A lookup is its asker's business. A private lookup (`private: true`) and every lookup in a
DM are seen by the asker only. A topic reaches anyone else (other members' suggestions, the
daily digest's "most asked") only once at least `MIN_PUBLIC_ASKERS` distinct members asked it
publicly in that guild, and then with any link in it defused, so a digest cannot be used to
post a URL or an invite. `/forget` deletes a member's lookups (`bot.services.forget`).
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from bot.models import QueryLog

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


def defuse_links(text: str) -> str:
    """`text` with every URL, www. address and invite replaced by "[link]"."""
    return _LINKISH.sub("[link]", text)
