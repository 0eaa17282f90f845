"""Frozen values the services return and the front ends render (embeds, console, JSON).

`bot.render` depends only on these, never on the database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class SourceRef:
    id: int
    title: str
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    published: date | None = None
    published_inferred: bool = False
    subtitle: str | None = None
    guild_id: int | None = None
    status: str = "active"

    def as_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "outlet": self.outlet, "author": self.author,
            "url": self.url, "published": self.published.isoformat() if self.published else None,
            "published_inferred": self.published_inferred,
        }


@dataclass(frozen=True)
class Location:
    paragraph: int
    char_start: int
    char_end: int
    kind: str = "body"

    def as_json(self) -> dict:
        return {"paragraph": self.paragraph, "char_start": self.char_start, "char_end": self.char_end}


@dataclass(frozen=True)
class VerdictInfo:
    """A moderator's verdict on a claim (one of bot.models.VERDICT_RATINGS)."""

    claim_passage_id: int
    rating: str
    note: str = ""
    updated_at: datetime | None = None
    updated_by: str | None = None

    def as_json(self) -> dict:
        return {"rating": self.rating, "note": self.note,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


@dataclass(frozen=True)
class DriftInfo:
    """What the last verification of the page found for one quote (bot/drift/)."""

    status: str  # intact | moved | changed | gone
    since: datetime | None = None
    checked_at: datetime | None = None
    current_text: str | None = None  # changed: the closest wording on the page now

    @property
    def drifted(self) -> bool:
        """The page no longer has the quote as stored (moved is still verbatim)."""
        return self.status in {"changed", "gone"}

    def as_json(self) -> dict:
        return {"status": self.status, "since": self.since.isoformat() if self.since else None,
                "checked_at": self.checked_at.isoformat() if self.checked_at else None,
                "current_text": self.current_text}


@dataclass(frozen=True)
class CounterItem:
    passage_id: int
    text: str
    stance: str  # "counters" (only counters are shown as counter-evidence)
    origin: str  # "moderator" | "auto"
    rationale: str
    confidence: float
    source: SourceRef
    location: Location
    speaker: str | None = None
    cross_source: bool = False
    link_id: int | None = None
    drift: DriftInfo | None = None

    def as_json(self) -> dict:
        return {
            "passage_id": self.passage_id, "text": self.text, "stance": self.stance,
            "origin": self.origin, "rationale": self.rationale, "confidence": round(self.confidence, 3),
            "speaker": self.speaker, "cross_source": self.cross_source,
            "source": self.source.as_json(), "location": self.location.as_json(),
            "drift": self.drift.as_json() if self.drift else None,
        }


@dataclass(frozen=True)
class LookupResult:
    passage_id: int
    text: str
    speaker: str | None
    score: float
    source: SourceRef
    location: Location
    counter_evidence: list[CounterItem] = field(default_factory=list)
    # Set when the hit was a rebuttal and we show the claim it rebuts instead.
    matched_passage_id: int | None = None
    verdict: VerdictInfo | None = None  # this guild's moderator verdict on the claim
    drift: DriftInfo | None = None  # the page's last verification, for this quote
    bm25: float | None = None  # the index's score of the passage the topic matched (before priors)
    is_claim: bool = False  # attributed claim (the claim prior applies)
    coverage: int | None = None  # how much of the topic it holds, in quarters (ranked on first)

    def as_json(self) -> dict:
        return {
            "passage_id": self.passage_id, "text": self.text, "speaker": self.speaker,
            "score": round(self.score, 4), "source": self.source.as_json(),
            "location": self.location.as_json(),
            "counter_evidence": [c.as_json() for c in self.counter_evidence],
            "matched_passage_id": self.matched_passage_id,
            "verdict": self.verdict.as_json() if self.verdict else None,
            "drift": self.drift.as_json() if self.drift else None,
        }


@dataclass(frozen=True)
class LookupAnswer:
    query: str
    normalized: str
    results: list[LookupResult]
    query_log_id: int | None = None

    def as_json(self) -> dict:
        return {"query": self.query, "normalized": self.normalized,
                "results": [r.as_json() for r in self.results]}


@dataclass(frozen=True)
class IngestReport:
    source_id: int
    status: str  # created | updated | unchanged | duplicate
    title: str
    passages: int = 0
    links: int = 0


@dataclass(frozen=True)
class ClaimSummary:
    passage_id: int
    text: str
    speaker: str | None
    paragraph: int
    counters: int = 0  # active counter-evidence links
    verdict: VerdictInfo | None = None
    drift: DriftInfo | None = None


@dataclass(frozen=True)
class LinkSummary:
    link_id: int
    claim_passage_id: int
    evidence_passage_id: int
    stance: str
    origin: str
    status: str
    confidence: float
    rationale: str
    # The evidence passage itself, so a front end can quote it instead of showing its id.
    evidence_text: str = ""
    evidence_speaker: str | None = None
    evidence_source_id: int | None = None
    evidence_paragraph: int | None = None


@dataclass(frozen=True)
class SourceCheckInfo:
    """The last verification of a URL source's page (None on SourceDetail: never checked)."""

    status: str | None  # intact | moved | changed | gone (worst quote), None before a successful check
    verified_at: datetime | None
    attempted_at: datetime | None
    last_error: str | None  # the last attempt failed (fetch error): findings above are older
    drifted_at: datetime | None
    intact: int = 0
    moved: int = 0
    changed: int = 0
    gone: int = 0


@dataclass(frozen=True)
class SourceDetail:
    source: SourceRef
    passages: int
    claims: list[ClaimSummary]
    links: list[LinkSummary]
    added_at: datetime | None = None
    added_by: str | None = None
    check: SourceCheckInfo | None = None
    from_url: bool = False  # added from a link: the drift check can re-fetch it


@dataclass(frozen=True)
class SourcePage:
    items: list[SourceRef]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class AuditEntry:
    actor_id: str
    action: str
    target: str
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class VoteTally:
    helpful: int
    not_helpful: int
    mine: bool | None = None


@dataclass(frozen=True)
class CheckPassage:
    """A verbatim passage that decides a source's verdict on a claim."""

    passage_id: int
    text: str
    stance: str  # "counters" | "supports" | "discusses"
    confidence: float
    rationale: str
    location: Location
    speaker: str | None = None

    def as_json(self) -> dict:
        return {"passage_id": self.passage_id, "text": self.text, "stance": self.stance,
                "confidence": round(self.confidence, 3), "rationale": self.rationale,
                "speaker": self.speaker, "location": self.location.as_json()}


@dataclass(frozen=True)
class SourceVerdict:
    """How one source bears on a checked claim."""

    source: SourceRef
    verdict: str  # "disputes" | "supports" | "discusses"
    confidence: float
    passages: list[CheckPassage]
    relevance: float = 0.0
    # The model's P(unrelated, discusses, supports, counters) for the claim against the window
    # of this source's best passages: what the verdict was read from.
    window_probabilities: tuple[float, ...] = ()

    def as_json(self) -> dict:
        source = self.source.as_json()
        return {"source": {k: source[k] for k in ("id", "title", "outlet", "author", "url", "published")},
                "verdict": self.verdict, "confidence": round(self.confidence, 3),
                "passages": [p.as_json() for p in self.passages]}


@dataclass(frozen=True)
class CheckAnswer:
    claim: str
    sources: list[SourceVerdict]

    def as_json(self) -> dict:
        return {"claim": self.claim, "sources": [s.as_json() for s in self.sources]}
