"""Settings from the environment and `.env`.

Loaded once, frozen, passed explicitly to whatever needs them (no module-level globals
that services reach for). Secrets are kept out of `repr` so they are never logged.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int_list(value: str | None) -> list[int] | None:
    value = (value or "").strip()
    if not value:
        return None
    return [int(part) for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Settings:
    """Every setting the bot reads; `.env.example` documents each one."""

    database_url: str
    index_dir: Path
    seeds_dir: Path
    discord_token: str | None = field(default=None, repr=False)
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: list[int] | None = None
    lookup_cooldown_seconds: float = 5.0
    index_poll_seconds: float = 2.0
    # Only tests may relax this: lets the URL fetcher reach 127.0.0.1.
    allow_private_fetch: bool = False
    # Counter-evidence candidates per source (bot/stance/service.py): best passages of the
    # same source per claim, of other sources per claim or passage, and the pairs decided in all.
    stance_within_k: int = 40
    stance_cross_k: int = 20
    stance_max_pairs: int = 4000
    # Days a lookup (topic, asker, results) is kept before it is deleted (see bot/privacy.py).
    query_log_days: int = 90
    # Largest article file `python -m bot ingest` (and the seeds folder) accepts, in bytes.
    ingest_max_bytes: int = 2_000_000
    # Discord API/gateway base, only overridden to point the bot at a fake Discord in tests.
    discord_api_base: str | None = None
    # ClaimReview export: who checked (the Organization) and the page the fact checks live on.
    claimreview_org_name: str | None = None  # None: the Discord server's name (CLI: "Counterpoint")
    claimreview_url: str | None = None

    @classmethod
    def from_env(cls, env_file: str | os.PathLike | None = None, **overrides) -> "Settings":
        """Read `.env` (if present) then the environment; keyword overrides win."""
        load_dotenv(env_file or PROJECT_ROOT / ".env", override=False)
        env = os.environ
        data_dir = Path(env.get("DATA_DIR") or DEFAULT_DATA_DIR)
        values = dict(
            database_url=env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'counterpoint.db'}",
            index_dir=Path(env.get("INDEX_DIR") or data_dir / "index"),
            seeds_dir=Path(env.get("SEEDS_DIR") or PROJECT_ROOT / "seeds"),
            discord_token=(env.get("DISCORD_TOKEN") or "").strip() or None,
            dev_guild_id=_int_or_none(env.get("DEV_GUILD_ID")),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            shard_count=_int_or_none(env.get("SHARD_COUNT")),
            shard_ids=_int_list(env.get("SHARD_IDS")),
            lookup_cooldown_seconds=float(env.get("LOOKUP_COOLDOWN_SECONDS") or 5.0),
            index_poll_seconds=float(env.get("INDEX_POLL_SECONDS") or 2.0),
            allow_private_fetch=_bool(env.get("ALLOW_PRIVATE_FETCH")),
            discord_api_base=(env.get("DISCORD_API_BASE") or "").strip() or None,
            claimreview_org_name=(env.get("CLAIMREVIEW_ORG_NAME") or "").strip() or None,
            claimreview_url=(env.get("CLAIMREVIEW_URL") or "").strip() or None,
            stance_within_k=int(env.get("STANCE_WITHIN_K") or 40),
            stance_cross_k=int(env.get("STANCE_CROSS_K") or 20),
            stance_max_pairs=int(env.get("STANCE_MAX_PAIRS") or 4000),
            ingest_max_bytes=int(env.get("INGEST_MAX_BYTES") or 2_000_000),
            query_log_days=int(env.get("QUERY_LOG_DAYS") or 90),
        )
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        values.update(overrides)
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
