"""`/digest` (moderators' settings for the daily digest) and the tick that posts digests.

The cog decides nothing about digests: whether a guild is due, the exactly-once claim, the
content and the retry rules are all in `bot.digest`. The tick only calls the idempotent
`run_due_digests` every TICK_SECONDS with the current time and a `send` that posts messages
(mentions disabled). Per-guild local times with DST do not fit a single `tasks.loop(time=)`;
a short tick plus a database claim does, and survives restarts and extra processes.

Permissions are those of `/curate`: guild-only, hidden from members without Manage Server by
default, and re-checked on every call (Manage Server or the moderator role).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import lru_cache
from typing import Callable
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.digest import settings as digest_settings
from bot.digest.service import ChannelUnavailable, build_digest, default_worker_id, digest_status, run_due_digests
from bot.render.digest import DigestMessage, schedule_text, status_text
from bot.retry import log_failure
from cogs._checks import require_moderator

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
TICK_SECONDS = 30.0


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(n for n in available_timezones() if "/" in n or n == "UTC"))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Digest(commands.GroupCog, group_name="digest", group_description="Moderators: the daily digest."):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.app = bot.app
        # Injected in tests: the tick asks this for "now" instead of the wall clock.
        self.clock: Callable[[], datetime] = discord.utils.utcnow
        self.worker = default_worker_id()
        super().__init__()

    async def cog_load(self) -> None:
        await asyncio.to_thread(_zone_names)  # reads the tz database once, off the event loop
        self.tick.start()

    async def cog_unload(self) -> None:
        self.tick.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_moderator(interaction)

    # -- the tick ---------------------------------------------------------------------------

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        """Post whatever is due now for the guilds this process serves. Never raises: a
        failed tick is logged and the next one tries again."""
        try:
            guild_ids = [guild.id for guild in self.bot.guilds]
            await run_due_digests(self.app, self.clock(), self.send_digest, guild_ids=guild_ids, worker=self.worker)
        except Exception as error:  # noqa: BLE001 - the loop must keep running (DB briefly down, ...)
            log_failure(log, "digest tick failed", error)

    @tick.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def send_digest(self, channel_id: int, messages: list[DigestMessage]) -> int | None:
        """Post the messages in order; the id of the first is the digest's. A channel that is
        gone or closed to the bot raises `ChannelUnavailable` (recorded, retried tomorrow)."""
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                raise ChannelUnavailable(
                    "The digest channel no longer exists. Pick another one with `/digest channel`.") from None
            except discord.Forbidden:
                raise ChannelUnavailable(
                    "I cannot see the digest channel. Give me View Channel there, or pick another one.") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise ChannelUnavailable("The digest channel is not a text channel. Pick another with `/digest channel`.")
        first_id = None
        for message in messages:
            try:
                sent = await channel.send(content=message.content, embeds=list(message.embeds), allowed_mentions=NONE)
            except discord.Forbidden:
                raise ChannelUnavailable(
                    f"I am not allowed to post in <#{channel_id}>: I need Send Messages and Embed Links there.") from None
            except discord.NotFound:
                raise ChannelUnavailable(
                    "The digest channel no longer exists. Pick another one with `/digest channel`.") from None
            first_id = first_id or sent.id
        return first_id

    # -- commands ---------------------------------------------------------------------------

    @app_commands.command(name="channel", description="Post the daily digest in this channel (turns it on).")
    @app_commands.describe(channel="Where the digest goes")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await digest_settings.set_channel(self.app, guild_id=interaction.guild_id,
                                                     actor=str(interaction.user.id), channel_id=channel.id)
        text = f"The daily digest will be posted in {channel.mention} at {schedule_text(settings)}."
        missing = _missing_permissions(channel)
        if missing:
            text += f"\n⚠️ I am missing {missing} there: the digest will fail until that is fixed."
        await self._reply(interaction, text)

    @app_commands.command(name="time", description="When to post, e.g. 08:30 Europe/Berlin (default UTC).")
    @app_commands.describe(time="24-hour time, HH:MM", timezone="IANA time zone such as Europe/Berlin")
    async def time(self, interaction: discord.Interaction, time: str, timezone: str | None = None) -> None:
        settings = await digest_settings.set_time(self.app, guild_id=interaction.guild_id,
                                                  actor=str(interaction.user.id), time_text=time,
                                                  timezone_name=timezone)
        text = f"The daily digest is now posted at {schedule_text(settings)}."
        if settings.channel_id is None:
            text += " Choose where with `/digest channel`."
        elif not settings.enabled:
            text += " It is off: `/digest channel` turns it back on."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)

    @time.autocomplete("timezone")
    async def _timezone_autocomplete(self, interaction: discord.Interaction, current: str):
        needle = current.strip().lower().replace(" ", "_")
        names = [n for n in _zone_names() if needle in n.lower()] if needle else list(_zone_names())
        names.sort(key=lambda n: (not n.lower().startswith(needle), n))
        return [app_commands.Choice(name=n, value=n) for n in names[:25]]

    @app_commands.command(name="off", description="Stop posting the daily digest.")
    async def off(self, interaction: discord.Interaction) -> None:
        await digest_settings.turn_off(self.app, guild_id=interaction.guild_id, actor=str(interaction.user.id))
        await interaction.response.send_message(
            "The daily digest is off. `/digest channel` turns it back on.", ephemeral=True, allowed_mentions=NONE)

    @app_commands.command(name="quiet", description="On a day with no news: post a one-line note, or skip.")
    @app_commands.describe(mode="note: post one line; skip: post nothing")
    @app_commands.choices(mode=[app_commands.Choice(name="note", value="note"),
                                app_commands.Choice(name="skip", value="skip")])
    async def quiet(self, interaction: discord.Interaction, mode: app_commands.Choice[str]) -> None:
        await digest_settings.set_quiet(self.app, guild_id=interaction.guild_id, actor=str(interaction.user.id),
                                        mode=mode.value)
        text = ("Quiet days get a one-line note." if mode.value == "note" else "Nothing is posted on quiet days.")
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)

    @app_commands.command(name="preview", description="Show today's digest to you only; nothing is posted.")
    async def preview(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        content, messages = await build_digest(self.app, guild_id=interaction.guild_id, now=self.clock(),
                                               quiet="note")
        settings = await digest_settings.get_settings(self.app, interaction.guild_id)
        header = "**Preview**: only you can see this; nothing was posted."
        if content.is_quiet and settings.quiet == "skip":
            header += " On a quiet day like this nothing would be posted (`/digest quiet skip`)."
        for index, message in enumerate(messages):
            text = message.content
            if index == 0:
                text = f"{header}\n{text}" if text else header
            await interaction.followup.send(content=text, embeds=list(message.embeds), ephemeral=True,
                                            allowed_mentions=NONE)

    @app_commands.command(name="status", description="Settings, the next digest, and how the last one went.")
    async def status(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        status = await digest_status(self.app, guild_id=interaction.guild_id, now=self.clock())
        await self._reply(interaction, status_text(status, guild_id=interaction.guild_id))

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.edit_original_response(content=text, allowed_mentions=NONE)


def _missing_permissions(channel: discord.TextChannel) -> str:
    """What the bot lacks in `channel`, when its member is cached (else we cannot tell)."""
    me = channel.guild.me
    if me is None:
        return ""
    perms = channel.permissions_for(me)
    missing = [name for name, ok in (("View Channel", perms.view_channel), ("Send Messages", perms.send_messages),
                                     ("Embed Links", perms.embed_links)) if not ok]
    return ", ".join(missing)


async def setup(bot) -> None:
    await bot.add_cog(Digest(bot))
