"""The local console through its function, with StringIO for the terminal."""
from __future__ import annotations

import io

from sqlmodel import select

from bot.console import run_console
from bot.models import QueryLog


async def _run(settings, text: str) -> str:
    out = io.StringIO()
    assert await run_console(settings, io.StringIO(text), out) == 0
    return out.getvalue()


async def test_console_answers_lookup_with_the_seed_quote_and_citation(settings, engine, session_factory):
    output = await _run(settings, "/lookup Iran al-Qaeda 9/11\n/quit\n")
    assert "Lookup: Iran al-Qaeda 9/11" in output
    assert "Pompeo" in output
    assert "Source: “Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”" in output
    assert "Counter-evidence" in output
    assert output.rstrip().endswith("Bye.")
    async with session_factory() as session:
        logged = (await session.exec(select(QueryLog))).all()
    assert [(row.guild_id, row.topic) for row in logged] == [(None, "iran al-qaeda 9/11")]


async def test_console_sources_source_help_and_unknown(settings, engine):
    output = await _run(settings, "/sources\n/source 1\n/help\n/frobnicate\n/source 999\n")
    assert "Sources (page 1 of 1, 1 in all):" in output
    assert "Source: “Pompeo Urges US" in output and "claims" in output
    assert "/lookup TOPIC" in output
    assert "Unknown command /frobnicate" in output
    assert "Error: No source #999 on file here." in output


async def test_console_says_nothing_matches_instead_of_inventing(settings, engine):
    output = await _run(settings, "zebra quantum marmalade\n")
    assert "Nothing on file matches “zebra quantum marmalade”." in output
