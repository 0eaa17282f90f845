"""Posting digests exactly once per guild per local day: claims, restarts, retries, faults,
and two schedulers racing on one database. Runs on SQLite and PostgreSQL, clock injected."""
import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
import pytest_asyncio
from sqlmodel import select

from bot.digest.service import (FAILED, SENDING, SENT, SKIPPED, ChannelUnavailable, claim_slot, digest_status,
                                mark_sending, record_outcome, run_due_digests)
from bot.models import DigestRun
from tests._digest_helpers import DbOnlyApp, Outbox, add_source, configure

UTC = timezone.utc
DAY = date(2026, 11, 25)


def at(hour, minute=0, day=25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


SET_UP = at(6)  # moderators configured the digest at 06:00 UTC


@pytest_asyncio.fixture
async def db(engine, database_url):
    app = DbOnlyApp(database_url)
    yield app
    await app.close()


async def runs(app) -> list[DigestRun]:
    async with app.sessions() as session:
        return list((await session.exec(select(DigestRun).order_by(DigestRun.guild_id, DigestRun.local_date))).all())


async def news(app, when=at(7)):  # noqa: B008 - a datetime is immutable
    """Something for the digest to report, so it is not a quiet day."""
    await add_source(app, title="Harbour council approves flood wall", added_at=when,
                     passages=[("Mayor Jane Doe said the wall will protect four thousand homes.", "Jane Doe")])


# --- claims ----------------------------------------------------------------------------

async def test_a_slot_is_claimed_once(db):
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="a", now=at(9)) is True
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="b", now=at(9)) is False
    assert await claim_slot(db, guild_id=1, local_date=DAY + timedelta(days=1), worker="b", now=at(9)) is True
    [today, tomorrow] = await runs(db)
    assert (today.claimed_by, today.status, today.attempts) == ("a", "claimed", 1)
    assert tomorrow.claimed_by == "b"


async def test_concurrent_claims_from_two_engines_have_one_winner_per_slot(db, database_url):
    other = DbOnlyApp(database_url)
    try:
        results = await asyncio.gather(*[
            claim_slot(app, guild_id=g, local_date=DAY, worker=name, now=at(9))
            for g in range(1, 11) for app, name in ((db, "a"), (other, "b"))])
    finally:
        await other.close()
    for g in range(10):
        assert sorted(results[2 * g:2 * g + 2]) == [False, True]
    assert len(await runs(db)) == 10


# --- scheduling ------------------------------------------------------------------------

async def test_posts_once_at_the_local_time_and_again_the_next_day(db):
    await configure(db, 1, channel_id=4242, time="09:00", timezone="Europe/Berlin", configured_at=SET_UP)
    await news(db)
    outbox = Outbox()
    assert await run_due_digests(db, at(7, 59), outbox) == []  # 08:59 in Berlin
    [outcome] = await run_due_digests(db, at(8, 0), outbox)
    assert (outcome.status, outcome.local_date, outcome.message_id) == (SENT, DAY, 1001)
    assert await run_due_digests(db, at(8, 1), outbox) == []
    assert await run_due_digests(db, at(22, 59), outbox) == []
    [channel, messages] = outbox.sent[0]
    assert channel == 4242 and "Harbour council approves flood wall" in messages[0].embeds[1].description
    [next_day] = await run_due_digests(db, at(8, 0, day=26), outbox)
    assert next_day.local_date == date(2026, 11, 26) and len(outbox.sent) == 2
    assert [(r.local_date, r.status, r.message_id) for r in await runs(db)] == [
        (DAY, SENT, 1001), (date(2026, 11, 26), SENT, 1002)]


async def test_a_restart_catches_up_the_same_day_without_repeating(db, database_url):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    first, restarted = Outbox(), Outbox()
    # The bot was down at 09:00 and comes back at 13:00: today's digest goes out now.
    [outcome] = await run_due_digests(db, at(13), first, worker="process-1")
    assert outcome.status == SENT and len(first.sent) == 1
    # It restarts again at 13:01 (new engine, new worker id): nothing is sent twice.
    again = DbOnlyApp(database_url)
    try:
        assert await run_due_digests(again, at(13, 1), restarted, worker="process-2") == []
        status = await digest_status(again, guild_id=1, now=at(13, 1))
    finally:
        await again.close()
    assert restarted.sent == []
    assert status.last_run.status == SENT and status.last_run.local_date == DAY
    assert status.next_run == at(9, day=26)


async def test_a_day_missed_entirely_is_not_posted_late(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    outbox = Outbox()
    # Down from before 09:00 on the 25th until 08:00 on the 26th: the 25th is gone.
    assert await run_due_digests(db, at(8, day=26), outbox) == []
    [outcome] = await run_due_digests(db, at(9, day=26), outbox)
    assert outcome.local_date == date(2026, 11, 26)


async def test_two_schedulers_racing_on_one_database_post_one_digest_per_guild(db, database_url):
    """The multi-process guarantee: two bot processes (two engines) tick at the same moment."""
    guilds = list(range(1, 21))
    for g in guilds:
        await configure(db, g, channel_id=1000 + g, time="09:00", configured_at=SET_UP)
    await news(db)
    other = DbOnlyApp(database_url)
    a, b = Outbox(label="a"), Outbox(label="b")
    try:
        for minute in range(3):  # both keep ticking; still one each
            await asyncio.gather(run_due_digests(db, at(9, minute), a, worker="a"),
                                 run_due_digests(other, at(9, minute), b, worker="b"))
    finally:
        await other.close()
    channels = sorted(c for c, _ in a.sent + b.sent)
    assert channels == [1000 + g for g in guilds]
    rows = await runs(db)
    assert [r.status for r in rows] == [SENT] * 20 and {r.claimed_by for r in rows} <= {"a", "b"}


# --- failures --------------------------------------------------------------------------

async def test_a_failed_send_is_retried_later_the_same_day_once(db, database_url):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    outbox = Outbox(failures=[RuntimeError("503 Service Unavailable")])
    [failed] = await run_due_digests(db, at(9), outbox)
    assert failed.status == FAILED and "503" in failed.error and outbox.sent == []
    [row] = await runs(db)
    assert (row.status, row.attempts) == (FAILED, 1)
    assert await run_due_digests(db, at(9, 2), outbox) == []  # not hammering: wait RETRY_AFTER
    # Two processes retry at the same moment: the conditional UPDATE lets one through.
    other, second = DbOnlyApp(database_url), Outbox()
    try:
        results = await asyncio.gather(run_due_digests(db, at(9, 6), outbox, worker="a"),
                                       run_due_digests(other, at(9, 6), second, worker="b"))
    finally:
        await other.close()
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(outbox.sent) + len(second.sent) == 1
    [row] = await runs(db)
    assert (row.status, row.attempts, row.error) == (SENT, 2, None)
    assert await run_due_digests(db, at(9, 30), outbox) == []


async def test_gives_up_for_the_day_after_the_last_attempt(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    outbox = Outbox(failures=[RuntimeError(f"boom {i}") for i in range(10)])
    attempts = 0
    for minute in range(0, 60, 6):
        attempts += len(await run_due_digests(db, at(9, minute), outbox))
    assert attempts == 3
    status = await digest_status(db, guild_id=1, now=at(10))
    assert (status.last_run.status, status.last_run.attempts) == (FAILED, 3)
    assert "boom 2" in status.last_run.error
    assert status.next_run == at(9, day=26)


async def test_a_deleted_channel_is_recorded_and_tried_again_tomorrow(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    outbox = Outbox(failures=[ChannelUnavailable("The digest channel no longer exists.")])
    [outcome] = await run_due_digests(db, at(9), outbox)
    assert outcome.status == FAILED
    assert await run_due_digests(db, at(11), outbox) == []  # would fail the same way: not today
    status = await digest_status(db, guild_id=1, now=at(11))
    assert status.last_run.error == "The digest channel no longer exists."
    [tomorrow] = await run_due_digests(db, at(9, day=26), outbox)
    assert tomorrow.status == SENT


async def test_one_broken_guild_does_not_stop_the_others(db):
    await configure(db, 1, channel_id=1, configured_at=SET_UP)
    await configure(db, 2, channel_id=2, configured_at=SET_UP)
    await news(db)

    async def send(channel_id, messages):
        if channel_id == 1:
            raise PermissionError("Missing Access")
        return 77

    outcomes = {o.guild_id: o.status for o in await run_due_digests(db, at(9), send)}
    assert outcomes == {1: FAILED, 2: SENT}


async def test_a_process_that_died_before_sending_is_taken_over_later(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    # A process claimed 09:00 and died while composing: nothing reached Discord.
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="dead", now=at(9))
    outbox = Outbox()
    assert await run_due_digests(db, at(9, 5), outbox, worker="alive") == []  # it may still be working
    [outcome] = await run_due_digests(db, at(9, 11), outbox, worker="alive")
    assert outcome.status == SENT and len(outbox.sent) == 1
    [row] = await runs(db)
    assert (row.status, row.claimed_by, row.attempts) == (SENT, "alive", 2)
    # The dead process cannot finish a claim that is no longer its own.
    assert not await record_outcome(db, guild_id=1, local_date=DAY, worker="dead", now=at(9, 12), status=FAILED)


async def test_a_process_that_died_while_sending_is_not_repeated(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="dead", now=at(9))
    assert await mark_sending(db, guild_id=1, local_date=DAY, worker="dead")
    outbox = Outbox()
    for hour in (10, 15, 23):
        assert await run_due_digests(db, at(hour), outbox) == []
    assert outbox.sent == []
    status = await digest_status(db, guild_id=1, now=at(23))
    assert status.last_run.status == SENDING


async def test_a_slow_process_whose_claim_was_taken_over_does_not_send(db):
    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="slow", now=at(9))
    assert await claim_slot(db, guild_id=1, local_date=DAY, worker="other", now=at(9, 11))  # stale: taken over
    assert not await mark_sending(db, guild_id=1, local_date=DAY, worker="slow")
    assert await mark_sending(db, guild_id=1, local_date=DAY, worker="other")


# --- which guilds ----------------------------------------------------------------------

async def test_quiet_days_post_a_note_or_nothing_as_chosen(db):
    await configure(db, 1, channel_id=1, quiet="skip", configured_at=SET_UP)
    await configure(db, 2, channel_id=2, quiet="note", configured_at=SET_UP)
    outbox = Outbox()
    outcomes = {o.guild_id: o.status for o in await run_due_digests(db, at(9), outbox)}
    assert outcomes == {1: SKIPPED, 2: SENT}
    [(channel, [note])] = outbox.sent
    assert channel == 2 and note.content.startswith("Quiet day (2026-11-25)") and not note.embeds
    assert await run_due_digests(db, at(10), outbox) == []  # a skipped day is done too


async def test_only_active_guilds_this_process_serves_are_posted(db):
    await configure(db, 1, channel_id=1, configured_at=SET_UP)
    await configure(db, 2, channel_id=2, configured_at=SET_UP)
    await configure(db, 3, channel_id=3, enabled=False, configured_at=SET_UP)
    await configure(db, 4, channel_id=None, configured_at=SET_UP)
    await configure(db, 5, channel_id=5, configured_at=at(10))  # set up after today's 09:00
    outbox = Outbox()
    assert [o.guild_id for o in await run_due_digests(db, at(11), outbox, guild_ids={2, 3, 4, 5})] == [2]
    assert await run_due_digests(db, at(11), outbox, guild_ids=set()) == []
    assert [o.guild_id for o in await run_due_digests(db, at(11), outbox)] == [1]
    assert [c for c, _ in outbox.sent] == [2, 1]
    assert [o.guild_id for o in await run_due_digests(db, at(9, day=26), outbox)] == [1, 2, 5]


async def test_naive_clock_is_refused(db):
    with pytest.raises(ValueError):
        await run_due_digests(db, datetime(2026, 11, 25, 9), Outbox())


async def test_a_database_error_for_one_guild_does_not_stop_the_others(db, monkeypatch):
    import bot.digest.service as service

    await configure(db, 1, channel_id=1, configured_at=SET_UP)
    await configure(db, 2, channel_id=2, configured_at=SET_UP)
    await news(db)
    real_mark_sending = service.mark_sending

    async def flaky(app, *, guild_id, **kw):  # the database drops out while guild 1 is handled
        if guild_id == 1:
            raise ConnectionResetError("connection lost")
        return await real_mark_sending(app, guild_id=guild_id, **kw)

    monkeypatch.setattr(service, "mark_sending", flaky)
    outbox = Outbox()
    assert [o.guild_id for o in await run_due_digests(db, at(9), outbox)] == [2]
    assert [c for c, _ in outbox.sent] == [2]
    monkeypatch.setattr(service, "mark_sending", real_mark_sending)
    # Guild 1's claim never reached "sending": after STALE_CLAIM it is taken over and sent.
    [retried] = await run_due_digests(db, at(9, 11), outbox)
    assert (retried.guild_id, retried.status) == (1, SENT)


async def test_a_settings_change_that_does_not_move_the_schedule_keeps_the_retry(db):
    from bot.digest import settings as digest_settings
    from bot.services.curation import set_moderator_role

    await configure(db, 1, time="09:00", configured_at=SET_UP)
    await news(db)
    outbox = Outbox(failures=[RuntimeError("503 Service Unavailable")])
    [failed] = await run_due_digests(db, at(9), outbox)
    assert failed.status == FAILED
    # A moderator changes the role and the quiet mode after the failed send (real time: after 09:00).
    await set_moderator_role(db, guild_id=1, role_id=42, actor="7")
    await digest_settings.set_quiet(db, guild_id=1, actor=7, mode="skip")
    [retried] = await run_due_digests(db, at(9, 6), outbox)
    assert retried.status == SENT and len(outbox.sent) == 1
