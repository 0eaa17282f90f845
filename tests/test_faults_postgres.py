"""PostgreSQL going away under the app: ingestion stays atomic and the app recovers.

Runs against a THROWAWAY server (initdb in a temporary folder, its own port; see
`_faults_helpers`), never the shared one, because these tests crash it on purpose
(`pg_ctl stop -m immediate`: clients are cut off mid-transaction, the server replays its
WAL at the next start). What a user would notice is checked: an ingest in flight either
lands whole (the source with all its passages) or not at all; the next ingests succeed
without restarting the bot (the pool pings and replaces dead connections); lookups answer
from the recovered data. Skipped with the reason when no PostgreSQL server binaries are
installed, except under CI, where a skip would hide a regression.
"""
from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, text
from sqlmodel import SQLModel, select

from bot.config import Settings
from bot.db import upgrade
from bot.errors import DatabaseUnavailable
from bot.ingest.parse import parse_article
from bot.models import IndexChange, Passage, Source
from bot.retry import UNAVAILABLE_MESSAGE, is_transient_db_error, with_db_retry
from bot.db import make_engine
from tests._faults_helpers import ThrowawayPostgres, unavailable_reason

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

GUILD = 4242
NAMES = ["Aurora", "Basalt", "Cascade", "Dunmore", "Elmridge", "Foxhollow", "Granite", "Harrowgate",
         "Ironbay", "Juniper", "Kestrel", "Lowmarsh", "Millbrook", "Northwick"]


def article(i: int) -> str:
    """A small distinct article: headline, subtitle, attributed quotes, a unique place name."""
    name = NAMES[i % len(NAMES)]
    return (
        f"{name} harbour plan approved after long debate\n\n"
        f"The {name} council backed the expansion plan on Tuesday after a debate of {i + 3} hours.\n\n"
        f"“This plan will create {1000 + i} jobs in {name} within five years,” said Mayor Lena Ortiz.\n\n"
        f"Critics disputed the figure. “The council’s own study counts {100 + i} permanent jobs,” "
        f"said economist Omar Haddad.\n\n"
        f"Residents of {name} packed the public gallery to hear the vote.\n"
    )


def expected_passages(i: int) -> int:
    return len(parse_article(article(i), filename=f"harbour-{i}.txt", sidecar=None, overrides={}).passages)


@pytest.fixture(scope="module")
def throwaway_pg():
    reason = unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"fault tests need a throwaway PostgreSQL: {reason}")
        pytest.skip(reason)
    server = ThrowawayPostgres()
    try:
        server.init_and_start()
        asyncio.run(upgrade(server.url))
        yield server
    finally:
        server.destroy()


async def _empty_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def app(throwaway_pg, tmp_path):
    """The service container on the throwaway server: empty tables, fresh index folder."""
    from bot.app import Counterpoint

    if not throwaway_pg.is_running():  # a failed test may have left it stopped
        await throwaway_pg.astart()
    await _empty_tables(throwaway_pg.url)  # before opening: the index follows the change log
    settings = Settings.from_env(env_file=os.devnull, database_url=throwaway_pg.url, index_dir=tmp_path / "index",
                                 seeds_dir=tmp_path / "no-seeds", discord_token=None)
    container = await Counterpoint.open(settings, migrate=False, ingest_seeds=False)
    yield container
    if not throwaway_pg.is_running():
        await throwaway_pg.astart()
    await container.close()


async def ingest(app, i: int):
    from bot.services.sources import ingest_document

    return await ingest_document(app, article(i), filename=f"harbour-{i}.txt", guild_id=GUILD, actor="mod")


def crash_during_passage_insert(app, server: ThrowawayPostgres, *, restart_after: float | None):
    """Crash the server right before the first INSERT INTO passage: the source row is
    already written in the open transaction, its passages are not. Optionally start the
    server again `restart_after` seconds later (in the background, as an operator would)."""
    state = {"crashed": False, "restart": None}

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        if state["crashed"] or not statement.lstrip().upper().startswith("INSERT INTO PASSAGE"):
            return
        state["crashed"] = True
        server.stop("immediate")  # blocks briefly: the crash happens before this statement
        if restart_after is not None:
            async def restart():
                await asyncio.sleep(restart_after)
                await server.astart()
            state["restart"] = asyncio.get_running_loop().create_task(restart())

    event.listen(app.engine.sync_engine, "before_cursor_execute", before_execute)
    return state, lambda: event.remove(app.engine.sync_engine, "before_cursor_execute", before_execute)


async def assert_every_source_whole(app, expected: dict[str, int]) -> dict[str, int]:
    """Each stored source has exactly the passages its article parses into, an index change
    and only claims on its own passages; returns passages per origin."""
    async with app.sessions() as session:
        sources = (await session.exec(select(Source))).all()
        counts = {}
        for source in sources:
            passages = (await session.exec(
                select(func.count()).select_from(Passage).where(Passage.source_id == source.id))).one()
            changes = (await session.exec(
                select(func.count()).select_from(IndexChange).where(IndexChange.source_id == source.id))).one()
            assert source.origin in expected, f"unexpected source {source.origin}"
            assert passages == expected[source.origin], f"{source.origin}: {passages} passages, half-written"
            assert changes >= 1, f"{source.origin} has no index change"
            counts[source.origin] = passages
        orphans = (await session.exec(
            select(func.count()).select_from(Passage).where(Passage.source_id.not_in([s.id for s in sources] or [-1])))).one()
        assert orphans == 0
        claim_orphans = (await session.exec(text(
            "SELECT count(*) FROM claim c LEFT JOIN passage p ON p.id = c.passage_id WHERE p.id IS NULL"))).one()[0]
        assert claim_orphans == 0
    return counts


async def test_crash_mid_ingest_leaves_nothing_half_written_and_next_ingest_succeeds(app, throwaway_pg):
    from bot.services.lookup import lookup

    first = await ingest(app, 0)
    assert first.status == "created"
    state, stop_listening = crash_during_passage_insert(app, throwaway_pg, restart_after=None)
    try:
        with pytest.raises(Exception) as err:
            await ingest(app, 1)
    finally:
        stop_listening()
    assert state["crashed"]
    assert is_transient_db_error(err.value), f"not recognised as transient: {err.value!r}"

    await throwaway_pg.astart()  # the operator brings it back; the bot is not restarted
    expected = {f"upload:harbour-{i}.txt": expected_passages(i) for i in range(3)}
    counts = await assert_every_source_whole(app, expected)
    assert counts == {"upload:harbour-0.txt": expected["upload:harbour-0.txt"]}  # article 1 not there at all

    again = await with_db_retry(lambda: ingest(app, 1), attempts=6, base_delay=0.1)
    later = await with_db_retry(lambda: ingest(app, 2), attempts=6, base_delay=0.1)
    assert (again.status, later.status) == ("created", "created")
    assert again.passages == expected["upload:harbour-1.txt"]
    counts = await assert_every_source_whole(app, expected)
    assert set(counts) == set(expected)

    answer = await lookup(app, "Basalt harbour jobs", guild_id=GUILD)
    assert answer.results, "lookup answers from the recovered data"
    assert "Basalt" in answer.results[0].source.title


async def test_retry_rides_out_a_crash_and_restart_mid_transaction(app, throwaway_pg):
    state, stop_listening = crash_during_passage_insert(app, throwaway_pg, restart_after=0.3)
    attempts = []

    async def ingest_counted():
        attempts.append(1)
        return await ingest(app, 3)

    try:
        report = await with_db_retry(ingest_counted, attempts=8, base_delay=0.1, max_delay=1.0)
    finally:
        stop_listening()
        if state["restart"] is not None:
            await state["restart"]
    assert state["crashed"]
    assert len(attempts) >= 2, "the first attempt died with the server"
    assert report.status == "created" and report.passages == expected_passages(3)
    counts = await assert_every_source_whole(app, {"upload:harbour-3.txt": expected_passages(3)})
    assert list(counts) == ["upload:harbour-3.txt"]  # exactly once, whole


async def test_stream_of_ingests_survives_a_server_restart(app, throwaway_pg):
    """Ingests keep coming while the server is crashed and restarted under them."""
    total = 10
    done = asyncio.Event()
    progress = {"count": 0}
    start_time_sql = text("SELECT pg_postmaster_start_time()")
    async with app.engine.connect() as conn:
        started_before = (await conn.execute(start_time_sql)).scalar_one()

    async def operator():
        while progress["count"] < 3:
            await asyncio.sleep(0.01)
        await throwaway_pg.astop("immediate")
        await asyncio.sleep(0.4)
        await throwaway_pg.astart()
        done.set()

    restarter = asyncio.create_task(operator())
    reports, unavailable = {}, []
    for i in range(total):
        try:
            reports[i] = await with_db_retry(lambda i=i: ingest(app, i), attempts=8, base_delay=0.1, max_delay=1.0)
        except DatabaseUnavailable:
            unavailable.append(i)
        progress["count"] += 1
        if i == 4:
            await asyncio.wait_for(done.wait(), timeout=60)  # later ingests run after the restart
    await restarter

    async with app.engine.connect() as conn:
        started_after = (await conn.execute(start_time_sql)).scalar_one()
    assert started_after > started_before, "the server really restarted during the run"
    assert not unavailable, f"ingests gave up: {unavailable}"
    # "unchanged" is right too: a commit that landed just before the crash, then retried.
    assert all(r.status in {"created", "unchanged"} for r in reports.values())
    expected = {f"upload:harbour-{i}.txt": expected_passages(i) for i in range(total)}
    counts = await assert_every_source_whole(app, expected)
    assert set(counts) == set(expected), "no ingest lost"


async def _user_paths(app, source_id: int, log_id: int):
    """Every service a member or moderator reaches through Discord, one call each."""
    from bot.digest.service import digest_status
    from bot.digest.settings import get_settings
    from bot.services import curation, forget, lookup, replay, sources, votes

    passage_id = 1
    return {
        "lookup": lambda: lookup.lookup(app, "Aurora harbour jobs", guild_id=GUILD, user_id=7),
        "replay": lambda: replay.replay_lookup(app, log_id, guild_id=GUILD, user_id=7),
        "source": lambda: sources.get_source(app, source_id, guild_id=GUILD),
        "sources": lambda: sources.list_sources(app, guild_id=GUILD),
        "duplicate check": lambda: ingest(app, 0),
        "vote": lambda: votes.vote(app, guild_id=GUILD, user_id=7, passage_id=passage_id, helpful=True),
        "moderator check": lambda: curation.is_moderator(app, guild_id=GUILD, has_manage_guild=False, role_ids=[1]),
        "edit": lambda: curation.edit_source(app, source_id, guild_id=GUILD, actor="mod", outlet="Gazette"),
        "remove": lambda: curation.remove_source(app, source_id, guild_id=GUILD, actor="mod"),
        "alias": lambda: curation.set_alias(app, guild_id=GUILD, actor="mod", term="harbor", canonical="harbour"),
        "audit": lambda: curation.audit_entries(app, guild_id=GUILD),
        "digest settings": lambda: get_settings(app, GUILD),
        "digest status": lambda: digest_status(app, guild_id=GUILD, now=datetime.now(timezone.utc)),
        "forget": lambda: forget.forget_member(app, 7),
    }


async def test_every_user_path_answers_the_promised_message_while_the_database_is_down(app, throwaway_pg, caplog):
    """Retried with bounded backoff, then "The database is busy right now…", and one log
    line per failure, never a traceback."""
    from bot.services.lookup import lookup

    first = await ingest(app, 0)
    logged = await lookup(app, "Aurora harbour", guild_id=GUILD, user_id=7)
    paths = await _user_paths(app, first.source_id, logged.query_log_id)
    await throwaway_pg.astop("fast")
    caplog.clear()
    try:
        for name, call in paths.items():
            with pytest.raises(DatabaseUnavailable) as err:
                await call()
            assert str(err.value) == UNAVAILABLE_MESSAGE, name
    finally:
        await throwaway_pg.astart()
    assert not [r for r in caplog.records if r.exc_info], "a transient outage logged a traceback"


async def test_user_paths_ride_out_a_restart(app, throwaway_pg):
    """The server goes down and comes back while members use the bot: every call answers."""
    first = await ingest(app, 0)
    from bot.services.lookup import lookup

    logged = await lookup(app, "Aurora harbour", guild_id=GUILD, user_id=7)
    paths = await _user_paths(app, first.source_id, logged.query_log_id)
    for name, call in paths.items():
        await throwaway_pg.astop("immediate")
        restart = asyncio.create_task(throwaway_pg.astart())
        try:
            await call()
        except DatabaseUnavailable:
            pytest.fail(f"{name} gave up during a restart")
        finally:
            await restart


async def test_a_lookup_through_discord_during_an_outage_gets_the_promised_message(app, throwaway_pg, caplog):
    from tests.fake_discord import BotHarness, make_guild, option

    await ingest(app, 0)
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=["cogs.lookup"]) as harness:
        await throwaway_pg.astop("fast")
        caplog.clear()
        try:
            ex = await harness.slash("lookup", [option("topic", "Aurora harbour")], guild_id=GUILD, user_id=7)
            typed = await harness.autocomplete("lookup", [option("topic", "Auro", focused=True)], guild_id=GUILD,
                                               user_id=7)
        finally:
            await throwaway_pg.astart()
    assert UNAVAILABLE_MESSAGE in ex.texts() and "Something went wrong" not in ex.texts()
    assert typed.callback.body["data"]["choices"] == []  # answered in time, empty
    assert not [r for r in caplog.records if r.exc_info], "a transient outage logged a traceback"
