"""Stance links in the database: detect them at ingestion, read them for answers.

`detect_links` runs inside the ingestion transaction, right after a source's passages and
claims are stored. It pairs the source's claims with its own passages (the article's own
rebuttals) and, through the search index, with passages of other visible sources in both
directions (cross-source candidates, at lower confidence: they were not written as replies).
It respects curation: moderator links are never touched, and a link a moderator rejected
stays rejected however often the source is re-ingested.

The readers (`counter_evidence_for`, `rebutted_claims`) are views of `answers.counter_links`,
one query each, so a lookup pays the same whatever it returns.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Claim, Link, LinkOrigin, LinkStatus, Passage, Source, SourceStatus, Stance, scope_key, utcnow
from bot.results import CounterItem
from bot.search.index import SearchIndex
from bot.search.normalize import query_tokens
from bot.stance.answers import counter_links
from bot.stance.judge import decide_for_storage
from bot.stance.rules import MAX_RATIONALE, StanceDecision, StanceInput

AUTO_CREATOR = "stance-model"
# Links worth storing: counter-evidence, and support (shown to moderators, never as counters).
STORED_STANCES = frozenset({Stance.counters.value, Stance.supports.value})
# Cross-source pairs were not written as replies to each other: trust them less.
CROSS_SOURCE_FACTOR = 0.7
CROSS_SOURCE_PREFIX = "cross-source candidate · "
# Candidates the index returns per passage when looking across sources.
CROSS_CANDIDATES = 15


@dataclass(frozen=True)
class LinkStats:
    """What one `detect_links` run did to the source's automatic links."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept_rejected: int = 0  # pairs a moderator rejected: left rejected, not recreated
    cross_source: int = 0  # active cross-source links among the produced ones

    @property
    def total(self) -> int:
        """Automatic links active for this source after the run."""
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class _Row:
    """A passage as `detect_links` needs it: rules input plus where it lives."""

    passage_id: int
    source_id: int
    scope: str
    is_claim: bool
    stance_input: StanceInput


def _stance_input(p: Passage, is_claim: bool) -> StanceInput:
    return StanceInput(text=p.text, speaker=p.speaker, kind=p.kind, is_claim=is_claim, source_id=p.source_id,
                       paragraph=p.paragraph, seq=p.seq)


def _scopes_may_link(a: str, b: str) -> bool:
    """Global sources are seen by everyone; a guild's sources only by that guild."""
    return a == b or scope_key(None) in (a, b)


def _cross_decision(decision: StanceDecision) -> StanceDecision:
    text = CROSS_SOURCE_PREFIX + decision.rationale
    if len(text) > MAX_RATIONALE:
        text = text[:MAX_RATIONALE - 1].rstrip() + "…"
    return StanceDecision(decision.stance, round(decision.confidence * CROSS_SOURCE_FACTOR, 3), text)


def _decide_pairs(claims: list[_Row], evidence: list[_Row], *, cross: bool) -> dict[tuple[int, int], StanceDecision]:
    """Decide every (claim, evidence) pair with the shared stance decision (the model with the
    rules, `bot.stance.judge`); CPU only, safe to run in a thread."""
    out: dict[tuple[int, int], StanceDecision] = {}
    speakers = {r.stance_input.speaker for r in (*claims, *evidence) if r.stance_input.speaker}
    pairs = [(c, e) for c in claims for e in evidence
             if c.passage_id != e.passage_id and not (cross and c.source_id == e.source_id)
             and (not cross or _scopes_may_link(c.scope, e.scope))]
    decisions = decide_for_storage([(c.stance_input, e.stance_input, speakers) for c, e in pairs])
    for (c, e), decision in zip(pairs, decisions):
        if decision is None or decision.stance not in STORED_STANCES:
            continue
        if cross:
            if decision.stance != Stance.counters.value:
                continue  # across sources only rebuttals are worth a candidate link
            decision = _cross_decision(decision)
        out[(c.passage_id, e.passage_id)] = decision
    return out


def _search_candidates(index: SearchIndex, texts: list[str], scopes: list[str], exclude_source: int) -> set[int]:
    """Passage ids of other sources that the index ranks near any of `texts`."""
    found: set[int] = set()
    for text in texts:
        tokens = query_tokens(text)
        for hit in index.search(tokens, scopes, limit=CROSS_CANDIDATES + 5):
            if hit.source_id != exclude_source:
                found.add(hit.passage_id)
    return found


async def _load_rows(session: AsyncSession, condition) -> list[_Row]:
    stmt = (select(Passage, Source.scope, Claim.id)
            .join(Source, Source.id == Passage.source_id)
            .outerjoin(Claim, Claim.passage_id == Passage.id)
            .where(condition))
    return [_Row(p.id, p.source_id, scope, claim_id is not None, _stance_input(p, claim_id is not None))
            for p, scope, claim_id in (await session.exec(stmt)).all()]


async def _cross_source_pairs(session: AsyncSession, source: Source, own: list[_Row],
                              index: SearchIndex) -> dict[tuple[int, int], StanceDecision]:
    if scope_key(None) == source.scope:
        # A global source is visible to every guild: any scope holding sources may link to it.
        scopes = list((await session.exec(select(Source.scope).distinct())).all())
    else:
        scopes = [scope_key(None), source.scope]
    texts = [r.stance_input.text for r in own]
    candidate_ids = await asyncio.to_thread(_search_candidates, index, texts, scopes, source.id)
    if not candidate_ids:
        return {}
    others = await _load_rows(session, Passage.id.in_(sorted(candidate_ids))
                              & (Source.status == SourceStatus.active.value) & (Source.id != source.id))
    own_claims = [r for r in own if r.is_claim]
    other_claims = [r for r in others if r.is_claim]

    def decide() -> dict[tuple[int, int], StanceDecision]:
        pairs = _decide_pairs(own_claims, others, cross=True)  # old passages against new claims
        pairs.update(_decide_pairs(other_claims, own, cross=True))  # new passages against old claims
        return pairs

    return await asyncio.to_thread(decide)


async def detect_links(session: AsyncSession, source_id: int, *, index: SearchIndex | None = None) -> LinkStats:
    """Create, refresh and prune the automatic stance links of one source (no commit).

    Within the source every claim is checked against every passage; with `index`, claims and
    passages are also checked against the best-matching passages of other visible sources.
    Moderator links are left alone, rejected pairs stay rejected, and automatic links the
    rules no longer produce are deleted.
    """
    source = await session.get(Source, source_id)
    if source is None:
        return LinkStats()
    own = await _load_rows(session, Passage.source_id == source_id)
    own_claims = [r for r in own if r.is_claim]
    # Pure CPU: a long article is thousands of pairs, so keep the event loop free.
    desired = await asyncio.to_thread(_decide_pairs, own_claims, own, cross=False)
    if index is not None and own and source.status == SourceStatus.active.value:
        desired.update(await _cross_source_pairs(session, source, own, index))

    own_ids = [r.passage_id for r in own]
    existing = list((await session.exec(select(Link).where(or_(
        Link.claim_passage_id.in_(own_ids), Link.evidence_passage_id.in_(own_ids))))).all()) if own_ids else []
    by_pair = {(link.claim_passage_id, link.evidence_passage_id): link for link in existing}

    created = updated = unchanged = kept_rejected = 0
    now = utcnow()
    stale: list[int] = []
    for pair, link in by_pair.items():
        if link.origin != LinkOrigin.auto.value:
            continue  # a moderator's decision is final
        if link.status == LinkStatus.rejected.value:
            kept_rejected += pair in desired
            continue
        decision = desired.get(pair)
        if decision is None:
            stale.append(link.id)
            continue
        cross = link.claim_passage_id not in own_ids or link.evidence_passage_id not in own_ids
        values = (decision.stance, decision.confidence, decision.rationale, cross)
        if (link.stance, link.confidence, link.rationale, link.cross_source) == values:
            unchanged += 1
            continue
        link.stance, link.confidence, link.rationale, link.cross_source = values
        link.updated_at = now
        session.add(link)
        updated += 1
    own_set = set(own_ids)
    new_links = [
        Link(claim_passage_id=c, evidence_passage_id=e, stance=d.stance, origin=LinkOrigin.auto.value,
             status=LinkStatus.active.value, confidence=d.confidence, rationale=d.rationale,
             cross_source=not (c in own_set and e in own_set), created_by=AUTO_CREATOR)
        for (c, e), d in desired.items() if (c, e) not in by_pair
    ]
    session.add_all(new_links)
    created = len(new_links)
    if stale:
        await session.exec(delete(Link).where(Link.id.in_(stale)))
    await session.flush()
    # Produced cross-source pairs that are live (not blocked by a moderator's link or a rejection).
    blocked = {pair for pair, link in by_pair.items()
               if link.origin != LinkOrigin.auto.value or link.status == LinkStatus.rejected.value}
    cross_active = sum(1 for (c, e) in desired if not (c in own_set and e in own_set) and (c, e) not in blocked)
    return LinkStats(created=created, updated=updated, unchanged=unchanged, deleted=len(stale),
                     kept_rejected=kept_rejected, cross_source=cross_active)


async def counter_evidence_for(session: AsyncSession, claim_passage_ids: Sequence[int], *, guild_id: int | None,
                               relevance: Mapping[int, float] | None = None) -> dict[int, list[CounterItem]]:
    """Active counter-evidence for each claim passage, visible to `guild_id`, best first:
    moderator links before automatic ones, then confidence, then relevance to the query."""
    links = await counter_links(session, guild_id=guild_id, claims=claim_passage_ids, relevance=relevance)
    return links.by_claim


async def rebutted_claims(session: AsyncSession, evidence_passage_ids: Sequence[int], *,
                          guild_id: int | None) -> dict[int, list[int]]:
    """Evidence passage id -> the claim passages it counters (visible ones, surest first), so
    a topic that hits a rebuttal can still show the claim the rebuttal answers."""
    links = await counter_links(session, guild_id=guild_id, evidence=evidence_passage_ids)
    return links.rebuts
