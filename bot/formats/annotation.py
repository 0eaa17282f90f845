"""W3C Web Annotation JSON-LD for a stance link, so any annotation client can show our
counter-evidence on the original page.

One annotation per link, motivation `assessing`. Target: the claim on its page, anchored by
a TextQuoteSelector (exact, prefix, suffix: the anchors every passage row stores) and a
TextPositionSelector (character offsets into the cleaned text, which is what we stored;
clients fall back to the quote when the page's own text differs). Bodies: the stance
(`assessing`), the rationale (`commenting`), and the evidence passage itself as a
SpecificResource with its own selectors (`linking`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


@dataclass(frozen=True)
class Anchor:
    source_id: int
    source_url: str | None
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


@dataclass(frozen=True)
class LinkRecord:
    link_id: int
    stance: str
    rationale: str
    origin: str  # auto | moderator
    confidence: float
    created_at: datetime
    claim: Anchor
    evidence: Anchor


def _source_iri(anchor: Anchor) -> str:
    """The page, or (a file/upload source with no link) a stable name of ours for it."""
    return anchor.source_url or f"urn:counterpoint:source:{anchor.source_id}"


def specific_resource(anchor: Anchor) -> dict:
    return {
        "type": "SpecificResource",
        "source": _source_iri(anchor),
        "selector": [
            {"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix, "suffix": anchor.suffix},
            {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end},
        ],
    }


def annotation(record: LinkRecord, *, creator: str) -> dict:
    who = "a moderator" if record.origin == "moderator" else f"automatic, confidence {record.confidence:.2f}"
    return {
        "@context": CONTEXT,
        "id": f"urn:counterpoint:link:{record.link_id}",
        "type": "Annotation",
        "motivation": "assessing",
        "created": record.created_at.isoformat(),
        "creator": {"type": "Software", "name": creator},
        "body": [
            {"type": "TextualBody", "purpose": "assessing", "value": record.stance, "format": "text/plain"},
            {"type": "TextualBody", "purpose": "commenting", "format": "text/plain",
             "value": f"{record.evidence.exact} — {record.rationale or 'no rationale recorded'} ({who})"},
            {**specific_resource(record.evidence), "purpose": "linking"},
        ],
        "target": specific_resource(record.claim),
    }
