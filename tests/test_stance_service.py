"""Stance links in the database: detection within a source, curation respected on
re-detection, and the two readers used by /lookup (both backends)."""
from __future__ import annotations

from sqlmodel import select

from bot.models import Link, Source
from bot.stance.service import counter_evidence_for, detect_links, rebutted_claims
from tests._stance_helpers import (
    AT_ODDS, AXIS, EIGHT_HIJACKERS, HARD_SHELL, NEW_AFGHANISTAN, NO_INTELLIGENCE, PASSPORTS, REBUFFED, SEED_PASSAGES,
    SMOOTH_TRANSITION, pid, store_passages,
)


async def _seed(session_factory, guild_id=None):
    async with session_factory() as session:
        source_id, ids = await store_passages(session, SEED_PASSAGES, title="Pompeo Urges US", origin="file:seed",
                                              guild_id=guild_id)
        stats = await detect_links(session, source_id)
        await session.commit()
    return source_id, ids, stats


async def _links(session_factory):
    async with session_factory() as session:
        return {(l.claim_passage_id, l.evidence_passage_id): l for l in (await session.exec(select(Link))).all()}


async def test_detect_links_stores_the_articles_rebuttals_and_no_self_counters(session_factory):
    _, ids, stats = await _seed(session_factory)
    links = await _links(session_factory)
    counters = {pair for pair, l in links.items() if l.stance == "counters"}
    assert (pid(ids, AXIS), pid(ids, NO_INTELLIGENCE)) in counters
    assert (pid(ids, EIGHT_HIJACKERS), pid(ids, REBUFFED)) in counters
    assert (pid(ids, NEW_AFGHANISTAN), pid(ids, AT_ODDS)) in counters
    assert (pid(ids, HARD_SHELL), pid(ids, AXIS)) in counters  # his own concession
    assert (pid(ids, AXIS), pid(ids, AXIS)) not in links
    for own in (EIGHT_HIJACKERS, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL):
        for other in (EIGHT_HIJACKERS, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL):
            assert (pid(ids, own), pid(ids, other)) not in counters
    assert all(l.origin == "auto" and l.status == "active" and not l.cross_source and l.rationale for l in links.values())
    assert stats.created == len(links) and stats.total == len(links)


async def test_redetection_keeps_moderator_links_and_rejections_and_prunes_stale(session_factory):
    source_id, ids, _ = await _seed(session_factory)
    axis, times, odds = pid(ids, AXIS), pid(ids, NO_INTELLIGENCE), pid(ids, AT_ODDS)
    smooth = pid(ids, SMOOTH_TRANSITION)
    async with session_factory() as session:
        rejected = (await session.exec(select(Link).where(Link.claim_passage_id == axis,
                                                          Link.evidence_passage_id == times))).one()
        rejected.status = "rejected"
        session.add(rejected)
        # A moderator link the rules would never produce, and a stale auto link.
        session.add(Link(claim_passage_id=smooth, evidence_passage_id=odds, stance="counters", origin="moderator",
                         guild_id=None, confidence=1.0, rationale="moderator"))
        session.add(Link(claim_passage_id=smooth, evidence_passage_id=times, stance="counters", origin="auto",
                         confidence=0.9, rationale="old rule"))
        await session.commit()
    async with session_factory() as session:
        stats = await detect_links(session, source_id)
        await session.commit()
    links = await _links(session_factory)
    assert links[(axis, times)].status == "rejected"
    assert links[(smooth, odds)].origin == "moderator" and links[(smooth, odds)].rationale == "moderator"
    assert (smooth, times) not in links
    assert stats.deleted == 1 and stats.kept_rejected == 1 and stats.created == 0


async def test_counter_evidence_for_ranks_and_cites(session_factory):
    _, ids, _ = await _seed(session_factory)
    axis = pid(ids, AXIS)
    async with session_factory() as session:
        found = await counter_evidence_for(session, [axis], guild_id=None)
    items = found[axis]
    texts = [i.text for i in items]
    assert NO_INTELLIGENCE.text in texts and AT_ODDS.text in texts
    assert [i.confidence for i in items] == sorted((i.confidence for i in items), reverse=True)
    times = next(i for i in items if i.text == NO_INTELLIGENCE.text)
    assert times.speaker == "The New York Times" and times.origin == "auto" and times.stance == "counters"
    assert times.source.title == "Pompeo Urges US"
    async with session_factory() as session:
        source = (await session.exec(select(Source))).one()
    assert source.text[times.location.char_start:times.location.char_end] == NO_INTELLIGENCE.text
    assert "no underlying intelligence" in times.rationale


async def test_moderator_link_ranks_first_and_only_in_its_guild(session_factory):
    _, ids, _ = await _seed(session_factory)
    axis, smooth = pid(ids, AXIS), pid(ids, SMOOTH_TRANSITION)
    async with session_factory() as session:
        session.add(Link(claim_passage_id=axis, evidence_passage_id=smooth, stance="counters", origin="moderator",
                         guild_id=42, confidence=0.1, rationale="a moderator says so"))
        await session.commit()
    async with session_factory() as session:
        in_guild = await counter_evidence_for(session, [axis], guild_id=42)
        elsewhere = await counter_evidence_for(session, [axis], guild_id=7)
    assert in_guild[axis][0].passage_id == smooth and in_guild[axis][0].origin == "moderator"
    assert smooth not in [i.passage_id for i in elsewhere[axis]]


async def test_removed_or_invisible_evidence_is_not_shown(session_factory):
    _, ids, _ = await _seed(session_factory, guild_id=5)
    axis = pid(ids, AXIS)
    async with session_factory() as session:
        assert axis in await counter_evidence_for(session, [axis], guild_id=5)
        assert await counter_evidence_for(session, [axis], guild_id=6) == {}
        assert await counter_evidence_for(session, [axis], guild_id=None) == {}
        source = (await session.exec(select(Source))).one()
        source.status = "removed"
        session.add(source)
        await session.commit()
    async with session_factory() as session:
        assert await counter_evidence_for(session, [axis], guild_id=5) == {}


async def test_rebutted_claims_maps_a_rebuttal_to_the_claims_it_answers(session_factory):
    _, ids, _ = await _seed(session_factory)
    times = pid(ids, NO_INTELLIGENCE)
    async with session_factory() as session:
        found = await rebutted_claims(session, [times, pid(ids, SMOOTH_TRANSITION)], guild_id=None)
    assert pid(ids, AXIS) in found[times]
    assert pid(ids, NEW_AFGHANISTAN) in found[times]
    assert pid(ids, SMOOTH_TRANSITION) not in found
