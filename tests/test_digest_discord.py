"""`/digest` and the digest tick end to end: the real bot against the fake Discord.

The tick runs with an injected clock (the cog's `clock`), so "09:00 tomorrow" is a value,
not a wait. What Discord would have received is asserted from the fake's request log."""
import asyncio
import contextlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.digest import settings as digest_settings
from bot.digest.service import digest_status
from bot.models import AuditLog, DigestRun, GuildSettings
from tests.fake_discord import (MANAGE_GUILD, MEMBER_PERMISSIONS, BotHarness, Exchange, make_guild, option,
                                subcommand)
from tests.fake_discord.payloads import slash_command

GUILD, CHANNEL, MOD, MEMBER = 1001, 1002, 7, 8
MODERATOR = MEMBER_PERMISSIONS | MANAGE_GUILD
BERLIN = ZoneInfo("Europe/Berlin")


@contextlib.asynccontextmanager
async def running(app):
    async with BotHarness.running(app, guilds=[make_guild(GUILD, channel_id=CHANNEL)],
                                  extensions=["cogs.digest"]) as harness:
        yield harness


async def digest(h, sub: str, options=None, *, permissions=MODERATOR, user_id=MOD, resolved=None) -> Exchange:
    payload = slash_command("digest", [subcommand(sub, options)], app_id=h.fake.app_id,
                            command_id=h.fake.command_id("digest", GUILD), guild_id=GUILD, user_id=user_id,
                            permissions=permissions)
    if resolved:
        payload["data"]["resolved"] = resolved
    await h.fake.send_interaction(payload)
    return await Exchange(h.fake, payload).settled()


async def choose_channel(h, channel_id=CHANNEL, **kw) -> Exchange:
    resolved = {"channels": {str(channel_id): {"id": str(channel_id), "type": 0, "name": "general",
                                               "permissions": str(MODERATOR), "guild_id": str(GUILD)}}}
    return await digest(h, "channel", [option("channel", str(channel_id), kind=7)], resolved=resolved, **kw)


def channel_posts(h, channel_id=CHANNEL) -> list:
    return [r for r in h.fake.requests if r.kind == "channel_message" and r.channel_id == channel_id]


async def audit_actions(app) -> list[str]:
    async with app.sessions() as session:
        return [a.action for a in (await session.exec(select(AuditLog).where(AuditLog.guild_id == GUILD)
                                                      .order_by(AuditLog.id))).all()]


async def wait_until_sent(app, timeout: float = 10) -> bool:
    for _ in range(int(timeout / 0.05)):
        async with app.sessions() as session:
            if [r.status for r in (await session.exec(select(DigestRun))).all()] == ["sent"]:
                return True
        await asyncio.sleep(0.05)
    return False


def soon_in_berlin() -> str:
    """A digest time a few minutes ahead, so the next slot is well within the seed's 24 hours."""
    return (datetime.now(BERLIN) + timedelta(minutes=5)).strftime("%H:%M")


async def test_three_commands_then_the_tick_posts_the_digest_once(app):
    async with running(app) as h:
        cog = h.bot.get_cog("Digest")
        set_channel = await choose_channel(h)
        assert set_channel.ephemeral and f"<#{CHANNEL}>" in set_channel.texts()
        at = soon_in_berlin()
        set_time = await digest(h, "time", [option("time", at), option("timezone", "Europe/Berlin")])
        assert set_time.ephemeral and f"{at} (Europe/Berlin)" in set_time.texts()
        assert await audit_actions(app) == ["digest.channel", "digest.time"]

        status = await digest_status(app, guild_id=GUILD, now=datetime.now(timezone.utc))
        due = status.next_run + timedelta(seconds=30)
        cog.clock = lambda: due - timedelta(minutes=1)
        await cog.tick()  # a minute early: nothing
        assert channel_posts(h) == []
        cog.clock = lambda: due
        await cog.tick()
        posts = channel_posts(h)  # one digest: one message, or a few when it is long
        assert 1 <= len(posts) <= 3
        await cog.tick()  # the next tick, same minute: nothing more
        cog.clock = lambda: due + timedelta(hours=3)
        await cog.tick()
        assert channel_posts(h) == posts
        for post in posts:
            assert post.body["allowed_mentions"] == {"parse": []}
            assert len(post.body["embeds"]) <= 10
        text = "\n".join((e.get("title") or "") + "\n" + (e.get("description") or "")
                         for post in posts for e in post.body["embeds"])
        assert text.startswith("📰 Daily digest") and "Pompeo" in text  # the seed, ingested today, is news
        async with app.sessions() as session:
            [run] = (await session.exec(select(DigestRun))).all()
        assert run.status == "sent" and run.message_id == int(posts[0].message["id"])

        status = await digest(h, "status")
        assert "posted" in status.texts() and posts[0].message["id"] in status.texts()


async def test_the_running_loop_posts_once_and_stops_on_unload(app):
    async with running(app) as h:
        cog = h.bot.get_cog("Digest")
        assert cog.tick.is_running()
        await choose_channel(h)
        await digest(h, "time", [option("time", soon_in_berlin()), option("timezone", "Europe/Berlin")])
        status = await digest_status(app, guild_id=GUILD, now=datetime.now(timezone.utc))
        cog.clock = lambda: status.next_run + timedelta(seconds=1)
        cog.tick.change_interval(seconds=0.05)
        cog.tick.restart()
        await h.fake.wait_for(lambda r: r.kind == "channel_message", timeout=15)
        assert await wait_until_sent(app)  # every message of the digest is out
        posts = channel_posts(h)
        await asyncio.sleep(0.5)  # ~10 more ticks
        assert channel_posts(h) == posts
        task = cog.tick.get_task()
        await h.bot.unload_extension("cogs.digest")
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
        assert not cog.tick.is_running()


async def test_preview_is_ephemeral_and_posts_nothing_to_the_channel(app):
    async with running(app) as h:
        await choose_channel(h)
        preview = await digest(h, "preview")
        assert preview.ephemeral
        assert all(r.data.get("flags", 0) & 64 for r in preview.followups)
        text = preview.texts()
        assert "Preview" in text and "nothing was posted" in text and "Pompeo" in text
        assert channel_posts(h) == []
        async with app.sessions() as session:
            assert (await session.exec(select(DigestRun))).all() == []


async def test_members_without_manage_server_are_refused_and_nothing_changes(app):
    async with running(app) as h:
        refused = await choose_channel(h, permissions=MEMBER_PERMISSIONS, user_id=MEMBER)
        assert refused.ephemeral and "Only moderators" in refused.texts()
        refused = await digest(h, "preview", permissions=MEMBER_PERMISSIONS, user_id=MEMBER)
        assert "Only moderators" in refused.texts()
        async with app.sessions() as session:
            assert await session.get(GuildSettings, GUILD) is None
        assert await audit_actions(app) == []
        assert channel_posts(h) == []


async def test_bad_time_or_zone_gets_a_friendly_error_and_changes_nothing(app):
    async with running(app) as h:
        bad_time = await digest(h, "time", [option("time", "25:00")])
        assert bad_time.ephemeral and "00:00 to 23:59" in bad_time.texts()
        bad_zone = await digest(h, "time", [option("time", "08:00"), option("timezone", "Mars/Olympus")])
        assert bad_zone.ephemeral and "Europe/Berlin" in bad_zone.texts()
        assert await audit_actions(app) == []
        quiet = await digest(h, "quiet", [option("mode", "skip")])
        assert "Nothing is posted on quiet days." in quiet.texts()
        off = await digest(h, "off")
        assert "off" in off.texts()
        assert await audit_actions(app) == ["digest.quiet", "digest.off"]


async def test_a_deleted_channel_shows_in_status_and_the_loop_keeps_going(app):
    gone = 424242
    async with running(app) as h:
        cog = h.bot.get_cog("Digest")
        await digest_settings.set_channel(app, guild_id=GUILD, actor="test", channel_id=gone)
        await digest(h, "time", [option("time", soon_in_berlin()), option("timezone", "Europe/Berlin")])
        status = await digest_status(app, guild_id=GUILD, now=datetime.now(timezone.utc))
        cog.clock = lambda: status.next_run + timedelta(seconds=1)
        await cog.tick()
        await cog.tick()
        assert channel_posts(h, gone) == []
        shown = await digest(h, "status")
        assert "failed" in shown.texts() and "no longer exists" in shown.texts()


async def test_timezone_autocomplete_offers_iana_names(app):
    async with running(app) as h:
        payload = slash_command("digest", [subcommand("time", [option("time", "08:00"),
                                                                option("timezone", "berl", focused=True)])],
                                app_id=h.fake.app_id, command_id=h.fake.command_id("digest", GUILD), guild_id=GUILD,
                                user_id=MOD, permissions=MODERATOR, kind=4)
        await h.fake.send_interaction(payload)
        answer = await Exchange(h.fake, payload).settled()
        choices = answer.callback.data["choices"]
        assert choices[0]["value"] == "Europe/Berlin" and len(choices) <= 25
