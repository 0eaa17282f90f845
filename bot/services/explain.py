""""Why this?": the numbers behind a lookup answer, recomputed deterministically.

Nothing here re-ranks. The answer comes from `lookup()` itself; this adds, for each result,
where its score came from, so what the button, `ask --json` and the tests show is the same
code path as the answer:

- the query as searched: the topic as typed, its normalised form, the tokens (equivalences
  applied: "9/11" and "Sept. 11" are one token) and the tokens moderators' aliases added;
- per result, how much of the topic it holds (its words, in quarters: what results are ranked
  on first), the BM25 score of the passage the topic matched and each matched term's part of
  it (tantivy's own per-term explanation), the terms of the query it did not match, and the
  priors (kind, claim) that turn BM25 into the score that orders results holding as much of
  the topic; a factor not accounted for by the stated priors is shown as such, never hidden;
- the votes on the answer (this guild's), which do not change the ranking;
- for each counter-evidence item, why it is there and in that place: an active `counters`
  link (a moderator's, or automatic with its confidence and rationale), ordered moderator
  first, then confidence, then how well the evidence itself matched the topic.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache

from bot.search.normalize import EQUIVALENCES_PATH, index_tokens, query_terms, query_tokens
from bot.services import lookup as lookup_service
from bot.scope import visible_scopes
from bot.services.votes import tally

if TYPE_CHECKING:
    from bot.app import Counterpoint

ORDER_RULE = "moderator links first, then higher confidence, then how well the evidence matched your topic"


@dataclass(frozen=True)
class TermShare:
    term: str
    score: float
    share: float  # of the passage's BM25 score, 0-1

    def as_json(self) -> dict:
        return {"term": self.term, "score": round(self.score, 4), "share": round(self.share, 4)}


@dataclass(frozen=True)
class AliasUse:
    term: str
    canonical: str
    added: list[str]

    def as_json(self) -> dict:
        return {"term": self.term, "canonical": self.canonical, "added_tokens": self.added}


@dataclass(frozen=True)
class Equivalence:
    token: str
    phrases: list[str]

    def as_json(self) -> dict:
        return {"token": self.token, "phrases": self.phrases}


@dataclass(frozen=True)
class QueryExplain:
    typed: str
    normalized: str
    tokens: list[str]  # searched, in order: the topic's own, then alias additions
    own: list[str]
    equivalences: list[Equivalence]
    aliases: list[AliasUse]

    def as_json(self) -> dict:
        return {"typed": self.typed, "normalized": self.normalized, "tokens": self.tokens, "own_tokens": self.own,
                "equivalences": [e.as_json() for e in self.equivalences],
                "aliases": [a.as_json() for a in self.aliases]}


@dataclass(frozen=True)
class CounterWhy:
    passage_id: int
    rank: int
    origin: str
    confidence: float
    rationale: str
    cross_source: bool
    relevance: float | None  # BM25 of the evidence for this topic, when it was itself a hit
    reason: str

    def as_json(self) -> dict:
        return {"passage_id": self.passage_id, "rank": self.rank, "origin": self.origin,
                "confidence": round(self.confidence, 3), "rationale": self.rationale,
                "cross_source": self.cross_source,
                "relevance": None if self.relevance is None else round(self.relevance, 4), "reason": self.reason}


@dataclass(frozen=True)
class ResultExplain:
    passage_id: int
    rank: int
    matched_passage_id: int  # the passage the topic matched (a rebuttal leads to its claim)
    bm25: float
    terms: list[TermShare]
    unmatched: list[str]
    priors: dict[str, float]  # name -> factor
    other_factor: float  # final / (bm25 * priors): 1.0 when the priors account for everything
    score: float
    votes: dict[str, int]
    words_held: int = 0  # of the topic's words (an alias counts for its word)
    words: int = 0
    coverage: int | None = None  # in quarters, as the ranking compared it
    counter_evidence: list[CounterWhy] = field(default_factory=list)
    stance: dict | None = None  # /check: the stance model's score and rationale

    def as_json(self) -> dict:
        return {"passage_id": self.passage_id, "rank": self.rank, "matched_passage_id": self.matched_passage_id,
                "bm25": round(self.bm25, 4), "terms": [t.as_json() for t in self.terms], "unmatched": self.unmatched,
                "priors": {k: round(v, 4) for k, v in self.priors.items()},
                "other_factor": round(self.other_factor, 4), "score": round(self.score, 4), "votes": self.votes,
                "coverage": {"words_held": self.words_held, "words": self.words, "quarters": self.coverage},
                "counter_evidence": [c.as_json() for c in self.counter_evidence],
                **({"stance": self.stance} if self.stance is not None else {})}


@dataclass(frozen=True)
class AnswerExplain:
    query: QueryExplain
    results: list[ResultExplain]
    counter_order: str = ORDER_RULE

    def as_json(self) -> dict:
        return {"query": self.query.as_json(), "results": [r.as_json() for r in self.results],
                "counter_order": self.counter_order}


@lru_cache(maxsize=1)
def _equivalence_phrases() -> dict[str, list[str]]:
    data = json.loads(EQUIVALENCES_PATH.read_text(encoding="utf-8"))
    return {str(g["token"]).casefold(): list(g["phrases"]) for g in data["groups"]}


def explain_query(topic: str, aliases: dict[str, list[str]]) -> QueryExplain:
    topic = lookup_service.clean_topic(topic)
    own = list(dict.fromkeys(index_tokens(topic)))
    tokens = query_tokens(topic, aliases)
    phrases = _equivalence_phrases()
    used: list[AliasUse] = []
    seen = set(own)
    for term, canonicals in sorted(aliases.items()):
        for canonical in ([canonicals] if isinstance(canonicals, str) else canonicals):
            if query_tokens(topic, {term: [canonical]}) != query_tokens(topic):
                added = [t for t in dict.fromkeys(index_tokens(canonical)) if t not in seen and t in tokens]
                used.append(AliasUse(term=term, canonical=canonical, added=added))
                seen.update(added)
    return QueryExplain(typed=topic, normalized=lookup_service.normalize_topic(topic), tokens=tokens, own=own,
                        equivalences=[Equivalence(t, phrases[t]) for t in own if t in phrases],
                        aliases=used)


def _priors(kind: str, speaker: str | None, is_claim: bool) -> dict[str, float]:
    priors = {f"kind:{kind}": lookup_service.KIND_PRIOR.get(kind, 1.0)}
    if is_claim and speaker:
        priors["claim with a speaker"] = lookup_service.CLAIM_PRIOR
    return priors


def _counter_reason(item, rank: int, relevance: float | None) -> str:
    who = ("a moderator's link (moderator links come first)" if item.origin == "moderator"
           else f"an automatic link, confidence {item.confidence:.2f}")
    parts = [f"#{rank}: {who}"]
    if item.cross_source:
        parts.append("from another source (a lower-confidence candidate)")
    if relevance is not None:
        parts.append(f"the evidence itself matched your topic (BM25 {relevance:.2f})")
    return "; ".join(parts)


async def explain_answer(app: Counterpoint, answer, *, guild_id: int | None, limit: int) -> AnswerExplain:
    """The numbers behind `answer`: a `LookupAnswer` that `lookup(..., limit=limit)` gave for
    this guild (the button replays the lookup, `ask` passes its own)."""
    async with app.sessions() as session:
        aliases = await app.aliases.get(session, guild_id)
    query = explain_query(answer.query, aliases)
    topic_terms = query_terms(query.typed, aliases)
    candidates = max(1, min(int(limit), 25)) * lookup_service.CANDIDATES_PER_RESULT  # as lookup() searched
    wanted = {r.matched_passage_id or r.passage_id for r in answer.results}
    wanted |= {c.passage_id for r in answer.results for c in r.counter_evidence}
    scores = app.index.term_scores(query.tokens, visible_scopes(guild_id), wanted, limit=candidates)
    results = []
    for rank, result in enumerate(answer.results, 1):
        matched = result.matched_passage_id or result.passage_id
        per_term = scores.get(matched, {})
        bm25 = result.bm25 if result.bm25 is not None else sum(per_term.values())
        total = sum(per_term.values())
        terms = [TermShare(t, v, v / total if total else 0.0)
                 for t, v in sorted(per_term.items(), key=lambda kv: (-kv[1], kv[0]))]
        priors = _priors(result.location.kind, result.speaker, result.is_claim)
        product = math.prod(priors.values())
        other = result.score / (bm25 * product) if bm25 and product else 1.0
        votes = await tally(app, result.passage_id, guild_id=guild_id)
        counters = []
        for n, item in enumerate(result.counter_evidence, 1):
            relevance = sum(scores[item.passage_id].values()) if item.passage_id in scores else None
            counters.append(CounterWhy(item.passage_id, n, item.origin, item.confidence, item.rationale,
                                       item.cross_source, relevance, _counter_reason(item, n, relevance)))
        held = set(index_tokens(result.text))
        results.append(ResultExplain(
            passage_id=result.passage_id, rank=rank, matched_passage_id=matched, bm25=bm25, terms=terms,
            unmatched=[t for t in query.tokens if t not in per_term], priors=priors,
            other_factor=1.0 if abs(other - 1.0) < 1e-6 else other, score=result.score,
            votes={"helpful": votes.helpful, "not_helpful": votes.not_helpful},
            words_held=sum(1 for group in topic_terms if group & held), words=len(topic_terms),
            coverage=result.coverage, counter_evidence=counters))
    return AnswerExplain(query=query, results=results)
