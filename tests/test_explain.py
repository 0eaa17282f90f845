""""Why this?": the numbers behind an answer, the same through the service, `ask --json`, the
console and the button on Discord."""
from __future__ import annotations

import asyncio
import io
import json
import math
from dataclasses import replace

from bot.__main__ import main
from bot.console import run_console
from bot.render.why import score_line
from bot.services import curation, explain, lookup as lookup_service, sources, votes
from bot.models import Passage
from sqlmodel import select
from tests.fake_discord import EPHEMERAL_FLAG, BotHarness, button_ids, make_guild, option

GUILD = 1001
TOPIC = "Iran al-Qaeda 9/11"


async def _explained(app, topic=TOPIC, guild_id=GUILD, limit=5):
    answer = await lookup_service.lookup(app, topic, guild_id=guild_id, limit=limit, log_query=False)
    return answer, await explain.explain_answer(app, answer, guild_id=guild_id, limit=limit)


async def test_the_score_is_bm25_times_the_stated_priors_and_the_terms_add_up(app):
    answer, why = await _explained(app)
    assert why.query.tokens == ["iran", "qaeda", "sept11"]
    assert {e.token for e in why.query.equivalences} == {"qaeda", "sept11"}
    assert "Sept. 11" in next(e for e in why.query.equivalences if e.token == "sept11").phrases
    for result, explained in zip(answer.results, why.results):
        assert explained.passage_id == result.passage_id and explained.score == result.score
        assert explained.other_factor == 1.0  # the stated priors account for the whole score
        assert math.isclose(explained.bm25 * math.prod(explained.priors.values()), result.score, rel_tol=1e-9)
        assert math.isclose(sum(t.score for t in explained.terms), explained.bm25, rel_tol=1e-3)
        assert math.isclose(sum(t.share for t in explained.terms), 1.0, rel_tol=1e-6)
        assert set(explained.unmatched) == set(why.query.tokens) - {t.term for t in explained.terms}
    top = why.results[0]
    assert top.priors == {"kind:body": 1.0, "claim with a speaker": 1.15}  # Pompeo's quote
    assert answer.results[0].speaker == "Mike Pompeo"
    # Results are ordered by how much of the topic they hold first, then by score.
    keys = [(r.coverage, r.score) for r in why.results]
    assert keys == sorted(keys, key=lambda k: (-k[0], -k[1]))
    assert (top.words, top.words_held, top.coverage) == (3, 3, 4)


async def test_aliases_votes_and_the_counter_evidence_order_are_explained(app):
    await curation.set_alias(app, guild_id=GUILD, actor=13, term="AQ", canonical="al-Qaeda")
    _, why = await _explained(app, "AQ Iran 9/11")
    (alias,) = why.query.aliases
    assert (alias.term, alias.canonical, alias.added) == ("AQ", "al-Qaeda", ["qaeda"])
    assert "qaeda" in why.query.tokens and "qaeda" not in why.query.own

    answer, why = await _explained(app)
    claim = answer.results[0]
    await votes.vote(app, guild_id=GUILD, user_id=7, passage_id=claim.passage_id, helpful=True)
    report = await sources.ingest_document(
        app, "Commission report\n\nThe commission found no operational ties between Iran and al-Qaeda before the "
             "attacks, its chairman said.\n", filename="commission.txt", guild_id=GUILD, actor="13")
    async with app.sessions() as session:
        evidence_id = (await session.exec(select(Passage.id).where(Passage.source_id == report.source_id,
                                                                  Passage.kind == "body"))).first()
    await curation.link(app, guild_id=GUILD, actor=13, claim_passage_id=claim.passage_id,
                        evidence_passage_id=evidence_id, stance="counters", rationale="the commission says so")
    answer, why = await _explained(app)
    top = why.results[0]
    assert top.votes == {"helpful": 1, "not_helpful": 0}
    first = top.counter_evidence[0]
    assert (first.passage_id, first.origin, first.rank) == (evidence_id, "moderator", 1)
    assert first.reason.startswith("#1: a moderator's link (moderator links come first)")
    autos = top.counter_evidence[1:]
    assert [c.confidence for c in autos] == sorted((c.confidence for c in autos), reverse=True)
    assert all(c.reason.startswith(f"#{c.rank}: an automatic link, confidence {c.confidence:.2f}") for c in autos)


async def test_ask_json_prints_the_same_numbers_under_explain(app, tmp_path, monkeypatch, capsys):
    _, why = await _explained(app, limit=3, guild_id=None)
    for name, value in (("DATABASE_URL", app.settings.database_url), ("INDEX_DIR", str(tmp_path / "cli"))):
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["ask", TOPIC, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["explain"] == why.as_json()
    assert printed["explain"]["results"][0]["passage_id"] == printed["results"][0]["passage_id"]


async def test_console_why(settings, engine):
    out = io.StringIO()
    await run_console(settings, io.StringIO(f"/why\n/lookup {TOPIC}\n/why\n/next\n/why\n"), out)
    text = out.getvalue()
    assert "Look something up first: /lookup Iran al-Qaeda 9/11, then /why." in text
    assert "Why result 1 (passage #" in text and "Why result 2 (passage #" in text
    assert "  Searched as: iran, qaeda, sept11 (from “iran al-qaeda 9/11”)" in text
    assert "  Equivalence: sept11 = 9/11, 9-11, September 11, September 11th, …" in text
    assert "× claim with a speaker 1.15 = " in text


async def test_the_why_button_answers_privately_with_the_same_numbers(app):
    app.settings = replace(app.settings, lookup_cooldown_seconds=0)
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=["cogs.lookup"]) as h:
        ex = await h.slash("lookup", [option("topic", TOPIC)], guild_id=GUILD, user_id=11)
        why_ids = [i for i in button_ids(ex.final_message) if i.startswith("cp:why:")]
        assert len(why_ids) == 1 and why_ids[0].endswith(":0")
        click = await h.click(why_ids[0], ex.final_message, guild_id=GUILD, user_id=12)
        assert click.ephemeral and click.final_message["flags"] & EPHEMERAL_FLAG
        embed = click.final_message["embeds"][0]
    answer, why = await _explained(app)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == f"Why result 1 (passage #{answer.results[0].passage_id}) ranked here"
    assert fields["Score"] == score_line(why.results[0]).replace("*", "\\*")
    assert fields["Topic words"] == "holds 3 of your topic's 3 words (4/4): results are ranked on this first, then by score"
    assert "sept11" in fields["Matched terms (share of BM25)"]
    assert fields["Votes"].startswith("0 helpful, 0 not helpful")
    order = next(v for k, v in fields.items() if k.startswith("Counter-evidence order"))
    assert order.startswith("\\#1: an automatic link, confidence")  # "#" escaped: Discord shows "#1:"
