"""schema.org ClaimReview JSON-LD for a moderator's verdict.

Shaped by Google's ClaimReview structured-data guidelines: required `claimReviewed`,
`reviewRating` (with the text rating in `alternateName`, the scale in `bestRating` /
`worstRating`) and `url` (the page of the fact check); recommended `author` (who checked),
`datePublished` and `itemReviewed` (a `Claim` with its `author`, the speaker, and its
`appearance`, the article). The context is exactly "https://schema.org", the one Google reads.
The counter-evidence a verdict rests on goes in `citation` (a ClaimReview is a CreativeWork).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.models import VERDICT_RATINGS

CONTEXT = "https://schema.org"


@dataclass(frozen=True)
class Appearance:
    """Where a quote appears: the source article."""

    headline: str
    url: str | None = None
    published: date | None = None
    outlet: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class ReviewedClaim:
    passage_id: int
    text: str  # verbatim
    speaker: str | None
    appearance: Appearance


@dataclass(frozen=True)
class Evidence:
    text: str  # verbatim
    speaker: str | None
    appearance: Appearance


@dataclass(frozen=True)
class VerdictRecord:
    verdict_id: int
    rating: str
    note: str
    created_at: datetime
    updated_at: datetime
    claim: ReviewedClaim
    evidence: list[Evidence] = field(default_factory=list)


def _person_or_org(name: str | None, kind: str = "Person") -> dict | None:
    return {"@type": kind, "name": name} if name else None


def creative_work(appearance: Appearance) -> dict:
    work: dict = {"@type": "CreativeWork", "headline": appearance.headline}
    if appearance.url:
        work["url"] = appearance.url
    if appearance.published:
        work["datePublished"] = appearance.published.isoformat()
    if appearance.author:
        work["author"] = _person_or_org(appearance.author)
    if appearance.outlet:
        work["publisher"] = _person_or_org(appearance.outlet, "Organization")
    return work


def claim_author(claim: ReviewedClaim) -> dict | None:
    """Who made the claim: the attributed speaker; a headline's claim is the outlet's."""
    if claim.speaker:
        return _person_or_org(claim.speaker)
    if claim.appearance.outlet:
        return _person_or_org(claim.appearance.outlet, "Organization")
    return _person_or_org(claim.appearance.author)


def claim_review(record: VerdictRecord, *, organization: str, review_url: str, organization_url: str | None = None
                 ) -> dict:
    """One ClaimReview object. `review_url`: the page of this fact check (required by Google)."""
    claim = record.claim
    item: dict = {"@type": "Claim", "appearance": creative_work(claim.appearance)}
    author = claim_author(claim)
    if author:
        item["author"] = author
    if claim.appearance.published:
        item["datePublished"] = claim.appearance.published.isoformat()
    org = {"@type": "Organization", "name": organization}
    if organization_url:
        org["url"] = organization_url
    review = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": review_url,
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": VERDICT_RATINGS.index(record.rating) + 1,
            "bestRating": len(VERDICT_RATINGS),
            "worstRating": 1,
            "alternateName": record.rating,
        },
        "author": org,
        "datePublished": record.created_at.date().isoformat(),
        "dateModified": record.updated_at.date().isoformat(),
    }
    if record.note:
        review["reviewBody"] = record.note
    if record.evidence:
        review["citation"] = [{**creative_work(e.appearance), "text": e.text,
                               **({"author": _person_or_org(e.speaker)} if e.speaker else {})}
                              for e in record.evidence]
    return review
