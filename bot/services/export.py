"""Exports for the fact-checking world: ClaimReview for verdicts, Web Annotation for links.

What goes out is what the owner may see: one server's export holds its own verdicts and the
links it may see (automatic ones and its own moderators'), with evidence only from sources
visible to it. `guild_id=ALL` (the operator's CLI) exports every owner's. The work is bounded
by what moderators created (verdicts) and by the link table, read in pages.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import json
from datetime import datetime, timezone

from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased

from bot.errors import BadInput
from bot.formats.annotation import Anchor, LinkRecord, annotation
from bot.formats.claimreview import Appearance, Evidence, ReviewedClaim, VerdictRecord, claim_review
from bot.models import (Claim, Link, LinkStatus, Passage, Source, SourceStatus, Stance, Verdict, as_utc,
                        scope_key)
from bot.scope import link_owner_visible, visible, visible_link, visible_scopes

if TYPE_CHECKING:
    from bot.app import Counterpoint

ALL = object()  # every owner (the CLI without --guild)
EVIDENCE_PER_CLAIM = 10
DISCORD_SERVER_URL = "https://discord.com/channels/{guild_id}"


def _appearance(source: Source) -> Appearance:
    return Appearance(headline=source.title, url=source.url, published=source.published, outlet=source.outlet,
                      author=source.author)


def review_url(base: str | None, guild_id: int | None, claim_passage_id: int) -> str:
    """The fact check's own page: the configured base (CLAIMREVIEW_URL), else the Discord
    server where the verdict was given. Each verdict gets its own fragment."""
    if base:
        return f"{base.rstrip('#')}#claim-{claim_passage_id}"
    if guild_id is None:
        raise BadInput("ClaimReview needs the address of the page where these fact checks are published: "
                       "set CLAIMREVIEW_URL (or pass --url) for the shared library's verdicts.")
    return f"{DISCORD_SERVER_URL.format(guild_id=guild_id)}#claim-{claim_passage_id}"


async def verdict_records(app: Counterpoint, *, guild_id=ALL) -> list[tuple[int | None, VerdictRecord]]:
    """(owner guild, record) for every verdict on an active, visible claim, oldest first."""
    out = []
    async with app.sessions() as session:
        stmt = (sa_select(Verdict, Passage, Claim.speaker, Source)
                .join(Passage, Passage.id == Verdict.claim_passage_id)
                .join(Source, Source.id == Passage.source_id)
                .outerjoin(Claim, Claim.passage_id == Passage.id)
                .where(Source.status == SourceStatus.active.value)
                .order_by(Verdict.id))
        if guild_id is not ALL:
            stmt = stmt.where(Verdict.scope == scope_key(guild_id), visible(guild_id))
        rows = (await session.exec(stmt)).all()
        for verdict, passage, speaker, source in rows:
            owner = verdict.guild_id
            if source.scope not in visible_scopes(owner):
                continue
            evidence = await _evidence(session, passage.id, owner)
            out.append((owner, VerdictRecord(
                verdict_id=verdict.id, rating=verdict.rating, note=verdict.note,
                created_at=as_utc(verdict.created_at), updated_at=as_utc(verdict.updated_at),
                claim=ReviewedClaim(passage_id=passage.id, text=passage.text, speaker=speaker or passage.speaker,
                                    appearance=_appearance(source)),
                evidence=evidence)))
    return out


async def _evidence(session, claim_id: int, guild_id: int | None) -> list[Evidence]:
    """The counter-evidence the verdict rests on: the claim's active `counters` links this
    owner may see, moderators' first."""
    evidence_source = aliased(Source)
    rows = (await session.exec(
        sa_select(Passage, evidence_source)
        .join(Link, Link.evidence_passage_id == Passage.id)
        .join(evidence_source, evidence_source.id == Passage.source_id)
        .where(Link.claim_passage_id == claim_id, Link.status == LinkStatus.active.value,
               Link.stance == Stance.counters.value, link_owner_visible(guild_id),
               visible(guild_id, source=evidence_source))
        .order_by(Link.origin.desc(), Link.confidence.desc(), Link.id)  # "moderator" > "auto"
        .limit(EVIDENCE_PER_CLAIM))).all()
    return [Evidence(text=p.text, speaker=p.speaker, appearance=_appearance(s)) for p, s in rows]


async def claimreview_export(app: Counterpoint, *, guild_id=ALL, organization: str | None = None,
                             base_url: str | None = None) -> list[dict]:
    """Every verdict as a ClaimReview object (a JSON-LD array)."""
    organization = organization or app.settings.claimreview_org_name or "Counterpoint"
    base_url = base_url or app.settings.claimreview_url
    return [claim_review(record, organization=organization,
                         review_url=review_url(base_url, owner, record.claim.passage_id))
            for owner, record in await verdict_records(app, guild_id=guild_id)]


LINK_PAGE = 1000


async def annotation_export(app: Counterpoint, *, guild_id=ALL, creator: str = "Counterpoint") -> list[dict]:
    """Every active stance link the owner may see, as a Web Annotation."""
    claim_p, evidence_p = aliased(Passage), aliased(Passage)
    claim_s, evidence_s = aliased(Source), aliased(Source)
    out: list[dict] = []
    last_id = 0
    async with app.sessions() as session:
        while True:
            stmt = (sa_select(Link, claim_p, claim_s.id, claim_s.url, evidence_p, evidence_s.id, evidence_s.url)
                    .join(claim_p, claim_p.id == Link.claim_passage_id)
                    .join(claim_s, claim_s.id == claim_p.source_id)
                    .join(evidence_p, evidence_p.id == Link.evidence_passage_id)
                    .join(evidence_s, evidence_s.id == evidence_p.source_id)
                    .where(Link.id > last_id, Link.status == LinkStatus.active.value,
                           claim_s.status == SourceStatus.active.value, evidence_s.status == SourceStatus.active.value)
                    .order_by(Link.id).limit(LINK_PAGE))
            if guild_id is not ALL:
                stmt = stmt.where(visible_link(guild_id, claim_source=claim_s, evidence_source=evidence_s))
            rows = (await session.exec(stmt)).all()
            for link, claim, claim_sid, claim_url, evidence, evidence_sid, evidence_url in rows:
                out.append(annotation(LinkRecord(
                    link_id=link.id, stance=link.stance, rationale=link.rationale, origin=link.origin,
                    confidence=link.confidence, created_at=as_utc(link.created_at),
                    claim=_anchor(claim, claim_sid, claim_url), evidence=_anchor(evidence, evidence_sid, evidence_url)),
                    creator=creator))
            if len(rows) < LINK_PAGE:
                return out
            last_id = rows[-1][0].id


def _anchor(passage: Passage, source_id: int, url: str | None) -> Anchor:
    return Anchor(source_id=source_id, source_url=url, exact=passage.text, prefix=passage.prefix,
                  suffix=passage.suffix, start=passage.char_start, end=passage.char_end)


def dumps(objects: list[dict]) -> str:
    """The export as a JSON-LD document (an array of objects, each with its @context)."""
    return json.dumps(objects, ensure_ascii=False, indent=2) + "\n"


def export_filename(kind: str, guild_id: int | None, now: datetime | None = None) -> str:
    day = (now or datetime.now(timezone.utc)).date().isoformat()
    owner = "shared" if guild_id is None else str(guild_id)
    return f"{kind}-{owner}-{day}.jsonld"
