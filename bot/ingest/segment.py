"""Sentence segmentation with exact character offsets.

Why a small rule-based segmenter of our own rather than pysbd or NLTK's Punkt: we need
(1) offsets that always slice back to the verbatim text, (2) a multi-sentence quotation kept
as one passage ("First. Second," he said.), which no general segmenter does, (3) news-style
abbreviations and initialisms ("U.S.S. Cole", "Washington, D.C.", "Sept. 11", "No. 5") and
(4) bulk speed with no model to load. The rules below are few, explainable and tested.

A boundary is a run of . ! ? or an ellipsis, then optional closing quotes/brackets, then
whitespace, then something that can start a sentence (capital, digit, opening quote or
bracket). A "." boundary is then vetoed when the word before it is an abbreviation, and any
boundary is vetoed while a quotation is open.
"""
from __future__ import annotations

import bisect
import re

MAX_PASSAGE_CHARS = 1000  # one passage must fit a Discord embed field with room for a citation
MIN_SPLIT_CHARS = 200  # when capping, do not cut a tiny head off just because a space is there

# Abbreviations that never end a sentence (a title or label always has a word after it).
TITLE_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "messrs", "mme", "dr", "prof", "sen", "sens", "rep", "reps", "gov", "gen", "lt",
    "col", "sgt", "capt", "cmdr", "cmdt", "adm", "maj", "cpl", "pvt", "st", "rev", "hon", "pres",
    "supt", "insp", "det", "amb", "fr", "mt", "ft", "vs", "v", "cf", "approx", "dept", "est", "ave",
    "blvd", "rd",
})
# Abbreviations that are followed by a number: "Jan. 12", "No. 5", "p. 7", "Vol. 3".
NUMBER_ABBREVIATIONS = frozenset({
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "nos", "vol", "vols", "p", "pp", "fig", "figs", "art", "arts", "ch", "sec", "para", "op", "ed",
})
# Words that open a new sentence after an initialism ("in the U.S. The next day ...").
SENTENCE_STARTERS = frozenset("""
a an the he she it they we i you this that these those there here his her its their our my your
in on at but and or so yet if when while after before since as although though because
meanwhile however still now then what who why how where one some many most all for with by from
to despite during under last next both each every such no not nor once later earlier also
""".split())

_CANDIDATE = re.compile(r"(?P<punct>\.{2,}|…|[.!?]+)(?P<close>[”\"’')\]]*)(?P<space>\s+)")
# "U.S", "D.C", "e.g", a middle initial "F", "Jr": these end a sentence only before a starter word.
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$|^[A-Z]$|^(?:[JjSs]r)$")
_STRIP_OPENERS = "“\"‘'([{"
_STRIP_CLOSERS = "”\"’')]}"
_WORD = re.compile(r"[\w’'-]+")


def _can_start_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in "“\"‘([¿¡"


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of quotations; an unclosed quotation is ignored.

    A quotation opens at “ (or a " with a space or nothing before it) and closes at the next
    ” (or a " right after a word or punctuation). A new opening mark while one is open means
    the first was never closed (a quote running into the next paragraph): it is dropped,
    so one stray mark cannot glue a whole paragraph into one passage."""
    spans: list[tuple[int, int]] = []
    curly = straight = -1  # index of the open mark of each kind, -1 when none is open
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == "“":
            curly = i
        elif ch == "”":
            if curly >= 0:
                spans.append((curly, i))
                curly = -1
        elif ch == '"':
            before = text[i - 1] if i > 0 else " "
            after = text[i + 1] if i < last else " "
            if (before.isspace() or before in "([{—–-“") and not after.isspace():
                straight = i
            elif straight >= 0 and not before.isspace():
                spans.append((straight, i))
                straight = -1
    return _merge(sorted(spans))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping spans (a straight-quoted phrase inside a curly quotation)."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside_quote(position: int, spans: list[tuple[int, int]]) -> bool:
    """Spans are sorted and do not overlap, so only the last one opening before `position`
    can contain it (binary search: paragraphs may hold thousands of quotations)."""
    index = bisect.bisect_left(spans, (position, -1)) - 1
    return index >= 0 and spans[index][0] < position < spans[index][1]


def _is_boundary(text: str, match: re.Match) -> bool:
    """Decide one candidate: the rules for abbreviations, initialisms and ellipses."""
    after = match.end()
    if after >= len(text) or not _can_start_sentence(text[after]):
        return False
    punct = match.group("punct")
    start = match.start()
    if punct in ("…",) or punct.startswith(".."):
        # "word... Next" ends a sentence; a spaced " ... " marks words left out of a quote.
        return start > 0 and not text[start - 1].isspace()
    if punct != ".":
        return True
    token_start = start
    while token_start > 0 and not text[token_start - 1].isspace() and start - token_start < 40:
        token_start -= 1  # walk back over the word (bounded: linear time on huge paragraphs)
    if token_start == start:
        return True
    token = text[token_start:start].lstrip(_STRIP_OPENERS).rstrip(_STRIP_CLOSERS)
    lower = token.lower()
    if lower in TITLE_ABBREVIATIONS:
        return False
    if lower in NUMBER_ABBREVIATIONS and text[after].isdigit():
        return False
    if _INITIALISM.match(token):
        next_word = _WORD.match(text, after)
        return bool(next_word) and next_word.group(0).lower() in SENTENCE_STARTERS
    return True


# A quotation signed on its own line: “We matter.” ― Krystal Correa (then the next quotation).
_SIGNED_LINE = re.compile(r"[”\"]\s*[―—]\s*[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,4}\.?[^\S\n]*(?=\n)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, trimmed of surrounding whitespace, in order."""
    quotes = quote_spans(text) if ("“" in text or '"' in text) else []
    cuts = [(m.end(), m.end()) for m in _SIGNED_LINE.finditer(text)] if "―" in text or "—" in text else []
    for match in _CANDIDATE.finditer(text):
        cut = match.end("close")
        if not _is_boundary(text, match) or (quotes and _inside_quote(cut, quotes)):
            continue
        cuts.append((cut, match.end()))
    spans: list[tuple[int, int]] = []
    start = 0
    for cut, resume in sorted(cuts):
        if cut <= start:
            continue
        spans.append((start, cut))
        start = resume
    spans.append((start, len(text)))
    return [piece for s, e in spans for piece in cap_length(text, *_trim(text, s, e))]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def cap_length(text: str, start: int, end: int, limit: int = MAX_PASSAGE_CHARS) -> list[tuple[int, int]]:
    """Split a too-long span at word boundaries (a 10,000-char run-on paragraph must still
    give quotable passages); a word longer than the limit is cut hard."""
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        window_end = start + limit
        cut = -1
        for i in range(window_end, start + MIN_SPLIT_CHARS, -1):
            if text[i].isspace():
                cut = i
                break
        if cut < 0:
            cut = window_end
        piece = _trim(text, start, cut)
        if piece[1] > piece[0]:
            pieces.append(piece)
        start, end = _trim(text, cut, end)
    if end > start:
        pieces.append((start, end))
    return pieces
