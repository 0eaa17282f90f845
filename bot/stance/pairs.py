"""How a (claim, passage) pair is shown to the stance model: one definition for training and runtime.

The model reads the claim and the evidence text as a sentence pair. Evidence is either one
stored passage (ingest-time links, per-passage verdicts) or a *window*: the few passages of one
source that match the claim best, in document order (a source's verdict in `/check`). Training
builds its windows with `pick_window` over the same segmenter and normaliser the index uses, so
what the model learned on is what it is asked at run time.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from bot.search.normalize import index_tokens

LABELS = ("unrelated", "discusses", "supports", "counters")
WINDOW_PASSAGES = 3  # passages of one source joined into a window
MAX_CLAIM_TOKENS = 48  # word pieces kept of the claim; the rest of the budget is the evidence
MAX_PAIR_TOKENS = 128  # whole pair, [CLS] claim [SEP] evidence [SEP]
WINDOW_SEPARATOR = " … "


def join_window(texts: Sequence[str]) -> str:
    """Evidence text for a window of passages already in document order."""
    return WINDOW_SEPARATOR.join(t.strip() for t in texts if t and t.strip())


def pick_window(claim: str, passages: Sequence[str], k: int = WINDOW_PASSAGES) -> list[int]:
    """Indices of the `k` passages that match `claim` best (BM25 within the given passages),
    returned in document order. Used where no search index is at hand (training data); at run
    time the index's own BM25 ranking picks the passages."""
    query = set(index_tokens(claim))
    if not query or not passages:
        return list(range(min(k, len(passages))))
    docs = [index_tokens(p) for p in passages]
    n = len(docs)
    avg = sum(len(d) for d in docs) / n or 1.0
    df = Counter(t for d in docs for t in set(d) if t in query)
    scores = []
    for i, d in enumerate(docs):
        tf = Counter(t for t in d if t in query)
        s = 0.0
        for t, f in tf.items():
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            s += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len(d) / avg))
        scores.append((s, -i))
    best = sorted(range(n), key=lambda i: scores[i], reverse=True)[:k]
    return sorted(best)
