"""Lookup: from a free-text topic to the best verbatim quotes, their citations, and the
counter-evidence on file. Also autocomplete for the topic option.

Ranking answers the words asked first: candidates (BM25 hits from the search index) are
ordered by how much of the topic they hold, in quarters (a passage with 4 of the topic's 5
words comes before one with 2, whatever its score), then by BM25 times two small, stated
priors that only break ties between passages holding as much of the topic: a lookup asks
"who said this", so quotes attributed to a speaker (claims) rank a little higher, and
headlines, subtitles and photo captions (summaries of the article, not quotes) a little lower.

When a hit is itself a rebuttal, the answer shows the claim it rebuts (with the hit among its
counter-evidence) if that claim holds as much of the topic; a claim holding less is shown at
its own rank beside the hit, and a claim holding none of the topic's words is never shown: a
counter-evidence link does not bring a passage into the results of a query it does not match.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import logging
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, func, insert
from sqlalchemy.orm import defer
from sqlmodel import select

from bot.models import Claim, Passage, QueryLog, Source, utcnow
from bot.privacy import shared_topics
from bot.results import Location, LookupAnswer, LookupResult, SourceRef
from bot.retry import db_retry
from bot.search.normalize import index_tokens, normalize_topic, query_terms, query_tokens
from bot.scope import bound_visibility_params, bound_visible, source_columns, source_ref_from_row, visible, visible_scopes
from bot.services.verdicts import annotate_results
from bot.stance.answers import counter_links

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 500
CLAIM_PRIOR = 1.15
KIND_PRIOR = {"headline": 0.85, "subtitle": 0.85, "caption": 0.7, "body": 1.0}
CANDIDATES_PER_RESULT = 4
COVERAGE_STEPS = 4  # topic coverage is compared in quarters: "clearly more of the query"


def clean_topic(topic: str | None) -> str:
    """Drop control and zero-width characters, collapse spaces, cap the length."""
    text = "".join(" " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"} else ch
                   for ch in (topic or "") if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())[:MAX_TOPIC_CHARS].rstrip()  # a cut must not leave a trailing space


def _prior(kind: str, speaker: str | None, is_claim: bool) -> float:
    prior = KIND_PRIOR.get(kind, 1.0)
    if is_claim and speaker:
        prior *= CLAIM_PRIOR
    return prior


@db_retry
async def lookup(app: Counterpoint, topic: str, *, guild_id: int | None, limit: int = 5, log_query: bool = True,
                 user_id: int | None = None, private: bool = False) -> LookupAnswer:
    """Best quotes for `topic`, visible to `guild_id`. Empty results mean nothing matched.

    The query log records who asked (`user_id`) and whether only they may see it: `private`,
    and every lookup in a DM (`guild_id` None), never reach anyone else's suggestions or a
    digest."""
    limit = max(1, min(int(limit), 25))
    topic = clean_topic(topic)
    normalized = normalize_topic(topic)
    async with app.sessions() as session:
        aliases = await app.aliases.get(session, guild_id)
        tokens = query_tokens(topic, aliases)
        results: list[LookupResult] = []
        if tokens:
            hits = app.index.search(tokens, visible_scopes(guild_id), limit=limit * CANDIDATES_PER_RESULT)
            results = await _build_results(session, hits, guild_id=guild_id, limit=limit,
                                           terms=query_terms(topic, aliases))
            results = await annotate_results(session, results, guild_id=guild_id)  # verdicts, drift marks
        log_id = None
        if log_query:
            log_id = (await session.exec(_LOG_QUERY, params={
                "guild_id": guild_id, "topic": normalized[:500], "query": topic[:500], "created_at": utcnow(),
                "result_ids": ",".join(str(r.passage_id) for r in results)[:1000],
                "user_id": user_id, "private": bool(private or guild_id is None)})).scalar_one()
            await session.commit()
    return LookupAnswer(query=topic, normalized=normalized, results=results, query_log_id=log_id)


# Built once (Core, expanding parameters): per call, building statements and ORM objects
# cost more than the database work itself.
_LOG_QUERY = insert(QueryLog).values(
    guild_id=bindparam("guild_id"), topic=bindparam("topic"), query=bindparam("query"),
    result_ids=bindparam("result_ids"), created_at=bindparam("created_at"), user_id=bindparam("user_id"),
    private=bindparam("private")).returning(QueryLog.id)

SUGGESTION_DAYS = 30

_PASSAGES = (
    select(Passage.id, Passage.text, Passage.speaker, Passage.kind, Passage.paragraph, Passage.char_start,
           Passage.char_end, Claim.id.label("claim_id"), *source_columns())
    .join(Source, Source.id == Passage.source_id)
    .outerjoin(Claim, Claim.passage_id == Passage.id)
    .where(Passage.id.in_(bindparam("ids", expanding=True)), bound_visible())
)


@dataclass(frozen=True)
class _Candidate:
    id: int
    text: str
    speaker: str | None
    kind: str
    location: Location
    is_claim: bool
    source: SourceRef


def _candidate(row) -> _Candidate:
    return _Candidate(row.id, row.text, row.speaker, row.kind,
                      Location(row.paragraph, row.char_start, row.char_end, row.kind), row.claim_id is not None,
                      source_ref_from_row(row))


def _coverage_step(text: str, terms: list[frozenset[str]]) -> int:
    """How much of the topic `text` holds, in quarters (0 = none of its words)."""
    if not terms:
        return 0
    words = set(index_tokens(text))
    held = sum(1 for group in terms if group & words)
    return int(held * COVERAGE_STEPS / len(terms) + 1e-9)


async def _build_results(session, hits, *, guild_id: int | None, limit: int,
                         terms: list[frozenset[str]] | None = None) -> list[LookupResult]:
    if not hits:
        return []
    hit_score = {h.passage_id: h.score for h in hits}
    hit_ids = list(hit_score)
    # One statement: counter-evidence of hits that are claims, and claims rebutted by hits.
    links = await counter_links(session, guild_id=guild_id, claims=hit_ids, evidence=hit_ids, relevance=hit_score)
    wanted = set(hit_ids) | {c for claims in links.rebuts.values() for c in claims}
    # The index may briefly lag a removal: only visible, active sources count.
    rows = (await session.exec(_PASSAGES, params={"ids": list(wanted), **bound_visibility_params(guild_id)})).all()
    by_id = {c.id: c for c in map(_candidate, rows)}

    steps: dict[int, int] = {}

    def step(pid: int) -> int:
        if pid not in steps:
            steps[pid] = _coverage_step(by_id[pid].text, terms) if terms else COVERAGE_STEPS
        return steps[pid]

    ranked: dict[int, tuple[int, float, int | None, float]] = {}  # shown -> (coverage, score, matched hit, its BM25)
    for pid, score in hit_score.items():
        if pid not in by_id:
            continue
        shown = [(pid, None)]
        # A contested claim is shown itself; a rebuttal leads to the claims it rebuts that
        # match the topic too, in its place when they hold as much of it, else beside it.
        if pid not in links.by_claim and links.rebuts.get(pid):
            claims = [c for c in links.rebuts[pid] if c in by_id and step(c) > 0]
            if claims and all(step(c) >= step(pid) for c in claims):
                shown = [(c, pid) for c in claims]
            elif claims:
                shown += [(c, pid) for c in claims]
        for shown_id, matched in shown:
            candidate = by_id[shown_id]
            value = (step(shown_id), score * _prior(candidate.kind, candidate.speaker, candidate.is_claim), matched,
                     score)
            if shown_id not in ranked or value[:2] > ranked[shown_id][:2]:
                ranked[shown_id] = value
    order = [(pid, (score, matched, bm25, coverage)) for pid, (coverage, score, matched, bm25) in
             sorted(ranked.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:limit]]
    counters = dict(links.by_claim)
    missing = [pid for pid, _ in order if pid not in hit_score]  # claims reached through a rebuttal
    if missing:
        more = await counter_links(session, guild_id=guild_id, claims=missing, relevance=hit_score)
        counters.update(more.by_claim)
    return [LookupResult(passage_id=pid, text=by_id[pid].text, speaker=by_id[pid].speaker, score=score,
                         source=by_id[pid].source, location=by_id[pid].location,
                         counter_evidence=counters.get(pid, []), matched_passage_id=matched,
                         bm25=bm25, is_claim=by_id[pid].is_claim, coverage=coverage)
            for pid, (score, matched, bm25, coverage) in order]


@db_retry(attempts=3, base_delay=0.05, max_delay=0.2)  # Discord waits 3 s at most
async def autocomplete(app: Counterpoint, current: str, *, guild_id: int | None, limit: int = 25,
                       user_id: int | None = None) -> list[str]:
    """Suggestions for the topic option: the member's own recent topics, topics many members
    of this guild asked publicly, aliases, titles and claims that match.

    Uses the search index and small indexed tables only, so it answers in a few ms."""
    limit = max(1, min(limit, 25))
    current = clean_topic(current)[:100]
    needle = current.lower()
    out: list[str] = []

    def add(value: str | None) -> None:
        value = " ".join((value or "").split())[:100]
        if value and value.lower() not in {v.lower() for v in out} and len(out) < limit:
            out.append(value)

    async with app.sessions() as session:
        since = utcnow().replace(microsecond=0) - timedelta(days=SUGGESTION_DAYS)
        matching = func.lower(QueryLog.topic).contains(needle, autoescape=True) if needle else None
        if user_id is not None:  # the member's own topics, private ones included, here only
            guild = QueryLog.guild_id == guild_id if guild_id is not None else QueryLog.guild_id.is_(None)
            own = (select(QueryLog.topic, func.max(QueryLog.created_at).label("last"))
                   .where(QueryLog.user_id == user_id, guild, QueryLog.created_at >= since, QueryLog.topic != ""))
            if matching is not None:
                own = own.where(matching)
            for topic, _ in (await session.exec(own.group_by(QueryLog.topic)
                                                .order_by(func.max(QueryLog.created_at).desc()).limit(5))).all():
                add(topic)
        if guild_id is not None:  # DMs share nothing: each one is private
            frequent = shared_topics(guild_id, since)
            if matching is not None:
                frequent = frequent.where(matching)
            for topic, _ in (await session.exec(frequent.limit(10))).all():
                add(topic)
        aliases = await app.aliases.get(session, guild_id)
        for term in sorted(aliases):
            if needle in term.lower():
                add(term)
        tokens = query_tokens(current) if current else []
        if tokens:
            hits = app.index.search(tokens, visible_scopes(guild_id), limit=limit)
            if hits:
                rows = (await session.exec(
                    select(Passage, Source, Claim.id).join(Source, Source.id == Passage.source_id)
                    .outerjoin(Claim, Claim.passage_id == Passage.id)
                    .where(Passage.id.in_([h.passage_id for h in hits]), visible(guild_id))
                    .options(defer(Source.text)))).all()
                order = {h.passage_id: i for i, h in enumerate(hits)}
                rows = sorted(rows, key=lambda r: order[r[0].id])
                for _passage, source, _claim_id in rows:
                    add(source.title)
                for passage, _source, claim_id in rows:
                    if claim_id is not None:
                        add(passage.text)
        else:
            titles = (await session.exec(select(Source.title).where(visible(guild_id))
                                         .order_by(Source.added_at.desc()).limit(limit))).all()
            for title in titles:
                add(title)
    return out
