"""Re-rank BM25 candidates with what BM25 cannot see: the passage's source.

BM25 scores a passage alone. A sentence from an article *about* the claim's subject is a
better answer than a stray mention elsewhere, and two signals say so in any domain: the
claim's words in the source's *title*, and other candidates from the *same source* (several
of its sentences match the claim). Both use the search normaliser's tokens, so they agree
with the index.

Weights were chosen on one fixed half of the development claims only (`python -m bot eval
... --half dev`) and then checked once on the other half (see README). Word-pair (bigram)
overlap was tried too and did not help on the development half, so it is not used.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.search.normalize import index_tokens

# Added to BM25 scaled to 0..1 by the best candidate.
TITLE_WEIGHT = 0.8  # x share of the query's words found in the source title
SOURCE_WEIGHT = 0.2  # x the other candidates' scaled scores from the same source (capped at 1)


@dataclass(frozen=True)
class Candidate:
    passage_id: int
    text: str
    title: str
    score: float  # BM25
    source_id: int = 0


def rerank(query: str, candidates: Sequence[Candidate], *, title_weight: float = TITLE_WEIGHT,
           source_weight: float = SOURCE_WEIGHT) -> list[Candidate]:
    """Candidates best first by scaled BM25 + query words in the title + source support."""
    if not candidates:
        return []
    q_set = set(index_tokens(query))
    top = max(c.score for c in candidates) or 1.0
    title_share: dict[str, float] = {}
    by_source: dict[int, float] = {}
    for c in candidates:
        by_source[c.source_id] = by_source.get(c.source_id, 0.0) + c.score / top
        if c.title not in title_share:
            title_share[c.title] = len(q_set & set(index_tokens(c.title))) / len(q_set) if q_set else 0.0

    def value(c: Candidate) -> float:
        others = min(1.0, by_source[c.source_id] - c.score / top)
        return c.score / top + title_weight * title_share[c.title] + source_weight * others

    return sorted(candidates, key=lambda c: (-value(c), c.passage_id))
