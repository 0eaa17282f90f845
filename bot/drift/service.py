"""Quote drift check: re-fetch each URL source and re-anchor every stored quote.

A page can change or vanish after it is cited. `verify_source` fetches the page through the
safe fetcher (`bot.fetch`: no private addresses, size and time caps), cleans it with the
same parser as ingestion, and re-finds each passage (`bot.drift.anchor`). Nothing is
deleted or rewritten: the stored text stays the citation of record; `passage_drift` says,
per quote, whether the page still has it (and since when it does not), `source_check` when
the page was last verified and what was found. A fetch that fails (timeout, 404, 5xx, a
page with no article left) is recorded as a failed attempt, never as drift, and leaves the
last successful findings alone.

`run_weekly_verification` re-checks every URL source once per ISO week per deployment: the
week is claimed first under a unique constraint (the digest's discipline, see
bot/digest/service.py), so restarts and extra processes do not repeat it. A claim whose
process died is taken over after STALE_CLAIM (the run heartbeats after each source); a
run that failed is retried later the same week, at most MAX_ATTEMPTS times.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from sqlalchemy import update
from sqlmodel import select

from bot.drift.anchor import CHANGED, GONE, INTACT, MOVED, Found, reanchor, worst
from bot.errors import BadInput, CounterpointError, FetchFailed, NotFound
from bot.runs import claim_run
from bot.models import (Passage, PassageDrift, Source, SourceCheck, SourceStatus, VerifyRun, as_utc, utcnow)

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

WEEKLY_AT = time(3, 0)  # Monday 03:00 UTC: the week's slot (a bot down then catches up that week)
STALE_CLAIM = timedelta(minutes=30)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(hours=1)
FETCH_TIMEOUT = 15.0
CLAIMED, DONE, FAILED = "claimed", "done", "failed"
DRIFTED = {CHANGED, GONE}


@dataclass(frozen=True)
class SourceVerification:
    """What one verification of one source found."""

    source_id: int
    title: str
    status: str | None  # intact | moved | changed | gone; None when the fetch failed
    error: str | None = None  # the fetch or the page failed: not drift
    intact: int = 0
    moved: int = 0
    changed: int = 0
    gone: int = 0
    newly_drifted: bool = False  # changed/gone now, not at the previous successful check


@dataclass(frozen=True)
class WeeklyOutcome:
    week: date
    sources: int
    drifted: int
    failed: int


def url_of(source: Source) -> str | None:
    """The address the source was fetched from (its origin), None for files and uploads."""
    return source.origin[4:] if source.origin.startswith("url:") else None


async def _fetch_text(app: Counterpoint, url: str, timeout: float) -> str:
    """The page's cleaned text, as ingestion would store it."""
    from bot.fetch import fetch_article
    from bot.ingest.parse import parse_article

    page = await fetch_article(url, allow_private=app.settings.allow_private_fetch, total_timeout=timeout,
                               connect_timeout=min(5.0, timeout))
    try:
        article = await asyncio.to_thread(parse_article, page.text, filename=page.filename)
    except CounterpointError as exc:
        raise FetchFailed(f"The page no longer reads as an article: {exc}") from None
    return article.text


def _reanchor_all(passages: list[Passage], text: str) -> dict[int, Found]:
    """Each passage re-found in `text` (CPU: run in a thread). Intact means "still at the
    offsets it is cited with", so a moved quote stays moved on later checks."""
    return {p.id: reanchor(text, exact=p.text, prefix=p.prefix, suffix=p.suffix, start=p.char_start)
            for p in passages}


async def verify_source(app: Counterpoint, source_id: int, *, now: datetime | None = None,
                        timeout: float = FETCH_TIMEOUT) -> SourceVerification:
    """Re-fetch one URL source and record what its page still has."""
    now = now or utcnow()
    async with app.sessions() as session:
        source = await session.get(Source, source_id)
        if source is None:
            raise NotFound(f"No source #{source_id} on file here.")
        url, title = url_of(source), source.title
    if url is None:
        raise BadInput(f"Source #{source_id} was not added from a link, so there is no page to check.")
    try:
        text = await _fetch_text(app, url, timeout)
    except FetchFailed as exc:
        await _record_failure(app, source_id, now, str(exc))
        log.info("verify source %s: fetch failed: %s", source_id, exc)
        return SourceVerification(source_id, title, None, error=str(exc))

    async with app.sessions() as session:
        passages = list((await session.exec(select(Passage).where(Passage.source_id == source_id)
                                            .order_by(Passage.seq))).all())
        previous = {d.passage_id: d for d in (await session.exec(
            select(PassageDrift).join(Passage, Passage.id == PassageDrift.passage_id)
            .where(Passage.source_id == source_id))).all()}
        found = await asyncio.to_thread(_reanchor_all, passages, text)
        for passage in passages:
            result = found[passage.id]
            row = previous.get(passage.id)
            if row is None:
                row = PassageDrift(passage_id=passage.id, status=result.status, since=now)
            elif row.status != result.status:
                row.status, row.since = result.status, now
            row.checked_at, row.page_start, row.page_end = now, result.start, result.end
            row.current_text, row.similarity = result.current, result.similarity
            session.add(row)
        counts = {s: sum(1 for f in found.values() if f.status == s) for s in (INTACT, MOVED, CHANGED, GONE)}
        status = worst(f.status for f in found.values()) or INTACT
        check = await session.get(SourceCheck, source_id) or SourceCheck(source_id=source_id)
        was_drifted = check.status in DRIFTED
        newly = status in DRIFTED and not was_drifted
        check.status, check.verified_at, check.attempted_at, check.last_error = status, now, now, None
        if newly:
            check.drifted_at = now
        elif status not in DRIFTED:
            check.drifted_at = None
        check.intact, check.moved, check.changed, check.gone = (counts[INTACT], counts[MOVED], counts[CHANGED],
                                                                 counts[GONE])
        session.add(check)
        await session.commit()
    log.info("verify source %s: %s (%s)", source_id, status, counts)
    return SourceVerification(source_id, title, status, intact=counts[INTACT], moved=counts[MOVED],
                              changed=counts[CHANGED], gone=counts[GONE], newly_drifted=newly)


async def _record_failure(app: Counterpoint, source_id: int, now: datetime, error: str) -> None:
    async with app.sessions() as session:
        check = await session.get(SourceCheck, source_id) or SourceCheck(source_id=source_id)
        check.attempted_at, check.last_error = now, error[:1000]
        session.add(check)
        await session.commit()


async def url_source_ids(app: Counterpoint, source_id: int | None = None, *, scopes: list[str] | None = None) -> list[int]:
    """Active sources added from a link (or the one asked for), in id order; `scopes`
    limits them to what one owner sees (the console: the shared library)."""
    async with app.sessions() as session:
        stmt = select(Source.id).where(Source.origin.startswith("url:"), Source.status == SourceStatus.active.value)
        if source_id is not None:
            stmt = stmt.where(Source.id == source_id)
        if scopes is not None:
            stmt = stmt.where(Source.scope.in_(scopes))
        return list((await session.exec(stmt.order_by(Source.id))).all())


async def verify_all(app: Counterpoint, *, now: datetime | None = None, timeout: float = FETCH_TIMEOUT,
                     heartbeat: Callable | None = None) -> list[SourceVerification]:
    """Every active URL source, one at a time (each fetch is capped; the rest of the bot keeps
    serving). One source's trouble never stops the others."""
    results = []
    for source_id in await url_source_ids(app):
        try:
            results.append(await verify_source(app, source_id, now=now, timeout=timeout))
        except Exception:  # logged; the next source goes on
            log.exception("verify source %s failed", source_id)
        if heartbeat is not None:
            await heartbeat()
    return results


# -- once a week ------------------------------------------------------------------------------

def week_of(now: datetime) -> date:
    """The Monday (UTC) of `now`'s ISO week."""
    day = now.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday())


def week_slot(now: datetime) -> datetime:
    return datetime.combine(week_of(now), WEEKLY_AT, tzinfo=timezone.utc)


async def claim_week(app: Counterpoint, week: date, *, worker: str, now: datetime) -> bool:
    """Take this week's run. True for exactly one caller per week (or per retry)."""
    return await claim_run(app, VerifyRun(week=week, status=CLAIMED, claimed_by=worker, claimed_at=now, attempts=1),
                           key=(VerifyRun.week == week,), worker=worker, now=now, max_attempts=MAX_ATTEMPTS,
                           retry_after=RETRY_AFTER, stale_after=STALE_CLAIM, reset={"error": None})


async def _finish(app: Counterpoint, week: date, worker: str, now: datetime, **values) -> None:
    async with app.sessions() as session:
        await session.exec(update(VerifyRun).where(VerifyRun.week == week, VerifyRun.claimed_by == worker,
                                                   VerifyRun.status == CLAIMED)
                           .values(finished_at=now, **values))
        await session.commit()


async def run_weekly_verification(app: Counterpoint, *, worker: str, clock: Callable[[], datetime] = utcnow,
                                  timeout: float = FETCH_TIMEOUT) -> WeeklyOutcome | None:
    """Verify every URL source if this week's run is due and nobody has claimed it. Idempotent:
    call it as often as you like, from as many processes as you like."""
    now = clock()
    if now < week_slot(now):
        return None
    week = week_of(now)
    if not await claim_week(app, week, worker=worker, now=now):
        return None

    async def heartbeat() -> None:
        async with app.sessions() as session:
            await session.exec(update(VerifyRun).where(VerifyRun.week == week, VerifyRun.claimed_by == worker,
                                                       VerifyRun.status == CLAIMED).values(claimed_at=clock()))
            await session.commit()

    try:
        results = await verify_all(app, now=now, timeout=timeout, heartbeat=heartbeat)
    except Exception as exc:  # recorded; retried later this week
        log.exception("weekly verification for %s failed", week)
        await _finish(app, week, worker, clock(), status=FAILED, error=f"{type(exc).__name__}: {str(exc)[:300]}")
        return None
    outcome = WeeklyOutcome(week=week, sources=len(results),
                            drifted=sum(1 for r in results if r.status in DRIFTED),
                            failed=sum(1 for r in results if r.error))
    await _finish(app, week, worker, clock(), status=DONE, sources=outcome.sources, drifted=outcome.drifted,
                  failed=outcome.failed)
    log.info("weekly verification %s: %s", week, outcome)
    return outcome


async def last_run(app: Counterpoint) -> VerifyRun | None:
    async with app.sessions() as session:
        row = (await session.exec(select(VerifyRun).order_by(VerifyRun.week.desc()).limit(1))).first()
    if row is not None:
        row.claimed_at, row.finished_at = as_utc(row.claimed_at), as_utc(row.finished_at)
    return row


# -- a moderator takes the page as it is now ----------------------------------------------------

async def reingest_source(app: Counterpoint, source_id: int, *, guild_id: int | None, actor: str):
    """Re-fetch a URL source and ingest the page as it is now, in place: quotes still on the
    page keep their ids, votes, links and verdicts; quotes no longer there go, with theirs
    (that is what re-ingesting means; the moderator chose it). The citation fields as stored
    (a moderator may have corrected them) are kept. The page was just read, so every stored
    quote is intact: the drift findings start afresh."""
    from bot.fetch import fetch_article
    from bot.services.curation import owned_source
    from bot.services.sources import ingest_document, same_site

    async with app.sessions() as session:
        source = await owned_source(session, source_id, guild_id)
        url = url_of(source)
        if url is None:
            raise BadInput(f"Source #{source_id} was not added from a link: there is no page to re-read.")
        if source.status != SourceStatus.active.value:
            raise BadInput(f"Source #{source_id} is removed: `/curate restore` it first.")
        origin = source.origin
        keep = {"title": source.title, "outlet": source.outlet, "author": source.author}
        if source.published and not source.published_inferred:
            keep["published"] = source.published
    page = await fetch_article(url, allow_private=app.settings.allow_private_fetch)
    cited = page.canonical_url if same_site(page.canonical_url, page.final_url) else page.final_url
    report = await ingest_document(app, page.text, filename=page.filename, guild_id=guild_id, actor=actor,
                                   overrides={"url": cited, **keep}, origin=origin, fetched_from=cited)
    now = utcnow()
    async with app.sessions() as session:
        ids = list((await session.exec(select(Passage.id).where(Passage.source_id == source_id))).all())
        for row in (await session.exec(select(PassageDrift).where(PassageDrift.passage_id.in_(ids)))).all():
            await session.delete(row)
        check = await session.get(SourceCheck, source_id) or SourceCheck(source_id=source_id)
        check.status, check.verified_at, check.attempted_at, check.last_error = INTACT, now, now, None
        check.drifted_at, check.intact, check.moved, check.changed, check.gone = None, len(ids), 0, 0, 0
        session.add(check)
        await session.commit()
    return report
