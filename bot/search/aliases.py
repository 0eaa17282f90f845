"""Moderator aliases ("POTUS" -> "president"), per guild, cached briefly for query expansion.

A lookup must stay a few ms, so the alias table is read at most once per `ALIAS_CACHE_SECONDS`
per guild. The one cache of a process is `Counterpoint.aliases`; changing an alias
invalidates it (`bot.services.curation`)."""
from __future__ import annotations

import time

from sqlmodel import select

from bot.models import Alias
from bot.scope import visible_scopes

ALIAS_CACHE_SECONDS = 10.0


class AliasCache:
    """Moderator aliases per guild: term as typed -> the canonical words it adds."""

    def __init__(self, ttl: float = ALIAS_CACHE_SECONDS):
        self.ttl = ttl
        self._entries: dict[int | None, tuple[float, dict[str, list[str]]]] = {}

    def invalidate(self, guild_id: int | None = None) -> None:
        self._entries.clear()

    async def get(self, session, guild_id: int | None) -> dict[str, list[str]]:
        hit = self._entries.get(guild_id)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        rows = (await session.exec(select(Alias).where(Alias.scope.in_(visible_scopes(guild_id))))).all()
        mapping: dict[str, list[str]] = {}
        for row in rows:
            # As typed: query_tokens normalises the term itself (case matters for acronyms).
            mapping.setdefault(row.term, []).append(row.canonical)
        self._entries[guild_id] = (time.monotonic(), mapping)
        return mapping
