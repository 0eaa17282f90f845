""""Why this?" for a claim check: the numbers behind each source's verdict and its place.

Like `bot.services.explain` for lookups, nothing here decides anything: the answer comes from
`check()`; this re-runs its ranking (`rank_for_claim`, deterministic: the same index, the same
model) and reads off, for each source shown:

- the claim as searched (equivalences, aliases) and, for the source's best passage, each
  matched term's part of its BM25 score;
- that passage's ranking score split into its stated parts (the model's side-taking, BM25,
  the claim's words in the title, other hits from the same source: `bot.services.check`);
- the stance model's reading of the source's window (unrelated / discusses / supports /
  counters), which with its strongest passage gives the verdict and its confidence, and the
  source's place (relevance = 1 - P(unrelated) + best passage score / 10);
- for each deciding passage, its stance, confidence and rationale, the model's reading of it
  alone, why it was chosen, and this server's votes on it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass, field

from bot.services import check as check_service
from bot.scope import visible_scopes
from bot.services.explain import QueryExplain, TermShare, explain_query
from bot.services.votes import tally
from bot.stance import judge as J

if TYPE_CHECKING:
    from bot.app import Counterpoint

LABEL_NAMES = ("unrelated", "discusses", "supports", "counters")
VERDICT_LABEL = {"disputes": J.P_COUNTERS, "supports": J.P_SUPPORTS, "discusses": J.P_DISCUSSES}


def _probs(values) -> dict[str, float]:
    named = {}
    for index, name in ((J.P_UNRELATED, "unrelated"), (J.P_DISCUSSES, "discusses"), (J.P_SUPPORTS, "supports"),
                        (J.P_COUNTERS, "counters")):
        if index < len(values):
            named[name] = round(float(values[index]), 4)
    return named


@dataclass(frozen=True)
class PassageWhy:
    passage_id: int
    stance: str
    confidence: float
    rationale: str
    model: dict[str, float]  # the model's reading of this passage alone (empty: a rebuttal on file)
    reason: str
    votes: dict[str, int]

    def as_json(self) -> dict:
        return {"passage_id": self.passage_id, "stance": self.stance, "confidence": round(self.confidence, 4),
                "rationale": self.rationale, "model": self.model, "reason": self.reason, "votes": self.votes}


@dataclass(frozen=True)
class SourceWhy:
    source_id: int
    title: str
    rank: int
    verdict: str
    confidence: float
    window: dict[str, float]  # the stance model's reading of the source's window
    relevance: float
    best_passage_id: int | None
    best_score: float
    score_parts: dict[str, float]  # the best passage's ranking score, part by part
    bm25: float
    terms: list[TermShare]
    passages: list[PassageWhy] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"source_id": self.source_id, "title": self.title, "rank": self.rank, "verdict": self.verdict,
                "confidence": round(self.confidence, 4), "window": self.window, "relevance": round(self.relevance, 4),
                "best_passage_id": self.best_passage_id, "best_score": round(self.best_score, 4),
                "score_parts": {k: round(v, 4) for k, v in self.score_parts.items()}, "bm25": round(self.bm25, 4),
                "terms": [t.as_json() for t in self.terms], "passages": [p.as_json() for p in self.passages]}


@dataclass(frozen=True)
class CheckExplain:
    query: QueryExplain
    sources: list[SourceWhy]
    order: str = "sources by relevance: 1 - P(unrelated) of their window + their best passage's score / 10"

    def as_json(self) -> dict:
        return {"query": self.query.as_json(), "sources": [s.as_json() for s in self.sources], "order": self.order}


def _reason(passage, verdict: str, probs: dict[str, float]) -> str:
    if not probs:
        return ("counter-evidence on file against a claim this source reports: a rebuttal decides the verdict "
                "(moderator links first, then confidence)")
    label = LABEL_NAMES[VERDICT_LABEL[verdict]] if verdict in VERDICT_LABEL else passage.stance
    return (f"one of the passages that carry the verdict most (the model reads it as {label} "
            f"{probs.get(label, 0.0):.2f}), its side first")


async def explain_check(app: Counterpoint, answer, *, guild_id: int | None) -> CheckExplain:
    """The numbers behind `answer` (a `CheckAnswer` from `check()` for this guild)."""
    async with app.sessions() as session:
        aliases = await app.aliases.get(session, guild_id)
    query = explain_query(answer.claim, aliases)
    ranked = await check_service.rank_for_claim(app, answer.claim, guild_id=guild_id)
    by_id = {r.passage_id: r for r in ranked}
    scores = app.index.term_scores(query.tokens, visible_scopes(guild_id), set(by_id), limit=check_service.CANDIDATES)
    sources = []
    for rank, verdict in enumerate(answer.sources, 1):
        group = [r for r in ranked if r.source.id == verdict.source.id]
        best = max(group, key=lambda r: (r.score, -r.passage_id)) if group else None
        per_term = scores.get(best.passage_id, {}) if best else {}
        total = sum(per_term.values())
        terms = [TermShare(t, v, v / total if total else 0.0)
                 for t, v in sorted(per_term.items(), key=lambda kv: (-kv[1], kv[0]))]
        passages = []
        for p in verdict.passages:
            probs = _probs(by_id[p.passage_id].probabilities) if p.passage_id in by_id and not \
                p.rationale.startswith("rebuts the reported claim") else {}
            votes = await tally(app, p.passage_id, guild_id=guild_id)
            passages.append(PassageWhy(p.passage_id, p.stance, p.confidence, p.rationale, probs,
                                       _reason(p, verdict.verdict, probs),
                                       {"helpful": votes.helpful, "not_helpful": votes.not_helpful}))
        sources.append(SourceWhy(
            source_id=verdict.source.id, title=verdict.source.title, rank=rank, verdict=verdict.verdict,
            confidence=verdict.confidence, window=_probs(verdict.window_probabilities), relevance=verdict.relevance,
            best_passage_id=best.passage_id if best else None, best_score=best.score if best else 0.0,
            score_parts=dict(best.parts) if best and best.parts else {}, bm25=best.bm25 if best else 0.0,
            terms=terms, passages=passages))
    return CheckExplain(query=query, sources=sources)

