"""One way to write an audit row: every moderator action and ingest is logged through here,
cut to the columns' widths the same way (`bot.models`), so no caller can overflow a column on
PostgreSQL (SQLite would store it) or log a different shape."""
from __future__ import annotations

from bot.models import ACTION_MAX, ACTOR_MAX, AUDIT_DETAIL_MAX, TARGET_MAX, AuditLog


def audit_row(*, guild_id: int | None, actor, action: str, target: str = "", detail: str = "") -> AuditLog:
    """The row to add to the session of the change it records (same transaction)."""
    return AuditLog(guild_id=guild_id, actor_id=str(actor)[:ACTOR_MAX], action=action[:ACTION_MAX],
                    target=target[:TARGET_MAX], detail=detail[:AUDIT_DETAIL_MAX])
