"""Run the real `CounterpointBot` against `FakeDiscord` and talk to it like Discord would.

    async with BotHarness.running(app, guilds=[make_guild(1001)]) as h:
        ex = await h.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=1001, user_id=7)
        embed = ex.final_message["embeds"][0]

`app` is the lead's `Counterpoint` service container (tests/conftest.py `app` fixture), so the
bot runs on the test database of the current backend (SQLite or PostgreSQL).
"""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Sequence

import discord

from bot.client import CounterpointBot
from tests.fake_discord.payloads import (AUTOCOMPLETE, MEMBER_PERMISSIONS, component_click, slash_command)
from tests.fake_discord.server import EPHEMERAL_FLAG, FakeDiscord, Recorded

DEFERRED = {5, 6}


@dataclass
class Exchange:
    """One interaction sent to the bot, and what the bot answered."""

    fake: FakeDiscord
    payload: dict

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def records(self) -> list[Recorded]:
        return self.fake.for_token(self.token)

    @property
    def callback(self) -> Recorded:
        return next(r for r in self.records if r.kind == "callback")

    @property
    def followups(self) -> list[Recorded]:
        return [r for r in self.records if r.kind == "followup"]

    @property
    def edits(self) -> list[Recorded]:
        return [r for r in self.records if r.kind == "edit_message"]

    @property
    def final_message(self) -> dict | None:
        """The original response as it stands now (after every edit)."""
        return self.fake.original(self.token)

    @property
    def ephemeral(self) -> bool:
        """Whether the first visible answer was ephemeral (the callback's flags)."""
        return bool((self.callback.data.get("flags") or 0) & EPHEMERAL_FLAG)

    def sent_payloads(self) -> list[dict]:
        """Every message payload the bot sent for this interaction (callback data, followups, edits)."""
        return [r.data for r in self.records if r.kind in {"callback", "followup", "edit_message"} and r.data]

    def texts(self) -> str:
        """All user-visible text sent for this interaction (content, embed titles, descriptions, fields)."""
        out = []
        for data in self.sent_payloads():
            out.append(data.get("content") or "")
            for embed in data.get("embeds") or []:
                out += [embed.get("title") or "", embed.get("description") or ""]
                out += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
                out.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(t for t in out if t)

    async def all_sent(self, idle: float = 2.0, timeout: float = 30) -> "Exchange":
        """Wait until the bot has sent nothing more for this interaction for `idle` seconds: for
        answers of several followups (a long digest preview spans messages), since `settled`
        returns at the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen, quiet_since = len(self.records), loop.time()
        while loop.time() < deadline and loop.time() - quiet_since < idle:
            await asyncio.sleep(0.1)
            if len(self.records) != seen:
                seen, quiet_since = len(self.records), loop.time()
        return self

    async def settled(self, timeout: float = 20) -> "Exchange":
        """Wait for the callback and, when it deferred, for the edit/followup that completes it."""
        callback = await self.fake.wait_for(lambda r: r.token == self.token and r.kind == "callback", timeout=timeout)
        if callback.callback_type in DEFERRED:
            await self.fake.wait_for(
                lambda r: r.token == self.token and r.kind in {"edit_message", "followup"}, timeout=timeout)
        return self


class BotHarness:
    def __init__(self, fake: FakeDiscord, bot: CounterpointBot) -> None:
        self.fake = fake
        self.bot = bot

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, app, *, guilds: Sequence[dict], extensions: Sequence[str] | None = None,
                      **bot_options) -> AsyncIterator["BotHarness"]:
        """Start the fake Discord and the bot (with `app`), yield once the bot is ready.

        `discord.http.Route.BASE` points at the fake while running and is restored after."""
        fake = await FakeDiscord(guilds=list(guilds)).start()
        previous_base = discord.http.Route.BASE
        discord.http.Route.BASE = fake.api_base
        bot_options.setdefault("guild_ready_timeout", 0.05)
        bot = CounterpointBot(app, extensions=extensions, **bot_options)
        runner = asyncio.create_task(bot.start("fake-token"), name="bot-under-test")
        try:
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait({ready, runner}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                ready.cancel()
                runner.result()  # raises why the bot stopped
                raise RuntimeError("the bot stopped before it was ready")
            if ready not in done:
                ready.cancel()
                raise TimeoutError("the bot did not become ready against the fake Discord")
            yield cls(fake, bot)
        finally:
            await bot.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(runner, timeout=10)
            discord.http.Route.BASE = previous_base
            await fake.stop()

    async def _send(self, payload: dict, settle: bool) -> Exchange:
        await self.fake.send_interaction(payload)
        exchange = Exchange(self.fake, payload)
        return await exchange.settled() if settle else exchange

    async def slash(self, name: str, options: list[dict] | None = None, *, guild_id: int | None, user_id: int,
                    permissions: int = MEMBER_PERMISSIONS, roles: list[int] | None = None,
                    attachments: list[dict] | None = None, resolved: dict | None = None,
                    settle: bool = True) -> Exchange:
        """Invoke `/name` (options may hold a `subcommand(...)` for groups)."""
        payload = slash_command(name, options, app_id=self.fake.app_id, command_id=self.fake.command_id(name, guild_id),
                                guild_id=guild_id, user_id=user_id, permissions=permissions, roles=roles,
                                attachments=attachments, resolved=resolved)
        return await self._send(payload, settle)

    async def autocomplete(self, name: str, options: list[dict], *, guild_id: int | None, user_id: int) -> Exchange:
        """Autocomplete (type 4): mark the option being typed with `focused=True`."""
        payload = slash_command(name, options, app_id=self.fake.app_id, command_id=self.fake.command_id(name, guild_id),
                                guild_id=guild_id, user_id=user_id, kind=AUTOCOMPLETE)
        return await self._send(payload, settle=True)

    async def click(self, custom_id: str, message: dict, *, guild_id: int | None, user_id: int,
                    permissions: int = MEMBER_PERMISSIONS, settle: bool = True) -> Exchange:
        """Press the button `custom_id` on `message` (a message the fake recorded)."""
        payload = component_click(custom_id, message, app_id=self.fake.app_id, guild_id=guild_id,
                                  user_id=user_id, permissions=permissions)
        return await self._send(payload, settle)
