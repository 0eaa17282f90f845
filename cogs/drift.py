"""The weekly quote drift check: a tick that calls the idempotent weekly run.

Nothing is decided here: whether the week is due, the once-per-week claim and what a check
records are in `bot.drift.service`. The tick only asks every TICK_SECONDS; the database
claim makes one run per week across restarts and processes. A run fetches pages one at a
time (each capped by the safe fetcher), so the bot keeps answering meanwhile.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

import discord
from discord.ext import commands, tasks

from bot.digest.service import default_worker_id
from bot.drift.service import run_weekly_verification

log = logging.getLogger(__name__)

TICK_SECONDS = 600.0


class Drift(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.app = bot.app
        self.clock: Callable[[], datetime] = discord.utils.utcnow  # injected in tests
        self.worker = default_worker_id()

    async def cog_load(self) -> None:
        self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        """Never raises: a failed tick is logged and the next one tries again."""
        try:
            await run_weekly_verification(self.app, worker=self.worker, clock=self.clock)
        except Exception:  # the loop must keep running
            log.exception("weekly verification tick failed")

    @tick.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot) -> None:
    await bot.add_cog(Drift(bot))
