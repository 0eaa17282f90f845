"""Planner statistics follow the library's growth, and counter-evidence candidates are loaded
by id without the source join whose plan walked every source (both backends)."""
from sqlmodel import select

from bot.ingest.bulk import BulkDocument, bulk_ingest
from bot.models import Passage, Source, SourceStatus
from bot.planner import refresh_if_stale, refresh_planner_statistics, statistics_are_stale
from bot.services.sources import ingest_document
from bot.stance.service import _load_active_rows_by_id


def _docs(start: int, n: int, guild: str = "") -> list[BulkDocument]:
    return [BulkDocument(origin=f"bench:planner{guild}:{d}", title=f"Planner {d}",
                         sentences=[f"Document {d} says the heron{d} nests early.", f"Its sentence two of {d}."])
            for d in range(start, start + n)]


async def test_statistics_are_refreshed_once_the_library_doubles(bare_app):
    await bulk_ingest(bare_app, _docs(0, 4))  # a bulk load takes them itself
    assert not await statistics_are_stale(bare_app.engine)
    assert not await refresh_if_stale(bare_app.engine)

    await bulk_ingest(bare_app, _docs(4, 2))
    await refresh_planner_statistics(bare_app.engine)
    assert not await statistics_are_stale(bare_app.engine)  # 6 sources, counted 6

    # Sources that arrive one by one (uploads) take no statistics...
    for d in range(6):
        report = await ingest_document(bare_app, f"Upload {d}\n\nThe upload number {d} tells of kestrel{d} in spring.\n",
                                       filename=f"upload{d}.txt", guild_id=None, actor="test")
        assert report.status == "created"
    # ...so at twice the size they counted, the next check takes them.
    assert await statistics_are_stale(bare_app.engine)
    assert await refresh_if_stale(bare_app.engine)
    assert not await statistics_are_stale(bare_app.engine)


async def test_an_empty_library_needs_no_statistics(bare_app):
    assert not await statistics_are_stale(bare_app.engine)
    assert not await refresh_if_stale(bare_app.engine)


async def test_candidates_by_id_are_those_of_active_sources_other_than_the_one_asking(bare_app):
    await bulk_ingest(bare_app, _docs(0, 3))
    async with bare_app.sessions() as session:
        sources = (await session.exec(select(Source).order_by(Source.id))).all()
        passages = (await session.exec(select(Passage).order_by(Passage.id))).all()
        removed = sources[2]
        removed.status = SourceStatus.removed.value
        session.add(removed)
        await session.commit()
        rows = await _load_active_rows_by_id(session, [p.id for p in passages] + [10**9],
                                             exclude_source=sources[0].id)
    expected = {p.id: p for p in passages if p.source_id == sources[1].id}
    assert set(rows) == set(expected)
    for pid, row in rows.items():
        assert (row.source_id, row.scope, row.is_claim) == (sources[1].id, sources[1].scope, False)
        assert row.stance_input.text == expected[pid].text and row.stance_input.seq == expected[pid].seq
