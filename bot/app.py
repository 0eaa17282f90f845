"""The service container: settings, database, search index, and the process's shared state
(the alias cache, the abuse limits). No Discord in it.

Front ends (Discord cogs, the local console, the CLI) open one `Counterpoint` and pass it to
the functions in `bot.services` (always the first argument, typed `Counterpoint`). Everything
the services keep between calls is created here, in the constructor, so no front end or
service attaches state to it from outside. Opening it migrates the database, opens this process's
search index, catches the index up with the database's change sequence, and ingests the
seed articles (idempotent: unchanged seeds cost one parse each).
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.db import make_engine, make_session_factory, upgrade
from bot.planner import refresh_if_stale
from bot.ratelimit import RateLimits
from bot.search.aliases import AliasCache
from bot.search.index import SearchIndex
from bot.search.sync import IndexSync

log = logging.getLogger(__name__)

SEED_SUFFIXES = {".txt", ".md", ".html", ".htm"}


class Counterpoint:
    def __init__(self, settings: Settings, engine: AsyncEngine, index: SearchIndex, sync: IndexSync):
        self.settings = settings
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = make_session_factory(engine)
        self.index = index
        self.sync = sync
        # Moderator aliases per guild, cached briefly (lookups, checks, "why this?").
        self.aliases = AliasCache()
        # The per-user and per-guild budgets of lookups/checks and moderator fetches, shared
        # by every front end of this process.
        self.rate_limits: RateLimits = RateLimits.defaults()
        self._follower: asyncio.Task | None = None
        self._janitor: asyncio.Task | None = None
        self._stop = asyncio.Event()

    @classmethod
    async def open(cls, settings: Settings, *, ingest_seeds: bool = True, migrate: bool = True) -> "Counterpoint":
        if migrate:
            await upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        index_dir = Path(settings.index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        index = await asyncio.to_thread(SearchIndex, index_dir)
        sync = IndexSync(index, index_dir / "sync_state.json")
        app = cls(settings, engine, index, sync)
        try:
            await sync.catch_up(app.sessions)
            if ingest_seeds:
                await app.ingest_seeds()
            await refresh_if_stale(engine)  # a library grown by uploads since the last start
        except BaseException:
            await app.close()
            raise
        return app

    async def ingest_seeds(self) -> list:
        """Ingest every article in the seeds folder as a global source (idempotent)."""
        from bot.services.sources import ingest_file  # the ingest stack is loaded only when seeding

        seeds_dir = Path(self.settings.seeds_dir)
        reports = []
        if not seeds_dir.is_dir():
            return reports
        for path in sorted(seeds_dir.iterdir()):
            if path.suffix.lower() in SEED_SUFFIXES and path.is_file():
                reports.append(await ingest_file(self, path, guild_id=None, actor="seed"))
        return reports

    def start_following(self) -> None:
        """Keep this process's index current with changes other processes write, and delete
        lookups past their retention (`bot.privacy`) while the bot runs."""
        if self._follower is None:
            self._stop.clear()
            self._follower = asyncio.create_task(
                self.sync.follow(self.sessions, self.settings.index_poll_seconds, self._stop))
        if self._janitor is None:
            self._janitor = asyncio.create_task(self._purge_lookups())

    async def _purge_lookups(self, every_seconds: float = 6 * 3600) -> None:
        from bot.privacy import purge_old_lookups
        from bot.retry import log_failure

        while not self._stop.is_set():
            try:
                await purge_old_lookups(self, self.settings.query_log_days)
            except Exception as error:  # noqa: BLE001 - retried at the next round
                log_failure(log, "purging old lookups failed", error)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=every_seconds)
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        self._stop.set()
        if self._janitor is not None:
            self._janitor.cancel()
            try:
                await self._janitor
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass
            self._janitor = None
        if self._follower is not None:
            try:
                await asyncio.wait_for(self._follower, timeout=5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._follower.cancel()
            self._follower = None
        await asyncio.to_thread(self.index.close)
        await self.engine.dispose()
