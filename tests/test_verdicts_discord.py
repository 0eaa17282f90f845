"""Verdicts and exports through the real discord.py client against the fake Discord, and
through the console."""
from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from sqlmodel import select

from bot.console import run_console
from bot.models import AuditLog, Verdict
from bot.services.lookup import lookup
from tests.fake_discord import MANAGE_GUILD, BotHarness, make_guild, option, subcommand
from tests.test_verdicts import google_claimreview_problems

GUILD_A, GUILD_B = 1001, 2002
ALICE, MOD = 11, 13
TOPIC = "Iran al-Qaeda 9/11"


@pytest.fixture
def settings(settings):
    return replace(settings, lookup_cooldown_seconds=0)


@pytest.fixture
async def harness(app):
    guilds = [make_guild(GUILD_A, name="Harbour Fact-Checkers"), make_guild(GUILD_B)]
    async with BotHarness.running(app, guilds=guilds, extensions=["cogs.lookup", "cogs.curate"]) as h:
        yield h


def verdict_cmd(claim: int, rating: str, note: str | None = None) -> list[dict]:
    options = [option("claim", claim, 4), option("rating", rating)]
    if note:
        options.append(option("note", note))
    return [subcommand("verdict", options)]


async def test_a_moderators_verdict_shows_in_lookup_and_source_and_exports_as_a_claimreview_file(harness, app):
    claim = (await lookup(app, TOPIC, guild_id=GUILD_A, log_query=False)).results[0]
    ex = await harness.slash("curate", verdict_cmd(claim.passage_id, "Misleading", "No such intelligence exists."),
                             guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)
    assert ex.ephemeral
    assert ex.final_message["content"] == (f"Verdict recorded on claim #{claim.passage_id}: "
                                           "Misleading: No such intelligence exists.")

    answer = await harness.slash("lookup", [option("topic", TOPIC)], guild_id=GUILD_A, user_id=ALICE)
    fields = {f["name"]: f["value"] for f in answer.final_message["embeds"][0]["fields"]}
    assert fields["Moderator verdict"] == "Misleading: No such intelligence exists."
    elsewhere = await harness.slash("lookup", [option("topic", TOPIC)], guild_id=GUILD_B, user_id=ALICE)
    assert "Moderator verdict" not in {f["name"] for f in elsewhere.final_message["embeds"][0]["fields"]}

    source = await harness.slash("source", [option("id", claim.source.id, 4)], guild_id=GUILD_A, user_id=ALICE)
    claim_field = next(f for f in source.final_message["embeds"][0]["fields"]
                       if f["name"].startswith(f"Claim #{claim.passage_id} "))
    assert "**Verdict:** Misleading: No such intelligence exists." in claim_field["value"]

    changed = await harness.slash("curate", verdict_cmd(claim.passage_id, "False"), guild_id=GUILD_A, user_id=MOD,
                                  permissions=MANAGE_GUILD)
    assert changed.final_message["content"] == f"Verdict changed on claim #{claim.passage_id}: False."

    exported = await harness.slash("curate", [subcommand("export")], guild_id=GUILD_A, user_id=MOD,
                                   permissions=MANAGE_GUILD)
    assert exported.ephemeral
    edit = next(r for r in exported.records if r.files)
    (name, data), = edit.files
    assert name.startswith(f"claimreview-{GUILD_A}-") and name.endswith(".jsonld")
    (review,) = json.loads(data)
    assert review["claimReviewed"] == claim.text and review["reviewRating"]["alternateName"] == "False"
    assert review["author"] == {"@type": "Organization", "name": "Harbour Fact-Checkers"}
    assert google_claimreview_problems(review) == []
    assert exported.final_message["content"].startswith("1 verdict as JSON-LD")

    links = await harness.slash("curate", [subcommand("export", [option("format", "annotations")])],
                                guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)
    (name, data), = next(r for r in links.records if r.files).files
    assert name.startswith("annotations-") and all(a["motivation"] == "assessing" for a in json.loads(data))

    removed = await harness.slash("curate", [subcommand("unverdict", [option("claim", claim.passage_id, 4)])],
                                  guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)
    assert removed.final_message["content"] == f"Verdict on claim #{claim.passage_id} removed (it was False)."
    async with app.sessions() as session:
        assert (await session.exec(select(Verdict))).all() == []
        actions = [a.action for a in (await session.exec(select(AuditLog).where(AuditLog.action.startswith("verdict."))
                                                                   .order_by(AuditLog.id))).all()]
    assert actions == ["verdict.set", "verdict.edit", "verdict.remove"]


async def test_members_cannot_give_verdicts_or_export(harness, app):
    claim = (await lookup(app, TOPIC, guild_id=GUILD_A, log_query=False)).results[0]
    for command in (verdict_cmd(claim.passage_id, "False"), [subcommand("export")]):
        ex = await harness.slash("curate", command, guild_id=GUILD_A, user_id=ALICE)
        assert ex.ephemeral and ex.final_message["content"].startswith("Only moderators can do that")
        assert not any(r.files for r in ex.records)
    async with app.sessions() as session:
        assert (await session.exec(select(Verdict))).all() == []


async def test_a_verdict_on_a_passage_that_is_no_claim_is_refused_in_words(harness, app):
    ex = await harness.slash("curate", verdict_cmd(999_999, "False"), guild_id=GUILD_A, user_id=MOD,
                             permissions=MANAGE_GUILD)
    assert ex.followups[-1].body["content"] == "No claim passage #999999 on file here."


async def test_console_verdict_export_and_lookup(settings, engine, tmp_path):
    from bot.app import Counterpoint

    app = await Counterpoint.open(settings, migrate=False)
    try:
        claim = (await lookup(app, TOPIC, guild_id=None, log_query=False)).results[0]
    finally:
        await app.close()
    out_file = tmp_path / "reviews.jsonld"
    lines = [f"/curate verdict {claim.passage_id} unsupported the report cites nothing",
             f"/lookup {TOPIC}", f"/curate export claimreview {out_file}", f"/curate unverdict {claim.passage_id}",
             "/curate verdict 1 Sort-of"]
    out = io.StringIO()
    moderator = replace(settings, claimreview_url="https://checks.example.org/")
    await run_console(moderator, io.StringIO("".join(f"{line}\n" for line in lines)), out, moderator=True)
    text = out.getvalue()
    assert f"Verdict recorded on claim #{claim.passage_id}: Unsupported: the report cites nothing." in text
    assert "  Moderator verdict: Unsupported: the report cites nothing" in text
    assert f"Wrote 1 verdict to {out_file}." in text
    assert f"Verdict on claim #{claim.passage_id} removed (it was Unsupported: the report cites nothing)." in text
    assert "Error: The rating must be one of False, Misleading, Unsupported, Mixed, Accurate." in text
    (review,) = json.loads(out_file.read_text(encoding="utf-8"))
    assert review["url"] == f"https://checks.example.org/#claim-{claim.passage_id}"
    assert google_claimreview_problems(review) == []
    member = io.StringIO()
    await run_console(settings, io.StringIO(f"/curate verdict {claim.passage_id} False\n"), member)
    assert "Only moderators can do that" in member.getvalue()
