"""Reading counter-evidence for an answer: one statement for everything a lookup needs.

A lookup needs, for its search hits: which hits are contested claims (and their
counter-evidence), and which hits are rebuttals (and the claims they rebut). Both come from
the links that touch the hits on either side, so one query answers both. It is a Core
statement built once with expanding parameters and returns plain rows: at a few ms per
answer, building statements and ORM objects per call cost more than the database did.

Visibility (`bot.scope`): a link is shown when it is active `counters`, automatic or made by a
moderator of this guild, and both its claim and its evidence sit in active sources this guild
can see.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, union_all

from bot.models import Link, LinkOrigin, LinkStatus, Stance
from bot.results import CounterItem, Location
from bot.scope import (EvidencePassage, EvidenceSource, bound_visibility_params, bound_visible_link, join_link_ends,
                       source_columns, source_ref_from_row)

_evidence, _evidence_source = EvidencePassage, EvidenceSource


def _links_where(side_condition):
    return (
        join_link_ends(select(
            Link.id.label("link_id"), Link.claim_passage_id.label("claim_id"), Link.origin, Link.confidence,
            Link.rationale, Link.cross_source, Link.stance, _evidence.id.label("evidence_id"),
            _evidence.text, _evidence.paragraph, _evidence.char_start, _evidence.char_end, _evidence.kind,
            _evidence.speaker, *source_columns(_evidence_source)).select_from(Link))
        .where(
            side_condition,
            Link.status == LinkStatus.active.value, Link.stance == Stance.counters.value,
            bound_visible_link(),
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
    return {**bound_visibility_params(guild_id), "claims": list(dict.fromkeys(claims)), "evidence": list(dict.fromkeys(evidence))}


def _rank_key(row, relevance: Mapping[int, float]):
    # moderator links first, then confidence, then how well the evidence matched the query
    return (row.origin != LinkOrigin.moderator.value, -row.confidence, -relevance.get(row.evidence_id, 0.0),
            row.evidence_id)


def _item(row) -> CounterItem:
    return CounterItem(
        passage_id=row.evidence_id, text=row.text, stance=row.stance, origin=row.origin, rationale=row.rationale,
        confidence=row.confidence, source=source_ref_from_row(row),
        location=Location(paragraph=row.paragraph, char_start=row.char_start, char_end=row.char_end, kind=row.kind),
        speaker=row.speaker, cross_source=row.cross_source, link_id=row.link_id)


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
    rows = list({row.link_id: row for row in rows}.values())  # a link can match on both sides
    for row in sorted(rows, key=lambda r: _rank_key(r, relevance)):
        claim_id, evidence_id = row.claim_id, row.evidence_id
        if claim_id in wanted_claims:
            out.by_claim.setdefault(claim_id, []).append(_item(row))
        if evidence_id in wanted_evidence:
            out.rebuts.setdefault(evidence_id, []).append(claim_id)
    return out
