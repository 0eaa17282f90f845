"""The client's single error handler and the `run_bot` entry point, against the fake Discord."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from types import SimpleNamespace

import discord
import pytest

from bot.client import UNEXPECTED, error_text, run_bot
from bot.errors import BadInput, RateLimited
from tests.fake_discord import EPHEMERAL_FLAG, BotHarness, FakeDiscord, make_guild

GUILD = 1001


@pytest.fixture
async def harness(app):
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=["tests._discord_helpers"]) as h:
        yield h


async def test_unexpected_error_gets_a_generic_ephemeral_answer_and_a_logged_traceback(harness, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.client"):
        ex = await harness.slash("boom", guild_id=GUILD, user_id=5)
    assert ex.callback.callback_type == 4 and ex.ephemeral
    assert ex.callback.data["content"] == UNEXPECTED
    assert "kaboom" not in ex.callback.data["content"]
    record = next(r for r in caplog.records if r.name == "bot.client" and r.levelno == logging.ERROR)
    assert record.exc_info and "kaboom" in str(record.exc_info[1])


async def test_error_after_defer_is_sent_as_an_ephemeral_followup(harness):
    ex = await harness.slash("boom_late", guild_id=GUILD, user_id=5)
    assert ex.callback.callback_type == 5
    followup = ex.followups[0]
    assert followup.body["content"] == UNEXPECTED and followup.body["flags"] & EPHEMERAL_FLAG


async def test_domain_error_message_is_shown_without_pinging(harness):
    ex = await harness.slash("refuse", guild_id=GUILD, user_id=5)
    assert ex.callback.data["content"] == "You may not do that @everyone."
    assert ex.callback.data["allowed_mentions"] == {"parse": []}
    assert ex.ephemeral


def test_error_text_maps_each_kind():
    assert error_text(BadInput("Too long.")) == ("Too long.", True)
    wrapped = discord.app_commands.CommandInvokeError(SimpleNamespace(name="lookup"), RateLimited("Slow down.", 3))
    assert error_text(wrapped) == ("Slow down.", True)
    text, expected = error_text(discord.app_commands.CommandOnCooldown(discord.app_commands.Cooldown(1, 30), 12.0))
    assert expected and text.startswith("Easy there") and text.endswith(":R>.")
    assert error_text(discord.app_commands.NoPrivateMessage()) == ("This command only works in a server.", True)
    assert error_text(ValueError("secret")) == (UNEXPECTED, False)


async def test_run_bot_connects_syncs_and_logs_a_ready_line(settings, engine, monkeypatch, caplog):
    fake = await FakeDiscord(guilds=[make_guild(GUILD)]).start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # restored after the test
    task = None
    try:
        with caplog.at_level(logging.INFO, logger="bot.client"):
            task = asyncio.create_task(run_bot(replace(settings, discord_token="fake-token",
                                                       discord_api_base=fake.api_base)))
            await fake.wait_identified(timeout=30)
            for _ in range(200):
                if any(r.message.startswith("ready:") for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
        ready = next(r.getMessage() for r in caplog.records if r.message.startswith("ready:"))
        assert "1 guilds" in ready and "cogs.lookup" in ready
        assert {"lookup", "curate"} <= {c["name"] for c in fake.commands_global}
        assert fake.identify_payloads[0]["intents"] == 1
    finally:
        if task is not None:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        await fake.stop()


async def test_run_bot_without_a_token_runs_the_console(settings, engine, monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("/lookup Iran al-Qaeda 9/11\n"))
    assert await run_bot(settings) == 0
    out = capsys.readouterr().out
    assert "Counterpoint local console" in out and "Pompeo" in out
    # The one no-token fallback (also what `python -m bot run` uses) says why it is the console.
    assert out.startswith("No DISCORD_TOKEN set: starting the local console instead.\n")


def test_bot_is_sharding_ready_with_minimal_intents_and_no_pings(settings):
    from bot.client import CounterpointBot

    app = SimpleNamespace(settings=replace(settings, shard_count=4, shard_ids=[2, 3]))
    bot = CounterpointBot(app, extensions=[])
    assert isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])
    assert bot.intents.value == discord.Intents(guilds=True).value and not bot.intents.message_content
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert type(bot.tree).__name__ == "CounterpointTree"
