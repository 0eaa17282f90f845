"""Builders for the JSON Discord sends: guilds, members, and INTERACTION_CREATE payloads.

Field names follow Discord's API reference (and what discord.py reads from them); only the
fields the library needs are filled in. Permissions are string bitfields, as on the wire.
"""
from __future__ import annotations

import itertools
from typing import Any

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES  # an ordinary member

_ids = itertools.count(1_200_000_000_000_000_000)
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4


def _next_id() -> str:
    return str(next(_ids))


def make_user(user_id: int, name: str = "user") -> dict:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": False, "flags": 0}


def make_member(user_id: int, *, name: str = "user", permissions: int = MEMBER_PERMISSIONS,
                roles: list[int] | None = None) -> dict:
    """An interaction `member`: `permissions` is what Discord computed for the channel."""
    return {"user": make_user(user_id, name), "roles": [str(r) for r in roles or []], "nick": None,
            "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
            "pending": False, "permissions": str(permissions)}


def make_role(role_id: int, name: str, permissions: int = 0, position: int = 1) -> dict:
    return {"id": str(role_id), "name": name, "permissions": str(permissions), "position": position,
            "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}


def make_guild(guild_id: int, *, name: str | None = None, channel_id: int | None = None,
               roles: list[dict] | None = None, owner_id: int = 1) -> dict:
    """A GUILD_CREATE payload: @everyone role (id == guild id) plus one text channel."""
    channel_id = channel_id or guild_id + 1
    return {
        "id": str(guild_id), "name": name or f"guild {guild_id}", "icon": None, "owner_id": str(owner_id),
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
        "features": [], "emojis": [], "stickers": [], "member_count": 2, "large": False,
        "unavailable": False, "preferred_locale": "en-US", "system_channel_flags": 0,
        "roles": [make_role(guild_id, "@everyone", MEMBER_PERMISSIONS, 0), *(roles or [])],
        "channels": [{"id": str(channel_id), "type": 0, "name": "general", "position": 0,
                      "permission_overwrites": [], "guild_id": str(guild_id), "nsfw": False}],
        "members": [], "threads": [], "voice_states": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
    }


def _base(kind: int, *, app_id: int, guild_id: int | None, user_id: int, permissions: int,
          roles: list[int] | None, channel_id: int | None, data: dict) -> dict:
    payload: dict[str, Any] = {
        "id": _next_id(), "application_id": str(app_id), "type": kind, "token": f"tok-{_next_id()}",
        "version": 1, "data": data, "locale": "en-US", "attachment_size_limit": 10 * 1024 * 1024,
        "app_permissions": str((1 << 50) - 1), "entitlements": [], "authorizing_integration_owners": {},
    }
    if guild_id is not None:
        channel_id = channel_id or guild_id + 1
        payload.update(guild_id=str(guild_id), guild_locale="en-US", context=0,
                       member=make_member(user_id, permissions=permissions, roles=roles))
        payload["channel"] = {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": "general"}
        payload["channel_id"] = str(channel_id)
    else:
        payload.update(user=make_user(user_id), context=1)
        payload["channel"] = {"id": str(channel_id or 1), "type": 1, "recipients": [make_user(user_id)]}
        payload["channel_id"] = str(channel_id or 1)
    return payload


def option(name: str, value: Any, kind: int = 3, *, focused: bool = False) -> dict:
    """One command option (3 string, 4 integer, 5 boolean, 11 attachment)."""
    opt = {"name": name, "type": kind, "value": value}
    if focused:
        opt["focused"] = True
    return opt


def subcommand(name: str, options: list[dict] | None = None) -> dict:
    return {"name": name, "type": 1, "options": options or []}


def slash_command(name: str, options: list[dict] | None = None, *, app_id: int, command_id: str,
                  guild_id: int | None, user_id: int, permissions: int = MEMBER_PERMISSIONS,
                  roles: list[int] | None = None, attachments: list[dict] | None = None,
                  channel_id: int | None = None, kind: int = APPLICATION_COMMAND,
                  resolved: dict | None = None) -> dict:
    """An application command (type 2) or, with kind=AUTOCOMPLETE, an autocomplete (type 4).

    `attachments` go to `resolved.attachments`; `resolved` adds other resolved objects
    (e.g. {"roles": {"5005": make_role(5005, "Mods")}} for a role option)."""
    data: dict[str, Any] = {"id": command_id, "name": name, "type": 1, "options": options or []}
    if attachments or resolved:
        data["resolved"] = dict(resolved or {})
    if attachments:
        data["resolved"]["attachments"] = {a["id"]: a for a in attachments}
    return _base(kind, app_id=app_id, guild_id=guild_id, user_id=user_id, permissions=permissions,
                 roles=roles, channel_id=channel_id, data=data)


def component_click(custom_id: str, message: dict, *, app_id: int, guild_id: int | None, user_id: int,
                    permissions: int = MEMBER_PERMISSIONS, roles: list[int] | None = None) -> dict:
    """A button click (type 3) on `message` (a message object the fake recorded)."""
    payload = _base(MESSAGE_COMPONENT, app_id=app_id, guild_id=guild_id, user_id=user_id,
                    permissions=permissions, roles=roles, channel_id=None,
                    data={"custom_id": custom_id, "component_type": 2})
    payload["message"] = {**message, "channel_id": payload["channel_id"]}
    return payload


def button_ids(message: dict) -> list[str]:
    """custom_ids of every button in a message's action rows, in order."""
    return [c["custom_id"] for row in message.get("components", []) for c in row.get("components", [])
            if c.get("custom_id")]
