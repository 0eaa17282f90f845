"""Counter-evidence costs bounded work whatever a moderator uploads (both backends).

A generated hostile article (thousands of short attributed claims sharing their words, the
case that took over ten minutes when every claim met every passage) is decided within the
per-source pair budget and still gets its rebuttals; id lists are chunked, so a source with
more passages than PostgreSQL's 32767 bind parameters allow in one statement is handled.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import select

from benchmarks.hostile import claim_like_article
from bot.ingest.bulk import BulkDocument, bulk_ingest
from bot.models import Claim, Link, Passage, Source
from bot.services.sources import get_source, ingest_document
from bot.stance import service as stance_service
from bot.db import chunked
from bot.stance.service import _take_by_rank

HOSTILE_BYTES = 256 * 1024
MAX_PAIRS = 1_500


@pytest.fixture
def settings(settings):
    return replace(settings, stance_max_pairs=MAX_PAIRS)


@pytest.fixture
def decided(monkeypatch) -> list[int]:
    """Sizes of the batches given to `decide_pairs` (the work the rules do)."""
    sizes: list[int] = []
    real = stance_service.decide_pairs

    def counting(pairs):
        sizes.append(len(pairs))
        return real(pairs)

    monkeypatch.setattr(stance_service, "decide_pairs", counting)
    return sizes


async def _count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_a_hostile_article_is_decided_within_the_pair_budget(app, decided):
    text = claim_like_article(HOSTILE_BYTES)
    report = await ingest_document(app, text, filename="hostile.txt", guild_id=None, actor="test")
    assert report.status == "created"
    claims = await _count(app, Claim, Claim.passage_id.in_(
        select(Passage.id).where(Passage.source_id == report.source_id)))
    assert claims > 2_500 and report.passages > 3_000  # all pairs would be millions
    assert len(decided) == 1 and 0 < decided[0] <= MAX_PAIRS
    # The budget still finds the article's rebuttals, inside the source.
    own_links = await _count(app, Link, Link.stance == "counters", ~Link.cross_source)
    assert own_links > 0 and report.links > 0
    detail = await get_source(app, report.source_id, guild_id=None)
    assert len(detail.claims) == claims and any(c.counters for c in detail.claims)


async def test_the_budget_goes_to_every_claims_best_candidates_first():
    ranked = [[(1, 10), (1, 11), (1, 12)], [(2, 20), (2, 21)], [(3, 30)]]
    assert _take_by_rank(ranked, 4) == [(1, 10), (2, 20), (3, 30), (1, 11)]
    assert _take_by_rank(ranked, 100) == [(1, 10), (2, 20), (3, 30), (1, 11), (2, 21), (1, 12)]
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


async def test_small_id_chunks_give_the_same_links(app, monkeypatch, decided):
    """Every id list goes through `chunked`: with chunks of 7 ids the seed plus a rebuttal
    article get exactly the links they get in one statement."""
    from tests.test_stance_cross import _ingest

    await _ingest(app, "stance_rebuttal_iran.txt")
    async with app.sessions() as session:
        before = sorted((l.claim_passage_id, l.evidence_passage_id, l.stance, l.rationale)
                        for l in (await session.exec(select(Link))).all())
        source_id = (await session.exec(select(Source.id).where(Source.origin == "upload:stance_rebuttal_iran.txt"))).one()
    monkeypatch.setattr("bot.db.ID_CHUNK", 7)
    async with app.sessions() as session:
        await session.exec(Link.__table__.delete().where(Link.cross_source))
        stats = await stance_service.detect_links(session, source_id, index=app.index)
        await session.commit()
    async with app.sessions() as session:
        after = sorted((l.claim_passage_id, l.evidence_passage_id, l.stance, l.rationale)
                       for l in (await session.exec(select(Link))).all())
    assert after == before and stats.cross_source > 0


async def test_a_source_with_more_passages_than_bind_parameters_is_linked(bare_app):
    """16,500 passages: listing their ids twice in one statement (the old query) exceeded
    PostgreSQL's 32767 parameters; now the links of a source are found by joining on it."""
    doc = BulkDocument(origin="bench:huge", title="A very long transcript",
                       sentences=[f"Speaker {i % 40} talked about harbour {i % 97} and tariff {i % 53}."
                                  for i in range(16_500)])
    report = await bulk_ingest(bare_app, [doc], detect_stance=True)
    assert report.created == 1 and report.passages == 16_500
    assert await _count(bare_app, Passage) == 16_500
