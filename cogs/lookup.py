"""Everyone's commands: `/lookup`, `/source`, `/sources`, `/forget`.

Handlers are thin: defer (Discord's 3-second rule), call `bot.services`, render with
`bot.render.embeds`. The guild comes from `interaction.guild_id` (None in DMs = seed sources
only), so guild isolation is the services' job. Mentions are disabled on every send.

Abuse limits on `/lookup`, checked before deferring so a refusal is an ephemeral answer that
costs nothing: the per-user cooldown (LOOKUP_COOLDOWN_SECONDS, Discord's "slow down"), and
the container's `RateLimits` (`app.rate_limits`) per user AND per guild (a raid of many accounts hits the guild limit).
The topic is cleaned (`clean_option`: invisible characters dropped, 300 characters at most)
because discord.py does not re-check the declared length of what a client sends.
"""
from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.models import MAX_ID
from bot.retry import log_failure
from bot.render import embeds
from bot.services import lookup as lookup_service
from bot.services import sources
from bot.services.forget import forget_member
from bot.validate import clean_option
from cogs._checks import lookup_cooldown
from cogs._views import DYNAMIC_ITEMS, RESULTS_PER_LOOKUP, result_view, sources_view

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
MAX_TOPIC = 300


class Lookup(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="lookup", description="Find the most relevant verbatim quote, its source and counter-evidence.")
    @app_commands.describe(topic="What to look up, e.g. Iran al-Qaeda 9/11",
                           private="Only you see the answer (default: no)")
    @app_commands.checks.dynamic_cooldown(lookup_cooldown, key=lambda i: i.user.id)
    async def lookup(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, MAX_TOPIC],
                     private: bool = False) -> None:
        topic = clean_option(topic, name="topic", max_len=MAX_TOPIC, required=True)
        self.app.rate_limits.lookup(interaction.user.id, interaction.guild_id)
        await interaction.response.defer(ephemeral=private, thinking=True)
        answer = await lookup_service.lookup(self.app, topic, guild_id=interaction.guild_id, limit=RESULTS_PER_LOOKUP,
                                             user_id=interaction.user.id, private=private)
        if not answer.results:
            await interaction.edit_original_response(content=embeds.no_match_text(answer.query or topic),
                                                     allowed_mentions=NONE)
            return
        await interaction.edit_original_response(embed=embeds.lookup_embed(answer, 0), view=result_view(answer, 0),
                                                 allowed_mentions=NONE)

    @lookup.autocomplete("topic")
    async def topic_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggestions from this guild's view of the data (titles, claims, aliases), the member's
        own recent topics, and topics many members here asked publicly (`bot.privacy`)."""
        try:
            names = await lookup_service.autocomplete(self.app, current, guild_id=interaction.guild_id, limit=25,
                                                      user_id=interaction.user.id)
        except Exception as error:  # noqa: BLE001 - an autocomplete must always answer, even empty
            log_failure(log, "autocomplete failed for %r", error, current[:100])
            names = []
        return [app_commands.Choice(name=name[:100], value=name[:100]) for name in names[:25] if name.strip()]

    @app_commands.command(name="forget", description="Delete your lookup history (your votes stay counted, unlinked from you).")
    async def forget(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await forget_member(self.app, interaction.user.id)
        await interaction.edit_original_response(content=embeds.forget_text(report), allowed_mentions=NONE)

    @app_commands.command(name="source", description="Show one source: citation, claims and links.")
    @app_commands.describe(id="The source number (shown as “source #N” under a quote)")
    async def source(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID]) -> None:
        await interaction.response.defer(thinking=True)
        detail = await sources.get_source(self.app, id, guild_id=interaction.guild_id)
        await interaction.edit_original_response(embed=embeds.source_embed(detail), allowed_mentions=NONE)

    @app_commands.command(name="sources", description="List the sources on file.")
    @app_commands.describe(page="Page number (10 sources a page)")
    async def sources_list(self, interaction: discord.Interaction, page: app_commands.Range[int, 1, MAX_ID] = 1) -> None:
        await interaction.response.defer(thinking=True)
        result = await sources.list_sources(self.app, guild_id=interaction.guild_id, page=page)
        # The service shows the last page for a page past the end; say so rather than pretend.
        note = embeds.no_such_page_text(page, result) if page > result.page else None
        await interaction.edit_original_response(content=note, embed=embeds.sources_embed(result),
                                                 view=sources_view(result), allowed_mentions=NONE)


async def setup(bot) -> None:
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(Lookup(bot))
