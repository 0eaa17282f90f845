"""Re-find a stored quote in a page's current text: pure functions, no I/O.

The quote selector every passage stores (exact text, a short prefix and suffix, offsets)
is what annotation tools use to re-anchor a highlight on a changed page; this does the same:

- intact: the exact text is still at its offsets;
- moved: the exact text is elsewhere (the occurrence whose prefix/suffix match best, then
  the nearest); the new offsets are reported;
- changed: no exact match, but a close wording near where it was (rapidfuzz alignment,
  score >= CHANGED_MIN), reported with what the page says now;
- gone: nothing close.

Bounded: exact search is `str.find` (at most MAX_OCCURRENCES looked at); the fuzzy search
looks only within FUZZY_WINDOW characters of the old position, and only for quotes of at
least MIN_FUZZY characters (a short quote fuzzy-matches anything).
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

INTACT, MOVED, CHANGED, GONE = "intact", "moved", "changed", "gone"
SEVERITY = {INTACT: 0, MOVED: 1, CHANGED: 2, GONE: 3}
CHANGED_MIN = 75.0
MIN_FUZZY = 25
FUZZY_WINDOW = 20_000
MAX_OCCURRENCES = 100
_SENTENCE_END = ".!?”\"'"


@dataclass(frozen=True)
class Found:
    status: str
    start: int | None = None
    end: int | None = None
    current: str | None = None  # changed: the page's wording now
    similarity: float | None = None  # changed: 0-100


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of the stored prefix and suffix still surround this occurrence."""
    score = 0
    before = text[max(0, start - len(prefix)):start]
    for a, b in zip(reversed(before), reversed(prefix)):
        if a != b:
            break
        score += 1
    for a, b in zip(text[end:end + len(suffix)], suffix):
        if a != b:
            break
        score += 1
    return score


def _occurrences(text: str, exact: str) -> list[int]:
    found, at = [], text.find(exact)
    while at != -1 and len(found) < MAX_OCCURRENCES:
        found.append(at)
        at = text.find(exact, at + 1)
    return found


def _snap_start(text: str, i: int, slack: int) -> int:
    """Back to the start of the sentence (or at least of the word) the alignment cut into."""
    lo = max(0, i - slack)
    for j in range(i, lo - 1, -1):
        if j == 0 or text[j - 1] == "\n" or (text[j - 1] == " " and j >= 2 and text[j - 2] in _SENTENCE_END):
            return j
    while i > lo and not text[i - 1].isspace():
        i -= 1
    return i


def _snap_end(text: str, i: int, slack: int) -> int:
    """On to the end of the sentence (or at least of the word) the alignment cut into."""
    hi = min(len(text), i + slack)
    for j in range(max(i, 1), hi + 1):
        if j == len(text) or text[j] == "\n" or (text[j - 1] in ".!?" and (j == len(text) or text[j].isspace())):
            return j
    while i < hi and not text[i].isspace():
        i += 1
    return i


def reanchor(text: str, *, exact: str, prefix: str = "", suffix: str = "", start: int) -> Found:
    """Where `exact` (stored at `start`) is in `text` now."""
    if not exact:
        return Found(GONE)
    if text[start:start + len(exact)] == exact:
        return Found(INTACT, start, start + len(exact))
    hits = _occurrences(text, exact)
    if hits:
        best = max(hits, key=lambda at: (_context_score(text, at, at + len(exact), prefix, suffix), -abs(at - start)))
        return Found(MOVED, best, best + len(exact))
    if len(exact) < MIN_FUZZY:
        return Found(GONE)
    lo = max(0, start - FUZZY_WINDOW)
    window = text[lo:start + len(exact) + FUZZY_WINDOW]
    if not window:
        return Found(GONE)
    aligned = fuzz.partial_ratio_alignment(exact, window, score_cutoff=CHANGED_MIN)
    if aligned is None:
        return Found(GONE)
    slack = max(10, len(exact) // 4)
    begin = _snap_start(text, lo + aligned.dest_start, slack)
    end = _snap_end(text, lo + aligned.dest_end, slack)
    current = text[begin:end].strip()
    return Found(CHANGED, begin, end, current, round(fuzz.ratio(exact, current), 1))


def worst(statuses) -> str | None:
    """The source's status: its worst quote (None for a source without passages)."""
    statuses = list(statuses)
    return max(statuses, key=SEVERITY.__getitem__) if statuses else None
