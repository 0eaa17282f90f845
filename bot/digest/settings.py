"""A guild's digest settings: read them, change them (each change writes an AuditLog row).

Input is validated before anything is written, so a bad time or time zone changes nothing
and the user gets a message that says what to type instead (`BadInput`). Who may change the
settings is the front end's check (`bot.services.curation.is_moderator`), as for `/curate`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.digest.content import QUIET_MODES
from bot.digest.schedule import format_time, parse_time, parse_timezone
from bot.errors import BadInput
from bot.audit import audit_row
from bot.models import GuildSettings, as_utc, utcnow
from bot.retry import db_retry

if TYPE_CHECKING:
    from bot.app import Counterpoint


# Changes that move the schedule: a slot that passed before them is not caught up.
SCHEDULE_ACTIONS = {"digest.channel", "digest.time"}


@dataclass(frozen=True)
class DigestSettings:
    guild_id: int
    channel_id: int | None
    time: str  # "HH:MM", local to `timezone`
    timezone: str  # IANA name
    enabled: bool
    quiet: str  # "note" | "skip"
    updated_at: datetime | None = None
    # When channel or time last changed (not role or quiet mode): the schedule's start.
    schedule_changed_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Posting happens only with a channel and while not turned off."""
        return self.enabled and self.channel_id is not None

    @property
    def local_time(self) -> time:
        return parse_time(self.time)

    @property
    def zone(self) -> ZoneInfo:
        return parse_timezone(self.timezone)


def settings_value(row: GuildSettings) -> DigestSettings:
    return DigestSettings(
        guild_id=row.guild_id, channel_id=row.digest_channel_id, time=row.digest_time,
        timezone=row.digest_timezone, enabled=bool(row.digest_enabled), quiet=row.digest_quiet,
        updated_at=as_utc(row.updated_at), schedule_changed_at=as_utc(row.digest_schedule_changed_at),
    )


@db_retry
async def get_settings(app: Counterpoint, guild_id: int) -> DigestSettings:
    """The guild's settings, or the defaults (off, 09:00 UTC, note on quiet days)."""
    async with app.sessions() as session:
        row = await session.get(GuildSettings, guild_id)
    return settings_value(row or GuildSettings(guild_id=guild_id))


async def set_channel(app: Counterpoint, *, guild_id: int, actor, channel_id: int) -> DigestSettings:
    """Post the digest in `channel_id`; this also turns the digest on."""
    return await _change(app, guild_id, actor, "digest.channel", f"channel:{channel_id}",
                         digest_channel_id=channel_id, digest_enabled=True)


async def set_time(app: Counterpoint, *, guild_id: int, actor, time_text: str, timezone_name: str | None = None) -> DigestSettings:
    """Post at `time_text` (HH:MM) local to `timezone_name` (IANA; omitted keeps the current
    zone, which starts as UTC). Invalid input raises BadInput before anything changes."""
    at = format_time(parse_time(time_text))
    changes = {"digest_time": at}
    if timezone_name is not None and timezone_name.strip():
        changes["digest_timezone"] = parse_timezone(timezone_name).key
    zone = changes.get("digest_timezone", "")
    return await _change(app, guild_id, actor, "digest.time", f"{at} {zone}".strip(), **changes)


async def turn_off(app: Counterpoint, *, guild_id: int, actor) -> DigestSettings:
    """Stop posting (the channel and time are kept; `/digest channel` turns it back on)."""
    return await _change(app, guild_id, actor, "digest.off", "", digest_enabled=False)


async def set_quiet(app: Counterpoint, *, guild_id: int, actor, mode: str) -> DigestSettings:
    mode = (mode or "").strip().lower()
    if mode not in QUIET_MODES:
        raise BadInput("On a quiet day the digest can post a one-line `note` or `skip` posting. Choose one of those.")
    return await _change(app, guild_id, actor, "digest.quiet", mode, digest_quiet=mode)


@db_retry
async def _change(app: Counterpoint, guild_id: int, actor, action: str, target: str, **changes) -> DigestSettings:
    async with app.sessions() as session:
        row = await session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
        before = {name: getattr(row, name) for name in changes}
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        if action in SCHEDULE_ACTIONS:
            row.digest_schedule_changed_at = row.updated_at
        session.add(row)
        detail = ", ".join(f"{name}: {before[name]!r} -> {value!r}" for name, value in changes.items())
        session.add(audit_row(guild_id=guild_id, actor=actor, action=action, target=target, detail=detail))
        await session.commit()
        return settings_value(row)
