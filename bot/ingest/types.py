"""What the pure ingestion stage (extract -> segment -> attribute -> dates) hands to the
database pipeline. No I/O here: these are plain values, easy to test."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ParsedPassage:
    text: str  # verbatim: article.text[char_start:char_end] == text
    char_start: int
    char_end: int
    paragraph: int  # 1-based paragraph number in article.text
    kind: str  # "headline" | "subtitle" | "caption" | "body"
    speaker: str | None = None  # who asserts it ("Mike Pompeo", "The New York Times", ...)
    is_claim: bool = False  # asserted by a named speaker (or headline/subtitle assertion)
    prefix: str = ""  # up to 32 chars of article.text before char_start
    suffix: str = ""  # up to 32 chars after char_end


@dataclass(frozen=True)
class ParsedArticle:
    text: str  # cleaned text, boilerplate removed, paragraphs joined by "\n\n"
    title: str
    passages: list[ParsedPassage]
    subtitle: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    published: date | None = None
    published_inferred: bool = False
    metadata: dict = field(default_factory=dict)  # anything else the sidecar/front matter gave
