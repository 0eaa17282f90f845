"""Bulk ingest of sentence corpora: exact offsets, one index change per source, found by
/lookup with its citation, idempotent re-runs, duplicates and guild scoping."""
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.errors import BadInput
from bot.ingest.bulk import BulkDocument, bulk_ingest
from bot.models import AuditLog, IndexChange, Passage, Source
from bot.services.lookup import lookup

REUTERS = BulkDocument(
    origin="bench:reuters:0001", title="Cocoa exports slump", outlet="Reuters",
    sentences=["Ivory Coast cocoa exports fell sharply in March.",
               "  Traders blamed  the\nlate rains for the   poor harvest. ",
               "",
               "Prices on the London market rose to a four-year high."])
BBC = BulkDocument(
    origin="bench:bbc:0002", title="Glacier retreat measured",
    sentences=["Alpine glaciers lost a tenth of their volume in two summers.",
               "Scientists measured the retreat with drones and satellites."])


def _corpus(n_docs: int, per_doc: int = 3) -> list[BulkDocument]:
    return [BulkDocument(origin=f"bench:synthetic:{d}", title=f"Synthetic {d}",
                         sentences=[f"Document {d} sentence {s} mentions zebra{d} and walrus{s}." for s in range(per_doc)])
            for d in range(n_docs)]


async def _count(app, model) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_passages_are_verbatim_slices_of_the_joined_source_text(bare_app):
    report = await bulk_ingest(bare_app, [REUTERS, BBC])
    assert (report.created, report.passages) == (2, 5)
    async with bare_app.sessions() as session:
        source = (await session.exec(select(Source).where(Source.origin == REUTERS.origin))).one()
        rows = (await session.exec(select(Passage).where(Passage.source_id == source.id).order_by(Passage.seq))).all()
    assert source.text == ("Ivory Coast cocoa exports fell sharply in March. Traders blamed the late rains for the "
                           "poor harvest. Prices on the London market rose to a four-year high.")
    assert [p.text for p in rows] == ["Ivory Coast cocoa exports fell sharply in March.",
                                      "Traders blamed the late rains for the poor harvest.",
                                      "Prices on the London market rose to a four-year high."]
    for p in rows:
        assert source.text[p.char_start:p.char_end] == p.text
        assert source.text[max(0, p.char_start - len(p.prefix)):p.char_start] == p.prefix
        assert source.text[p.char_end:p.char_end + len(p.suffix)] == p.suffix
        assert p.paragraph == 1 and p.kind == "body"
    assert (source.title, source.outlet, source.guild_id, source.added_by) == ("Cocoa exports slump", "Reuters", None, "bulk")


async def test_lookup_finds_a_bulk_sentence_with_its_citation(bare_app):
    await bulk_ingest(bare_app, [REUTERS, BBC])
    answer = await lookup(bare_app, "glaciers retreat drones", guild_id=None, log_query=False)
    assert answer.results, "bulk-ingested passages are searchable as soon as bulk_ingest returns"
    first = answer.results[0]
    assert first.text == "Scientists measured the retreat with drones and satellites."
    assert first.source.title == "Glacier retreat measured"
    start = len("Alpine glaciers lost a tenth of their volume in two summers. ")
    assert (first.location.char_start, first.location.char_end) == (start, start + len(first.text))


async def test_one_index_change_per_source_and_one_audit_row_per_batch(bare_app):
    report = await bulk_ingest(bare_app, _corpus(10, per_doc=3), batch_size=9)
    assert report.created == 10 and report.passages == 30
    async with bare_app.sessions() as session:
        changes = (await session.exec(select(IndexChange))).all()
        audits = (await session.exec(select(AuditLog).where(AuditLog.action == "source.bulk"))).all()
    assert sorted(c.source_id for c in changes) == sorted(report.source_ids)
    assert {c.op for c in changes} == {"upsert"}
    assert len(audits) == 4  # batches of >= 9 passages: 3 docs, 3, 3, then the last one
    assert sum(int(a.target.split(":")[1]) for a in audits) == 10


async def test_rerunning_the_same_origins_creates_no_duplicates(bare_app):
    first = await bulk_ingest(bare_app, _corpus(6))
    again = await bulk_ingest(bare_app, _corpus(6))
    assert (first.created, first.existing) == (6, 0)
    assert (again.created, again.existing, again.passages, again.index_mode) == (0, 6, 0, "none")
    assert await _count(bare_app, Source) == 6
    assert await _count(bare_app, Passage) == 18
    assert await _count(bare_app, IndexChange) == 6
    hits = (await lookup(bare_app, "zebra3", guild_id=None, log_query=False)).results
    assert len(hits) == 3, "each passage is indexed once, not once per run"


async def test_same_origin_twice_in_one_call_is_stored_once(bare_app):
    report = await bulk_ingest(bare_app, [REUTERS, REUTERS, BBC])
    assert (report.created, report.existing) == (2, 1)
    assert await _count(bare_app, Source) == 2


async def test_same_text_under_another_origin_is_a_duplicate(bare_app):
    await bulk_ingest(bare_app, [BBC])
    copy = BulkDocument(origin="mirror:bbc:0002", title="Copy", sentences=list(BBC.sentences))
    report = await bulk_ingest(bare_app, [copy])
    assert (report.created, report.duplicates) == (0, 1)
    assert await _count(bare_app, Source) == 1


async def test_documents_without_text_are_skipped(bare_app):
    report = await bulk_ingest(bare_app, [BulkDocument(origin="x:1", title="Blank", sentences=["", "  \n "]), BBC])
    assert (report.created, report.empty) == (1, 1)


async def test_progress_reports_every_passage_once(bare_app):
    seen: list[int] = []
    report = await bulk_ingest(bare_app, _corpus(7, per_doc=4), batch_size=8, progress=seen.append)
    assert sum(seen) == report.passages == 28
    assert len(seen) == 4


async def test_a_small_batch_on_a_large_index_catches_up_instead_of_rebuilding(bare_app):
    big = await bulk_ingest(bare_app, _corpus(20))
    small = await bulk_ingest(bare_app, [BBC])
    assert (big.index_mode, small.index_mode) == ("rebuild", "catch_up")
    for topic, expected in (("glaciers drones", "Scientists measured the retreat with drones and satellites."),
                            ("zebra7 walrus2", "Document 7 sentence 2 mentions zebra7 and walrus2.")):
        answer = await lookup(bare_app, topic, guild_id=None, log_query=False)
        assert answer.results[0].text == expected


async def test_guild_bulk_sources_are_visible_to_that_guild_only(bare_app):
    await bulk_ingest(bare_app, [BBC], guild_id=555, actor="mod:1")
    assert (await lookup(bare_app, "glaciers drones", guild_id=555, log_query=False)).results
    assert not (await lookup(bare_app, "glaciers drones", guild_id=777, log_query=False)).results
    assert not (await lookup(bare_app, "glaciers drones", guild_id=None, log_query=False)).results
    async with bare_app.sessions() as session:
        source = (await session.exec(select(Source))).one()
    assert (source.guild_id, source.scope, source.added_by) == (555, "555", "mod:1")
    # The same origin in another guild is another source (idempotency is per scope).
    other = await bulk_ingest(bare_app, [BBC], guild_id=777)
    assert other.created == 1


async def test_bulk_next_to_the_seed_keeps_the_seed_searchable(app):
    await bulk_ingest(app, _corpus(5))
    first = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=None, log_query=False)).results[0]
    assert first.speaker == "Mike Pompeo"


async def test_after_a_bulk_load_lookups_fetch_hit_passages_by_primary_key(bare_app):
    """Planner statistics are refreshed, so the lookup's row fetch reads the hit passages by id
    instead of walking every active source (which grows with the corpus)."""
    from sqlalchemy import text

    from bot.scope import visible

    await bulk_ingest(bare_app, _corpus(400, per_doc=3))
    candidates = list(range(3, 1200, 60))  # a lookup fetches its 20 best candidates
    statement = (select(Passage.id, Source.title).join(Source, Source.id == Passage.source_id)
                 .where(Passage.id.in_(candidates), visible(None)))
    async with bare_app.engine.connect() as conn:
        compiled = statement.compile(conn.sync_engine if hasattr(conn, "sync_engine") else conn,
                                     compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = [row[-1] for row in (await conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()]
            assert any(line.startswith("SEARCH passage USING INTEGER PRIMARY KEY") for line in plan), plan
            assert not any("ix_source_status" in line for line in plan), plan
        else:
            analyzed = (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('source', 'passage') "
                "AND last_analyze IS NOT NULL"))).scalar_one()
            assert analyzed == 2


async def test_a_bad_document_stops_the_run_and_a_rerun_resumes(bare_app):
    bad = BulkDocument(origin="x" * 3000, title="Origin too long", sentences=["Never stored."])
    with pytest.raises(BadInput, match="origin"):
        await bulk_ingest(bare_app, [*_corpus(6)[:4], bad, *_corpus(6)[4:]], batch_size=3)
    assert await _count(bare_app, Source) == 4, "the batches before the bad document stay committed"
    assert await _count(bare_app, IndexChange) == 4

    report = await bulk_ingest(bare_app, _corpus(6))
    assert (report.created, report.existing) == (2, 4)
    for d in (1, 5):  # stored before the failure, and by the re-run: both are searchable now
        first = (await lookup(bare_app, f"zebra{d} walrus0", guild_id=None, log_query=False)).results[0]
        assert first.text == f"Document {d} sentence 0 mentions zebra{d} and walrus0."


async def test_long_metadata_fits_the_columns_and_the_link_is_canonical(bare_app):
    doc = BulkDocument(origin="x:meta", title="T " * 400, outlet="Outlet " * 60, author="  Ann\n  Lee ",
                       url="HTTPS://Example.org/story/?utm_source=feed&id=7#top", sentences=["A sentence."])
    await bulk_ingest(bare_app, [doc])
    async with bare_app.sessions() as session:
        source = (await session.exec(select(Source))).one()
    assert len(source.title) == 512 and len(source.outlet) == 256 and source.author == "Ann Lee"
    assert source.url == doc.url
    assert source.canonical_url == "https://example.org/story?id=7"
    with pytest.raises(BadInput, match="link"):
        await bulk_ingest(bare_app, [BulkDocument(origin="x:url", title="t", url="https://e.org/" + "a" * 2100,
                                                  sentences=["Another sentence."])])
