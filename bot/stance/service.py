"""Stance links in the database: detect them at ingestion, read them for answers.

`detect_links` runs inside the ingestion transaction, right after a source's passages and
claims are stored. Its cost is bounded whatever a moderator uploads: candidate pairs come
from a search index, never from all pairs.

- Within the source: each claim is paired with its best `within_k` passages by BM25 (an
  in-memory index of the source's own passages) and the few passages right after it (an
  article answers a claim next to it: "Ironically, both of these claims..."). A source of at
  most `within_k` passages is all candidates, so short articles are decided exactly as before.
- Across sources: each claim with the `cross_k` best passages of other visible sources, and
  each passage with the best-matching claims of other sources (old claims, new rebuttals);
  these pairs are lower-confidence candidates (they were not written as replies).
- At most `max_pairs` pairs are decided per source, taken rank by rank (every claim's best
  candidate first), so a hostile file of thousands of claims costs a fixed budget.

`decide_pairs` is the one place a batch of pairs is decided (the stance model with the rules,
`bot.stance.judge`). Curation is respected: moderator links are never touched,
and a link a moderator rejected stays rejected however often the source is re-ingested.

The readers (`counter_evidence_for`, `rebutted_claims`) are views of `answers.counter_links`,
one query each, so a lookup pays the same whatever it returns.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunked
from bot.models import Claim, Link, LinkOrigin, LinkStatus, Passage, Source, SourceStatus, Stance, utcnow
from bot.scope import SEED_SCOPE, linkable_scopes, may_link
from bot.results import CounterItem
from bot.search.index import IndexDoc, SearchIndex
from bot.search.normalize import query_tokens
from bot.stance.answers import counter_links
from bot.stance.judge import decide_for_storage
from bot.stance.rules import ANAPHORA_WINDOW, MAX_RATIONALE, StanceDecision, StanceInput

AUTO_CREATOR = "stance-model"
# Links worth storing: counter-evidence, and support (shown to moderators, never as counters).
STORED_STANCES = frozenset({Stance.counters.value, Stance.supports.value})
# Cross-source pairs were not written as replies to each other: trust them less.
CROSS_SOURCE_FACTOR = 0.7
CROSS_SOURCE_PREFIX = "cross-source candidate · "
_OWN_SCOPE = "own"


@dataclass(frozen=True)
class CandidateLimits:
    """How many candidate pairs one source may cost (`Settings.stance_*`, see bot/config.py)."""

    within_k: int = 40  # best passages of the same source per claim
    cross_k: int = 20  # best passages (or claims) of other sources per claim (or passage)
    max_pairs: int = 4_000  # pairs decided per source, all kinds together

    @classmethod
    def from_settings(cls, settings) -> "CandidateLimits":
        return cls(within_k=settings.stance_within_k, cross_k=settings.stance_cross_k,
                   max_pairs=settings.stance_max_pairs)


@dataclass(frozen=True)
class LinkStats:
    """What one `detect_links` run did to the source's automatic links."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept_rejected: int = 0  # pairs a moderator rejected: left rejected, not recreated
    cross_source: int = 0  # active cross-source links among the produced ones
    pairs_decided: int = 0  # (claim, evidence) pairs given to `decide_pairs`: the run's cost

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


@dataclass(frozen=True)
class StancePair:
    """One (claim, evidence) pair to decide. `speakers`: every named speaker in play, so the
    rules can tell a verdict on someone else's claim from one on this claim."""

    claim_id: int
    evidence_id: int
    claim: StanceInput
    evidence: StanceInput
    cross: bool  # from different sources: only a rebuttal is kept, at lower confidence
    speakers: frozenset[str]


def _stance_input(p: Passage, is_claim: bool) -> StanceInput:
    return StanceInput(text=p.text, speaker=p.speaker, kind=p.kind, is_claim=is_claim, source_id=p.source_id,
                       paragraph=p.paragraph, seq=p.seq)


def _cross_decision(decision: StanceDecision) -> StanceDecision:
    text = CROSS_SOURCE_PREFIX + decision.rationale
    if len(text) > MAX_RATIONALE:
        text = text[:MAX_RATIONALE - 1].rstrip() + "…"
    return StanceDecision(decision.stance, round(decision.confidence * CROSS_SOURCE_FACTOR, 3), text)


def decide_pairs(pairs: Sequence[StancePair]) -> dict[tuple[int, int], StanceDecision]:
    """Decide a batch of pairs: (claim id, evidence id) -> the decision worth storing.

    The one place pairs are judged: the shared stance decision (the model with the rules,
    `bot.stance.judge`), one batch; CPU only, run in a thread. Only `counters` and `supports`
    are stored, and across sources only `counters`, at lower confidence."""
    out: dict[tuple[int, int], StanceDecision] = {}
    decisions = decide_for_storage([(p.claim, p.evidence, p.speakers) for p in pairs]) if pairs else []
    for pair, decision in zip(pairs, decisions):
        if decision is None or decision.stance not in STORED_STANCES:
            continue
        if pair.cross:
            if decision.stance != Stance.counters.value:
                continue  # across sources only rebuttals are worth a candidate link
            decision = _cross_decision(decision)
        out[(pair.claim_id, pair.evidence_id)] = decision
    return out


def _take_by_rank(ranked: Iterable[list[tuple[int, int]]], limit: int) -> list[tuple[int, int]]:
    """At most `limit` distinct pairs, rank by rank across the lists (every list's first
    candidate, then every second...), so a budget is shared fairly between claims."""
    lists = [r for r in ranked if r]
    taken: dict[tuple[int, int], None] = {}
    depth = 0
    while len(taken) < limit and lists:
        lists = [r for r in lists if depth < len(r)]
        for r in lists:
            taken.setdefault(r[depth], None)
            if len(taken) >= limit:
                break
        depth += 1
    return list(taken)


def _within_candidates(own: list[_Row], within_k: int) -> list[list[tuple[int, int]]]:
    """Per claim, ranked (claim id, evidence id) pairs inside the source. CPU only."""
    claims = [r for r in own if r.is_claim]
    if not claims:
        return []
    if len(own) <= within_k:  # top k of at most k passages: all of them
        return [[(c.passage_id, e.passage_id) for e in own if e.passage_id != c.passage_id] for c in claims]
    by_seq = sorted(own, key=lambda r: r.stance_input.seq)
    position = {r.passage_id: i for i, r in enumerate(by_seq)}
    index = SearchIndex(None, heap_bytes=15_000_000)
    try:
        index.add(IndexDoc(r.passage_id, r.source_id, _OWN_SCOPE, r.stance_input.text) for r in own)
        index.commit()
        out = []
        for c in claims:
            at = position[c.passage_id]
            following = [r.passage_id for r in by_seq[at + 1:at + 1 + ANAPHORA_WINDOW]]
            hits = [h.passage_id for h in index.search(query_tokens(c.stance_input.text), [_OWN_SCOPE],
                                                       limit=within_k + 1)]
            ranked = dict.fromkeys(e for e in (*following, *hits) if e != c.passage_id)
            out.append([(c.passage_id, e) for e in ranked])
        return out
    finally:
        index.close()


def _search_other_sources(index: SearchIndex, texts: list[tuple[int, str]], scopes: list[str], source_id: int,
                          limit: int, earlier_only: bool) -> list[tuple[int, list[int]]]:
    """For each (passage id, text): the passage ids of other sources the index ranks best
    (with `earlier_only`, of sources numbered below this one)."""
    before = source_id if earlier_only else None
    return [(pid, [h.passage_id for h in index.search(query_tokens(text), scopes, limit=limit,
                                                      exclude_source=source_id, before_source=before)])
            for pid, text in texts]


async def _load_rows(session: AsyncSession, condition) -> list[_Row]:
    stmt = (select(Passage, Source.scope, Claim.id)
            .join(Source, Source.id == Passage.source_id)
            .outerjoin(Claim, Claim.passage_id == Passage.id)
            .where(condition))
    return [_Row(p.id, p.source_id, scope, claim_id is not None, _stance_input(p, claim_id is not None))
            for p, scope, claim_id in (await session.exec(stmt)).all()]


async def _load_other_rows(session: AsyncSession, ids: Iterable[int], source_id: int) -> dict[int, _Row]:
    """Rows of active passages of other sources, by id."""
    return await _load_active_rows_by_id(session, ids, exclude_source=source_id)


_BY_ID_COLUMNS = (Passage.id, Passage.source_id, Passage.text, Passage.speaker, Passage.kind, Passage.paragraph,
                  Passage.seq, Claim.id)


async def _load_active_rows_by_id(session: AsyncSession, ids: Iterable[int], *,
                                  exclude_source: int | None = None) -> dict[int, _Row]:
    """Rows of the passages `ids` whose source is active (and not `exclude_source`), in chunks.

    The passages are fetched by primary key first, then their sources by theirs, and the
    status is checked here. One statement joining the two, filtered on `source.status`, let
    SQLite's planner walk every source per IN list (ix_source_status, then each source's
    passages: O(sources x ids), 0.6 s a 5,000-id chunk at 30k passages, growing with the
    library), whatever the statistics said."""
    rows: dict[int, _Row] = {}
    for chunk in chunked(sorted(set(ids))):
        found = (await session.exec(select(*_BY_ID_COLUMNS).outerjoin(Claim, Claim.passage_id == Passage.id)
                                    .where(Passage.id.in_(chunk)))).all()
        scope_of: dict[int, str] = {}
        for sources in chunked(sorted({r[1] for r in found} - {exclude_source})):
            for sid, scope, status in (await session.exec(select(Source.id, Source.scope, Source.status)
                                                          .where(Source.id.in_(sources)))).all():
                if status == SourceStatus.active.value:
                    scope_of[sid] = scope
        for pid, sid, text, speaker, kind, paragraph, seq, claim in found:
            if sid in scope_of:
                rows[pid] = _Row(pid, sid, scope_of[sid], claim is not None,
                                 StanceInput(text=text, speaker=speaker, kind=kind, is_claim=claim is not None,
                                             source_id=sid, paragraph=paragraph, seq=seq))
    return rows


async def _claim_ids(session: AsyncSession, ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(set(ids))):
        found.update((await session.exec(select(Claim.passage_id).where(Claim.passage_id.in_(chunk)))).all())
    return found


async def _cross_candidates(session: AsyncSession, source: Source, own: list[_Row], index: SearchIndex,
                            cross_k: int, earlier_only: bool) -> list[list[tuple[int, int]]]:
    """Ranked cross-source pairs: each own claim with other sources' best passages, and each
    own passage with the other sources' claims among its best matches."""
    # A global source is visible to every guild: any scope holding sources may link to it.
    all_scopes = [] if source.scope != SEED_SCOPE else (await session.exec(select(Source.scope).distinct())).all()
    scopes = linkable_scopes(source.scope, all_scopes)
    claims = [(r.passage_id, r.stance_input.text) for r in own if r.is_claim]
    passages = [(r.passage_id, r.stance_input.text) for r in own]

    def search() -> tuple[list, list]:
        return (_search_other_sources(index, claims, scopes, source.id, cross_k, earlier_only),
                _search_other_sources(index, passages, scopes, source.id, cross_k, earlier_only))

    by_claim, by_passage = await asyncio.to_thread(search)
    other_claims = await _claim_ids(session, (h for _, hits in by_passage for h in hits))
    ranked = [[(c, e) for e in hits] for c, hits in by_claim]
    ranked += [[(h, p) for h in hits if h in other_claims] for p, hits in by_passage]
    return ranked


async def _candidate_pairs(session: AsyncSession, source: Source, own: list[_Row], index: SearchIndex | None,
                           limits: CandidateLimits, earlier_only: bool = False) -> list[StancePair]:
    """The bounded set of pairs to decide for this source (see the module docstring)."""
    ranked = await asyncio.to_thread(_within_candidates, own, limits.within_k)
    if index is not None and own and source.status == SourceStatus.active.value:
        ranked += await _cross_candidates(session, source, own, index, limits.cross_k, earlier_only)
    chosen = _take_by_rank(ranked, limits.max_pairs)
    rows = {r.passage_id: r for r in own}
    rows.update(await _load_other_rows(session, {i for pair in chosen for i in pair if i not in rows}, source.id))
    return _pairs(chosen, rows, own)


def _pairs(chosen: list[tuple[int, int]], rows: Mapping[int, _Row], own: list[_Row]) -> list[StancePair]:
    """The chosen (claim, evidence) ids of one source as pairs to decide, with the speakers in
    play; pairs with a passage that is gone (or no longer active) or out of scope are dropped."""
    own_speakers = frozenset(r.stance_input.speaker for r in own if r.stance_input.speaker)
    cross_speakers = own_speakers | {rows[i].stance_input.speaker for pair in chosen for i in pair
                                     if i in rows and rows[i].stance_input.speaker}
    pairs = []
    for c, e in chosen:
        claim, evidence = rows.get(c), rows.get(e)
        if claim is None or evidence is None or c == e:
            continue
        cross = claim.source_id != evidence.source_id
        if cross and not may_link(claim.scope, evidence.scope):
            continue
        pairs.append(StancePair(c, e, claim.stance_input, evidence.stance_input, cross,
                                cross_speakers if cross else own_speakers))
    return pairs


_ROW_COLUMNS = (Passage.id, Passage.source_id, Passage.text, Passage.speaker, Passage.kind, Passage.paragraph,
                Passage.seq, Source.scope, Claim.id)


async def _load_plain_rows(session: AsyncSession, condition) -> list[_Row]:
    """Like `_load_rows`, without ORM objects (a folder ingest loads thousands at once)."""
    stmt = (select(*_ROW_COLUMNS).join(Source, Source.id == Passage.source_id)
            .outerjoin(Claim, Claim.passage_id == Passage.id).where(condition))
    return [_Row(pid, sid, scope, claim is not None,
                 StanceInput(text=text, speaker=speaker, kind=kind, is_claim=claim is not None, source_id=sid,
                             paragraph=paragraph, seq=seq))
            for pid, sid, text, speaker, kind, paragraph, seq, scope, claim in (await session.exec(stmt)).all()]


async def detect_links_of_new_sources(session: AsyncSession, source_ids: Sequence[int], *, index: SearchIndex,
                                      limits: CandidateLimits | None = None) -> dict[int, int]:
    """`detect_links(as_new=True)` for many sources just stored (no links yet), in a few
    statements for all of them instead of several per source, and one `decide_pairs` batch.
    Each source sees only sources numbered below it. Returns links created per source (no
    commit)."""
    limits = limits or CandidateLimits()
    ids = sorted(source_ids)
    if not ids:
        return {}
    own_by_source: dict[int, list[_Row]] = {sid: [] for sid in ids}
    for chunk in chunked(ids):
        for row in await _load_plain_rows(session, Passage.source_id.in_(chunk)):
            own_by_source[row.source_id].append(row)
    scope_of: dict[int, str] = {}
    for chunk in chunked(ids):
        scope_of.update(dict((await session.exec(select(Source.id, Source.scope).where(Source.id.in_(chunk)))).all()))
    all_scopes = list((await session.exec(select(Source.scope).distinct())).all())

    def search() -> dict[int, tuple[list, list, list]]:
        found = {}
        for sid in ids:
            own = sorted(own_by_source[sid], key=lambda r: r.stance_input.seq)
            scopes = linkable_scopes(scope_of[sid], all_scopes)
            claims = [(r.passage_id, r.stance_input.text) for r in own if r.is_claim]
            passages = [(r.passage_id, r.stance_input.text) for r in own]
            found[sid] = (_within_candidates(own, limits.within_k),
                          _search_other_sources(index, claims, scopes, sid, limits.cross_k, True),
                          _search_other_sources(index, passages, scopes, sid, limits.cross_k, True))
        return found

    found = await asyncio.to_thread(search)
    other_claims = await _claim_ids(session, (h for _, _, b in found.values() for _, hits in b for h in hits))
    chosen: dict[int, list[tuple[int, int]]] = {}
    for sid, (within, by_claim, by_passage) in found.items():
        ranked = within + [[(c, e) for e in hits] for c, hits in by_claim]
        ranked += [[(h, p) for h in hits if h in other_claims] for p, hits in by_passage]
        chosen[sid] = _take_by_rank(ranked, limits.max_pairs)
    rows = {r.passage_id: r for own in own_by_source.values() for r in own}
    wanted = {i for pairs in chosen.values() for pair in pairs for i in pair if i not in rows}
    rows.update(await _load_active_rows_by_id(session, wanted))
    pairs = [pair for sid in ids for pair in _pairs(chosen[sid], rows, own_by_source[sid])]
    # Claim by claim: the rules cache what they compute per text, and a batch is thousands of texts.
    pairs.sort(key=lambda pair: (pair.claim_id, pair.evidence_id))
    desired = await asyncio.to_thread(decide_pairs, pairs)
    source_of = {r.passage_id: r.source_id for r in rows.values()}
    own_ids = {sid: {r.passage_id for r in own} for sid, own in own_by_source.items()}
    counts = {sid: 0 for sid in ids}
    now = utcnow()
    values = []
    for (c, e), d in desired.items():
        # The pair belongs to the newer of its two sources (the one whose ingest found it).
        owner = max(source_of[c], source_of[e])
        counts[owner] += 1
        values.append({"claim_passage_id": c, "evidence_passage_id": e, "stance": d.stance,
                       "origin": LinkOrigin.auto.value, "status": LinkStatus.active.value, "confidence": d.confidence,
                       "rationale": d.rationale, "cross_source": not (c in own_ids[owner] and e in own_ids[owner]),
                       "created_by": AUTO_CREATOR, "created_at": now, "updated_at": now, "guild_id": None})
    if values:
        connection = await session.connection()
        await connection.execute(insert(Link.__table__), values)
    return counts


async def _existing_links(session: AsyncSession, source_id: int) -> list[Link]:
    """Links with either end in this source: joined on the source, so no id list is sent."""
    found: dict[int, Link] = {}
    for end in (Link.claim_passage_id, Link.evidence_passage_id):
        stmt = select(Link).join(Passage, Passage.id == end).where(Passage.source_id == source_id)
        for link in (await session.exec(stmt)).all():
            found[link.id] = link
    return list(found.values())


async def detect_links(session: AsyncSession, source_id: int, *, index: SearchIndex | None = None,
                       limits: CandidateLimits | None = None, as_new: bool = False) -> LinkStats:
    """Create, refresh and prune the automatic stance links of one source (no commit).

    Candidates within the source, and with `index` across visible sources, are bounded by
    `limits` (see the module docstring). Moderator links are left alone, rejected pairs stay
    rejected, and automatic links the rules no longer produce are deleted.

    `as_new`: the source was just stored by a folder ingest, so it has no links yet, and it
    looks only at sources numbered below it, as it would have if the files had been ingested
    one by one in order.
    """
    limits = limits or CandidateLimits()
    source = await session.get(Source, source_id)
    if source is None:
        return LinkStats()
    own = await _load_rows(session, Passage.source_id == source_id)
    pairs = await _candidate_pairs(session, source, own, index, limits, earlier_only=as_new)
    # Pure CPU: keep the event loop free.
    desired = await asyncio.to_thread(decide_pairs, pairs)

    own_set = {r.passage_id for r in own}
    by_pair = {} if as_new else {(link.claim_passage_id, link.evidence_passage_id): link
                                 for link in await _existing_links(session, source_id)}

    updated = unchanged = kept_rejected = 0
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
        cross = link.claim_passage_id not in own_set or link.evidence_passage_id not in own_set
        values = (decision.stance, decision.confidence, decision.rationale, cross)
        if (link.stance, link.confidence, link.rationale, link.cross_source) == values:
            unchanged += 1
            continue
        link.stance, link.confidence, link.rationale, link.cross_source = values
        link.updated_at = now
        session.add(link)
        updated += 1
    new_links = [
        Link(claim_passage_id=c, evidence_passage_id=e, stance=d.stance, origin=LinkOrigin.auto.value,
             status=LinkStatus.active.value, confidence=d.confidence, rationale=d.rationale,
             cross_source=not (c in own_set and e in own_set), created_by=AUTO_CREATOR)
        for (c, e), d in desired.items() if (c, e) not in by_pair
    ]
    session.add_all(new_links)
    for chunk in chunked(stale):
        await session.exec(delete(Link).where(Link.id.in_(chunk)))
    await session.flush()
    # Produced cross-source pairs that are live (not blocked by a moderator's link or a rejection).
    blocked = {pair for pair, link in by_pair.items()
               if link.origin != LinkOrigin.auto.value or link.status == LinkStatus.rejected.value}
    cross_active = sum(1 for (c, e) in desired if not (c in own_set and e in own_set) and (c, e) not in blocked)
    return LinkStats(created=len(new_links), updated=updated, unchanged=unchanged, deleted=len(stale),
                     kept_rejected=kept_rejected, cross_source=cross_active, pairs_decided=len(pairs))


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
