"""A test-only extension for the error-handler tests: commands that fail on purpose.

Loaded by name ("tests._discord_helpers") next to the real cogs, never in production.
"""
from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import NotAllowed


class Failing(commands.Cog):
    @app_commands.command(name="boom", description="Fails with an unexpected error before answering.")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom: internal detail that must not reach the user")

    @app_commands.command(name="boom_late", description="Defers, then fails unexpectedly.")
    async def boom_late(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        raise RuntimeError("late kaboom")

    @app_commands.command(name="refuse", description="Raises a domain error with a user-safe message.")
    async def refuse(self, interaction: discord.Interaction) -> None:
        raise NotAllowed("You may not do that @everyone.")


async def setup(bot) -> None:
    await bot.add_cog(Failing())
