"""Re-run a logged lookup from its query-log id (for buttons that outlive a restart).

Why: buttons carry only ids in their custom_id (`cp:nav:<query_log_id>:...`), never the
topic, so a click after a restart finds the topic in the query log and runs the same search
again (without logging it twice). The guild must match: a query logged in one guild cannot
be replayed from another.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import replace

from bot.errors import NotFound
from bot.models import MAX_ID, QueryLog
from bot.results import LookupAnswer
from bot.retry import with_db_retry
from bot.services.lookup import lookup

if TYPE_CHECKING:
    from bot.app import Counterpoint


async def replay_lookup(app: Counterpoint, query_log_id: int, *, guild_id: int | None, limit: int = 5,
                        user_id: int | None = None) -> LookupAnswer:
    """Re-run a logged lookup. A private one only for its asker (`user_id`)."""
    if not 1 <= query_log_id <= MAX_ID:
        raise NotFound("That lookup is no longer on file: run `/lookup` again.")
    async def load() -> QueryLog | None:
        async with app.sessions() as session:
            return await session.get(QueryLog, query_log_id)

    row = await with_db_retry(load)
    if row is None or row.guild_id != guild_id or (row.private and row.user_id is not None
                                                    and row.user_id != user_id):
        raise NotFound("That lookup is no longer on file: run `/lookup` again.")
    # The topic as typed (older rows only have the normalised one).
    answer = await lookup(app, row.query or row.topic, guild_id=guild_id, limit=limit, log_query=False)
    return replace(answer, query_log_id=query_log_id)
