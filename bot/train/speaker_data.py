"""Training windows for the speaker tagger, cut from PolNeAR train as the bot would see it.

Each article goes through `bot.ingest.parse.parse_article` (the shipped extraction and
segmentation), so a window is exactly what the tagger reads at run time: a body passage and
the passage before it. The passage is labelled with the source span of every annotated
attribution whose content starts in it, when that source lies in the window; everything else
is O. Only passages that pass `could_attribute` are kept (the others never reach the model).
Articles are split by document into training and held-out (the threshold is chosen on the
held-out part; polnear-dev is never read here).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bot.eval_attribution import align, to_stored
from bot.ingest.parse import parse_article
from bot.ingest.speaker_model import could_attribute, encode_window

HELD_OUT_SHARE = 0.1


@dataclass
class Window:
    previous: str
    sentence: str
    spans: list[tuple[int, int, int]]  # (part, start, end) of source spans, in part coordinates


def split_articles(path: Path, seed: int) -> tuple[list[dict], list[dict]]:
    """(training, held-out) articles of a PolNeAR file, split by document with `seed`."""
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = sorted({a["doc"] for a in articles})
    random.Random(seed).shuffle(docs)
    held = set(docs[:max(1, int(len(docs) * HELD_OUT_SHARE))])
    return [a for a in articles if a["doc"] not in held], [a for a in articles if a["doc"] in held]


def article_windows(article: dict) -> list[Window]:
    """The gated body windows of one article, with their source spans."""
    parsed = parse_article(article["text"], filename="article.txt", speaker_tagger=None)
    segments = align(article["text"], parsed.text)
    passages = parsed.passages
    starts = [p.char_start for p in passages]
    labelled: dict[int, list[tuple[int, int]]] = {}
    for a in article.get("attributions") or []:
        if not a.get("source_span") or not a.get("content_span"):
            continue
        begin = a["content_span"][0]
        begin += len(article["text"][begin:]) - len(article["text"][begin:].lstrip())
        stored = to_stored(begin, segments)
        s_start = to_stored(a["source_span"][0], segments)
        s_end = to_stored(a["source_span"][1] - 1, segments)
        if stored is None or s_start is None or s_end is None:
            continue
        i = max(0, _index(starts, stored))
        labelled.setdefault(i, []).append((s_start, s_end + 1))
    windows = []
    for i, p in enumerate(passages):
        if p.kind != "body" or not could_attribute(p.text):
            continue
        prev = passages[i - 1] if i > 0 else None
        spans = []
        for s, e in labelled.get(i, []):
            if p.char_start <= s and e <= p.char_end:
                spans.append((1, s - p.char_start, e - p.char_start))
            elif prev is not None and prev.char_start <= s and e <= prev.char_end:
                spans.append((0, s - prev.char_start, e - prev.char_start))
        windows.append(Window(prev.text if prev else "", p.text, spans))
    return windows


def _index(starts: list[int], position: int) -> int:
    import bisect

    return bisect.bisect_right(starts, position) - 1


def labels_for(tokenizer, window: Window) -> tuple[list[int], list[int], list[int]]:
    """(ids, token types, labels) of one window: B on a source span's first piece, I on the
    rest, O elsewhere, -100 on the special tokens (not scored)."""
    encoded = encode_window(tokenizer, window.previous, window.sentence)
    labels = []
    inside_prev: tuple[int, int, int] | None = None
    for part, (start, end) in zip(encoded.parts, encoded.offsets):
        if part < 0:
            labels.append(-100)
            inside_prev = None
            continue
        span = next(((p, s, e) for p, s, e in window.spans if p == part and start < e and end > s), None)
        if span is None:
            labels.append(0)
        else:
            labels.append(2 if span == inside_prev else 1)
        inside_prev = span
    return encoded.ids, encoded.types, labels
