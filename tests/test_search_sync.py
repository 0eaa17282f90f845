"""IndexSync: the search index follows the database's IndexChange log on both backends,
resumes after a restart, rebuilds to the same result, and never skips a late-committing seq."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging

import pytest
from sqlalchemy import delete
from sqlmodel import select

from bot.models import IndexChange, Passage, Source, SourceStatus, scope_key
from bot.search import sync as sync_module
from bot.search.index import SearchIndex
from bot.search.normalize import query_tokens
from bot.search.sync import IndexSync

GUILD = 4242


async def add_source(session_factory, title: str, paragraphs: list[str], *, guild_id: int | None = None,
                     change: bool = True) -> int:
    """A source with one passage per paragraph (verbatim offsets) and, normally, its change row."""
    body = "\n\n".join(paragraphs)
    async with session_factory() as session:
        source = Source(guild_id=guild_id, scope=scope_key(guild_id), origin=f"test:{title}", title=title,
                        content_hash=hashlib.sha256(body.encode()).hexdigest(), text=body)
        session.add(source)
        await session.flush()
        offset = 0
        for n, para in enumerate(paragraphs, start=1):
            session.add(Passage(source_id=source.id, seq=n, text=para, char_start=offset,
                                char_end=offset + len(para), paragraph=n))
            offset += len(para) + 2
        if change:
            session.add(IndexChange(source_id=source.id, op="upsert"))
        await session.commit()
        return source.id


async def replace_passages(session_factory, source_id: int, paragraphs: list[str]) -> None:
    async with session_factory() as session:
        await session.exec(delete(Passage).where(Passage.source_id == source_id))
        for n, para in enumerate(paragraphs, start=1):
            session.add(Passage(source_id=source_id, seq=n, text=para, char_start=0, char_end=len(para), paragraph=n))
        session.add(IndexChange(source_id=source_id, op="upsert"))
        await session.commit()


async def remove_source(session_factory, source_id: int) -> None:
    async with session_factory() as session:
        source = await session.get(Source, source_id)
        source.status = SourceStatus.removed.value
        session.add(IndexChange(source_id=source_id, op="delete"))
        await session.commit()


async def passage_id_of(session_factory, passage_text: str) -> int:
    async with session_factory() as session:
        return (await session.exec(select(Passage.id).where(Passage.text == passage_text))).one()


def found(index: SearchIndex, topic: str, scopes=("global",)) -> list[int]:
    return [hit.passage_id for hit in index.search(query_tokens(topic), list(scopes), 10)]


@pytest.fixture
def memory_index():
    index = SearchIndex(None)
    yield index
    index.close()


async def test_first_catch_up_rebuilds_then_applies_new_changes(session_factory, memory_index):
    await add_source(session_factory, "Pompeo speech", ["Pompeo tied Iran to al-Qaeda.", "He cited the 9/11 inquiry."])
    sync = IndexSync(memory_index, None)
    assert await sync.catch_up(session_factory) == 0  # no state yet: a full rebuild
    assert memory_index.doc_count() == 2
    assert found(memory_index, "Sept. 11 inquiry") == [await passage_id_of(session_factory, "He cited the 9/11 inquiry.")]

    await add_source(session_factory, "Oil report", ["OPEC cut output as oil prices fell."])
    assert await sync.catch_up(session_factory) == 1
    assert found(memory_index, "oil prices OPEC") == [await passage_id_of(session_factory, "OPEC cut output as oil prices fell.")]
    assert await sync.catch_up(session_factory) == 0, "nothing new: nothing applied"


async def test_edit_remove_and_hard_delete_follow_the_database(session_factory, memory_index):
    first = await add_source(session_factory, "Speech", ["Iran is the new Afghanistan, Pompeo said."])
    second = await add_source(session_factory, "Inquiry", ["The inquiry found Saudi contacts."])
    sync = IndexSync(memory_index, None)
    await sync.catch_up(session_factory)

    await replace_passages(session_factory, first, ["Pompeo described Iran as a home base."])
    assert await sync.catch_up(session_factory) == 1
    assert found(memory_index, "Afghanistan") == []
    assert found(memory_index, "home base") == [await passage_id_of(session_factory, "Pompeo described Iran as a home base.")]

    await remove_source(session_factory, first)
    await sync.catch_up(session_factory)
    assert found(memory_index, "Pompeo Iran") == []

    async with session_factory() as session:  # a row deleted outright (cascade to passages)
        await session.exec(delete(Source).where(Source.id == second))
        session.add(IndexChange(source_id=second, op="delete"))
        await session.commit()
    await sync.catch_up(session_factory)
    assert found(memory_index, "Saudi inquiry") == []
    assert memory_index.doc_count() == 0


async def test_guild_sources_stay_in_their_guild(session_factory, memory_index):
    await add_source(session_factory, "Seed", ["Sanctions on Iran were tightened."])
    await add_source(session_factory, "Guild notes", ["Our guild notes on Iran sanctions."], guild_id=GUILD)
    sync = IndexSync(memory_index, None)
    await sync.catch_up(session_factory)
    guild_passage = await passage_id_of(session_factory, "Our guild notes on Iran sanctions.")
    assert guild_passage in found(memory_index, "Iran sanctions", ["global", str(GUILD)])
    assert guild_passage not in found(memory_index, "Iran sanctions", ["global", "999"])
    assert len(found(memory_index, "Iran sanctions", ["global"])) == 1


async def test_restart_resumes_from_the_state_file(session_factory, tmp_path):
    folder = tmp_path / "index"
    state = folder / "sync_state.json"
    await add_source(session_factory, "One", ["Hijackers travelled through Iran."])
    index = SearchIndex(folder)
    sync = IndexSync(index, state)
    await sync.catch_up(session_factory)
    saved = json.loads(state.read_text())
    assert saved["last_seq"] == sync.last_seq and saved["doc_count"] == 1
    index.close()

    await add_source(session_factory, "Two", ["The embassy bombings of 1998."])  # while "down"
    index = SearchIndex(folder)
    try:
        restarted = IndexSync(index, state)
        assert restarted.last_seq == saved["last_seq"]
        assert await restarted.catch_up(session_factory) == 1, "only the new change, no rebuild"
        assert found(index, "embassy bombings") and found(index, "hijackers Iran")
    finally:
        index.close()


async def test_stale_state_file_triggers_a_rebuild(session_factory, tmp_path):
    await add_source(session_factory, "One", ["Hijackers travelled through Iran."])
    index = SearchIndex(tmp_path / "a")
    await IndexSync(index, tmp_path / "state.json").catch_up(session_factory)
    index.close()
    # Same state file, but an empty index (e.g. its folder was deleted): must not trust it.
    fresh = SearchIndex(tmp_path / "b")
    try:
        sync = IndexSync(fresh, tmp_path / "state.json")
        assert sync.last_seq is None
        await sync.catch_up(session_factory)
        assert found(fresh, "hijackers")
    finally:
        fresh.close()


async def test_corrupt_state_file_triggers_a_rebuild(session_factory, tmp_path, memory_index):
    await add_source(session_factory, "One", ["Hijackers travelled through Iran."])
    state = tmp_path / "state.json"
    state.write_text("{not json")
    sync = IndexSync(memory_index, state)
    await sync.catch_up(session_factory)
    assert found(memory_index, "hijackers") and json.loads(state.read_text())["doc_count"] == 1


async def test_rebuild_equals_incremental(session_factory, monkeypatch):
    monkeypatch.setattr(sync_module, "REBUILD_BATCH", 3)  # several batches
    incremental_index, rebuilt_index = SearchIndex(None), SearchIndex(None)
    try:
        incremental = IndexSync(incremental_index, None)
        await incremental.catch_up(session_factory)  # empty database
        a = await add_source(session_factory, "A", ["Iran and al-Qaeda ties were alleged.", "Pompeo cited 9/11.",
                                                    "Saudi officials had contacts.", "Oil prices rose."])
        await incremental.catch_up(session_factory)
        b = await add_source(session_factory, "B", ["The U.S. embassy in Africa was bombed.", "Iran denied it."],
                             guild_id=GUILD)
        await add_source(session_factory, "C", ["Bin Laden rebuffed Iranian offers.", "The Cole was bombed."])
        await incremental.catch_up(session_factory)
        await replace_passages(session_factory, a, ["Iran and al-Qaeda ties were alleged again.", "Oil prices fell."])
        await remove_source(session_factory, b)
        await incremental.catch_up(session_factory)

        seen: list[int] = []
        rebuilt = IndexSync(rebuilt_index, None)
        assert await rebuilt.rebuild(session_factory, progress=seen.append) == 4
        assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] == 4, "reported per batch"
        assert rebuilt.last_seq == incremental.last_seq
        assert rebuilt_index.doc_count() == incremental_index.doc_count() == 4
        for topic in ("Iran al-Qaeda", "oil prices", "bombed embassy", "Bin Laden Iranian offers", "US"):
            for scopes in (["global"], ["global", str(GUILD)]):
                left = incremental_index.search(query_tokens(topic), scopes, 10)
                right = rebuilt_index.search(query_tokens(topic), scopes, 10)
                # Same passages in the same order. Scores may differ slightly: like Lucene,
                # tantivy keeps deleted documents in its BM25 statistics until segments merge.
                assert [h.passage_id for h in left] == [h.passage_id for h in right]
    finally:
        incremental_index.close()
        rebuilt_index.close()


async def test_rebuild_is_atomic_for_readers_and_async_progress_works(session_factory, memory_index):
    await add_source(session_factory, "A", ["Iran and al-Qaeda ties were alleged."])
    sync = IndexSync(memory_index, None)
    await sync.catch_up(session_factory)

    async def progress(done: int) -> None:
        # Mid-rebuild, readers still see the committed index, never an empty one.
        assert found(memory_index, "Iran")

    assert await sync.rebuild(session_factory, progress=progress) == 1
    assert found(memory_index, "Iran")


async def insert_change(session_factory, seq: int, source_id: int) -> None:
    async with session_factory() as session:
        session.add(IndexChange(seq=seq, source_id=source_id, op="upsert"))
        await session.commit()


async def test_a_seq_that_commits_late_is_not_skipped(session_factory, memory_index):
    clock = [1000.0]
    sync = IndexSync(memory_index, None, clock=lambda: clock[0])
    await sync.catch_up(session_factory)  # initial (empty) rebuild
    late = await add_source(session_factory, "Late", ["Late committing article about the Gulf War."], change=False)
    early = await add_source(session_factory, "Early", ["Early article about the Cole bombing."], change=False)
    await insert_change(session_factory, 1, early)
    await insert_change(session_factory, 3, early)  # seq 2 is "still in flight"
    await sync.catch_up(session_factory)
    assert sync.last_seq == 3 and set(sync.gaps) == {2}
    assert found(memory_index, "Gulf War") == []

    clock[0] += 30
    await insert_change(session_factory, 2, late)  # the slow transaction commits
    assert await sync.catch_up(session_factory) == 1
    assert found(memory_index, "Gulf War") == [await passage_id_of(session_factory, "Late committing article about the Gulf War.")]
    assert sync.gaps == {} and sync.last_seq == 3


async def test_gaps_expire_and_survive_a_restart(session_factory, tmp_path):
    clock = [1000.0]
    index = SearchIndex(tmp_path / "index")
    state = tmp_path / "index" / "sync_state.json"
    try:
        sync = IndexSync(index, state, clock=lambda: clock[0])
        await sync.catch_up(session_factory)
        source = await add_source(session_factory, "S", ["Some article about oil."], change=False)
        await insert_change(session_factory, 5, source)
        await sync.catch_up(session_factory)
        assert set(sync.gaps) == {1, 2, 3, 4}
        restarted = IndexSync(index, state, clock=lambda: clock[0])
        assert set(restarted.gaps) == {1, 2, 3, 4} and restarted.last_seq == 5

        clock[0] += sync_module.GAP_RETRY_SECONDS + 1  # they were rollbacks after all
        await restarted.catch_up(session_factory)
        assert restarted.gaps == {}
        assert json.loads(state.read_text())["gaps"] == {}
    finally:
        index.close()


async def test_concurrent_transactions_commit_out_of_order(session_factory, engine, memory_index):
    """The real PostgreSQL case: seq N+1 commits and is applied while seq N is open."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite allows one writer at a time, so its seqs commit in order")
    sync = IndexSync(memory_index, None)
    await sync.catch_up(session_factory)
    slow_source = await add_source(session_factory, "Slow", ["A slow transaction about the Gulf War."], change=False)

    async with session_factory() as slow:
        slow.add(IndexChange(source_id=slow_source, op="upsert"))
        await slow.flush()  # seq taken, not committed
        await add_source(session_factory, "Fast", ["A fast article about the Cole bombing."])
        await sync.catch_up(session_factory)
        assert found(memory_index, "Cole bombing") and not found(memory_index, "Gulf War")
        assert sync.gaps, "the open transaction's seq is remembered"
        await slow.commit()
    await sync.catch_up(session_factory)
    assert found(memory_index, "Gulf War")
    assert sync.gaps == {}


async def test_follow_picks_up_changes_and_stops(session_factory, memory_index):
    sync = IndexSync(memory_index, None)
    stop = asyncio.Event()
    task = asyncio.create_task(sync.follow(session_factory, 0.05, stop))
    try:
        await add_source(session_factory, "Written by another process", ["Mueller investigation of Russia."])
        for _ in range(100):
            if found(memory_index, "Mueller Russia"):
                break
            await asyncio.sleep(0.05)
        assert found(memory_index, "Mueller Russia")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


@pytest.mark.parametrize("error, tracebacks", [
    (ConnectionError("database is down"), 0),  # a known outage: one line per round, no traceback
    (RuntimeError("database is down"), 1),  # a bug: its traceback once, then one line per round
])
async def test_follow_logs_errors_and_keeps_going(memory_index, caplog, error, tracebacks):
    calls = 0

    def broken_factory():
        nonlocal calls
        calls += 1
        raise error

    sync = IndexSync(memory_index, None)
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="bot.search.sync")
    task = asyncio.create_task(sync.follow(broken_factory, 0.01, stop))
    for _ in range(200):
        if calls >= 3:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert calls >= 3, "the loop survived the first failure"
    assert "search index catch-up failed" in caplog.text and "database is down" in caplog.text
    assert caplog.text.count("Traceback") == tracebacks, "a traceback at most once, never every round"


async def test_a_restored_database_behind_the_state_triggers_a_rebuild(session_factory, memory_index):
    sync = IndexSync(memory_index, None)
    await sync.catch_up(session_factory)
    source = await add_source(session_factory, "Old", ["An article about tariffs."])
    await sync.catch_up(session_factory)
    sync.last_seq += 50  # as if the database were restored from an older backup
    await replace_passages(session_factory, source, ["A new article about quotas."])
    await sync.catch_up(session_factory)
    assert found(memory_index, "quotas") and not found(memory_index, "tariffs")
