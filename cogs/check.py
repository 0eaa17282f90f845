"""`/check claim:`: which sources on file dispute, support or discuss a claim.

Thin like `/lookup`: clean the option, spend the same per-user and per-guild limits (a check
costs a few model calls, so it shares the lookup budget), defer within Discord's 3 seconds,
call `bot.services.check`, render with `bot.render.check`. Guild visibility is the service's.
"""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import answers_errors
from bot.render.why_check import why_check_embed
from bot.services.explain_check import explain_check
from bot.render import check as render
from bot.services.check import check as check_claim
from bot.validate import clean_option
from cogs._checks import lookup_cooldown

NONE = discord.AllowedMentions.none()
MAX_CLAIM = 300


class Check(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="check", description="Check a claim: which sources on file dispute or support it.")
    @app_commands.describe(claim="The claim, e.g. Iran helped al-Qaeda carry out the 9/11 attacks",
                           private="Only you see the answer (default: no)")
    @app_commands.checks.dynamic_cooldown(lookup_cooldown, key=lambda i: i.user.id)
    async def check(self, interaction: discord.Interaction, claim: app_commands.Range[str, 1, MAX_CLAIM],
                    private: bool = False) -> None:
        claim = clean_option(claim, name="claim", max_len=MAX_CLAIM, required=True)
        self.app.rate_limits.lookup(interaction.user.id, interaction.guild_id)
        await interaction.response.defer(ephemeral=private, thinking=True)
        answer = await check_claim(self.app, claim, guild_id=interaction.guild_id)
        if not answer.sources:
            await interaction.edit_original_response(content=render.no_related_text(answer.claim or claim),
                                                     allowed_mentions=NONE)
            return
        view = discord.ui.View(timeout=None)
        view.add_item(WhyCheckButton())
        await interaction.edit_original_response(embed=render.check_embed(answer), view=view, allowed_mentions=NONE)


class WhyCheckButton(discord.ui.DynamicItem[discord.ui.Button], template=r"cp:whyc"):
    """"Why this?" under a check, privately: the claim is read back from the answer's footer
    (nothing about the member is stored), checked again and explained (bot.services.explain_check)."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Why this?", emoji="❔", style=discord.ButtonStyle.secondary,
                                           custom_id="cp:whyc"))

    @classmethod
    async def from_custom_id(cls, interaction, item, match, /):
        return cls()

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        # It checks the claim again (model calls): it spends the same budget as /check.
        interaction.client.app.rate_limits.lookup(interaction.user.id, interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        embeds = interaction.message.embeds if interaction.message else []
        claim = render.claim_from_footer(embeds[0].footer.text if embeds else None)
        if not claim:
            await interaction.edit_original_response(content="That check is no longer readable: run `/check` again.",
                                                     allowed_mentions=NONE)
            return
        app = interaction.client.app
        answer = await check_claim(app, claim, guild_id=interaction.guild_id)
        if not answer.sources:
            await interaction.edit_original_response(content=render.no_related_text(answer.claim),
                                                     allowed_mentions=NONE)
            return
        explained = await explain_check(app, answer, guild_id=interaction.guild_id)
        await interaction.edit_original_response(embed=why_check_embed(explained), allowed_mentions=NONE)


async def setup(bot) -> None:
    bot.add_dynamic_items(WhyCheckButton)
    await bot.add_cog(Check(bot))
