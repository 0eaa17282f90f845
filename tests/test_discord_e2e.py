"""End to end through the real discord.py client against the fake Discord (both DB backends).

Each test starts `CounterpointBot` with the lead's `Counterpoint` app (seed ingested) and
sends interactions exactly as Discord would; assertions are on what the bot sent back and on
the database.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.config import PROJECT_ROOT
from bot.client import discover_extensions
from bot.models import AuditLog, Passage, QueryLog, Source, Vote
from bot.render.text import escape
from bot.services.lookup import lookup
from tests.fake_discord import (EPHEMERAL_FLAG, MANAGE_GUILD, BotHarness, button_ids, make_guild, make_role, option,
                                subcommand)

GUILD_A, GUILD_B = 1001, 2002
MOD_ROLE = 5005
ALICE, BOB, MOD = 11, 12, 13
SEED_TITLE = "Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”"
NO_PINGS = {"parse": []}
MY_COGS = ["cogs.lookup", "cogs.curate"]  # other cogs (digest) have their own tests

ARTICLE = (PROJECT_ROOT / "tests" / "data" / "clove_exports.txt").read_text(encoding="utf-8")  # shared test article


@pytest.fixture
def settings(settings):
    """No per-user cooldown here (the cooldown test turns it on explicitly)."""
    return replace(settings, lookup_cooldown_seconds=0)


def guilds() -> list[dict]:
    return [make_guild(GUILD_A, roles=[make_role(MOD_ROLE, "Fact-checkers")]), make_guild(GUILD_B)]


@pytest.fixture
async def harness(app):
    async with BotHarness.running(app, guilds=guilds(), extensions=MY_COGS) as h:
        yield h


def assert_no_pings(exchange) -> None:
    payloads = exchange.sent_payloads()
    assert payloads, "the bot sent nothing"
    for data in payloads:
        if data.get("content") or data.get("embeds"):
            assert data.get("allowed_mentions") == NO_PINGS, data


def only_embed(message: dict) -> dict:
    assert len(message["embeds"]) == 1, message
    return message["embeds"][0]


async def count(app, model, *where) -> int:
    async with app.sessions() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


# -- connection and command tree ---------------------------------------------------------------

def test_cogs_are_discovered_by_name_and_helpers_skipped():
    names = discover_extensions()
    assert {"cogs.lookup", "cogs.curate"} <= set(names)
    assert not [n for n in names if n.split(".")[-1].startswith("_")]


async def test_bot_identifies_with_guild_intent_only_and_syncs_the_command_tree(harness):
    assert harness.fake.identify_payloads[0]["intents"] == 1  # GUILDS only, no message content
    synced = {c["name"]: c for c in harness.fake.commands_global}
    assert set(synced) == {"lookup", "source", "sources", "forget", "curate"}
    lookup_options = {o["name"]: o for o in synced["lookup"]["options"]}
    assert lookup_options["topic"]["type"] == 3 and lookup_options["topic"]["required"] is True
    assert lookup_options["topic"]["autocomplete"] is True
    assert lookup_options["private"]["type"] == 5 and not lookup_options["private"].get("required")
    curate = synced["curate"]
    assert curate["default_member_permissions"] == str(MANAGE_GUILD)
    assert curate["contexts"] == [0]  # guild only
    assert {o["name"] for o in curate["options"]} == {
        "add", "edit", "remove", "restore", "link", "unlink", "alias", "audit", "role", "verdict", "unverdict",
        "export", "verify", "reingest"}
    assert synced["lookup"]["default_member_permissions"] is None
    assert harness.bot.allowed_mentions.to_dict() == NO_PINGS  # on the client, and on each send (below)


async def test_dev_guild_gets_an_instant_copy_of_the_commands(app):
    app.settings = replace(app.settings, dev_guild_id=GUILD_A)
    async with BotHarness.running(app, guilds=guilds(), extensions=MY_COGS) as h:
        assert {c["name"] for c in h.fake.commands_guild[GUILD_A]} == {"lookup", "source", "sources", "forget", "curate"}
        assert not [r for r in h.fake.requests if r.kind == "sync_global"]


# -- /lookup -------------------------------------------------------------------------------------

async def test_lookup_answers_with_the_seed_quote_its_source_and_counter_evidence(harness, app):
    expected = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=GUILD_A, log_query=False)).results[0]
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    assert ex.callback.callback_type == 5 and not ex.ephemeral  # deferred first, public answer
    embed = only_embed(ex.final_message)
    assert embed["title"] == escape(SEED_TITLE)
    assert expected.speaker == "Mike Pompeo"
    assert embed["description"].startswith("> " + escape(expected.text)[:60])
    assert "— **Mike Pompeo**" in embed["description"]
    assert f"paragraph {expected.location.paragraph}" in embed["description"]
    assert f"source #{expected.source.id}" in embed["description"]
    counter_fields = [f for f in embed["fields"] if f["name"].startswith("Counter-evidence")]
    assert counter_fields and expected.counter_evidence
    assert escape(expected.counter_evidence[0].text)[:40] in counter_fields[0]["value"]
    assert expected.counter_evidence[0].rationale[:30] in counter_fields[0]["value"].replace("\\", "")
    ids = button_ids(ex.final_message)
    assert any(i.startswith("cp:nav:") for i in ids) and f"cp:vote:{expected.passage_id}:1" in ids
    assert f"cp:src:{expected.source.id}" in ids
    assert_no_pings(ex)
    async with app.sessions() as session:
        logged = (await session.exec(select(QueryLog))).all()
    assert [(row.guild_id, row.topic) for row in logged] == [(GUILD_A, "iran al-qaeda 9/11")]
    assert any(i.startswith(f"cp:nav:{logged[0].id}:") for i in ids)  # buttons carry the query log id


async def test_private_lookup_is_ephemeral(harness):
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11"), option("private", True, 5)],
                             guild_id=GUILD_A, user_id=ALICE)
    assert ex.ephemeral
    assert ex.final_message["flags"] & EPHEMERAL_FLAG


async def test_no_match_says_so_and_invents_nothing(harness):
    ex = await harness.slash("lookup", [option("topic", "quantum chromodynamics gluon")], guild_id=GUILD_A,
                             user_id=ALICE)
    assert ex.final_message["content"].startswith("Nothing on file matches “quantum chromodynamics gluon”")
    assert ex.final_message["embeds"] == [] and ex.final_message["components"] == []
    assert_no_pings(ex)


async def test_next_and_previous_buttons_page_through_results(harness):
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    first = only_embed(ex.final_message)
    total = int(first["footer"]["text"].split(" of ")[1].split(" ")[0])
    assert total >= 2 and first["footer"]["text"].startswith("Result 1 of")
    next_id = next(i for i in button_ids(ex.final_message) if i.startswith("cp:nav:") and i.endswith(":n"))
    click = await harness.click(next_id, ex.final_message, guild_id=GUILD_A, user_id=BOB)
    assert click.callback.callback_type == 6  # deferred update of the same message
    second = only_embed(harness.fake.messages[int(ex.final_message["id"])])
    assert second["footer"]["text"].startswith(f"Result 2 of {total}")
    assert second["description"] != first["description"]
    message = harness.fake.messages[int(ex.final_message["id"])]
    prev_id = next(i for i in button_ids(message) if i.startswith("cp:nav:") and i.endswith(":p"))
    await harness.click(prev_id, message, guild_id=GUILD_A, user_id=BOB)
    back = only_embed(harness.fake.messages[int(ex.final_message["id"])])
    assert back["footer"]["text"].startswith(f"Result 1 of {total}") and back["description"] == first["description"]
    assert_no_pings(click)


async def test_after_paging_the_footer_shows_the_topic_as_typed(harness):
    typed = "IRAN  Al-Qaeda   9/11"
    ex = await harness.slash("lookup", [option("topic", typed)], guild_id=GUILD_A, user_id=ALICE)
    assert "“IRAN Al-Qaeda 9/11”" in only_embed(ex.final_message)["footer"]["text"]
    next_id = next(i for i in button_ids(ex.final_message) if i.startswith("cp:nav:") and i.endswith(":n"))
    await harness.click(next_id, ex.final_message, guild_id=GUILD_A, user_id=ALICE)
    second = only_embed(harness.fake.messages[int(ex.final_message["id"])])
    assert second["footer"]["text"].startswith("Result 2 of") and "“IRAN Al-Qaeda 9/11”" in second["footer"]["text"]


async def test_votes_one_per_user_and_changeable(harness, app):
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    helpful = next(i for i in button_ids(ex.final_message) if i.startswith("cp:vote:") and i.endswith(":1"))
    passage_id = int(helpful.split(":")[2])
    not_helpful = f"cp:vote:{passage_id}:0"

    first = await harness.click(helpful, ex.final_message, guild_id=GUILD_A, user_id=ALICE)
    assert first.ephemeral and "**helpful**" in first.final_message["content"]
    assert "1 helpful, 0 not helpful" in first.final_message["content"]
    again = await harness.click(helpful, ex.final_message, guild_id=GUILD_A, user_id=ALICE)
    assert "1 helpful, 0 not helpful" in again.final_message["content"]  # still one vote
    changed = await harness.click(not_helpful, ex.final_message, guild_id=GUILD_A, user_id=ALICE)
    assert "0 helpful, 1 not helpful" in changed.final_message["content"]
    other = await harness.click(helpful, ex.final_message, guild_id=GUILD_A, user_id=BOB)
    assert "1 helpful, 1 not helpful" in other.final_message["content"]
    async with app.sessions() as session:
        rows = (await session.exec(select(Vote).where(Vote.passage_id == passage_id))).all()
    assert sorted((r.user_id, r.helpful) for r in rows) == [(ALICE, False), (BOB, True)]
    assert_no_pings(changed)


async def test_counter_evidence_and_source_buttons(harness):
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    ids = button_ids(ex.final_message)
    counters = await harness.click(next(i for i in ids if i.startswith("cp:ctr:")), ex.final_message,
                                   guild_id=GUILD_A, user_id=BOB)
    assert counters.ephemeral
    embed = only_embed(counters.final_message)
    assert embed["title"].startswith("Counter-evidence")
    assert any("rebuffed Iranian offers" in f["value"] for f in embed["fields"])
    source = await harness.click(next(i for i in ids if i.startswith("cp:src:")), ex.final_message,
                                 guild_id=GUILD_A, user_id=BOB)
    detail = only_embed(source.final_message)
    assert detail["title"] == escape(SEED_TITLE) and "passages" in detail["description"]
    assert_no_pings(source)


async def test_buttons_keep_working_after_a_restart(app):
    async with BotHarness.running(app, guilds=guilds(), extensions=MY_COGS) as first_run:
        ex = await first_run.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
        message = ex.final_message
    async with BotHarness.running(app, guilds=guilds(), extensions=MY_COGS) as second_run:  # a new process: no views in memory
        second_run.fake.messages[int(message["id"])] = message
        next_id = next(i for i in button_ids(message) if i.startswith("cp:nav:") and i.endswith(":n"))
        await second_run.click(next_id, message, guild_id=GUILD_A, user_id=BOB)
        assert only_embed(second_run.fake.messages[int(message["id"])])["footer"]["text"].startswith("Result 2 of")


async def test_a_lookup_cannot_be_replayed_from_another_guild(harness):
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    next_id = next(i for i in button_ids(ex.final_message) if i.startswith("cp:nav:") and i.endswith(":n"))
    click = await harness.click(next_id, ex.final_message, guild_id=GUILD_B, user_id=BOB)
    refusal = click.followups[0]
    assert refusal.body["flags"] & EPHEMERAL_FLAG
    assert "no longer on file" in refusal.body["content"]


async def test_autocomplete_answers_with_choices_scoped_to_the_guild(harness):
    ex = await harness.autocomplete("lookup", [option("topic", "Pompeo", focused=True)], guild_id=GUILD_A,
                                    user_id=ALICE)
    assert ex.callback.callback_type == 8
    choices = ex.callback.body["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert any(c["name"] == SEED_TITLE[:100] for c in choices)
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_cooldown_refuses_politely_with_a_relative_timestamp(harness):
    harness.bot.settings = replace(harness.bot.settings, lookup_cooldown_seconds=60)
    await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    ex = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD_A, user_id=ALICE)
    assert ex.callback.callback_type == 4 and ex.ephemeral
    content = ex.callback.data["content"]
    assert content.startswith("Easy there") and ":R>" in content
    assert_no_pings(ex)


# -- /source, /sources ---------------------------------------------------------------------------

async def test_source_and_sources(harness, app):
    seed_id = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=None, log_query=False)).results[0].source.id
    ex = await harness.slash("source", [option("id", seed_id, 4)], guild_id=GUILD_A, user_id=ALICE)
    embed = only_embed(ex.final_message)
    assert embed["title"] == escape(SEED_TITLE)
    assert any(f["name"].startswith("Claim #") and "Mike Pompeo" in f["name"] for f in embed["fields"])
    listing = await harness.slash("sources", [], guild_id=GUILD_A, user_id=ALICE)
    embed = only_embed(listing.final_message)
    assert f"`#{seed_id}`" in embed["description"] and embed["footer"]["text"] == "Page 1 of 1 · 1 source"
    assert not listing.final_message.get("content")
    assert_no_pings(listing)
    past = await harness.slash("sources", [option("page", 2, 4)], guild_id=GUILD_A, user_id=ALICE)
    assert past.final_message["content"] == "There is no page 2: 1 source on 1 page. Here is page 1."
    assert only_embed(past.final_message)["footer"]["text"] == "Page 1 of 1 · 1 source"


async def test_a_domain_error_after_deferring_is_a_friendly_ephemeral_followup(harness):
    ex = await harness.slash("source", [option("id", 999_999, 4)], guild_id=GUILD_A, user_id=ALICE, settle=False)
    refusal = await harness.fake.wait_for(lambda r: r.token == ex.token and r.kind == "followup")
    assert refusal.body["content"] == "No source #999999 on file here."
    assert refusal.body["flags"] & EPHEMERAL_FLAG and refusal.body["allowed_mentions"] == NO_PINGS


# -- /curate -------------------------------------------------------------------------------------

def add_file(harness, text: str = ARTICLE, filename: str = "zanzibar.txt"):
    attachment = harness.fake.add_attachment(filename, text.encode())
    return [subcommand("add", [option("file", attachment["id"], 11)])], [attachment]


async def test_member_without_manage_guild_is_refused_and_nothing_changes(harness, app):
    sources_before = await count(app, Source)
    options, attachments = add_file(harness)
    ex = await harness.slash("curate", options, attachments=attachments, guild_id=GUILD_A, user_id=BOB)
    assert ex.callback.callback_type == 4 and ex.ephemeral
    assert ex.callback.data["content"].startswith("Only moderators can do that")
    assert await count(app, Source) == sources_before
    assert await count(app, AuditLog, AuditLog.guild_id == GUILD_A) == 0
    assert_no_pings(ex)


async def test_moderator_adds_an_article_found_in_that_guild_only(harness, app):
    options, attachments = add_file(harness)
    ex = await harness.slash("curate", options, attachments=attachments, guild_id=GUILD_A, user_id=MOD,
                             permissions=MANAGE_GUILD)
    assert ex.callback.callback_type == 5 and ex.ephemeral  # deferred before the slow part
    report = only_embed(ex.final_message)
    assert report["title"] == "Added: Zanzibar Spice Council Disputes Clove Export Figures"
    async with app.sessions() as session:
        added = (await session.exec(select(Source).where(Source.guild_id == GUILD_A))).one()
    assert added.added_by == str(MOD)

    found = await harness.slash("lookup", [option("topic", "clove exports doubled marketing plan")], guild_id=GUILD_A,
                                user_id=ALICE)
    embed = only_embed(found.final_message)
    assert embed["title"] == "Zanzibar Spice Council Disputes Clove Export Figures"
    assert "Clove exports doubled last year" in embed["description"]
    assert "paragraph 4 (chars" in embed["description"]  # title, byline, date, then the quote

    elsewhere = await harness.slash("lookup", [option("topic", "clove exports doubled marketing plan")], guild_id=GUILD_B,
                                    user_id=ALICE)
    assert elsewhere.final_message["content"].startswith("Nothing on file matches")

    title = "Zanzibar Spice Council Disputes Clove Export Figures"
    here = await harness.autocomplete("lookup", [option("topic", "Zanzibar", focused=True)], guild_id=GUILD_A,
                                      user_id=ALICE)
    assert title in [c["name"] for c in here.callback.body["data"]["choices"]]
    there = await harness.autocomplete("lookup", [option("topic", "Zanzibar", focused=True)], guild_id=GUILD_B,
                                       user_id=ALICE)
    assert title not in [c["name"] for c in there.callback.body["data"]["choices"]]


async def test_moderator_role_grants_curation_and_is_audited(harness, app):
    role_cmd = [subcommand("role", [option("role", str(MOD_ROLE), 8)])]
    resolved = {"roles": {str(MOD_ROLE): make_role(MOD_ROLE, "Fact-checkers")}}
    set_role = await harness.slash("curate", role_cmd, guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD,
                                   resolved=resolved)
    assert "Moderator role set to <@&5005>" in set_role.final_message["content"]
    assert_no_pings(set_role)
    audit = await harness.slash("curate", [subcommand("audit")], guild_id=GUILD_A, user_id=BOB, roles=[MOD_ROLE])
    assert "`role.set` role:5005 by 13" in only_embed(audit.final_message)["description"]
    # ...but a role-based moderator may not hand out moderation.
    denied = await harness.slash("curate", role_cmd, guild_id=GUILD_A, user_id=BOB, roles=[MOD_ROLE],
                                 resolved=resolved)
    assert denied.ephemeral and "Manage Server" in denied.callback.data["content"]


async def test_remove_and_restore_an_own_source(harness, app):
    options, attachments = add_file(harness)
    await harness.slash("curate", options, attachments=attachments, guild_id=GUILD_A, user_id=MOD,
                        permissions=MANAGE_GUILD)
    async with app.sessions() as session:
        source_id = (await session.exec(select(Source.id).where(Source.guild_id == GUILD_A))).one()
    removed = await harness.slash("curate", [subcommand("remove", [option("id", source_id, 4)])], guild_id=GUILD_A,
                                  user_id=MOD, permissions=MANAGE_GUILD)
    assert removed.final_message["content"].startswith(f"Removed source #{source_id}")
    gone = await harness.slash("lookup", [option("topic", "clove exports Zanzibar")], guild_id=GUILD_A, user_id=ALICE)
    assert gone.final_message["content"].startswith("Nothing on file matches")
    await harness.slash("curate", [subcommand("restore", [option("id", source_id, 4)])], guild_id=GUILD_A,
                        user_id=MOD, permissions=MANAGE_GUILD)
    back = await harness.slash("lookup", [option("topic", "clove exports Zanzibar")], guild_id=GUILD_A, user_id=ALICE)
    assert only_embed(back.final_message)["title"].startswith("Zanzibar")


async def test_seed_sources_cannot_be_removed_by_a_guild(harness, app):
    seed_id = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=None, log_query=False)).results[0].source.id
    ex = await harness.slash("curate", [subcommand("remove", [option("id", seed_id, 4)])], guild_id=GUILD_A,
                             user_id=MOD, permissions=MANAGE_GUILD, settle=False)
    refusal = await harness.fake.wait_for(lambda r: r.token == ex.token and r.kind == "followup")
    assert "shared seed source" in refusal.body["content"] and refusal.body["flags"] & EPHEMERAL_FLAG
    async with app.sessions() as session:
        assert (await session.get(Source, seed_id)).status == "active"


HTML_ARTICLE = """<html><head><title>Harbour Authority Denies Dredging Delay</title></head><body>
<article><h1>Harbour Authority Denies Dredging Delay</h1>
<p>"The dredging of the north channel is on schedule and will finish in May," said port director Lena Ostrova on Monday.</p>
<p>Contractor invoices seen by reporters show the dredging equipment has not yet been delivered to the harbour.</p>
<p>Shipping companies have already rerouted three vessels because of the delay at the north channel.</p>
</article></body></html>"""


async def test_moderator_adds_a_url_deferring_before_the_fetch(app):
    app.settings = replace(app.settings, allow_private_fetch=True)  # the "website" is the fake on 127.0.0.1
    async with BotHarness.running(app, guilds=guilds(), extensions=MY_COGS) as h:
        page = h.fake.add_attachment("harbour.html", HTML_ARTICLE.encode(), "text/html")
        ex = await h.slash("curate", [subcommand("add", [option("url", page["url"]), option("outlet", "Port Gazette")])],
                           guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)
        assert ex.callback.callback_type == 5 and ex.ephemeral
        assert only_embed(ex.final_message)["title"] == "Added: Harbour Authority Denies Dredging Delay"
        found = await h.slash("lookup", [option("topic", "north channel dredging schedule")], guild_id=GUILD_A,
                              user_id=ALICE)
        embed = only_embed(found.final_message)
        assert embed["title"] == "Harbour Authority Denies Dredging Delay" and embed["url"] == page["url"]
        assert "*Port Gazette*" in embed["description"]


async def test_a_private_address_is_refused_by_default(harness, app):
    sources_before = await count(app, Source)
    ex = await harness.slash("curate", [subcommand("add", [option("url", "http://127.0.0.1:9/secret")])],
                             guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD, settle=False)
    refusal = await harness.fake.wait_for(lambda r: r.token == ex.token and r.kind == "followup")
    assert refusal.body["flags"] & EPHEMERAL_FLAG and refusal.body["content"]
    assert "went wrong" not in refusal.body["content"]  # a FetchFailed explanation, not a crash
    assert await count(app, Source) == sources_before


async def test_curate_add_needs_exactly_one_of_url_or_file(harness):
    ex = await harness.slash("curate", [subcommand("add")], guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)
    assert ex.ephemeral and ex.callback.data["content"] == "Give exactly one of `url` or `file`."


async def test_moderator_links_unlinks_aliases_and_edits(harness, app):
    options, attachments = add_file(harness)
    await harness.slash("curate", options, attachments=attachments, guild_id=GUILD_A, user_id=MOD,
                        permissions=MANAGE_GUILD)
    async with app.sessions() as session:
        source_id = (await session.exec(select(Source.id).where(Source.guild_id == GUILD_A))).one()
        passages = (await session.exec(select(Passage).where(Passage.source_id == source_id))).all()
    claim = next(p.id for p in passages if p.text.startswith('"Clove exports doubled'))
    evidence = next(p.id for p in passages if p.text.startswith("Farmers in Pemba"))
    mod = dict(guild_id=GUILD_A, user_id=MOD, permissions=MANAGE_GUILD)

    linked = await harness.slash("curate", [subcommand("link", [
        option("claim", claim, 4), option("evidence", evidence, 4), option("stance", "counters"),
        option("rationale", "Flat farm-gate prices do not fit doubled exports.")])], **mod)
    assert linked.final_message["content"].startswith(f"Linked: passage #{evidence} counters claim #{claim}")
    shown = await harness.slash("lookup", [option("topic", "clove exports doubled marketing plan")],
                                guild_id=GUILD_A, user_id=ALICE)
    fields = only_embed(shown.final_message)["fields"]
    moderator_item = next(f for f in fields if f["name"].endswith("(moderator)"))
    assert "Farmers in Pemba" in moderator_item["value"] and "Flat farm-gate prices" in moderator_item["value"]

    unlinked = await harness.slash("curate", [subcommand("unlink", [option("claim", claim, 4),
                                                                     option("evidence", evidence, 4)])], **mod)
    assert unlinked.final_message["content"] == f"Link between claim #{claim} and evidence #{evidence} removed."
    again = await harness.slash("lookup", [option("topic", "clove exports doubled marketing plan")],
                                guild_id=GUILD_A, user_id=ALICE)
    assert not any("Farmers in Pemba" in f["value"] for f in only_embed(again.final_message)["fields"])

    await harness.slash("curate", [subcommand("alias", [option("term", "zsc"),
                                                        option("canonical", "clove exports doubled")])], **mod)
    via_alias = await harness.slash("lookup", [option("topic", "zsc")], guild_id=GUILD_A, user_id=ALICE)
    assert only_embed(via_alias.final_message)["title"].startswith("Zanzibar")
    in_b = await harness.slash("lookup", [option("topic", "zsc")], guild_id=GUILD_B, user_id=ALICE)
    assert in_b.final_message["content"].startswith("Nothing on file matches")

    edited = await harness.slash("curate", [subcommand("edit", [option("id", source_id, 4),
                                                                option("title", "Clove Figures Disputed"),
                                                                option("date", "2024-03-04")])], **mod)
    assert edited.final_message["content"] == f"Updated source #{source_id} “Clove Figures Disputed”."
    after = await harness.slash("lookup", [option("topic", "clove exports doubled marketing plan")],
                                guild_id=GUILD_A, user_id=ALICE)
    embed = only_embed(after.final_message)
    assert embed["title"] == "Clove Figures Disputed" and "2024-03-04 ·" in embed["description"]
    async with app.sessions() as session:
        actions = (await session.exec(select(AuditLog.action).where(AuditLog.guild_id == GUILD_A)
                                      .order_by(AuditLog.id))).all()
    assert actions == ["source.created", "link.set", "link.removed", "alias.set", "source.edit"]


async def test_sources_pages_with_buttons_and_per_guild_counts(harness, app):
    from bot.services.sources import ingest_document

    for n in range(11):
        text = (f"Town Council Report Number {n}\n\nThe council of town {n} met on Tuesday.\n\n"
                f"\"We approved budget line {n * 7}\" said councillor Member{n}.\n")
        await ingest_document(app, text, filename=f"report{n}.txt", guild_id=GUILD_A, actor="test")
    first = await harness.slash("sources", [], guild_id=GUILD_A, user_id=ALICE)
    assert only_embed(first.final_message)["footer"]["text"] == "Page 1 of 2 · 12 sources"
    buttons = first.final_message["components"][0]["components"]
    assert [(b["custom_id"], b.get("disabled", False)) for b in buttons] == [("cp:srcs:1:p", True), ("cp:srcs:2:n", False)]
    await harness.click("cp:srcs:2:n", first.final_message, guild_id=GUILD_A, user_id=ALICE)
    second = harness.fake.messages[int(first.final_message["id"])]
    assert only_embed(second)["footer"]["text"] == "Page 2 of 2 · 12 sources"
    assert only_embed(second)["description"].count("`#") == 2
    other = await harness.slash("sources", [], guild_id=GUILD_B, user_id=ALICE)
    assert only_embed(other.final_message)["footer"]["text"] == "Page 1 of 1 · 1 source"


async def test_everyone_inside_a_source_never_pings(harness, app):
    text = ("Lighthouse Keepers Protest Automation Plan\n\n"
            "\"@everyone should know the lighthouse automation plan is a **disaster**,\" said keeper Tomas Berg.\n\n"
            "The maritime agency said the automation plan saves money and keeps the lighthouse lit.\n")
    options, attachments = add_file(harness, text, "lighthouse.txt")
    await harness.slash("curate", options, attachments=attachments, guild_id=GUILD_A, user_id=MOD,
                        permissions=MANAGE_GUILD)
    ex = await harness.slash("lookup", [option("topic", "lighthouse automation plan disaster")], guild_id=GUILD_A,
                             user_id=ALICE)
    description = only_embed(ex.final_message)["description"]
    assert "@\u200beveryone should know" in description and "@everyone" not in description
    assert "\\*\\*disaster\\*\\*" in description  # markdown shown literally, not rendered
    assert_no_pings(ex)
