"""Cross-source counter-evidence through the real ingestion path: a second article that
rebuts a seed claim in other words becomes a (lower-confidence) candidate, one that supports
it never does, and guild sources stay inside their guild."""
from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot.models import Link, Passage
from bot.services.sources import ingest_document
from bot.stance.service import counter_evidence_for, detect_links, rebutted_claims

DATA = Path(__file__).parent / "data"
HOME_BASE = "He then described Iran as “a new home base for al-Qaeda,”"
EIGHT = "The secretary of state pointed to reporting"


async def _ingest(app, name: str, guild_id=None):
    raw = (DATA / name).read_text(encoding="utf-8")
    return await ingest_document(app, raw, filename=name, guild_id=guild_id, actor="test")


async def _passage_id(app, start: str) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(Passage.id).where(Passage.text.startswith(start)))).one()


async def _cross_links(app, source_id: int) -> list[tuple[Link, Passage, Passage]]:
    async with app.sessions() as session:
        links = (await session.exec(select(Link).where(Link.cross_source))).all()
        out = []
        for link in links:
            claim = await session.get(Passage, link.claim_passage_id)
            evidence = await session.get(Passage, link.evidence_passage_id)
            if source_id in (claim.source_id, evidence.source_id):
                out.append((link, claim, evidence))
        return out


async def test_rebutting_article_becomes_cross_source_counter_evidence(app):
    report = await _ingest(app, "stance_rebuttal_iran.txt")
    home_base, eight = await _passage_id(app, HOME_BASE), await _passage_id(app, EIGHT)
    async with app.sessions() as session:
        found = await counter_evidence_for(session, [home_base, eight], guild_id=None)
    home_items = [i for i in found[home_base] if i.cross_source]
    assert [i.text[:60] for i in home_items] == [
        "Former counterterrorism officials said on Wednesday that the"]
    item = home_items[0]
    assert item.source.id == report.source_id and item.source.title.startswith("Former Officials Dispute")
    assert item.rationale.startswith("cross-source candidate") and '"not supported"' in item.rationale
    own_best = max(i.confidence for i in found[home_base] if not i.cross_source)
    assert item.confidence < own_best  # a candidate ranks below the article's own rebuttals
    eight_items = [i for i in found[eight] if i.cross_source]
    assert [i.text[:40] for i in eight_items] == ["Analysts also disputed the idea that the"]
    assert '"disputed"' in eight_items[0].rationale
    async with app.sessions() as session:
        rebuts = await rebutted_claims(session, [eight_items[0].passage_id], guild_id=None)
    assert eight in rebuts[eight_items[0].passage_id]


async def test_supporting_article_never_becomes_counter_evidence(app):
    report = await _ingest(app, "stance_support_iran.txt")
    links = await _cross_links(app, report.source_id)
    assert [(l.stance, c.text[:40], e.text[:40]) for l, c, e in links if l.stance == "counters"] == []
    eight = await _passage_id(app, EIGHT)
    async with app.sessions() as session:
        found = await counter_evidence_for(session, [eight], guild_id=None)
    assert all(i.source.id != report.source_id for i in found.get(eight, []))


async def test_old_claims_get_new_evidence_and_new_claims_get_old_evidence(bare_app):
    """Order does not matter: ingesting the rebuttal first, then the seed, links the same pair."""
    app = bare_app
    await _ingest(app, "stance_rebuttal_iran.txt")
    seed = Path(app.settings.seeds_dir) / "000_8fb6bfb397d84a2e.txt"
    await ingest_document(app, seed.read_text(encoding="utf-8"), filename=seed.name, guild_id=None, actor="test")
    home_base = await _passage_id(app, HOME_BASE)
    async with app.sessions() as session:
        found = await counter_evidence_for(session, [home_base], guild_id=None)
    assert any(i.cross_source and i.text.startswith("Former counterterrorism officials") for i in found[home_base])


async def test_a_guild_article_rebuts_the_seed_only_inside_that_guild(app):
    await _ingest(app, "stance_rebuttal_iran.txt", guild_id=77)
    home_base = await _passage_id(app, HOME_BASE)
    async with app.sessions() as session:
        in_guild = await counter_evidence_for(session, [home_base], guild_id=77)
        other = await counter_evidence_for(session, [home_base], guild_id=78)
        everyone = await counter_evidence_for(session, [home_base], guild_id=None)
    assert any(i.cross_source for i in in_guild[home_base])
    assert not any(i.cross_source for i in other[home_base])
    assert not any(i.cross_source for i in everyone[home_base])


async def test_rejected_cross_source_link_stays_rejected_on_redetection(app):
    report = await _ingest(app, "stance_rebuttal_iran.txt")
    links = await _cross_links(app, report.source_id)
    target = next(l for l, _, _ in links if l.stance == "counters")
    async with app.sessions() as session:
        row = await session.get(Link, target.id)
        row.status = "rejected"
        session.add(row)
        await session.commit()
    async with app.sessions() as session:
        stats = await detect_links(session, report.source_id, index=app.index)
        await session.commit()
    async with app.sessions() as session:
        row = await session.get(Link, target.id)
    assert row.status == "rejected" and stats.kept_rejected >= 1
    live = [l for l, _, _ in links if l.stance == "counters" and l.id != target.id]
    assert stats.cross_source == len(live) >= 1  # the other candidate stays active
