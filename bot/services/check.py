"""Claim check: does anything on file dispute (or support) the claim a member typed?

`/check claim:`, the console's `/check` and `python -m bot check` all call `check()`; `eval`
calls it too (`rank_for_claim` for sentence evidence, `check` for claim-stance pairs), so the
README's figures are this code's.

1. **Candidates from the index**: BM25 top `CANDIDATES` over the claim's tokens (aliases
   applied), among the sources this guild may see. Nothing else is ever scored: the work per
   check is bounded whatever is on file.
2. **Re-ranked by the stance model**: each candidate passage is scored against the claim; a
   passage the model reads as taking a side on it rises, with the BM25 score, the claim's
   words in the source's title and the source's other matching passages.
3. **Per source**: its best passages (at most `WINDOW_PASSAGES`, in document order) form a
   window the model reads as one text; with the model's reading of each candidate passage it
   gives the source's verdict (`bot.stance.judge.source_verdict`): `disputes`, `supports` or
   `discusses`. Unrelated sources are dropped; if none is left the answer says nothing on file
   addresses the claim.
4. **Reported and rebutted**: when the passages that assert the claim are claims the same
   source rebuts (counter-evidence links on file, computed at ingestion), and the model reads
   that counter-evidence as disputing the claim as typed too, the source reports the claim in
   order to dispute it: its verdict is `disputes`, decided by that counter-evidence.
5. **Deciding passages**: otherwise the source's candidates that carry the verdict most (at
   most three), each with its own stance (model and rules, `bot.stance.judge`), confidence,
   rationale and exact citation.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import select

from bot.models import Passage, Source, Stance
from bot.results import CheckAnswer, CheckPassage, CounterItem, Location, SourceRef, SourceVerdict
from bot.search.normalize import index_tokens, query_tokens
from bot.scope import bound_visibility_params, bound_visible, source_columns, source_ref_from_row, visible_scopes
from bot.services.lookup import clean_topic
from bot.stance import judge as J
from bot.stance.answers import counter_links
from bot.stance.pairs import WINDOW_PASSAGES, join_window
from bot.stance.rules import StanceInput
from bot.stance.runtime import shared_model

if TYPE_CHECKING:
    from bot.app import Counterpoint

CANDIDATES = 30  # index hits the model re-ranks
# At most this many of them from one source (its best by BM25): a long article that matches
# everywhere cannot take the whole reading budget (and crowd the other sources out of the
# answer), and a check against one document (eval) reads its best passages, not all of them.
# On the SciFact dev half 10 gives the same figures as no cap (6 lowers recall@5 by 0.004; on
# the first 600 FNC-1 dev pairs 6 gave the same verdicts but one, in 30% less checking time).
PER_SOURCE = 10
MAX_SOURCES = 5  # sources in one answer
# Re-ranking weights, chosen on the SciFact dev half (docs/stance.md): the model's reading that
# the passage takes a side on the claim (P(supports) + P(counters)), the BM25 score scaled by
# the best candidate's, the share of the claim's words in the source's title, and the other
# candidates of the same source (several of its passages match: it is about the claim).
STANCE_WEIGHT = 1.0
BM25_WEIGHT = 1.0
TITLE_WEIGHT = 0.5
SOURCE_WEIGHT = 0.2

_ROWS = (
    select(Passage.id, Passage.text, Passage.speaker, Passage.kind, Passage.paragraph, Passage.char_start,
           Passage.char_end, Passage.seq, *source_columns())
    .join(Source, Source.id == Passage.source_id)
    .where(Passage.id.in_(bindparam("ids", expanding=True)), bound_visible())
)


@dataclass(frozen=True)
class RankedPassage:
    """A candidate passage after the model's re-ranking."""

    passage_id: int
    text: str
    speaker: str | None
    seq: int
    location: Location
    source: SourceRef
    bm25: float
    probabilities: tuple[float, ...]
    score: float
    parts: tuple[tuple[str, float], ...] = ()  # the score's stated parts ("Why this?")

    def stance_input(self) -> StanceInput:
        return StanceInput(text=self.text, speaker=self.speaker, kind=self.location.kind, source_id=self.source.id,
                           paragraph=self.location.paragraph, seq=self.seq)


def _row_to_parts(row):
    return (row.id, row.text, row.speaker, row.seq, Location(row.paragraph, row.char_start, row.char_end, row.kind),
            source_ref_from_row(row))


def _per_source(hits: Sequence, limit: int, per_source: int) -> list:
    """The first `limit` hits, at most `per_source` of each source (hits in BM25 order)."""
    taken: dict[int, int] = {}
    out = []
    for hit in hits:
        if taken.get(hit.source_id, 0) < per_source:
            taken[hit.source_id] = taken.get(hit.source_id, 0) + 1
            out.append(hit)
            if len(out) == limit:
                break
    return out


async def rank_for_claim(app: Counterpoint, claim: str, *, guild_id: int | None, source_ids: Sequence[int] | None = None,
                         candidates: int = CANDIDATES, per_source: int = PER_SOURCE) -> list[RankedPassage]:
    """Index candidates for `claim` (at most `per_source` of one source), re-ranked by the
    stance model (best first)."""
    claim = clean_topic(claim)
    async with app.sessions() as session:
        aliases = await app.aliases.get(session, guild_id)
        tokens = query_tokens(claim, aliases)
        if not tokens:
            return []
        # Enough hits that the cap per source still leaves `candidates` (bounded: a fixed multiple).
        hits = _per_source(app.index.search(tokens, visible_scopes(guild_id), limit=candidates * 4,
                                            source_ids=source_ids), candidates, per_source)
        if not hits:
            return []
        rows = (await session.exec(_ROWS, params={"ids": [h.passage_id for h in hits],
                                                  **bound_visibility_params(guild_id)})).all()
    parts = {row[0]: _row_to_parts(row) for row in rows}
    hits = [h for h in hits if h.passage_id in parts]
    if not hits:
        return []
    model = shared_model()
    probs = await asyncio.to_thread(model.probabilities, [(claim, parts[h.passage_id][1]) for h in hits])
    top = max(h.score for h in hits) or 1.0
    claim_words = set(index_tokens(claim))
    by_source: dict[int, float] = {}
    title_share: dict[int, float] = {}
    for hit in hits:
        by_source[hit.source_id] = by_source.get(hit.source_id, 0.0) + hit.score / top
        if hit.source_id not in title_share:
            title = set(index_tokens(parts[hit.passage_id][5].title or ""))
            title_share[hit.source_id] = len(claim_words & title) / len(claim_words) if claim_words else 0.0
    ranked = []
    for hit, row in zip(hits, probs):
        pid, text, speaker, seq, location, source = parts[hit.passage_id]
        takes_side = float(row[J.P_SUPPORTS] + row[J.P_COUNTERS])
        same_source = min(1.0, by_source[hit.source_id] - hit.score / top)
        score_parts = (("takes_side", STANCE_WEIGHT * takes_side), ("bm25", BM25_WEIGHT * hit.score / top),
                       ("title", TITLE_WEIGHT * title_share[hit.source_id]),
                       ("same_source", SOURCE_WEIGHT * same_source))
        score = sum(value for _, value in score_parts)
        ranked.append(RankedPassage(pid, text, speaker, seq, location, source, hit.score,
                                    tuple(float(x) for x in row), score, score_parts))
    return sorted(ranked, key=lambda r: (-r.score, r.passage_id))


def _passage_stance(claim: StanceInput, passage: RankedPassage, model, explain: bool) -> CheckPassage:
    evidence = passage.stance_input()
    rules = J.assess(claim, evidence)
    veto = J.voice_veto(claim, evidence)
    decision = J.decide(passage.probabilities, rules, veto, claim, evidence, model, explain_decision=explain)
    if decision is not None:
        stance, confidence, rationale = decision.stance, decision.confidence, decision.rationale
    else:
        stance, confidence = "discusses", 1.0 - passage.probabilities[J.P_UNRELATED]
        rationale = J.explain(None, claim, evidence, "discusses", confidence) if explain else ""
    return CheckPassage(passage.passage_id, passage.text, stance, confidence, rationale, passage.location,
                        passage.speaker)


def passage_stances(claim_text: str, ranked: Sequence[RankedPassage], *, explain: bool = False) -> list[CheckPassage]:
    """Each ranked passage's own stance toward the claim (CPU only: run it in a thread)."""
    claim = StanceInput(text=claim_text, is_claim=True)
    model = shared_model()
    return [_passage_stance(claim, r, model, explain) for r in ranked]


_ORDER = {"disputes": "counters", "supports": "supports", "discusses": "discusses"}


def _reported_and_rebutted(group: list[RankedPassage], contested: dict[int, list[CounterItem]]
                           ) -> list[tuple[RankedPassage, list[CounterItem]]]:
    """Passages of the source that assert the claim (the model reads them as supporting it)
    while the same source holds counter-evidence against them: a reported claim and its
    rebuttal ("Pompeo said ... The Times said he offered no intelligence"), strongest first."""
    out = []
    for r in sorted(group, key=lambda r: -r.probabilities[J.P_SUPPORTS]):
        if r.probabilities[J.P_SUPPORTS] < J.REPORTED_SUPPORT:
            break
        own = [c for c in contested.get(r.passage_id, []) if c.source.id == r.source.id]
        if own:
            out.append((r, own))
    return out


def _rebuttal_passage(item: CounterItem, claim: RankedPassage, p_counters: float) -> CheckPassage:
    opening = " ".join(claim.text.split()[:8])
    why = J.cut_rationale(f"model counters {p_counters:.2f} · rebuts the reported claim “{opening}…” · {item.rationale}")
    return CheckPassage(item.passage_id, item.text, Stance.counters.value, round(min(item.confidence, p_counters), 3), why,
                        item.location, item.speaker)


def _judge_sources(claim_text: str, ranked: list[RankedPassage], model, max_sources: int,
                   explain: bool = True, contested: dict[int, list[CounterItem]] | None = None) -> list[SourceVerdict]:
    """CPU only (run in a thread): verdict and deciding passages per source."""
    contested = contested or {}
    by_source: dict[int, list[RankedPassage]] = {}
    for r in ranked:
        by_source.setdefault(r.source.id, []).append(r)
    groups = list(by_source.values())[:max_sources * 2]  # unrelated sources drop out below
    # The window: the source's best passages (at most WINDOW_PASSAGES) in document order.
    windows = [sorted(g[:WINDOW_PASSAGES], key=lambda r: (r.location.char_start, r.passage_id)) for g in groups]
    window_probs = model.probabilities([(claim_text, join_window([r.text for r in w])) for w in windows])
    claim = StanceInput(text=claim_text, is_claim=True)
    out: list[SourceVerdict] = []
    for group, probs in zip(groups, window_probs):
        verdict, confidence = J.source_verdict(probs, [r.probabilities for r in group])
        if verdict is None:
            continue  # the model reads this source as about something else
        rebutted = _reported_and_rebutted(group, contested) if verdict in ("supports", "discusses") else []
        strong = []
        if rebutted:
            # The source reports the claim and rebuts it on file. It disputes the claim only if
            # the rebuttal, read against the claim as typed, disputes it too: a link says the
            # passage rebuts the reported speaker's sentence, not necessarily this claim.
            items = list({c.passage_id: (c, r) for r, cs in rebutted for c in cs}.values())
            p_counters = model.probabilities([(claim_text, c.text) for c, _ in items])[:, J.P_COUNTERS]
            strong = sorted(((c, r, float(p)) for (c, r), p in zip(items, p_counters) if p >= J.REBUTTAL_DISPUTES),
                            key=lambda x: (x[0].origin != "moderator", -x[2]))[:WINDOW_PASSAGES]
        if strong:
            passages = [_rebuttal_passage(c, r, p) for c, r, p in strong]
            verdict, confidence = "disputes", max(p.confidence for p in passages)
        else:
            label = {"disputes": J.P_COUNTERS, "supports": J.P_SUPPORTS, "discusses": J.P_DISCUSSES}[verdict]
            # The passages that carry the verdict most, then the best-ranked for context.
            deciding = sorted(group, key=lambda r: (-r.probabilities[label], -r.score))[:WINDOW_PASSAGES]
            passages = [_passage_stance(claim, r, model, explain) for r in deciding]
            passages.sort(key=lambda p: p.stance != _ORDER[verdict])  # stable: the verdict's side first
        relevance = 1.0 - float(probs[J.P_UNRELATED]) + max(r.score for r in group) / 10
        out.append(SourceVerdict(group[0].source, verdict, confidence, passages, relevance,
                                 tuple(float(x) for x in probs)))
    out.sort(key=lambda s: (-s.relevance, s.source.id))
    return out[:max_sources]


async def _contested(app: Counterpoint, ranked: Sequence[RankedPassage], guild_id: int | None) -> dict[int, list[CounterItem]]:
    """Counter-evidence on file for the candidates that are claims (one indexed query)."""
    if not ranked:
        return {}
    async with app.sessions() as session:
        links = await counter_links(session, guild_id=guild_id, claims=[r.passage_id for r in ranked])
    return links.by_claim


async def check(app: Counterpoint, claim: str, *, guild_id: int | None, source_ids: Sequence[int] | None = None,
                max_sources: int = MAX_SOURCES, explain: bool = True) -> CheckAnswer:
    """Verdict per source on `claim`, visible to `guild_id`. Empty sources = nothing on file
    addresses the claim. `explain=False` skips writing rationales (eval: the verdicts and
    passages are the same, only their explanation text is not built)."""
    claim = clean_topic(claim)
    ranked = await rank_for_claim(app, claim, guild_id=guild_id, source_ids=source_ids)
    if not ranked:
        return CheckAnswer(claim=claim, sources=[])
    contested = await _contested(app, ranked, guild_id)
    sources = await asyncio.to_thread(_judge_sources, claim, ranked, shared_model(), max_sources, explain, contested)
    return CheckAnswer(claim=claim, sources=sources)
