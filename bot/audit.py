"""One way to write an audit row: every moderator action and ingest is logged through here,
cut to the columns' widths the same way (`bot.models`), so no caller can overflow a column on
PostgreSQL (SQLite would store it) or log a different shape."""
from __future__ import annotations

from bot.models import ACTION_MAX, ACTOR_MAX, AUDIT_DETAIL_MAX, TARGET_MAX, AuditLog


def audit_row(*, guild_id: int | None, actor, action: str, target: str = "", detail: str = "") -> AuditLog:
    """The row to add to the session of the change it records (same transaction)."""
    return AuditLog(guild_id=guild_id, actor_id=str(actor)[:ACTOR_MAX], action=action[:ACTION_MAX],
                    target=target[:TARGET_MAX], detail=detail[:AUDIT_DETAIL_MAX])


def source_detail(title: str, origin: str) -> str:
    """What an ingest's audit row says of the source: its title and where it came from (the
    one-by-one path and a folder ingest write the same words, so their logs compare equal)."""
    return f"{title[:200]} ({origin[:300]})"
