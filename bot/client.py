"""The Discord client: `CounterpointBot` (sharding-ready) and `CounterpointTree` (one error handler).

Why these choices:
- `AutoShardedBot` so the same code runs one shard or many (SHARD_COUNT / SHARD_IDS).
- Minimal intents (guilds only): slash commands and buttons need no message content.
- `AllowedMentions.none()` on the client, and again on every send in the cogs, so text quoted
  from a source (`@everyone`...) can never ping anyone.
- One error handler (`CounterpointTree.on_error`, also used by button callbacks through
  `answer_error`) so no interaction is ever left unanswered and every traceback is logged.
- Cogs are loaded by name ("cogs.lookup"): `bot/` never imports `cogs/` (tested).

Entry point: `await run_bot(settings)` (async; `python -m bot run` wraps it in `asyncio.run`).
"""
from __future__ import annotations

import functools
import logging
import pkgutil
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import PROJECT_ROOT, Settings
from bot.errors import CounterpointError
from bot.render import limits
from bot.retry import UNAVAILABLE_MESSAGE, is_transient_db_error, log_failure

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

COGS_PACKAGE = "cogs"
UNEXPECTED = "Something went wrong on our side. It has been logged; please try again in a moment."


def discover_extensions(package: str = COGS_PACKAGE) -> list[str]:
    """Extension names in the cogs folder, `_`-prefixed helper modules skipped (sorted)."""
    folder = PROJECT_ROOT / package
    return sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_"))


def intents() -> discord.Intents:
    """Guilds only: enough for slash commands, buttons and guild/role/channel caches."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


def error_text(error: BaseException) -> tuple[str, bool]:
    """The message a user sees for `error`, and whether it was expected (else log a traceback)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, CounterpointError):
        error = error.__cause__
    if isinstance(error, CounterpointError):
        return str(error), True
    if isinstance(error, app_commands.CommandOnCooldown):
        again = discord.utils.utcnow() + timedelta(seconds=error.retry_after)
        return f"Easy there: you can look something up again {discord.utils.format_dt(again, 'R')}.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server.", True
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission (or the moderator role) for that.", True
    if isinstance(error, app_commands.CheckFailure):
        return (str(error) or "You are not allowed to use this command here."), True
    if isinstance(error, app_commands.TransformerError):
        return f"“{discord.utils.escape_mentions(str(error.value))[:100]}” is not a valid value here.", True
    if is_transient_db_error(error):  # a path without its own retry: still the promised answer
        return UNAVAILABLE_MESSAGE, False
    return UNEXPECTED, False


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer ephemerally (followup if already responded/deferred) and log unexpected errors."""
    message, expected = error_text(error)
    message = message if len(message) <= limits.CONTENT else message[:limits.CONTENT - 1] + "…"
    command = interaction.command.qualified_name if interaction.command else (interaction.data or {}).get("custom_id")
    if expected:
        log.info("interaction %s by %s refused: %s", command, interaction.user.id if interaction.user else "?", message)
    else:
        log_failure(log, "unhandled error in %s", error, command)  # one line if the database was down
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        else:
            await interaction.response.send_message(message, ephemeral=True,
                                                    allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException:
        log.warning("could not deliver the error message for %s", command, exc_info=True)


def answers_errors(callback: Callable[[Any, discord.Interaction], Awaitable[None]]):
    """For a component callback (`async def callback(self, interaction)`): whatever it raises
    is answered and logged by `answer_error`, as the tree does for commands, so no click goes
    unanswered. Buttons are not app commands, so the tree's handler never sees their errors."""

    @functools.wraps(callback)
    async def answered(self, interaction: discord.Interaction) -> None:
        try:
            await callback(self, interaction)
        except Exception as error:  # noqa: BLE001 - every error is answered and logged
            await answer_error(interaction, error)

    return answered


class CounterpointTree(app_commands.CommandTree):
    """The command tree with the bot's single app-command error handler."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await answer_error(interaction, error)


class CounterpointBot(commands.AutoShardedBot):
    """The bot: holds the service container (`self.app`) the cogs call.

    `extensions` defaults to every cog in cogs/; `sync_commands=False` skips the tree sync
    (useful for tests that sync explicitly). Extra keyword options go to discord.py."""

    def __init__(self, app: "Counterpoint", *, extensions: Sequence[str] | None = None,
                 sync_commands: bool = True, **options) -> None:
        settings: Settings = app.settings
        options.setdefault("shard_count", settings.shard_count)
        options.setdefault("shard_ids", settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,  # no message-content intent: slash commands only
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CounterpointTree,
            help_command=None,
            **options,
        )
        self.app = app
        self.settings = settings
        self.extension_names = list(discover_extensions() if extensions is None else extensions)
        self.sync_commands = sync_commands
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        for name in self.extension_names:
            await self.load_extension(name)
        self.app.start_following()
        if self.sync_commands:
            self.synced = await self.sync_tree()

    async def sync_tree(self) -> list[app_commands.AppCommand]:
        """Global sync, or instant sync to DEV_GUILD_ID (global commands copied there)."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))
        return synced

    async def on_ready(self) -> None:
        shards = ",".join(str(s) for s in sorted(self.shards)) or "0"
        log.info("ready: %s (id %s) | %d guilds | shards %s of %s | extensions %s",
                 self.user, self.user.id if self.user else "?", len(self.guilds), shards,
                 self.shard_count or 1, ", ".join(self.extension_names) or "none")


NO_TOKEN = "No DISCORD_TOKEN set: starting the local console instead."


async def run_bot(settings: Settings, *, moderator: bool = False) -> int:
    """Run the bot until stopped (async). Without DISCORD_TOKEN, runs the local console instead
    (`moderator`: the console's --moderator switch), saying so on the terminal: this is the one
    place that decides it, for `python -m bot run` and for any other caller.

    `settings.discord_api_base` (tests/dev only) points discord.py at another API base."""
    if not settings.discord_token:
        from bot.console import run_console

        print(NO_TOKEN, flush=True)
        return await run_console(settings, sys.stdin, sys.stdout, moderator=moderator)
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    from bot.app import Counterpoint

    app = await Counterpoint.open(settings)
    try:
        async with CounterpointBot(app) as bot:
            await bot.start(settings.discord_token)
    finally:
        await app.close()
    return 0
