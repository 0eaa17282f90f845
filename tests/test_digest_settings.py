"""Digest settings: each change is audited; bad input changes nothing and says what to type."""
from datetime import date, datetime, timezone

import pytest
import pytest_asyncio
from sqlmodel import select

from bot.digest import settings as digest_settings
from bot.digest.service import digest_status
from bot.errors import BadInput
from bot.models import AuditLog, DigestRun, GuildSettings
from tests._digest_helpers import DbOnlyApp

UTC = timezone.utc
GUILD = 10


@pytest_asyncio.fixture
async def db(engine, database_url):
    app = DbOnlyApp(database_url)
    yield app
    await app.close()


async def audit(db) -> list[tuple[str, str, str]]:
    async with db.sessions() as session:
        rows = (await session.exec(select(AuditLog).order_by(AuditLog.id))).all()
    return [(r.actor_id, r.action, r.target) for r in rows]


async def test_defaults_are_off_at_nine_utc_with_a_note_on_quiet_days(db):
    s = await digest_settings.get_settings(db, GUILD)
    assert (s.active, s.time, s.timezone, s.quiet, s.channel_id) == (False, "09:00", "UTC", "note", None)
    status = await digest_status(db, guild_id=GUILD, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert status.next_run is None and status.last_run is None


async def test_three_commands_set_a_digest_up_and_each_is_audited(db):
    s = await digest_settings.set_channel(db, guild_id=GUILD, actor=42, channel_id=777)
    assert s.active and s.channel_id == 777
    s = await digest_settings.set_time(db, guild_id=GUILD, actor=42, time_text="7:30", timezone_name="Europe/Berlin")
    assert (s.time, s.timezone) == ("07:30", "Europe/Berlin")
    s = await digest_settings.set_time(db, guild_id=GUILD, actor=42, time_text="08:15")  # keeps the zone
    assert (s.time, s.timezone) == ("08:15", "Europe/Berlin")
    s = await digest_settings.set_quiet(db, guild_id=GUILD, actor=42, mode="skip")
    assert s.quiet == "skip"
    assert await audit(db) == [("42", "digest.channel", "channel:777"), ("42", "digest.time", "07:30 Europe/Berlin"),
                               ("42", "digest.time", "08:15"), ("42", "digest.quiet", "skip")]
    # Another guild is untouched.
    assert not (await digest_settings.get_settings(db, GUILD + 1)).active


async def test_bad_input_changes_nothing(db):
    await digest_settings.set_time(db, guild_id=GUILD, actor=1, time_text="09:00", timezone_name="Asia/Tokyo")
    before = await digest_settings.get_settings(db, GUILD)
    with pytest.raises(BadInput, match="00:00 to 23:59"):
        await digest_settings.set_time(db, guild_id=GUILD, actor=1, time_text="25:00", timezone_name="UTC")
    with pytest.raises(BadInput, match="HH:MM"):
        await digest_settings.set_time(db, guild_id=GUILD, actor=1, time_text="noon", timezone_name="UTC")
    with pytest.raises(BadInput, match="Europe/Berlin"):
        await digest_settings.set_time(db, guild_id=GUILD, actor=1, time_text="10:00", timezone_name="Berlin/Europe")
    with pytest.raises(BadInput, match="note.*skip"):
        await digest_settings.set_quiet(db, guild_id=GUILD, actor=1, mode="loud")
    assert await digest_settings.get_settings(db, GUILD) == before
    assert len(await audit(db)) == 1


async def test_off_stops_posting_and_channel_turns_it_back_on(db):
    await digest_settings.set_channel(db, guild_id=GUILD, actor=1, channel_id=5)
    s = await digest_settings.turn_off(db, guild_id=GUILD, actor=1)
    assert not s.active and s.channel_id == 5  # kept for later
    status = await digest_status(db, guild_id=GUILD, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert status.next_run is None
    assert (await digest_settings.set_channel(db, guild_id=GUILD, actor=1, channel_id=5)).active
    assert [a for _, a, _ in await audit(db)] == ["digest.channel", "digest.off", "digest.channel"]


async def test_status_shows_the_next_run_in_the_guilds_time_and_the_last_outcome(db):
    await digest_settings.set_channel(db, guild_id=GUILD, actor=1, channel_id=5)
    await digest_settings.set_time(db, guild_id=GUILD, actor=1, time_text="09:00", timezone_name="America/New_York")
    async with db.sessions() as session:  # the settings were made the day before
        row = await session.get(GuildSettings, GUILD)
        row.updated_at = row.digest_schedule_changed_at = datetime(2026, 11, 24, tzinfo=UTC)
        session.add(row)
        session.add(DigestRun(guild_id=GUILD, local_date=date(2026, 11, 24), status="failed", attempts=3,
                              error="The digest channel no longer exists."))
        await session.commit()
    status = await digest_status(db, guild_id=GUILD, now=datetime(2026, 11, 25, 12, tzinfo=UTC))  # 07:00 EST
    assert status.next_run == datetime(2026, 11, 25, 14, tzinfo=UTC)  # 09:00 EST
    assert status.last_run.local_date == date(2026, 11, 24) and status.last_run.status == "failed"
    assert status.last_run.error == "The digest channel no longer exists."
