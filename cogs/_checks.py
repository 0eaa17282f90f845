"""Checks shared by the cogs: the moderator check and the lookup cooldown.

Why checked in the handler although `/curate` has `default_member_permissions`: that default
is only what Discord shows; server admins can override it per role or channel, and a client
may send anything. The server-side rule (Manage Server, or the moderator role set with
`/curate role`) lives in `bot.services.curation.is_moderator`.
"""
from __future__ import annotations

import discord
from discord import app_commands

from bot.services import curation


class NotModerator(app_commands.CheckFailure):
    """Refusal shown to a member who may not curate (the message is user-facing)."""


REFUSAL = ("Only moderators can do that: you need the Manage Server permission, "
           "or the moderator role set with `/curate role`.")


def has_manage_guild(interaction: discord.Interaction) -> bool:
    """Manage Server as Discord computed it for this member in this channel."""
    return bool(interaction.permissions.manage_guild)


def member_role_ids(interaction: discord.Interaction) -> list[int]:
    roles = getattr(interaction.user, "roles", None) or []
    return [role.id for role in roles]


async def require_moderator(interaction: discord.Interaction) -> bool:
    """True for a moderator of this guild; otherwise raise `NotModerator` (nothing runs)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    allowed = await curation.is_moderator(
        interaction.client.app, guild_id=interaction.guild_id,
        has_manage_guild=has_manage_guild(interaction), role_ids=member_role_ids(interaction))
    if not allowed:
        raise NotModerator(REFUSAL)
    return True


def lookup_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """One lookup per LOOKUP_COOLDOWN_SECONDS per user (none when the setting is 0)."""
    seconds = interaction.client.settings.lookup_cooldown_seconds
    return app_commands.Cooldown(1, seconds) if seconds > 0 else None
