"""Quote drift check against a local page server (127.0.0.1) whose article changes between
runs: a moved sentence, an edited one, a removed one, a 404 and a timeout. Nothing stored is
deleted or rewritten; a failed fetch is recorded as such, not as drift. The weekly run fires
once per week across a restart and across two processes on one database."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from sqlalchemy import func
from sqlmodel import select

from bot.config import PROJECT_ROOT
from bot.render.digest import compose_digest
from bot.errors import BadInput
from bot.digest.load import load_digest_content
from bot.drift import service as drift
from bot.drift.anchor import reanchor
from bot.ingest.parse import parse_article
from bot.models import Passage, PassageDrift, Source, SourceCheck, VerifyRun, as_utc
from bot.render import embeds
from bot.services import lookup as lookup_service
from bot.services import sources

GUILD = 1001
TITLE = "Harbour wall finished, council says"
P_MAYOR = "The harbour wall was finished in May, the mayor said on Tuesday at a press conference."
P_QUOTE = "“The wall will protect the old town for fifty years,” said Mayor Ana Ruiz at the opening."
P_CRITICS = "Critics said the wall cost twice the original estimate of four million euros in the end."
P_ENGINEERS = "Engineers from the port authority inspected the new wall and found no defects at all."


def page(*paragraphs: str) -> str:
    return "\n\n".join((TITLE, *paragraphs)) + "\n"


ORIGINAL = page(P_MAYOR, P_QUOTE, P_CRITICS, P_ENGINEERS)
MOVED = page(P_MAYOR, P_CRITICS, P_QUOTE, P_ENGINEERS)  # the quote moved below the critics
EDITED = page(P_MAYOR, P_CRITICS, P_QUOTE.replace("fifty", "forty"), P_ENGINEERS)
REMOVED = page(P_MAYOR, P_CRITICS, P_QUOTE.replace("fifty", "forty"))  # the engineers are gone


@pytest.fixture
async def site():
    """The article at /article; set state["body"], or state["mode"] = "404" | "slow"."""
    state = {"body": ORIGINAL, "mode": "ok"}

    async def article(_request):
        if state["mode"] == "404":
            return web.Response(status=404, text="not here")
        if state["mode"] == "slow":
            await asyncio.sleep(3)
        return web.Response(text=state["body"], content_type="text/plain")

    server = web.Application()
    server.router.add_get("/article", article)
    runner = web.AppRunner(server)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    state["url"] = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}/article"
    yield state
    await runner.cleanup()


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, allow_private_fetch=True)


async def _ingest(app, site) -> int:
    report = await sources.ingest_url(app, site["url"], guild_id=GUILD, actor="13")
    assert report.status == "created"
    return report.source_id


async def _passages(app, source_id) -> dict[str, Passage]:
    async with app.sessions() as session:
        rows = (await session.exec(select(Passage).where(Passage.source_id == source_id))).all()
    return {p.text: p for p in rows}


async def _drift(app, passage_id) -> PassageDrift | None:
    async with app.sessions() as session:
        return await session.get(PassageDrift, passage_id)


async def _check(app, source_id) -> SourceCheck:
    async with app.sessions() as session:
        return await session.get(SourceCheck, source_id)


def test_reanchor_finds_each_kind_of_drift():
    start = ORIGINAL.index(P_QUOTE)
    quote = dict(exact=P_QUOTE, prefix=ORIGINAL[start - 20:start], suffix=ORIGINAL[start + len(P_QUOTE):][:20])
    assert reanchor(ORIGINAL, start=start, **quote).status == "intact"
    moved = reanchor(MOVED, start=start, **quote)
    assert (moved.status, moved.start) == ("moved", MOVED.index(P_QUOTE))
    changed = reanchor(EDITED, start=start, **quote)
    assert changed.status == "changed" and changed.current == P_QUOTE.replace("fifty", "forty")
    assert 90 < changed.similarity < 100
    engineers = ORIGINAL.index(P_ENGINEERS)
    assert reanchor(REMOVED, exact=P_ENGINEERS, start=engineers).status == "gone"
    assert reanchor(ORIGINAL, exact="Yes.", start=0).status == "gone"  # a short quote never matches fuzzily


async def test_each_run_reanchors_every_quote_and_keeps_what_was_cited(bare_app, site):
    app = bare_app
    source_id = await _ingest(app, site)
    stored = await _passages(app, source_id)
    async with app.sessions() as session:
        text_before = (await session.get(Source, source_id)).text
    t0 = datetime(2026, 12, 7, 4, tzinfo=timezone.utc)

    first = await drift.verify_source(app, source_id, now=t0)
    assert (first.status, first.intact, first.moved + first.changed + first.gone) == ("intact", len(stored), 0)
    assert (await _check(app, source_id)).verified_at is not None

    site["body"] = MOVED
    moved = await drift.verify_source(app, source_id, now=t0 + timedelta(days=7))
    assert moved.status == "moved" and not moved.newly_drifted
    row = await _drift(app, stored[P_QUOTE].id)
    fresh = parse_article(MOVED, filename="article.txt").text  # the page as ingestion cleans it
    assert row.status == "moved"
    assert (row.page_start, row.page_end) == (fresh.index(P_QUOTE), fresh.index(P_QUOTE) + len(P_QUOTE))
    assert row.page_start != stored[P_QUOTE].char_start
    assert (await _drift(app, stored[P_MAYOR].id)).status == "intact"

    site["body"] = EDITED
    edited = await drift.verify_source(app, source_id, now=t0 + timedelta(days=14))
    assert edited.status == "changed" and edited.newly_drifted and edited.changed == 1
    row = await _drift(app, stored[P_QUOTE].id)
    assert row.status == "changed" and "forty years" in row.current_text
    assert as_utc(row.since) == t0 + timedelta(days=14)
    check = await _check(app, source_id)
    assert check.status == "changed" and check.drifted_at is not None

    # /lookup marks the quote whose page changed; the stored text is what it shows.
    answer = await lookup_service.lookup(app, "wall protect old town fifty years", guild_id=GUILD, log_query=False)
    top = answer.results[0]
    assert top.passage_id == stored[P_QUOTE].id and top.text == P_QUOTE and top.drift.status == "changed"
    embed = embeds.lookup_embed(answer, 0)
    assert "⚠️ *The page has changed this quote since it was cited" in embed.description
    assert embeds.limit_violations(embed) == []

    site["body"] = REMOVED
    removed = await drift.verify_source(app, source_id, now=t0 + timedelta(days=21))
    assert removed.status == "gone" and (removed.changed, removed.gone) == (1, 1) and not removed.newly_drifted
    assert (await _drift(app, stored[P_ENGINEERS].id)).status == "gone"
    since_changed = (await _drift(app, stored[P_QUOTE].id)).since  # still changed: its "since" stays

    site["mode"] = "404"
    failed = await drift.verify_source(app, source_id, now=t0 + timedelta(days=28))
    assert failed.status is None and "HTTP 404" in failed.error
    check = await _check(app, source_id)
    assert check.status == "gone" and "HTTP 404" in check.last_error  # the findings stay; the failure is its own
    assert (await _drift(app, stored[P_ENGINEERS].id)).status == "gone"
    assert (await _drift(app, stored[P_QUOTE].id)).since == since_changed

    site["mode"] = "slow"
    slow = await drift.verify_source(app, source_id, now=t0 + timedelta(days=35), timeout=1)
    assert slow.error == "The website took too long to respond."
    assert (await _check(app, source_id)).last_error == "The website took too long to respond."

    detail = await sources.get_source(app, source_id, guild_id=GUILD)
    text = embeds.source_embed(detail).description
    assert "the page has drifted (1 changed, 1 gone" in text
    assert "could not read the page: The website took too long to respond." in text

    # Nothing was deleted or rewritten: the citation of record is what was ingested.
    after = await _passages(app, source_id)
    assert {t: (p.id, p.char_start, p.char_end) for t, p in after.items()} == {
        t: (p.id, p.char_start, p.char_end) for t, p in stored.items()}
    async with app.sessions() as session:
        source = await session.get(Source, source_id)
        assert source.text == text_before
        for passage in (await session.exec(select(Passage).where(Passage.source_id == source_id))).all():
            assert source.text[passage.char_start:passage.char_end] == passage.text


async def test_a_source_without_a_page_is_not_checked(app):
    with pytest.raises(BadInput, match="Source #1 was not added from a link, so there is no page to check."):
        await drift.verify_source(app, 1)
    assert await drift.url_source_ids(app) == []


async def test_the_digest_lists_newly_drifted_sources_and_reingest_takes_the_page_as_it_is(bare_app, site):
    app = bare_app
    source_id = await _ingest(app, site)
    now = datetime.now(timezone.utc)
    site["body"] = REMOVED
    await drift.verify_source(app, source_id, now=now - timedelta(hours=1))
    content = await load_digest_content(app, guild_id=GUILD, local_date=now.date(), now=now)
    assert [d.source.id for d in content.drifted] == [source_id] and content.drifted[0].gone == 1
    text = "\n".join(e.description or "" for m in compose_digest(content) for e in m.embeds)
    assert "1 quote changed and 1 quote gone since cited" in text and f"/source {source_id}" in text
    other = await load_digest_content(app, guild_id=GUILD + 1, local_date=now.date(), now=now)
    assert other.drifted == []  # another server never sees this server's source

    stored = await _passages(app, source_id)
    report = await drift.reingest_source(app, source_id, guild_id=GUILD, actor="13")
    assert report.status == "updated" and report.source_id == source_id
    after = await _passages(app, source_id)
    assert after[P_MAYOR].id == stored[P_MAYOR].id  # kept its id
    assert P_ENGINEERS not in after and P_QUOTE.replace("fifty", "forty") in after
    check = await _check(app, source_id)
    assert (check.status, check.drifted_at, check.gone, check.changed) == ("intact", None, 0, 0)
    async with app.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(PassageDrift))).one() == 0


# -- once a week -------------------------------------------------------------------------------

MONDAY = datetime(2026, 12, 7, tzinfo=timezone.utc)


async def test_the_weekly_run_fires_once_a_week_across_a_restart(engine, settings, site):
    from bot.app import Counterpoint

    app = await Counterpoint.open(settings, migrate=False, ingest_seeds=False)
    try:
        await _ingest(app, site)
        assert await drift.run_weekly_verification(app, worker="a", clock=lambda: MONDAY + timedelta(hours=2)) is None
        outcome = await drift.run_weekly_verification(app, worker="a", clock=lambda: MONDAY + timedelta(hours=4))
        assert (outcome.week, outcome.sources, outcome.failed) == (MONDAY.date(), 1, 0)
    finally:
        await app.close()
    restarted = await Counterpoint.open(settings, migrate=False, ingest_seeds=False)
    try:
        later = MONDAY + timedelta(days=3)
        assert await drift.run_weekly_verification(restarted, worker="b", clock=lambda: later) is None
        next_week = await drift.run_weekly_verification(restarted, worker="b", clock=lambda: MONDAY + timedelta(days=8))
        assert next_week.week == (MONDAY + timedelta(days=7)).date()
        async with restarted.sessions() as session:
            runs = (await session.exec(select(VerifyRun).order_by(VerifyRun.week))).all()
        assert [(r.week, r.status, r.attempts, r.sources) for r in runs] == [
            (MONDAY.date(), "done", 1, 1), ((MONDAY + timedelta(days=7)).date(), "done", 1, 1)]
    finally:
        await restarted.close()


async def test_a_run_whose_process_died_is_taken_over_after_a_while(bare_app):
    app = bare_app
    now = MONDAY + timedelta(hours=5)
    assert await drift.claim_week(app, MONDAY.date(), worker="dead", now=now)
    assert await drift.run_weekly_verification(app, worker="b", clock=lambda: now + timedelta(minutes=10)) is None
    taken = await drift.run_weekly_verification(app, worker="b", clock=lambda: now + timedelta(minutes=45))
    assert taken is not None
    async with app.sessions() as session:
        (run,) = (await session.exec(select(VerifyRun))).all()
    assert (run.status, run.claimed_by, run.attempts) == ("done", "b", 2)


async def test_two_processes_run_the_weekly_check_once(bare_app, site, database_url):
    await _ingest(bare_app, site)
    now = (MONDAY + timedelta(hours=6)).isoformat()

    async def peer(worker: str):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(PROJECT_ROOT / "tests" / "_verify_peer.py"), database_url, now, worker,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=PROJECT_ROOT)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()
        return json.loads(out.decode().strip().splitlines()[-1])

    results = await asyncio.gather(peer("one"), peer("two"))
    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0] == {"week": MONDAY.date().isoformat(), "sources": 1, "drifted": 0}
    async with bare_app.sessions() as session:
        runs = (await session.exec(select(VerifyRun))).all()
        checks = (await session.exec(select(SourceCheck))).all()
    assert [(r.status, r.attempts) for r in runs] == [("done", 1)]
    assert [c.status for c in checks] == ["intact"]
