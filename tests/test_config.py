"""Settings: defaults for a newcomer, environment overrides, and a token that never prints."""
import os

from bot.config import PROJECT_ROOT, Settings


def test_defaults_point_at_embedded_sqlite_under_data(monkeypatch):
    for name in ("DATABASE_URL", "DATA_DIR", "INDEX_DIR", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env(env_file=os.devnull)
    assert settings.database_url == f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'counterpoint.db'}"
    assert settings.is_sqlite and settings.discord_token is None
    assert settings.allow_private_fetch is False


def test_environment_overrides_and_secret_stays_out_of_repr(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("SHARD_IDS", "0, 2")
    settings = Settings.from_env(env_file=os.devnull)
    assert settings.discord_token == "super-secret-token"
    assert not settings.is_sqlite and settings.shard_ids == [0, 2]
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(settings)


def test_env_example_documents_every_setting():
    documented = {line.split("=", 1)[0] for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
                  if line and not line.startswith("#") and "=" in line}
    read = {"DISCORD_TOKEN", "DEV_GUILD_ID", "DATABASE_URL", "DATA_DIR", "INDEX_DIR", "SEEDS_DIR", "LOG_LEVEL",
            "SHARD_COUNT", "SHARD_IDS", "LOOKUP_COOLDOWN_SECONDS", "INDEX_POLL_SECONDS", "ALLOW_PRIVATE_FETCH",
            "DISCORD_API_BASE"}
    source = (PROJECT_ROOT / "bot" / "config.py").read_text()
    assert read <= documented
    assert all(f'"{name}"' in source for name in read)
