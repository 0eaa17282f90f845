"""Reading counter-evidence for an answer: one statement for everything a lookup needs.

A lookup needs, for its search hits: which hits are contested claims (and their
counter-evidence), and which hits are rebuttals (and the claims they rebut). Both come from
the links that touch the hits on either side, so one query answers both. It is a Core
statement built once with expanding parameters and returns plain rows: at a few ms per
answer, building statements and ORM objects per call cost more than the database did.

Visibility: a link is shown when it is active `counters`, automatic or made by a moderator of
this guild, and both its claim and its evidence sit in active sources this guild can see.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select, union_all
from sqlalchemy.orm import aliased

from bot.models import Link, LinkOrigin, LinkStatus, Passage, Source, SourceStatus, Stance, scope_key
from bot.results import CounterItem, Location, SourceRef

_claim_passage, _claim_source = aliased(Passage, name="cp"), aliased(Source, name="cs")
_evidence, _evidence_source = aliased(Passage, name="ep"), aliased(Source, name="es")

def _links_where(side_condition):
    return (
        select(Link.id, Link.claim_passage_id, Link.origin, Link.confidence, Link.rationale, Link.cross_source,
               Link.stance, _evidence.id, _evidence.text, _evidence.paragraph, _evidence.char_start,
               _evidence.char_end, _evidence.kind, _evidence.speaker, _evidence_source.id, _evidence_source.title,
               _evidence_source.outlet, _evidence_source.author, _evidence_source.url, _evidence_source.published,
               _evidence_source.published_inferred, _evidence_source.subtitle, _evidence_source.guild_id,
               _evidence_source.status)
        .join(_evidence, _evidence.id == Link.evidence_passage_id)
        .join(_evidence_source, _evidence_source.id == _evidence.source_id)
        .join(_claim_passage, _claim_passage.id == Link.claim_passage_id)
        .join(_claim_source, _claim_source.id == _claim_passage.source_id)
        .where(
            side_condition,
            Link.status == LinkStatus.active.value, Link.stance == Stance.counters.value,
            or_(Link.guild_id.is_(None), Link.guild_id.in_(bindparam("link_guilds", expanding=True))),
            _evidence_source.scope.in_(bindparam("scopes", expanding=True)),
            _evidence_source.status == SourceStatus.active.value,
            _claim_source.scope.in_(bindparam("claim_scopes", expanding=True)),
            _claim_source.status == SourceStatus.active.value,
        )
    )


# Two index lookups (by claim, by evidence) rather than one OR, which a planner may answer by
# scanning every link once the table is large.
_LINKS_TOUCHING = union_all(
    _links_where(Link.claim_passage_id.in_(bindparam("claims", expanding=True))),
    _links_where(Link.evidence_passage_id.in_(bindparam("evidence", expanding=True))),
)


@dataclass(frozen=True)
class CounterLinks:
    """Counter-evidence per claim (best first) and, per rebuttal, the claims it rebuts."""

    by_claim: dict[int, list[CounterItem]] = field(default_factory=dict)
    rebuts: dict[int, list[int]] = field(default_factory=dict)


def _params(guild_id: int | None, claims: Iterable[int], evidence: Iterable[int]) -> dict:
    scopes = [scope_key(None)] if guild_id is None else [scope_key(None), scope_key(guild_id)]
    return {"link_guilds": [] if guild_id is None else [guild_id], "scopes": scopes, "claim_scopes": scopes,
            "claims": list(dict.fromkeys(claims)), "evidence": list(dict.fromkeys(evidence))}


def _rank_key(row, relevance: Mapping[int, float]):
    # moderator links first, then confidence, then how well the evidence matched the query
    return (row[2] != LinkOrigin.moderator.value, -row[3], -relevance.get(row[7], 0.0), row[7])


def _item(row) -> CounterItem:
    (link_id, _claim, origin, confidence, rationale, cross, stance, pid, text, paragraph, start, end, kind,
     speaker, sid, title, outlet, author, url, published, inferred, subtitle, guild, status) = row
    return CounterItem(
        passage_id=pid, text=text, stance=stance, origin=origin, rationale=rationale, confidence=confidence,
        source=SourceRef(id=sid, title=title, outlet=outlet, author=author, url=url, published=published,
                         published_inferred=inferred, subtitle=subtitle, guild_id=guild, status=status),
        location=Location(paragraph=paragraph, char_start=start, char_end=end, kind=kind),
        speaker=speaker, cross_source=cross, link_id=link_id)


async def counter_links(session, *, guild_id: int | None, claims: Iterable[int] = (), evidence: Iterable[int] = (),
                        relevance: Mapping[int, float] | None = None) -> CounterLinks:
    """Visible counter links whose claim is in `claims` or whose evidence is in `evidence`."""
    params = _params(guild_id, claims, evidence)
    if not params["claims"] and not params["evidence"]:
        return CounterLinks()
    rows = (await session.exec(_LINKS_TOUCHING, params=params)).all()
    relevance = relevance or {}
    wanted_claims, wanted_evidence = set(params["claims"]), set(params["evidence"])
    out = CounterLinks()
    rows = list({row[0]: row for row in rows}.values())  # a link can match on both sides
    for row in sorted(rows, key=lambda r: _rank_key(r, relevance)):
        claim_id, evidence_id = row[1], row[7]
        if claim_id in wanted_claims:
            out.by_claim.setdefault(claim_id, []).append(_item(row))
        if evidence_id in wanted_evidence:
            out.rebuts.setdefault(evidence_id, []).append(claim_id)
    return out
