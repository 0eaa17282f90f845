"""What one member asks is not shown to anyone else, through the real client and the fake
Discord (both backends): private and DM lookups never reach another member's autocomplete or
a digest, a public topic does only once three members asked it, digest topics cannot carry a
link, and `/forget` deletes a member's history while their votes stay counted."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import QueryLog, Vote
from tests.fake_discord import MANAGE_GUILD, MEMBER_PERMISSIONS, BotHarness, button_ids, make_guild, option, subcommand

GUILD, CHANNEL = 1001, 1002
ALICE, BOB, CAROL, DAVE, MOD = 11, 12, 13, 14, 15
SECRET = "zanzibar divorce lawyer iran"
MODERATOR = MEMBER_PERMISSIONS | MANAGE_GUILD


@pytest.fixture
def settings(settings):
    return replace(settings, lookup_cooldown_seconds=0)


@pytest.fixture
async def harness(app):
    async with BotHarness.running(app, guilds=[make_guild(GUILD, channel_id=CHANNEL)],
                                  extensions=["cogs.lookup", "cogs.digest"]) as h:
        yield h


async def ask(h, topic: str, *, user_id: int, guild_id: int | None = GUILD, private: bool = False):
    options = [option("topic", topic)] + ([option("private", True, 5)] if private else [])
    return await h.slash("lookup", options, guild_id=guild_id, user_id=user_id)


async def suggestions(h, typed: str, *, user_id: int, guild_id: int | None = GUILD) -> list[str]:
    ex = await h.autocomplete("lookup", [option("topic", typed, focused=True)], guild_id=guild_id, user_id=user_id)
    return [c["name"] for c in ex.callback.body["data"]["choices"]]


async def preview(h) -> str:
    ex = await h.slash("digest", [subcommand("preview")], guild_id=GUILD, user_id=MOD, permissions=MODERATOR)
    # Every message of the preview: with the full citations (bot.render.text.citation_line) a
    # day with counter-evidence can pass 6000 characters and continue in a second message.
    return (await ex.all_sent()).texts()


async def test_a_private_topic_is_suggested_to_its_asker_only_and_never_in_the_digest(harness):
    await ask(harness, SECRET, user_id=ALICE, private=True)
    assert SECRET in await suggestions(harness, "zanz", user_id=ALICE)  # her own history
    assert SECRET not in await suggestions(harness, "zanz", user_id=BOB)
    assert SECRET not in await suggestions(harness, "", user_id=BOB)
    assert "zanzibar" not in (await preview(harness)).lower()


async def test_dm_topics_are_never_shared_between_users(harness):
    await ask(harness, SECRET, user_id=ALICE, guild_id=None)
    for typed in ("", "zanz"):
        assert SECRET not in await suggestions(harness, typed, user_id=BOB, guild_id=None)
    assert SECRET in await suggestions(harness, "zanz", user_id=ALICE, guild_id=None)
    async with harness.bot.app.sessions() as session:
        row = (await session.exec(select(QueryLog).where(QueryLog.topic == SECRET))).one()
    assert row.private and row.user_id == ALICE


async def test_a_public_topic_reaches_others_once_three_members_asked_it(harness):
    topic = "iran al-qaeda 9/11"
    await ask(harness, topic, user_id=ALICE)
    await ask(harness, topic, user_id=ALICE)  # one member asking twice is still one member
    await ask(harness, topic, user_id=BOB)
    await ask(harness, topic, user_id=CAROL, private=True)  # a private ask does not count
    assert topic not in await suggestions(harness, "iran al", user_id=DAVE)
    assert "Most asked" not in await preview(harness)
    await ask(harness, topic, user_id=CAROL)
    assert topic in await suggestions(harness, "iran al", user_id=DAVE)
    text = await preview(harness)
    assert "Most asked" in text and "iran al-qaeda 9/11" in text.replace("\\", "")


async def test_digest_topics_carry_no_link_or_invite(harness):
    topic = "pompeo https://evil.example/x discord.gg/raid"
    for member in (ALICE, BOB, CAROL):
        await ask(harness, topic, user_id=member)
    text = await preview(harness)
    assert "Most asked" in text
    assert "https://evil" not in text and "discord.gg" not in text and "[link]" in text.replace("\\", "")


async def test_another_member_cannot_replay_a_private_lookup(harness):
    ex = await ask(harness, "Iran al-Qaeda 9/11", user_id=ALICE, private=True)
    next_id = next(i for i in button_ids(ex.final_message) if i.startswith("cp:nav:") and i.endswith(":n"))
    click = await harness.click(next_id, ex.final_message, guild_id=GUILD, user_id=BOB)
    assert "no longer on file" in click.followups[0].body["content"]
    own = await harness.click(next_id, ex.final_message, guild_id=GUILD, user_id=ALICE)
    assert not own.followups or "no longer on file" not in (own.followups[0].body.get("content") or "")


async def test_why_this_on_a_private_lookup_answers_its_asker_only(harness):
    ex = await ask(harness, "Iran al-Qaeda 9/11", user_id=ALICE, private=True)
    why_id = next(i for i in button_ids(ex.final_message) if i.startswith("cp:why:"))
    own = await harness.click(why_id, ex.final_message, guild_id=GUILD, user_id=ALICE)
    assert own.final_message["embeds"][0]["title"].startswith("Why result 1 (passage #")
    other = await harness.click(why_id, ex.final_message, guild_id=GUILD, user_id=BOB)
    assert "no longer on file" in other.followups[0].body["content"]


async def test_forget_deletes_the_members_history_and_unlinks_their_votes(harness):
    await ask(harness, SECRET, user_id=ALICE, private=True)
    await ask(harness, "Iran al-Qaeda 9/11", user_id=ALICE, guild_id=None)
    answer = await ask(harness, "Iran al-Qaeda 9/11", user_id=ALICE)
    vote_id = next(i for i in button_ids(answer.final_message) if i.startswith("cp:vote:") and i.endswith(":1"))
    await harness.click(vote_id, answer.final_message, guild_id=GUILD, user_id=ALICE)
    await ask(harness, "Iran al-Qaeda 9/11", user_id=BOB)

    forgot = await harness.slash("forget", guild_id=GUILD, user_id=ALICE)
    assert forgot.ephemeral
    assert "deleted 3 lookups" in forgot.texts() and "no longer linked to you: 1." in forgot.texts()
    async with harness.bot.app.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(QueryLog)
                                   .where(QueryLog.user_id == ALICE))).one() == 0
        assert (await session.exec(select(func.count()).select_from(QueryLog))).one() == 1  # Bob's stays
        votes = (await session.exec(select(Vote))).all()
    assert [(v.user_id, v.helpful) for v in votes] == [(None, True)]  # still counted, no longer hers
    assert SECRET not in await suggestions(harness, "zanz", user_id=ALICE)


async def test_lookups_past_their_retention_are_deleted(app):
    from datetime import timedelta

    from bot.models import utcnow
    from bot.privacy import purge_old_lookups

    async with app.sessions() as session:
        for days in (1, 89, 91, 400):
            session.add(QueryLog(guild_id=GUILD, topic=f"asked {days} days ago", user_id=ALICE,
                                 created_at=utcnow() - timedelta(days=days)))
        await session.commit()
    assert await purge_old_lookups(app, 90) == 2
    async with app.sessions() as session:
        left = sorted((await session.exec(select(QueryLog.topic))).all())
    assert left == ["asked 1 days ago", "asked 89 days ago"]
