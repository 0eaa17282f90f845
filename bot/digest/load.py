"""Load what goes into one guild's digest for a 24-hour window: new sources, new rebuttals,
the most asked topics, and the quote of the day. Reads only; returns `DigestContent`.

Visibility is the same rule lookups use: seed (global) sources and the guild's own active
sources, and links that are active `counters` links between visible passages, either
automatic (no guild) or made by this guild's moderators. Nothing from another guild leaks
into a digest, and a removed source disappears from it.

Every list is bounded (a busy day says "and N more") so a digest stays a few messages long.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import select

from bot.digest.content import (CounterPair, DigestContent, DriftedSource, NewSource, Quote, QuoteOfTheDay,
                                TopicCount)
from bot.models import Claim, Link, LinkOrigin, LinkStatus, Passage, QueryLog, Source, SourceCheck, Stance, as_utc
from bot.privacy import defuse_links, public_lookups, shared_topics
from bot.scope import (ClaimPassage, ClaimSource, EvidencePassage, EvidenceSource, join_link_ends, source_ref,
                       visible, visible_link)
from bot.services._common import location

if TYPE_CHECKING:
    from bot.app import Counterpoint

WINDOW = timedelta(hours=24)
MAX_NEW_SOURCES = 10
MAX_COUNTERS = 12  # pairs; bot.render.digest groups them by claim
MAX_TOPICS = 5
MAX_QOTD_COUNTERS = 3
MAX_DRIFTED = 10
MIN_KEY_QUOTE_CHARS = 40  # shorter body passages ("Read more.") are not worth quoting

async def load_digest_content(app: Counterpoint, *, guild_id: int, local_date: date, now: datetime) -> DigestContent:
    """Everything for the window [now - 24 h, now)."""
    since = now - WINDOW
    async with app.sessions() as session:
        new_total, new_sources = await _new_sources(session, guild_id, since, now)
        counters_total, counters = await _new_counters(session, guild_id, since, now)
        topics = await _top_topics(session, guild_id, since, now)
        qotd = await _quote_of_the_day(session, guild_id, local_date, since, now)
        drifted_total, drifted = await _newly_drifted(session, guild_id, since, now)
    return DigestContent(
        guild_id=guild_id, local_date=local_date, since=since, until=now,
        new_sources=new_sources, new_sources_total=new_total,
        counters=counters, counters_total=counters_total, topics=topics, quote_of_the_day=qotd,
        drifted=drifted, drifted_total=drifted_total,
    )


async def _newly_drifted(session, guild_id, since, until) -> tuple[int, list[DriftedSource]]:
    """Visible sources whose page the drift check found changed in the window (bot/drift/)."""
    in_window = visible(guild_id) & (SourceCheck.drifted_at >= since) & (SourceCheck.drifted_at < until)
    base = select(Source, SourceCheck).join(SourceCheck, SourceCheck.source_id == Source.id).where(in_window)
    total = (await session.exec(select(func.count()).select_from(Source)
                                .join(SourceCheck, SourceCheck.source_id == Source.id).where(in_window))).one()
    if not total:
        return 0, []
    rows = (await session.exec(base.order_by(SourceCheck.drifted_at.desc(), Source.id).limit(MAX_DRIFTED))).all()
    return total, [DriftedSource(source=source_ref(s), changed=c.changed, gone=c.gone, drifted_at=as_utc(c.drifted_at))
                   for s, c in rows]


def most_asked(asked: Counter, candidates: set[int]) -> tuple[int, int] | None:
    """(passage id, times) of the candidate returned most often; ties go to the lower id so
    every process picks the same one."""
    ranked = sorted(((-n, pid) for pid, n in asked.items() if pid in candidates and n > 0))
    return (ranked[0][1], -ranked[0][0]) if ranked else None


def rotation_index(day: date, count: int) -> int:
    """A different pick each day, the same one all day (and in every process)."""
    return day.toordinal() % count


def parse_result_ids(value: str) -> list[int]:
    return [int(part) for part in (value or "").split(",") if part.strip().isdigit()]


# --- new sources -----------------------------------------------------------------------

async def _new_sources(session, guild_id, since, until) -> tuple[int, list[NewSource]]:
    in_window = visible(guild_id) & (Source.added_at >= since) & (Source.added_at < until)
    total = (await session.exec(select(func.count()).select_from(Source).where(in_window))).one()
    if not total:
        return 0, []
    sources = (await session.exec(select(Source).where(in_window)
                                  .order_by(Source.added_at.desc(), Source.id.desc()).limit(MAX_NEW_SOURCES))).all()
    quotes = await _key_quotes(session, [s.id for s in sources])
    return total, [NewSource(source=source_ref(s), key_quote=quotes.get(s.id)) for s in sources]


async def _key_quotes(session, source_ids: list[int]) -> dict[int, Quote]:
    """One quote per source: its first attributed claim in the body, else its first real body
    paragraph, else its first passage of any kind (a headline)."""
    rows = (await session.exec(
        select(Passage, Claim.id).outerjoin(Claim, Claim.passage_id == Passage.id)
        .where(Passage.source_id.in_(source_ids)).order_by(Passage.source_id, Passage.seq))).all()
    sources = {s.id: s for s in (await session.exec(select(Source).where(Source.id.in_(source_ids)))).all()}
    best: dict[int, tuple[int, Passage]] = {}
    for passage, claim_id in rows:
        if passage.kind == "body" and claim_id is not None and passage.speaker:
            rank = 0
        elif passage.kind == "body" and len(passage.text) >= MIN_KEY_QUOTE_CHARS:
            rank = 1
        else:
            rank = 2
        if passage.source_id not in best or rank < best[passage.source_id][0]:
            best[passage.source_id] = (rank, passage)
    return {sid: _quote(p, sources[sid]) for sid, (_, p) in best.items()}


# --- counter-evidence ------------------------------------------------------------------

def _visible_link(guild_id: int):
    """An active rebuttal between two visible passages, automatic or this guild's."""
    return ((Link.status == LinkStatus.active.value) & (Link.stance == Stance.counters.value)
            & visible_link(guild_id))



async def _new_counters(session, guild_id, since, until) -> tuple[int, list[CounterPair]]:
    """Rebuttals linked in the window: new links, and moderator (re)links made in it."""
    linked_in_window = or_(
        (Link.created_at >= since) & (Link.created_at < until),
        (Link.origin == LinkOrigin.moderator.value) & (Link.updated_at >= since) & (Link.updated_at < until),
    )
    condition = _visible_link(guild_id) & linked_in_window
    total = (await session.exec(join_link_ends(select(func.count()).select_from(Link)).where(condition))).one()
    if not total:
        return 0, []
    rows = (await session.exec(
        join_link_ends(select(Link, ClaimPassage, ClaimSource, EvidencePassage, EvidenceSource).select_from(Link))
        .where(condition).order_by(Link.created_at.desc(), Link.id.desc()).limit(MAX_COUNTERS))).all()
    return total, [CounterPair(claim=_quote(cp, cs), counter=_quote(ep, es), origin=link.origin)
                   for link, cp, cs, ep, es in rows]


# --- topics ----------------------------------------------------------------------------

async def _top_topics(session, guild_id, since, until) -> list[TopicCount]:
    """Topics enough members asked publicly (`bot.privacy`), links defused."""
    rows = (await session.exec(shared_topics(guild_id, since, until).limit(MAX_TOPICS))).all()
    return [TopicCount(topic=defuse_links(topic), count=n) for topic, n in rows]


# --- quote of the day ------------------------------------------------------------------

async def _quote_of_the_day(session, guild_id, day, since, until) -> QuoteOfTheDay | None:
    """The claim this guild's lookups returned most in the window; on a day without such
    lookups, a rotating pick by date. Only claims with counter-evidence on file qualify."""
    asked: Counter = Counter()
    for result_ids in (await session.exec(
            select(QueryLog.result_ids).where(public_lookups(guild_id), QueryLog.created_at >= since,
                                              QueryLog.created_at < until, QueryLog.result_ids != ""))).all():
        asked.update(parse_result_ids(result_ids))
    claim_ids = join_link_ends(select(Link.claim_passage_id).select_from(Link)).where(_visible_link(guild_id)).distinct()
    chosen: tuple[int, int] | None = None
    if asked:
        contested = set((await session.exec(claim_ids.where(Link.claim_passage_id.in_(list(asked))))).all())
        chosen = most_asked(asked, contested)
    if chosen is None:
        total = (await session.exec(select(func.count()).select_from(claim_ids.subquery()))).one()
        if not total:
            return None
        pick = (await session.exec(claim_ids.order_by(Link.claim_passage_id)
                                   .offset(rotation_index(day, total)).limit(1))).one()
        chosen = (pick, 0)
    claim_id, times = chosen
    claim_passage = await session.get(Passage, claim_id)
    claim_source = await session.get(Source, claim_passage.source_id)
    rows = (await session.exec(
        join_link_ends(select(EvidencePassage, EvidenceSource).select_from(Link))
        .where(_visible_link(guild_id), Link.claim_passage_id == claim_id)
        .order_by((Link.origin == LinkOrigin.moderator.value).desc(), Link.confidence.desc(), Link.id)
        .limit(MAX_QOTD_COUNTERS))).all()
    return QuoteOfTheDay(claim=_quote(claim_passage, claim_source),
                         counters=[_quote(p, s) for p, s in rows], asked=times)


def _quote(passage: Passage, source: Source) -> Quote:
    return Quote(passage_id=passage.id, text=passage.text, source=source_ref(source),
                 location=location(passage), speaker=passage.speaker)
