"""Post each guild's digest exactly once per local day, across restarts and processes.

The protocol, all in the database (so it holds for any number of bot processes):
1. claim: INSERT a `digest_run` row for (guild, local date). The unique constraint lets one
   INSERT win; the others fail with IntegrityError and back off. A `failed` row may be
   re-claimed, atomically, by `UPDATE ... WHERE status='failed' AND attempts < N`.
2. render (`bot.render.digest`), then mark the row `sending` (only if the claim is still ours), then send through
   the `send` callable the front end provides.
3. record the outcome on the row: sent (with the message id), skipped (quiet day, guild
   chose `skip`), or failed (with the error, shown by `/digest status`).

A channel that is gone or that the bot may not post in (`ChannelUnavailable`) uses up the
day's attempts: retrying in a minute would fail the same way, tomorrow is tried as usual.
Any other failure is retried after `RETRY_AFTER`, at most `MAX_ATTEMPTS` times a day.

A process that dies mid-way leaves its row behind. Still `claimed` means it died before
sending: nothing reached Discord, so after `STALE_CLAIM` another tick takes the slot over
(same conditional UPDATE). Still `sending` means it died while sending: whether the message
arrived is unknown, and a duplicate digest is worse than a missing one, so it is not re-sent;
`/digest status` says so.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Awaitable, Callable, Collection

from sqlalchemy import update
from sqlmodel import select

from bot.digest.content import DigestContent
from bot.digest.load import load_digest_content
from bot.digest.schedule import due_date, local_date, next_slot
from bot.digest.settings import DigestSettings, get_settings, settings_value
from bot.errors import BadInput, CounterpointError
from bot.runs import claim_run
from bot.models import DigestRun, DigestRunStatus, GuildSettings, as_utc
from bot.render.digest import DigestMessage, compose_digest
from bot.retry import db_retry, log_failure

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=5)
STALE_CLAIM = timedelta(minutes=10)  # far longer than loading + composing ever takes
CLAIMED, SENDING, SENT, FAILED, SKIPPED = (s.value for s in DigestRunStatus)

# send(channel_id, messages) posts the messages in order and returns the first message's id.
SendDigest = Callable[[int, list[DigestMessage]], Awaitable[int | None]]


class ChannelUnavailable(CounterpointError):
    """The digest channel is gone or the bot may not post there: no retry until tomorrow."""


@dataclass(frozen=True)
class RunInfo:
    local_date: date
    status: str
    attempts: int
    message_id: int | None
    error: str | None
    claimed_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class RunOutcome:
    """What one `run_due_digests` call did for one guild it claimed."""

    guild_id: int
    local_date: date
    status: str  # sent | skipped | failed
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class DigestStatus:
    settings: DigestSettings
    next_run: datetime | None  # UTC; None when off or without a channel
    last_run: RunInfo | None


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


async def run_due_digests(app: Counterpoint, now: datetime, send: SendDigest, *, guild_ids: Collection[int] | None = None,
                          worker: str | None = None, max_attempts: int = MAX_ATTEMPTS,
                          retry_after: timedelta = RETRY_AFTER) -> list[RunOutcome]:
    """Post every digest due at `now` that nobody has claimed yet. Idempotent: call it as
    often as you like, from as many processes as you like.

    `guild_ids` limits the run to the guilds this process serves (a shard must not claim a
    guild whose channels it cannot see). Errors for one guild are logged and recorded, never
    raised, so one broken guild cannot stop the others."""
    worker = worker or default_worker_id()
    now = _utc(now)
    due = await _due_guilds(app, now, guild_ids=guild_ids, max_attempts=max_attempts, retry_after=retry_after)
    outcomes = []
    for settings, day in due:
        try:
            if not await claim_slot(app, guild_id=settings.guild_id, local_date=day, worker=worker, now=now,
                                    max_attempts=max_attempts, retry_after=retry_after):
                continue
            outcome = await _post(app, settings, day, now, send, worker=worker, max_attempts=max_attempts)
        except Exception as error:  # noqa: BLE001 - e.g. the database went away mid-way; the next tick retries
            log_failure(log, "digest for guild %s on %s: bookkeeping failed", error, settings.guild_id, day)
            continue
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def claim_slot(app: Counterpoint, *, guild_id: int, local_date: date, worker: str, now: datetime,
                     max_attempts: int = MAX_ATTEMPTS, retry_after: timedelta = RETRY_AFTER) -> bool:
    """Take the (guild, local date) slot. True for exactly one caller per slot (or per retry)."""
    now = _utc(now)
    # Someone may have the slot: if their attempt failed (and may be retried), or they died
    # before sending, it is taken over (bot/runs.py).
    return await claim_run(app, DigestRun(guild_id=guild_id, local_date=local_date, status=CLAIMED, attempts=1,
                                          claimed_by=worker, claimed_at=now),
                           key=(DigestRun.guild_id == guild_id, DigestRun.local_date == local_date), worker=worker,
                           now=now, max_attempts=max_attempts, retry_after=retry_after, stale_after=STALE_CLAIM)


async def mark_sending(app: Counterpoint, *, guild_id: int, local_date: date, worker: str) -> bool:
    """Last step before sending: False if our claim was taken over meanwhile (do not send)."""
    async with app.sessions() as session:
        result = await session.exec(
            update(DigestRun)
            .where(DigestRun.guild_id == guild_id, DigestRun.local_date == local_date,
                   DigestRun.status == CLAIMED, DigestRun.claimed_by == worker)
            .values(status=SENDING))
        await session.commit()
        return result.rowcount == 1


async def record_outcome(app: Counterpoint, *, guild_id: int, local_date: date, worker: str, now: datetime, status: str,
                         message_id: int | None = None, error: str | None = None,
                         attempts: int | None = None) -> bool:
    """Finish the run this worker claimed. False if the claim is not (or no longer) ours."""
    now = _utc(now)
    values = dict(status=status, message_id=message_id, error=error, finished_at=now)
    if attempts is not None:
        values["attempts"] = attempts
    async with app.sessions() as session:
        result = await session.exec(
            update(DigestRun)
            .where(DigestRun.guild_id == guild_id, DigestRun.local_date == local_date,
                   DigestRun.status.in_([CLAIMED, SENDING]), DigestRun.claimed_by == worker)
            .values(**values))
        await session.commit()
        return result.rowcount == 1


@db_retry
async def build_digest(app: Counterpoint, *, guild_id: int, now: datetime, quiet: str | None = None
                       ) -> tuple[DigestContent, list[DigestMessage]]:
    """Today's digest for the guild as it would be posted now (`/digest preview` uses this
    with quiet="note", so a quiet day still shows what it would say)."""
    now = _utc(now)
    settings = await get_settings(app, guild_id)
    day = local_date(now, settings.zone)
    content = await load_digest_content(app, guild_id=guild_id, local_date=day, now=now)
    return content, compose_digest(content, quiet=quiet or settings.quiet)


@db_retry
async def digest_status(app: Counterpoint, *, guild_id: int, now: datetime, max_attempts: int = MAX_ATTEMPTS) -> DigestStatus:
    """Settings, when the next digest is expected, and how the last one went."""
    now = _utc(now)
    settings = await get_settings(app, guild_id)
    async with app.sessions() as session:
        row = (await session.exec(select(DigestRun).where(DigestRun.guild_id == guild_id)
                                  .order_by(DigestRun.local_date.desc()).limit(1))).first()
    last = _run_info(row) if row else None
    next_run = None
    if settings.active:
        today = local_date(now, settings.zone)
        today_done = last is not None and last.local_date == today and not (
            last.status == FAILED and last.attempts < max_attempts)
        next_run = next_slot(now, settings.local_time, settings.zone, today_done=today_done,
                             effective_from=settings.schedule_changed_at)
    return DigestStatus(settings=settings, next_run=next_run, last_run=last)


async def _due_guilds(app: Counterpoint, now, *, guild_ids, max_attempts, retry_after) -> list[tuple[DigestSettings, date]]:
    """Active guilds whose slot has passed today and whose run is not finished (cheap
    pre-filter; the claim is what guarantees once)."""
    if guild_ids is not None and not guild_ids:
        return []
    async with app.sessions() as session:
        rows = (await session.exec(select(GuildSettings).where(
            GuildSettings.digest_enabled.is_(True), GuildSettings.digest_channel_id.is_not(None)))).all()
        wanted = set(guild_ids) if guild_ids is not None else None
        due: dict[int, tuple[DigestSettings, date]] = {}
        for row in rows:
            if wanted is not None and row.guild_id not in wanted:
                continue
            settings = settings_value(row)
            try:
                day = due_date(now, settings.local_time, settings.zone, effective_from=settings.schedule_changed_at)
            except BadInput:
                log.error("guild %s has an unusable digest schedule %r %r", row.guild_id, row.digest_time,
                          row.digest_timezone)
                continue
            if day is not None:
                due[row.guild_id] = (settings, day)
        if not due:
            return []
        runs = (await session.exec(select(DigestRun).where(
            DigestRun.guild_id.in_(list(due)), DigestRun.local_date.in_({d for _, d in due.values()})))).all()
    for run in runs:
        if run.guild_id in due and due[run.guild_id][1] == run.local_date:
            if not _may_retake(run, now, max_attempts, retry_after):
                del due[run.guild_id]
    return sorted(due.values(), key=lambda item: item[0].guild_id)


async def _post(app: Counterpoint, settings: DigestSettings, day: date, now: datetime, send: SendDigest, *, worker: str,
                max_attempts: int) -> RunOutcome | None:
    guild_id = settings.guild_id
    finish = dict(app=app, guild_id=guild_id, local_date=day, worker=worker, now=now)
    try:
        content = await load_digest_content(app, guild_id=guild_id, local_date=day, now=now)
        messages = compose_digest(content, quiet=settings.quiet)
    except Exception as exc:  # noqa: BLE001 - recorded and retried; must not stop other guilds
        log_failure(log, "digest for guild %s on %s could not be built", exc, guild_id, day)
        error = f"could not build the digest: {type(exc).__name__}"
        await record_outcome(**finish, status=FAILED, error=error)
        return RunOutcome(guild_id, day, FAILED, error=error)
    if not messages:
        await record_outcome(**finish, status=SKIPPED)
        return RunOutcome(guild_id, day, SKIPPED)
    if not await mark_sending(app, guild_id=guild_id, local_date=day, worker=worker):
        log.warning("digest for guild %s on %s: claim taken over before sending; not sending", guild_id, day)
        return None
    try:
        message_id = await send(settings.channel_id, messages)
    except ChannelUnavailable as exc:
        log.warning("digest for guild %s: channel %s unavailable: %s", guild_id, settings.channel_id, exc)
        await record_outcome(**finish, status=FAILED, error=str(exc), attempts=max_attempts)
        return RunOutcome(guild_id, day, FAILED, error=str(exc))
    except Exception as exc:  # a transient send error is retried later today
        log.exception("digest for guild %s on %s failed to send", guild_id, day)
        error = f"sending failed: {type(exc).__name__}: {str(exc)[:300]}"
        await record_outcome(**finish, status=FAILED, error=error)
        return RunOutcome(guild_id, day, FAILED, error=error)
    if not await record_outcome(**finish, status=SENT, message_id=message_id):
        log.error("digest for guild %s on %s was sent but its claim was no longer ours", guild_id, day)
    log.info("digest for guild %s on %s sent as message %s", guild_id, day, message_id)
    return RunOutcome(guild_id, day, SENT, message_id=message_id)


def _may_retake(run: DigestRun, now: datetime, max_attempts: int, retry_after: timedelta) -> bool:
    """Python twin of `bot.runs.claim_run`'s take-over condition, for the cheap pre-filter (the claim re-checks in SQL)."""
    if run.attempts >= max_attempts:
        return False
    if run.status == FAILED:
        return run.finished_at is not None and as_utc(run.finished_at) <= now - retry_after
    return run.status == CLAIMED and as_utc(run.claimed_at) <= now - STALE_CLAIM


def _utc(now: datetime) -> datetime:
    """SQLite stores the wall-clock digits: keep every stored time in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _run_info(row: DigestRun) -> RunInfo:
    return RunInfo(local_date=row.local_date, status=row.status, attempts=row.attempts, message_id=row.message_id,
                   error=row.error, claimed_at=as_utc(row.claimed_at), finished_at=as_utc(row.finished_at))
