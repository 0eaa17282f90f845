"""The drift check as members and moderators see it: through the fake Discord (/source,
/lookup, /curate verify, /curate reingest), the console and the CLI."""
from __future__ import annotations

import asyncio
import dataclasses
import io

import pytest

from bot.__main__ import main
from bot.console import run_console
from bot.services import sources
from tests.fake_discord import MANAGE_GUILD, BotHarness, make_guild, option, subcommand
from tests.test_drift import EDITED, GUILD, P_QUOTE, REMOVED, _ingest, _passages, site  # noqa: F401 - fixture

MOD, ALICE = 13, 11


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, allow_private_fetch=True, lookup_cooldown_seconds=0)


async def test_source_and_lookup_show_drift_and_a_moderator_can_verify_and_reingest(bare_app, site):  # noqa: F811
    app = bare_app
    source_id = await _ingest(app, site)
    quote_id = (await _passages(app, source_id))[P_QUOTE].id
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=["cogs.lookup", "cogs.curate"]) as h:
        before = await h.slash("source", [option("id", source_id, 4)], guild_id=GUILD, user_id=ALICE)
        assert "Page check: not verified yet" in before.final_message["embeds"][0]["description"]

        site["body"] = EDITED
        verify = await h.slash("curate", [subcommand("verify", [option("id", source_id, 4)])], guild_id=GUILD,
                               user_id=MOD, permissions=MANAGE_GUILD)
        assert verify.ephemeral
        assert "the page has drifted: 1 changed" in verify.final_message["content"]

        shown = await h.slash("source", [option("id", source_id, 4)], guild_id=GUILD, user_id=ALICE)
        description = shown.final_message["embeds"][0]["description"]
        assert "the page has drifted (1 changed" in description and "The stored text stays the citation" in description

        answer = await h.slash("lookup", [option("topic", "wall protect old town fifty years")], guild_id=GUILD,
                               user_id=ALICE)
        embed = answer.final_message["embeds"][0]
        assert f"passage #{quote_id}" in embed["footer"]["text"]
        assert "The page has changed this quote since it was cited" in embed["description"]

        member = await h.slash("curate", [subcommand("reingest", [option("id", source_id, 4)])], guild_id=GUILD,
                               user_id=ALICE)
        assert member.final_message["content"].startswith("Only moderators can do that")

        site["body"] = REMOVED
        again = await h.slash("curate", [subcommand("reingest", [option("id", source_id, 4)])], guild_id=GUILD,
                              user_id=MOD, permissions=MANAGE_GUILD)
        assert again.final_message["embeds"][0]["title"].startswith("Updated:")
    detail = await sources.get_source(app, source_id, guild_id=GUILD)
    assert detail.check.status == "intact" and detail.check.drifted_at is None
    assert P_QUOTE not in await _passages(app, source_id)


async def test_cli_and_console_verify(bare_app, site, tmp_path, monkeypatch, capsys):  # noqa: F811
    report = await sources.ingest_url(bare_app, site["url"], guild_id=None, actor="cli")
    site["mode"] = "404"
    for name, value in (("DATABASE_URL", bare_app.settings.database_url), ("INDEX_DIR", str(tmp_path / "i")),
                        ("ALLOW_PRIVATE_FETCH", "true")):
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["verify"]) == 1
    assert (f"Source #{report.source_id} “Harbour wall finished, council says”: could not be checked: The website "
            "answered with an error (HTTP 404). (not counted as drift).") in capsys.readouterr().out
    site["mode"], site["body"] = "ok", EDITED
    assert await asyncio.to_thread(main, ["verify", "--source", str(report.source_id)]) == 0
    assert "the page has drifted: 1 changed, 1 moved, 3 intact of 5 quotes" in capsys.readouterr().out

    out = io.StringIO()
    lines = "/curate verify\n/source {0}\n/curate reingest {0}\n".format(report.source_id)
    console_settings = dataclasses.replace(bare_app.settings, index_dir=tmp_path / "console-index")
    await run_console(console_settings, io.StringIO(lines), out, moderator=True)
    text = " ".join(out.getvalue().split())
    assert "the page has drifted: 1 changed, 1 moved, 3 intact of 5 quotes" in text
    assert "Page check" in text and "the page has drifted (1 changed, 1 moved, 3 intact of 5 quotes)" in text
    assert f"source #{report.source_id}" in text.lower()
