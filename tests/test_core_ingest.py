"""Storing the seed: one source, verbatim passages, idempotent re-ingest, edits in place."""
from pathlib import Path

from sqlmodel import select

from bot.models import Claim, IndexChange, Passage, Source
from bot.services.sources import ingest_document, ingest_file, list_sources

SEED_NAME = "000_8fb6bfb397d84a2e.txt"


async def _passages(app, source_id):
    async with app.sessions() as session:
        source = await session.get(Source, source_id)
        rows = (await session.exec(select(Passage).where(Passage.source_id == source_id).order_by(Passage.seq))).all()
        return source, list(rows)


async def test_seed_is_one_global_source_with_headline_title(app):
    page = await list_sources(app, guild_id=None)
    assert page.total == 1
    ref = page.items[0]
    assert ref.title.startswith("Pompeo Urges US to “Confront”")
    assert ref.guild_id is None
    assert (ref.outlet, ref.author, ref.url) == (None, None, None)
    assert ref.published.isoformat() == "2021-01-12" and ref.published_inferred


async def test_seed_passages_round_trip_offsets_and_skip_boilerplate(app):
    source, passages = await _passages(app, 1)
    assert passages, "the seed has passages"
    for p in passages:
        assert source.text[p.char_start:p.char_end] == p.text
        assert p.prefix == source.text[max(0, p.char_start - len(p.prefix)):p.char_start]
    joined = " ".join(p.text for p in passages)
    for boilerplate in ("Skip to content", "Tired of reading", "tax-deductible donation", "So are we!"):
        assert boilerplate not in joined
        assert boilerplate not in source.text
    kinds = {p.kind for p in passages}
    assert {"headline", "subtitle", "caption", "body"} <= kinds


async def test_ingesting_twice_changes_nothing(app, settings):
    seed = Path(settings.seeds_dir) / SEED_NAME
    before_source, before = await _passages(app, 1)
    report = await ingest_file(app, seed, guild_id=None, actor="cli")
    assert report.status == "unchanged" and report.source_id == 1
    after_source, after = await _passages(app, 1)
    assert [(p.id, p.text, p.char_start) for p in before] == [(p.id, p.text, p.char_start) for p in after]
    async with app.sessions() as session:
        assert len((await session.exec(select(Source))).all()) == 1
        assert len((await session.exec(select(IndexChange))).all()) == 1


async def test_edited_file_updates_source_in_place_and_keeps_unchanged_passage_ids(bare_app, tmp_path, seed_text):
    path = tmp_path / "article.txt"
    path.write_text(seed_text, encoding="utf-8")
    first = await ingest_file(bare_app, path, guild_id=123, actor="42")
    assert first.status == "created"
    _, before = await _passages(bare_app, first.source_id)
    rebuffed = next(p for p in before if "rebuffed Iranian offers" in p.text)
    edited = seed_text.replace("Five people were killed in the melee", "Five people died in the melee")
    path.write_text(edited, encoding="utf-8")
    second = await ingest_file(bare_app, path, guild_id=123, actor="42")
    assert (second.status, second.source_id) == ("updated", first.source_id)
    source, after = await _passages(bare_app, first.source_id)
    assert "Five people died in the melee" in source.text
    assert any("Five people died" in p.text for p in after)
    assert not any("Five people were killed" in p.text for p in after)
    kept = next(p for p in after if "rebuffed Iranian offers" in p.text)
    assert kept.id == rebuffed.id
    for p in after:
        assert source.text[p.char_start:p.char_end] == p.text


async def test_same_content_under_another_name_is_reported_as_duplicate(app, seed_text):
    report = await ingest_document(app, seed_text, filename="copy.txt", guild_id=None, actor="cli")
    assert report.status == "duplicate" and report.source_id == 1
    page = await list_sources(app, guild_id=None)
    assert page.total == 1


async def test_claims_are_recorded_for_attributed_passages(app):
    async with app.sessions() as session:
        rows = (await session.exec(select(Passage, Claim).join(Claim, Claim.passage_id == Passage.id))).all()
    speakers = {c.speaker for _, c in rows}
    assert "Mike Pompeo" in speakers
    assert any("at least eight of the 9/11 hijackers" in p.text and c.speaker == "Mike Pompeo" for p, c in rows)


async def test_oversized_metadata_is_cut_to_fit_on_both_backends(bare_app):
    long_author = "A" * 600
    report = await ingest_document(
        bare_app, "Short piece\n\nThe harbour wall opened on Monday, the mayor said.\n",
        filename="long.txt", guild_id=3, actor="1",
        overrides={"author": long_author, "outlet": "O" * 300, "url": "https://example.org/" + "x" * 3000})
    async with bare_app.sessions() as session:
        source = await session.get(Source, report.source_id)
    assert len(source.author) == 256 and source.author.endswith("…")
    assert len(source.outlet) == 256
    assert source.url is None


async def test_a_different_article_under_the_same_file_name_is_a_new_source(bare_app):
    budget = "Budget Vote Delayed\n\nThe council delayed the budget vote to March, the treasurer said.\n"
    bridge = "Harbour Bridge Reopens\n\nThe harbour bridge reopened on Friday after repairs, the mayor said.\n"
    first = await ingest_document(bare_app, budget, filename="article.txt", guild_id=8, actor="1")
    second = await ingest_document(bare_app, bridge, filename="article.txt", guild_id=8, actor="1")
    assert second.status == "created" and second.source_id != first.source_id
    assert (await list_sources(bare_app, guild_id=8)).total == 2
    corrected = budget.replace("to March", "to April")
    again = await ingest_document(bare_app, corrected, filename="article.txt", guild_id=8, actor="1")
    assert (again.status, again.source_id) == ("updated", first.source_id)


async def test_re_uploading_a_removed_source_says_so_and_changes_nothing(bare_app):
    from bot.services import curation

    text = "Budget Vote Delayed\n\nThe council delayed the budget vote to March, the treasurer said.\n"
    first = await ingest_document(bare_app, text, filename="budget.txt", guild_id=8, actor="1")
    await curation.remove_source(bare_app, first.source_id, guild_id=8, actor="1")
    again = await ingest_document(bare_app, text.replace("March", "May"), filename="budget.txt", guild_id=8, actor="1")
    assert (again.status, again.source_id) == ("removed", first.source_id)
    async with bare_app.sessions() as session:
        source = await session.get(Source, first.source_id)
    assert source.status == "removed" and "March" in source.text


async def test_ingest_reports_its_stages_in_order(app):
    from bot.services.sources import INGEST_STAGES, ingest_document

    seen: list[str] = []
    report = await ingest_document(app, "The harbour wall will be finished in May, the mayor said.\n",
                                   filename="wall.txt", guild_id=None, actor="test", progress=seen.append)
    assert report.status == "created"
    assert seen == list(INGEST_STAGES)
    again: list[str] = []
    await ingest_document(app, "The harbour wall will be finished in May, the mayor said.\n",
                          filename="wall.txt", guild_id=None, actor="test", progress=again.append)
    assert again == ["reading the text", "storing passages", "updating the search index"]  # unchanged: no search
