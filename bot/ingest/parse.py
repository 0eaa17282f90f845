"""parse_article: raw file -> ParsedArticle (cleaned text, cited passages, metadata).

The pure half of ingestion: extract -> structure -> segment -> attribute -> date. No
database, no network, deterministic (same input, same output), so the pipeline that stores
the result can be idempotent and every rule here is testable on plain strings.

Metadata precedence: overrides > sidecar > front matter / HTML metadata > inferred from the
text. Outlet, author and url are never inferred: a wrong citation is worse than none.
"""
from __future__ import annotations

import re

from bot.ingest.attribute import attribute
from bot.ingest.dates import find_dates, infer_published, is_dateline, parse_date
from bot.ingest.extract import METADATA_KEYS, clean_authors, extract, load_sidecar, normalize_metadata
from bot.ingest.segment import cap_length, sentence_spans
from bot.ingest.tagger import SpeakerTagger
from bot.ingest.types import ParsedArticle, ParsedPassage

__all__ = ["parse_article", "load_sidecar", "classify_paragraphs"]

CONTEXT_CHARS = 32  # W3C TextQuoteSelector prefix/suffix length
HEADLINE_MAX_CHARS = 200
HEADLINE_MAX_WORDS = 30
SUBTITLE_MAX_CHARS = 300
SUBTITLE_SHARE_OF_BODY = 0.6  # a standfirst is at most this share of the median body paragraph
CAPTION_MAX_CHARS = 300
TITLE_MAX_CHARS = 512  # Source.title column
FALLBACK_TITLE_CHARS = 120
# The learned speaker tagger (model loaded on first use): fills in speakers the rules missed.
_TAGGER = SpeakerTagger()
DATE_SEARCH_PARAGRAPHS = 3  # paragraphs searched for any full date, after captions and datelines
TOP_PARAGRAPHS = 6  # captions and datelines further down do not date the article
SUBTITLE_COLUMN_CHARS = 1024  # Source.subtitle column

# A photo caption: present-tense action ("speaks at", "is seen") ending with a full date,
# or a photo credit. Both are how agencies and newsrooms write captions.
_CAPTION_VERB = re.compile(
    r"\b(?:speaks|talks|walks|arrives|attends|gestures|poses|looks on|listens|waits|stands|sits|"
    r"holds|leaves|departs|greets|addresses|delivers|testifies|answers|shakes|waves|votes|"
    r"is seen|are seen|is pictured|are pictured|pictured|seen here|in this (?:file )?photo)\b"
)
_PHOTO_CREDIT = re.compile(
    r"\((?:photo|image|credit|getty|ap photo|reuters|afp)[^)]*\)\s*$|\b(?:photo|image) (?:by|credit|courtesy)\b|"
    r"\bGetty Images\b|\bAP Photo\b|/\s?(?:AFP|Reuters|Getty)\b",
    re.I,
)


def _single_line(paragraph: str) -> bool:
    return "\n" not in paragraph


def is_headline_like(paragraph: str) -> bool:
    """Short, one line, no terminal period: how headlines are written."""
    return (
        len(paragraph) <= HEADLINE_MAX_CHARS
        and len(paragraph.split()) <= HEADLINE_MAX_WORDS
        and _single_line(paragraph)
        and not paragraph.rstrip("”\"’')").endswith((".", ":", ";", ","))
        and any(ch.isalpha() for ch in paragraph)
    )


def is_caption(paragraph: str) -> bool:
    """One short sentence describing a photo (see _CAPTION_VERB / _PHOTO_CREDIT)."""
    if len(paragraph) > CAPTION_MAX_CHARS or not _single_line(paragraph):
        return False
    if len(sentence_spans(paragraph)) != 1:
        return False
    if _PHOTO_CREDIT.search(paragraph):
        return True
    if not _CAPTION_VERB.search(paragraph):
        return False
    dates = find_dates(paragraph)
    if not dates:
        return False
    tail = paragraph[dates[-1][0]:]
    return re.fullmatch(r"[^.]*\d{4}\.?", tail) is not None


def is_subtitle_like(paragraph: str, following: list[str]) -> bool:
    """A standfirst is short in absolute terms and clearly shorter than the body paragraphs
    after it; a first body paragraph that is merely short is not one."""
    body = sorted(len(p) for p in following[:6] if not is_caption(p))
    if not body or len(paragraph) > SUBTITLE_SHARE_OF_BODY * body[len(body) // 2]:
        return False
    return (
        len(paragraph) <= SUBTITLE_MAX_CHARS
        and _single_line(paragraph)
        and len(sentence_spans(paragraph)) <= 2
        and not is_caption(paragraph)
    )


def classify_paragraphs(paragraphs: list[str], metadata: dict | None = None) -> list[str]:
    """Kind of each paragraph: headline and subtitle at the top, captions anywhere, else body.

    A headline needs something after it, a subtitle needs body after it; metadata that
    names the title/subtitle confirms a paragraph equal to it."""
    metadata = metadata or {}
    kinds = ["body"] * len(paragraphs)
    if len(paragraphs) >= 2 and (is_headline_like(paragraphs[0]) or paragraphs[0] == metadata.get("title")):
        kinds[0] = "headline"
        if len(paragraphs) >= 3:
            second = paragraphs[1]
            given = metadata.get("subtitle")
            described = metadata.get("description")
            if second == given or (given is None and (second == described or is_subtitle_like(second, paragraphs[2:]))):
                kinds[1] = "subtitle"
    for i, paragraph in enumerate(paragraphs):
        if kinds[i] == "body" and is_caption(paragraph):
            kinds[i] = "caption"
    return kinds


def _passage_spans(paragraph: str, kind: str) -> list[tuple[int, int]]:
    if kind in ("headline", "caption"):
        return cap_length(paragraph, 0, len(paragraph))  # one passage, whatever its punctuation
    return sentence_spans(paragraph)


def _fallback_title(text: str) -> str:
    """No headline and no metadata title: the opening words, marked as cut with an ellipsis."""
    first_line = text.split("\n", 1)[0].strip()
    if len(first_line) <= FALLBACK_TITLE_CHARS:
        return first_line
    cut = first_line.rfind(" ", 0, FALLBACK_TITLE_CHARS)
    return first_line[: cut if cut > 0 else FALLBACK_TITLE_CHARS].rstrip(" ,;:") + "…"


def _merge_metadata(found: dict, sidecar: dict | None, overrides: dict | None) -> dict:
    merged = dict(found)
    merged.update(normalize_metadata(sidecar))
    merged.update(normalize_metadata(overrides))
    if merged.get("author"):
        merged["author"] = clean_authors(str(merged["author"]), str(merged.get("outlet") or ""))
    return merged


def parse_article(
    raw: str | bytes, *, filename: str, sidecar: dict | None = None, overrides: dict | None = None,
    speaker_tagger: SpeakerTagger | None = _TAGGER,
) -> ParsedArticle:
    """Parse one article file. Raises BadInput for undecodable or empty input, nothing else.

    `speaker_tagger=None` gives the rules' speakers alone (the tagger's training data is cut
    that way, before there is a model)."""
    extracted = extract(raw, filename=filename)
    meta = _merge_metadata(extracted.metadata, sidecar, overrides)
    paragraphs = extracted.paragraphs
    kinds = classify_paragraphs(paragraphs, meta)
    text = "\n\n".join(paragraphs)

    spans: list[tuple[int, int, str, int]] = []  # (start, end, kind, paragraph number)
    offset = 0
    headline_end = 0
    for number, (paragraph, kind) in enumerate(zip(paragraphs, kinds), start=1):
        for start, end in _passage_spans(paragraph, kind):
            spans.append((offset + start, offset + end, kind, number))
        if kind == "headline":
            headline_end = offset + len(paragraph)
        offset += len(paragraph) + 2
    attributions = attribute(text, [(s, e, k) for s, e, k, _ in spans], headline_end=headline_end,
                             tagger=speaker_tagger)

    passages = [
        ParsedPassage(
            text=text[start:end], char_start=start, char_end=end, paragraph=number, kind=kind,
            speaker=speaker, is_claim=is_claim,
            prefix=text[max(0, start - CONTEXT_CHARS):start], suffix=text[end:end + CONTEXT_CHARS],
        )
        for (start, end, kind, number), (speaker, is_claim) in zip(spans, attributions)
    ]

    headline = next((p for p, k in zip(paragraphs, kinds) if k == "headline"), None)
    subtitle = next((p for p, k in zip(paragraphs, kinds) if k == "subtitle"), None)
    title = str(meta.get("title") or headline or _fallback_title(text))[:TITLE_MAX_CHARS]

    published = parse_date(meta.get("published"))
    published_inferred = False
    if published is None:
        published = infer_published(_date_candidates(paragraphs, kinds))
        published_inferred = published is not None

    return ParsedArticle(
        text=text,
        title=title,
        passages=passages,
        subtitle=str(meta["subtitle"])[:SUBTITLE_COLUMN_CHARS] if meta.get("subtitle") else subtitle,
        outlet=_str_or_none(meta.get("outlet")),
        author=_str_or_none(meta.get("author")),
        url=_str_or_none(meta.get("url")),
        published=published,
        published_inferred=published_inferred,
        metadata={k: v for k, v in meta.items() if k not in METADATA_KEYS},
    )


def _date_candidates(paragraphs: list[str], kinds: list[str]) -> list[str]:
    """Where a publication date is stated, most likely first: captions, datelines, the top.

    Only near the top: a caption or dateline deep in a story is often an archive photo."""
    top = list(zip(paragraphs, kinds))[:TOP_PARAGRAPHS]
    captions = [p for p, k in top if k == "caption"]
    datelines = [p for p, _ in top if is_dateline(p)]
    return captions + datelines + paragraphs[:DATE_SEARCH_PARAGRAPHS]


def _str_or_none(value) -> str | None:
    return str(value).strip() or None if value is not None else None
