"""Moderation services: guild isolation, soft removal, aliases, links, audit."""
import pytest
from sqlmodel import select

from bot.errors import NotAllowed, NotFound
from bot.models import AuditLog, Link
from bot.services import curation
from bot.services.lookup import lookup
from bot.services.sources import get_source, ingest_document, list_sources

ARTICLE = """Harbour Council Approves Flood Wall

The council voted on Monday to build a flood wall along the harbour.

Mayor Jane Doe said the wall “will protect four thousand homes from winter storms.”
"""


async def _guild_source(app, guild_id=10):
    return await ingest_document(app, ARTICLE, filename="flood.txt", guild_id=guild_id, actor="99")


async def test_guild_source_is_visible_to_its_guild_only(app):
    report = await _guild_source(app)
    assert report.status == "created"
    mine = await lookup(app, "flood wall harbour", guild_id=10)
    other = await lookup(app, "flood wall harbour", guild_id=11)
    assert mine.results and mine.results[0].source.id == report.source_id
    assert all(r.source.id != report.source_id for r in other.results)
    with pytest.raises(NotFound):
        await get_source(app, report.source_id, guild_id=11)
    assert (await list_sources(app, guild_id=11)).total == 1  # the seed only


async def test_remove_and_restore_hide_and_show_a_source(app):
    report = await _guild_source(app)
    await curation.remove_source(app, report.source_id, guild_id=10, actor="5")
    assert not (await lookup(app, "flood wall harbour", guild_id=10)).results
    await curation.restore_source(app, report.source_id, guild_id=10, actor="5")
    assert (await lookup(app, "flood wall harbour", guild_id=10)).results
    async with app.sessions() as session:
        actions = [a.action for a in (await session.exec(select(AuditLog).order_by(AuditLog.id))).all()]
    assert actions[-2:] == ["source.remove", "source.restore"]


async def test_moderators_cannot_touch_seed_or_other_guild_sources(app):
    report = await _guild_source(app, guild_id=10)
    with pytest.raises(NotAllowed):
        await curation.remove_source(app, 1, guild_id=10, actor="5")
    with pytest.raises(NotFound):
        await curation.remove_source(app, report.source_id, guild_id=11, actor="5")
    with pytest.raises(NotFound):
        await curation.edit_source(app, report.source_id, guild_id=11, actor="5", title="Hijacked")


async def test_edit_changes_metadata_and_marks_date_as_given(app):
    report = await _guild_source(app)
    ref = await curation.edit_source(app, report.source_id, guild_id=10, actor="5",
                                     outlet="Harbour Gazette", published="2024-03-01")
    assert ref.outlet == "Harbour Gazette" and ref.published.isoformat() == "2024-03-01"
    assert not ref.published_inferred


async def test_alias_expands_queries_for_that_guild(app):
    await _guild_source(app)
    assert not (await lookup(app, "seawall", guild_id=10)).results
    await curation.set_alias(app, guild_id=10, actor="5", term="seawall", canonical="flood wall")
    assert (await lookup(app, "seawall", guild_id=10)).results
    assert not any(r.source.guild_id == 10 for r in (await lookup(app, "seawall", guild_id=11)).results)


async def test_moderator_link_outranks_and_unlink_of_auto_link_is_rejection(app):
    report = await _guild_source(app)
    detail = await get_source(app, report.source_id, guild_id=10)
    claim = next(c for c in detail.claims if c.speaker == "Jane Doe")
    seed_claim = next(c for c in (await get_source(app, 1, guild_id=10)).claims if "eight of the 9/11" in c.text)
    # evidence from the guild's own source against a seed claim: allowed
    link_id = await curation.link(app, guild_id=10, actor="5", claim_passage_id=seed_claim.passage_id,
                                  evidence_passage_id=claim.passage_id, stance="counters")
    first = (await lookup(app, "at least eight of the 9/11 hijackers traveled through Iran", guild_id=10)).results[0]
    assert first.counter_evidence[0].origin == "moderator"
    assert first.counter_evidence[0].passage_id == claim.passage_id
    other_guild = (await lookup(app, "at least eight of the 9/11 hijackers traveled through Iran", guild_id=11)).results[0]
    assert all(c.passage_id != claim.passage_id for c in other_guild.counter_evidence)
    assert await curation.unlink(app, guild_id=10, actor="5", claim_passage_id=seed_claim.passage_id,
                                 evidence_passage_id=claim.passage_id) == "removed"
    async with app.sessions() as session:
        assert await session.get(Link, link_id) is None


async def test_seed_only_links_are_refused_for_guild_moderators(app):
    seed = await get_source(app, 1, guild_id=10)
    a, b = seed.claims[0].passage_id, seed.claims[1].passage_id
    with pytest.raises(NotAllowed):
        await curation.link(app, guild_id=10, actor="5", claim_passage_id=a, evidence_passage_id=b, stance="counters")


async def test_moderator_role_makes_a_member_a_moderator(app):
    assert not await curation.is_moderator(app, guild_id=10, has_manage_guild=False, role_ids=[7])
    await curation.set_moderator_role(app, guild_id=10, role_id=7, actor="1")
    assert await curation.is_moderator(app, guild_id=10, has_manage_guild=False, role_ids=[7])
    assert not await curation.is_moderator(app, guild_id=11, has_manage_guild=False, role_ids=[7])
    entries = await curation.audit_entries(app, guild_id=10)
    assert entries[0].action == "role.set" and entries[0].actor_id == "1"


DISPUTED = """Harbour Wall Will Save Homes, Mayor Says

Mayor Jane Doe claimed on Monday that the harbour flood wall will protect four thousand homes from storm surges.

Engineers at the state flood agency said, however, that there is no evidence the harbour flood wall will protect those homes from storm surges.
"""


# Words only the mayor's claim holds all of: it is the top result whether or not the rebuttal
# (which holds four of them) is linked to it.
TOPIC = "harbour flood wall four thousand homes"


async def test_rejected_automatic_link_stays_rejected_after_reingestion(bare_app, tmp_path):
    app = bare_app
    path = tmp_path / "wall.txt"
    path.write_text(DISPUTED, encoding="utf-8")
    report = await curation_ingest(app, path)
    first = (await lookup(app, TOPIC, guild_id=10)).results[0]
    assert first.speaker == "Jane Doe"
    rebuttal = next(c for c in first.counter_evidence if "no evidence" in c.text)
    assert rebuttal.origin == "auto"
    assert await curation.unlink(app, guild_id=10, actor="5", claim_passage_id=first.passage_id,
                                 evidence_passage_id=rebuttal.passage_id) == "rejected"
    path.write_text(DISPUTED + "\nThe council meets again next week.\n", encoding="utf-8")
    again = await curation_ingest(app, path)
    assert again.status == "updated" and again.source_id == report.source_id
    after = (await lookup(app, TOPIC, guild_id=10)).results[0]
    assert after.passage_id == first.passage_id
    assert all(c.passage_id != rebuttal.passage_id for c in after.counter_evidence)
    async with app.sessions() as session:
        row = (await session.exec(select(Link).where(Link.claim_passage_id == first.passage_id,
                                                     Link.evidence_passage_id == rebuttal.passage_id))).one()
    assert row.status == "rejected"


async def curation_ingest(app, path):
    from bot.services.sources import ingest_file

    return await ingest_file(app, path, guild_id=10, actor="5")


async def test_restoring_a_source_brings_back_its_cross_source_counter_evidence(app):
    from bot.config import PROJECT_ROOT
    from bot.services.sources import ingest_file

    report = await ingest_file(app, PROJECT_ROOT / "tests" / "data" / "stance_rebuttal_iran.txt", guild_id=10, actor="5")
    topic = "Iran home base for al-Qaeda"

    async def cross_counters():
        results = (await lookup(app, topic, guild_id=10)).results
        return [c for r in results for c in r.counter_evidence if c.source.id == report.source_id]

    before = await cross_counters()
    assert before and all(c.cross_source for c in before)
    await curation.remove_source(app, report.source_id, guild_id=10, actor="5")
    assert await cross_counters() == []
    # The seed is re-checked while the guild source is away (e.g. the seed file was edited).
    from bot.stance.service import detect_links

    async with app.sessions() as session:
        await detect_links(session, 1, index=app.index)
        await session.commit()
    await curation.restore_source(app, report.source_id, guild_id=10, actor="5")
    assert {c.passage_id for c in await cross_counters()} == {c.passage_id for c in before}


async def test_source_details_show_no_links_into_another_guilds_sources(app):
    from bot.config import PROJECT_ROOT
    from bot.services.sources import ingest_file

    report = await ingest_file(app, PROJECT_ROOT / "tests" / "data" / "stance_rebuttal_iran.txt", guild_id=10, actor="5")
    async with app.sessions() as session:
        from bot.models import Passage

        private = set((await session.exec(select(Passage.id).where(Passage.source_id == report.source_id))).all())
    mine = await get_source(app, 1, guild_id=10)
    other = await get_source(app, 1, guild_id=11)
    assert any(l.evidence_passage_id in private for l in mine.links)
    assert not any(l.evidence_passage_id in private for l in other.links)
    counts_mine = {c.passage_id: c.counters for c in mine.claims}
    counts_other = {c.passage_id: c.counters for c in other.claims}
    assert sum(counts_mine.values()) > sum(counts_other.values())


async def test_an_acronym_alias_keeps_its_case(app):
    await _guild_source(app)
    await curation.set_alias(app, guild_id=10, actor="5", term="FW", canonical="flood wall")
    assert (await lookup(app, "FW harbour", guild_id=10)).results
    await curation.set_alias(app, guild_id=10, actor="5", term="US", canonical="harbour flood wall")
    answer = await lookup(app, "US", guild_id=10)
    assert answer.results and answer.results[0].source.guild_id == 10
    await curation.remove_alias(app, guild_id=10, actor="5", term="us")  # any case removes it
    assert all(r.source.guild_id != 10 for r in (await lookup(app, "US", guild_id=10)).results)


@pytest.mark.parametrize("huge", [3_000_000_000, 10**25, 0, -1])
async def test_ids_outside_the_database_range_are_simply_not_on_file(app, huge):
    from bot.services.votes import vote

    with pytest.raises(NotFound):
        await get_source(app, huge, guild_id=10)
    with pytest.raises(NotFound):
        await curation.remove_source(app, huge, guild_id=10, actor="5")
    with pytest.raises(NotFound):
        await curation.link(app, guild_id=10, actor="5", claim_passage_id=huge, evidence_passage_id=1, stance="counters")
    with pytest.raises(NotFound):
        await vote(app, guild_id=10, user_id=1, passage_id=huge, helpful=True)
