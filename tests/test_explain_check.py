""""Why this?" on /check answers: the same numbers through the service, `check --json`, the
console and the button on Discord; nothing about the member is stored."""
from __future__ import annotations

import asyncio
import io
import json
import math
from dataclasses import replace

from sqlmodel import select

from bot.__main__ import main
from bot.console import run_console
from bot.models import QueryLog
from bot.render.check import claim_from_footer
from bot.services.check import check
from bot.services.explain_check import explain_check
from tests.fake_discord import EPHEMERAL_FLAG, BotHarness, button_ids, make_guild, option

CLAIM = "Iran helped al-Qaeda carry out the 9/11 attacks"
GUILD = 1001


async def test_each_source_is_explained_with_the_numbers_that_placed_it(app):
    answer = await check(app, CLAIM, guild_id=GUILD)
    why = await explain_check(app, answer, guild_id=GUILD)
    assert {"iran", "qaeda", "sept11"} <= set(why.query.tokens)  # "9/11" searched as its equivalence token
    assert [s.source_id for s in why.sources] == [s.source.id for s in answer.sources]
    for shown, explained in zip(answer.sources, why.sources):
        assert (explained.verdict, explained.confidence) == (shown.verdict, shown.confidence)
        assert math.isclose(sum(explained.window.values()), 1.0, rel_tol=1e-3)
        assert math.isclose(explained.relevance, 1.0 - explained.window["unrelated"] + explained.best_score / 10,
                            rel_tol=1e-3)
        assert set(explained.score_parts) == {"takes_side", "bm25", "title", "same_source"}
        assert math.isclose(sum(explained.score_parts.values()), explained.best_score, rel_tol=1e-9)
        if explained.terms:
            assert math.isclose(sum(t.share for t in explained.terms), 1.0, rel_tol=1e-6)
        assert [p.passage_id for p in explained.passages] == [p.passage_id for p in shown.passages]
        for p, q in zip(explained.passages, shown.passages):
            assert (p.stance, p.rationale) == (q.stance, q.rationale)
            assert p.reason and p.votes == {"helpful": 0, "not_helpful": 0}
    first = why.sources[0]
    assert first.verdict == "disputes"


async def test_check_json_prints_the_same_numbers_under_explain(app, tmp_path, monkeypatch, capsys):
    answer = await check(app, CLAIM, guild_id=None)
    why = await explain_check(app, answer, guild_id=None)
    for name, value in (("DATABASE_URL", app.settings.database_url), ("INDEX_DIR", str(tmp_path / "cli"))):
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["check", CLAIM, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["explain"] == why.as_json()


async def test_console_why_after_a_check(settings, engine):
    out = io.StringIO()
    await run_console(settings, io.StringIO(f"/check {CLAIM}\n/why\n"), out)
    text = " ".join(out.getvalue().split())
    assert "Why these sources, in this order:" in text
    assert "Verdict disputes (" in text and "the stance model reads the source as unrelated" in text
    assert "Best passage #" in text and "model: takes a side" in text


async def test_the_why_button_on_a_check_answers_privately_and_stores_nothing(app):
    app.settings = replace(app.settings, lookup_cooldown_seconds=0)
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=["cogs.check"]) as h:
        ex = await h.slash("check", [option("claim", CLAIM)], guild_id=GUILD, user_id=11)
        assert claim_from_footer(ex.final_message["embeds"][0]["footer"]["text"]) == CLAIM
        (why_id,) = [i for i in button_ids(ex.final_message) if i.startswith("cp:whyc")]
        click = await h.click(why_id, ex.final_message, guild_id=GUILD, user_id=12)
        assert click.ephemeral and click.final_message["flags"] & EPHEMERAL_FLAG
        embed = click.final_message["embeds"][0]
    assert embed["title"] == "Why these sources, in this order"
    assert embed["fields"][0]["name"].startswith("1. ")
    assert "Verdict disputes (" in embed["fields"][0]["value"]
    async with app.sessions() as session:
        assert (await session.exec(select(QueryLog))).all() == []
