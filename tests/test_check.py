"""Claim check (`bot.services.check`, `python -m bot check`, `/check` on the fake Discord):
verdicts per source, verbatim deciding passages with exact citations, nothing invented."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlmodel import select

from bot.config import PROJECT_ROOT
from bot.models import Passage, QueryLog, Source
from bot.ratelimit import RateLimits
from bot.render.check import check_embed, format_check, no_related_text
from bot.render.embeds import limit_violations
from bot.services.check import check
from bot.services.sources import ingest_document
from tests.fake_discord import BotHarness, make_guild, option

CLAIM = "Iran helped al-Qaeda carry out the 9/11 attacks"
REBUTTALS = ("rebuffed", "no underlying intelligence")
GUILD_A, GUILD_B = 1001, 2002
ALICE = 11
ARTICLE = (PROJECT_ROOT / "tests" / "data" / "clove_exports.txt").read_text(encoding="utf-8")


async def test_seed_claim_is_disputed_by_the_inquiry_or_the_times(app):
    answer = await check(app, CLAIM, guild_id=None)
    assert answer.sources, "the seed discusses this claim"
    first = answer.sources[0]
    assert first.verdict == "disputes"
    assert 0.0 < first.confidence <= 1.0
    assert 1 <= len(first.passages) <= 3
    texts = " ".join(p.text for p in first.passages)
    assert any(r in texts for r in REBUTTALS), texts
    disputing = [p for p in first.passages if p.stance == "counters"]
    assert disputing, "at least one deciding passage disputes the claim on its own"
    for p in first.passages:
        assert p.rationale and len(p.rationale) < 300


async def test_deciding_passages_are_verbatim_with_exact_offsets(app):
    answer = await check(app, CLAIM, guild_id=None)
    async with app.sessions() as session:
        for verdict in answer.sources:
            source = await session.get(Source, verdict.source.id)
            for p in verdict.passages:
                assert source.text[p.location.char_start:p.location.char_end] == p.text
                stored = await session.get(Passage, p.passage_id)
                assert stored.text == p.text and stored.paragraph == p.location.paragraph


async def test_nothing_related_says_so_and_invents_nothing(app):
    answer = await check(app, "The clove harvest in Zanzibar doubled in 2019", guild_id=None)
    assert answer.sources == []
    assert format_check(answer).startswith("Nothing on file addresses “The clove harvest in Zanzibar doubled in 2019”")
    assert "Nothing on file addresses" in no_related_text(answer.claim)
    empty = await check(app, "   the of and  ", guild_id=None)  # only stopwords: no search at all
    assert empty.sources == []


async def test_a_guilds_source_is_checked_only_in_that_guild(app):
    report = await ingest_document(app, ARTICLE, filename="clove.txt", guild_id=GUILD_A, actor="mod")
    claim = "Zanzibar clove exports rose last year"
    in_a = await check(app, claim, guild_id=GUILD_A)
    assert report.source_id in [s.source.id for s in in_a.sources]
    in_b = await check(app, claim, guild_id=GUILD_B)
    assert report.source_id not in [s.source.id for s in in_b.sources]
    in_dm = await check(app, claim, guild_id=None)
    assert report.source_id not in [s.source.id for s in in_dm.sources]


async def test_one_long_source_cannot_take_every_candidate(app):
    """A member's check reads at most PER_SOURCE passages of one source, so a long article
    matching the claim in every sentence leaves room for the other sources on file."""
    from bot.services.check import PER_SOURCE, rank_for_claim

    long_article = "Clove Exports Everywhere\n\n" + "\n\n".join(
        f"Zanzibar clove exports rose last year in district number {n}, the ministry said." for n in range(40))
    long_id = (await ingest_document(app, long_article, filename="long.txt", guild_id=GUILD_A, actor="mod")).source_id
    short_id = (await ingest_document(app, ARTICLE, filename="clove.txt", guild_id=GUILD_A, actor="mod")).source_id
    ranked = await rank_for_claim(app, "Zanzibar clove exports rose last year", guild_id=GUILD_A)
    from_long = [r for r in ranked if r.source.id == long_id]
    assert len(from_long) == PER_SOURCE
    assert any(r.source.id == short_id for r in ranked)
    # Checked against that one source only, the same cap holds.
    alone = await rank_for_claim(app, "Zanzibar clove exports rose last year", guild_id=GUILD_A, source_ids=[long_id])
    assert len(alone) == PER_SOURCE and {r.source.id for r in alone} == {long_id}


async def test_json_shape_is_the_documented_one(app):
    data = (await check(app, CLAIM, guild_id=None)).as_json()
    assert set(data) == {"claim", "sources"} and data["claim"] == CLAIM
    for s in data["sources"]:
        assert set(s) == {"source", "verdict", "confidence", "passages"}
        assert set(s["source"]) == {"id", "title", "outlet", "author", "url", "published"}
        assert s["verdict"] in {"disputes", "supports", "discusses"}
        for p in s["passages"]:
            assert {"passage_id", "text", "stance", "confidence", "rationale", "location"} <= set(p)
            assert set(p["location"]) == {"paragraph", "char_start", "char_end"}


async def test_check_stores_nothing_about_the_member(app):
    await check(app, CLAIM, guild_id=GUILD_A)
    async with app.sessions() as session:
        assert (await session.exec(select(QueryLog))).all() == []


async def test_embed_is_within_discords_limits_and_cites_each_source(app):
    answer = await check(app, CLAIM, guild_id=None)
    embed = check_embed(answer)
    assert limit_violations(embed) == []
    assert embed.title == "Claim check"
    for field, verdict in zip(embed.fields, answer.sources):
        assert f"source #{verdict.source.id}" in field.value
        assert field.name.startswith({"disputes": "Disputes", "supports": "Supports",
                                      "discusses": "Discusses"}[verdict.verdict])


def test_cli_check_json_on_the_seed(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "INDEX_DIR": ""}
    done = subprocess.run([sys.executable, "-m", "bot", "check", CLAIM, "--json"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["claim"] == CLAIM
    first = data["sources"][0]
    assert first["verdict"] == "disputes"
    assert any(r in p["text"] for p in first["passages"] for r in REBUTTALS)


@pytest.fixture
def settings(settings):
    return replace(settings, lookup_cooldown_seconds=0)


async def test_slash_check_through_the_fake_discord(app):
    async with BotHarness.running(app, guilds=[make_guild(GUILD_A)], extensions=["cogs.check"]) as harness:
        ex = await harness.slash("check", [option("claim", CLAIM)], guild_id=GUILD_A, user_id=ALICE)
        assert ex.callback.callback_type == 5 and not ex.ephemeral  # deferred, then a public answer
        embed = ex.final_message["embeds"][0]
        assert embed["title"] == "Claim check"
        assert embed["fields"][0]["name"].startswith("Disputes")
        assert any(r in embed["fields"][0]["value"] for r in REBUTTALS)
        sent = [d for d in ex.sent_payloads() if d.get("content") or d.get("embeds")]
        assert sent and all(d.get("allowed_mentions") == {"parse": []} for d in sent)

        private = await harness.slash("check", [option("claim", CLAIM), option("private", True, 5)],
                                      guild_id=GUILD_A, user_id=ALICE)
        assert private.ephemeral

        nothing = await harness.slash("check", [option("claim", "Zanzibar clove harvest doubled")],
                                      guild_id=GUILD_A, user_id=ALICE)
        assert nothing.final_message["content"].startswith("Nothing on file addresses")


async def test_slash_check_spends_the_containers_lookup_budget(app):
    """The limits live on the container (`app.rate_limits`): a member who used up their
    lookups (5 per 30 s) is refused a /check too, before any work."""
    app.rate_limits = RateLimits.defaults(clock=lambda: 1000.0)
    for _ in range(5):
        app.rate_limits.lookup(ALICE, GUILD_A)  # what five /lookup calls spend
    async with BotHarness.running(app, guilds=[make_guild(GUILD_A)], extensions=["cogs.check"]) as harness:
        refused = await harness.slash("check", [option("claim", CLAIM)], guild_id=GUILD_A, user_id=ALICE)
        assert refused.callback.callback_type == 4  # answered at once: nothing was deferred or checked
        assert refused.callback.data["content"] == "You're looking things up too fast: try again in 6 seconds."
        other = await harness.slash("check", [option("claim", CLAIM)], guild_id=GUILD_A, user_id=ALICE + 1)
        assert other.final_message["embeds"]


async def test_console_check_answers_like_the_cli(settings, engine, session_factory):
    import io

    from bot.console import run_console

    out = io.StringIO()
    lines = f"/check {CLAIM}\n/check\n/check Zanzibar clove harvest doubled\n/quit\n"
    assert await run_console(settings, io.StringIO(lines), out) == 0
    text = " ".join(out.getvalue().split())
    assert f"Check: {CLAIM}" in text
    assert "1. Disputes (confidence" in text
    assert any(r in text for r in REBUTTALS)
    assert "Give a claim: /check" in text
    assert "Nothing on file addresses “Zanzibar clove harvest doubled”" in text
