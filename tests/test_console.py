"""The local console driven like a person at a terminal: lines in on stdin, text out on stdout.

Through `run_console`'s IO seam (StringIO for the terminal) on both database backends, plus
the real `python -m bot console` through a pipe. Covers paging an answer (/next, /prev,
/more, and past the end), source details as quotes with speakers, the moderator switch,
and curating the shared library offline (/curate add, edit, remove, restore, link, unlink,
alias, audit, /digest preview).
"""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from sqlmodel import select

from bot.config import PROJECT_ROOT
from bot.console import COMMANDS, Console, command, handle_line, run_console
from bot.models import Alias, AuditLog, Link, QueryLog, Source

QUERY = "Iran al-Qaeda 9/11"


async def _run(settings, *lines: str, moderator: bool = False) -> list[str]:
    """What the console printed for each input line (the banner first, "Bye." last)."""
    out = io.StringIO()
    assert await run_console(settings, io.StringIO("".join(f"{line}\n" for line in lines)), out,
                             moderator=moderator) == 0
    return out.getvalue().split("\n")


async def _replies(settings, *lines: str, moderator: bool = False) -> str:
    return "\n".join(await _run(settings, *lines, moderator=moderator))


def flat(text: str) -> str:
    """The text with line wrapping undone (quotes are wrapped at 100 columns)."""
    return " ".join(text.split())


# --- everyone: an answer that reads like the Discord embed, paged ----------------------------

async def test_lookup_shows_one_result_with_three_counter_items_and_hints(settings, engine, session_factory):
    output = await _replies(settings, f"/lookup {QUERY}", "/quit")
    assert f"Result 1 of 5 for “{QUERY}”:" in output
    assert "  — Mike Pompeo" in output
    # One citation format for every front end (bot.render.text.plain_citation): " · " between parts, as on Discord.
    assert "Source: “Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”” · 2021-01-12" in output
    assert "Counter-evidence (6 on file):" in output
    assert [f"  {n}/6. " in output for n in range(1, 5)] == [True, True, True, False]  # three shown, like the embed
    assert "  … 3 more: type /more to see them." in output
    assert "(/next for result 2 of 5, /source 1 for the source)" in output
    assert "Result 2 of 5" not in output
    assert len(output.splitlines()) < 40  # was ~150 lines: five results with every item
    assert output.rstrip().endswith("Bye.")
    async with session_factory() as session:
        logged = (await session.exec(select(QueryLog))).all()
    assert [(row.guild_id, row.topic) for row in logged] == [(None, "iran al-qaeda 9/11")]


async def test_more_next_prev_and_paging_past_either_end(settings, engine):
    lines = [f"/lookup {QUERY}", "/more", "/more", "/next", "/next", "/next", "/next", "/next", "/prev",
             "/prev", "/prev", "/prev", "/prev"]
    output = await _replies(settings, "/next", "/more", *lines)
    before = "Nothing to page through yet: look something up first (/lookup Iran al-Qaeda 9/11)."
    assert output.count(before) == 2
    more = output.split("More counter-evidence for the quote of Mike Pompeo", 1)[1]
    assert "items 4–6 of 6:" in more and "  4/6. " in more and "  6/6. " in more and "  3/6. " not in more.split("Result 2")[0]
    assert "All 6 counter-evidence items for this result are already shown. Type /next for the next result." in output
    for n in range(2, 6):
        assert f"Result {n} of 5 for “{QUERY}”:" in output
    assert f"That was the last result (5 of 5) for “{QUERY}”. Type /prev to go back, or look up other words." in output
    assert f"This is already the first result (1 of 5) for “{QUERY}”." in output
    assert output.index("That was the last result") < output.index("Result 4 of 5", output.index("That was the last"))


async def test_a_bare_line_is_a_lookup_and_nothing_matching_is_said_plainly(settings, engine):
    output = await _replies(settings, "zebra quantum marmalade", "/next", "/lookup")
    assert "Nothing on file matches “zebra quantum marmalade”. Try other words" in output
    assert "Nothing to page through yet" in output  # a failed lookup leaves nothing to page
    assert "Give a topic: /lookup Iran al-Qaeda 9/11" in output


async def test_source_details_are_quotes_with_speakers_not_ids(settings, engine):
    output = await _replies(settings, "/source 1", "/source 1 2", "/source 1 9", "/source x", "/source 999")
    first = output.split("Source #1: ", 2)[1]
    # One citation format (bot.render.text.plain_citation): " · " and "(inferred)", as on Discord.
    assert first.startswith("“Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”” · 2021-01-12 (inferred)")
    # 64: every link the rules make except two loose automatic "supports" the stance model
    # overrules as unrelated (none of the rules' rebuttals is overruled), and three supports of
    # the two claims the tagger reads as speech acts ("The New York Times broke news ..., alleging").
    assert "33 passages, 18 claims, 64 links to other passages." in first
    assert "Claims 1–5 of 18:" in first
    # A claim, quoted, with who said it; under it the passages that counter it, quoted with their speaker.
    assert "    — Mike Pompeo, paragraph 5, passage #5" in first
    assert "— The New York Times [paragraph 12, passage #19]" in flat(first)
    assert "← counters (automatic 0.90): “Ironically, both of these claims" in flat(first)
    assert "link #" not in output and " <- #" not in output  # no bare id pairs
    assert "(/source 1 2 for claims 6–10)" in first
    assert "Claims 6–10 of 18:" in output
    assert "Source #1 has no page 9: its 18 claims fit on 4 pages. Type /source 1 for the first." in output
    assert "Give the source number: /source 1" in output
    assert "Error: No source #999 on file here." in output


async def test_sources_list_and_a_page_past_the_end(settings, engine):
    output = await _replies(settings, "/sources", "/sources 2", "/sources two")
    assert "Sources (page 1 of 1, 1 in all):" in output
    assert "  #1 “Pompeo Urges US" in output
    assert "There is no page 2: 1 source in all, on 1 page. Type /sources 1 for the last." in output
    assert "Give the page number: /sources 2" in output


async def test_help_unknown_and_quit(settings, engine):
    output = await _replies(settings, "/help", "/frobnicate", "/curate frob", "/quit", "/lookup never reached")
    assert "  /lookup TOPIC" in output and "  /more " in output and "  /next " in output
    mods = len({entry.name for entry in COMMANDS.values() if entry.moderator})
    assert mods >= 10
    assert f"Moderator commands ({mods}, /curate ... and /digest preview): start the console with --moderator." in output
    assert "/curate add" not in output.split("Unknown command")[0]  # not listed without the switch
    assert "Unknown command /frobnicate. Type /help for the list." in output
    assert "Only moderators can do that." not in output.split("/curate frob")[0]
    assert "never reached" not in output


# --- the moderator switch ----------------------------------------------------------------------

MODERATOR_LINES = ["/curate add seeds/000_8fb6bfb397d84a2e.txt", "/curate edit 1 --title X", "/curate remove 1",
                   "/curate restore 1", "/curate link 5 8 counters", "/curate unlink 5 8", "/curate alias a = b",
                   "/curate audit", "/curate role", "/digest preview", "/curate verdict 5 False",
                   "/curate unverdict 5", "/curate export claimreview x.jsonld", "/curate verify", "/curate reingest 1"]


def test_every_moderator_command_is_covered_by_the_switch_test():
    moderator_names = {entry.name for entry in COMMANDS.values() if entry.moderator}
    assert moderator_names == {" ".join(line.split()[:2]) for line in MODERATOR_LINES}


async def test_without_the_switch_moderator_commands_are_refused_and_change_nothing(settings, engine, session_factory):
    output = await _run(settings, *MODERATOR_LINES)
    refusal = ("Only moderators can do that. Start the console with --moderator "
               "(python -m bot console --moderator) to curate the shared library.")
    assert output[0].startswith("Counterpoint local console (start it with --moderator")
    assert output[1:len(MODERATOR_LINES) + 1] == [refusal] * len(MODERATOR_LINES)
    async with session_factory() as session:
        actions = (await session.exec(select(AuditLog.action))).all()
        source = await session.get(Source, 1)
        aliases = (await session.exec(select(Alias))).all()
    assert set(actions) == {"source.created"}  # only the seed ingest
    assert (source.title.startswith("Pompeo"), source.status, aliases) == (True, "active", [])


async def test_with_the_switch_help_lists_the_moderator_commands(settings, engine):
    output = await _run(settings, "/help", moderator=True)
    assert output[0].startswith("Counterpoint local console (moderator: /curate and /digest preview act on")
    text = "\n".join(output)
    assert "Moderator commands (this console was started with --moderator):" in text
    for name in ("/curate add PATH|URL", "/curate edit ID", "/curate link CLAIM EVIDENCE", "/digest preview"):
        assert name in text


# --- curating offline ------------------------------------------------------------------------

WALL = ("---\ntitle: Harbour wall finished\noutlet: Gazette\n---\n\n"
        "The harbour wall is finished and safe, the mayor said on Monday.\n")


async def test_curate_add_edit_remove_restore(settings, engine, session_factory, tmp_path):
    article = tmp_path / "wall.md"
    article.write_text(WALL, encoding="utf-8")
    output = await _replies(
        settings,
        f'/curate add {article} --author "Ann Reporter" --date 2024-02-03',
        f'/curate add {article} --author "Ann Reporter" --date 2024-02-03',
        "/lookup harbour wall",
        '/curate edit 2 --outlet "The Gazette" --url https://gazette.example/wall',
        "/curate remove 2", "/lookup harbour wall", "/sources", "/source 2",
        "/curate remove 2", "/curate restore 2", "/lookup harbour wall",
        moderator=True)
    assert "Added source #2 “Harbour wall finished”: 1 passage, 0 counter-evidence links found." in output
    assert "Already on file as source #2 “Harbour wall finished”: nothing new was stored." in output
    assert "Source: “Harbour wall finished” · Gazette · Ann Reporter · 2024-02-03 · source #2" in output  # one citation format
    assert "Updated source #2 “Harbour wall finished”." in output
    assert "Removed source #2 “Harbour wall finished”. Type /curate restore 2 to undo." in output
    assert "Nothing on file matches “harbour wall”." in output
    # One citation format (bot.render.text.plain_citation): the link right after the title, " · " between parts.
    assert "  #2 “Harbour wall finished” <https://gazette.example/wall> · The Gazette · Ann Reporter · 2024-02-03 (removed)" \
        in output
    assert "  Status: removed" in output  # a moderator still sees it, to restore it
    assert "Error: Source #2 is already removed." in output
    assert "Restored source #2 “Harbour wall finished”." in output
    assert output.count("Source: “Harbour wall finished” <https://gazette.example/wall> · The Gazette") == 1  # after restore
    async with session_factory() as session:
        source = await session.get(Source, 2)
        actions = (await session.exec(select(AuditLog.action, AuditLog.actor_id).where(AuditLog.actor_id == "console")
                                      .order_by(AuditLog.id))).all()
    assert (source.outlet, source.author, source.url, source.status) == (
        "The Gazette", "Ann Reporter", "https://gazette.example/wall", "active")
    assert source.guild_id is None  # the shared library
    assert [a for a, _ in actions] == ["source.created", "source.edit", "source.remove", "source.restore"]


async def test_curate_link_unlink_alias_and_audit(settings, engine, session_factory):
    output = await _replies(
        settings,
        "/curate link 14 2 context Pompeo's own earlier words",
        "/curate unlink 14 2",
        "/curate unlink 5 19",  # an automatic rebuttal (The New York Times counters Pompeo)
        "/curate unlink 5 19",
        "/curate alias axis of evil = Iran al-Qaeda",
        "/lookup axis of evil",
        "/curate alias axis of evil =",
        "/curate audit 3",
        moderator=True)
    assert "Linked: passage #2 context claim #14 (link #" in output
    assert "Link between claim #14 and evidence #2 removed." in output
    assert ("Link between claim #5 and evidence #19 rejected. It stays rejected when the article is ingested again."
            in output)
    assert "Error: No link between #5 and #19." in output
    assert "Alias saved: “axis of evil” also searches for “Iran al-Qaeda”." in output
    assert "Result 1 of 5 for “axis of evil”:" in output
    assert "Alias “axis of evil” removed." in output
    audit = output.split("Recent moderator actions on the shared library (newest first):", 1)[1]
    assert [line.split()[2] for line in audit.strip().splitlines()[:3]] == ["alias.remove", "alias.set", "link.rejected"]
    assert "by console" in audit
    async with session_factory() as session:
        rejected = (await session.exec(select(Link).where(Link.claim_passage_id == 5,
                                                          Link.evidence_passage_id == 19))).one()
        assert rejected.status == "rejected"
        assert (await session.exec(select(Link).where(Link.claim_passage_id == 14, Link.evidence_passage_id == 2,
                                                      Link.origin == "moderator"))).first() is None
        assert (await session.exec(select(Alias))).all() == []
    # The rejected rebuttal no longer shows under Pompeo's claim.
    again = await _replies(settings, "/source 1")
    claim = again.split("— Mike Pompeo, paragraph 5, passage #5", 1)[1].split("  • ", 1)[0]
    assert "passage #19]" not in claim


@pytest.mark.parametrize("line, message", [
    ("/curate add", 'Error: Give one file or link: /curate add path/to/article.txt --outlet "The Gazette"'),
    ("/curate add /no/such/file.txt", "Error: No such file: /no/such/file.txt"),
    ("/curate add {tmp}", "Error: {tmp} is a folder: add one file at a time here, or run python -m bot ingest {tmp}"),
    ("/curate add {tmp}/report.pdf", "Error: This is a PDF, not a text or HTML article. PDF is not supported yet"),
    ("/curate add {tmp}/wall.md --date 2024-13-45", "Error: `2024-13-45` is not a date: use YYYY-MM-DD"),
    ("/curate add {tmp}/wall.md --colour red", "Error: Unknown option --colour: this command takes --title, --outlet"),
    ('/curate add "{tmp}/wall.md --title', 'Error: A quote is not closed: put the phrase in matching "quotes".'),
    ("/curate add {tmp}/wall.md --url ftp://x", "Error: Only http:// and https:// links can be cited."),
    ("/curate add {tmp}/wall.md --title", 'Error: --title needs a value, for example --title "...".'),
    ("/curate edit x", 'Error: Give the source number: /curate edit 3 --outlet "The Gazette"'),
    ("/curate edit 2", "Error: Nothing to change: give at least one of --title, --outlet, --author, --date, --url."),
    ("/curate remove 99999999999999999999", "Error: No source #99999999999999999999 on file here."),
    ("/curate link 5 8", "Error: Say how the evidence relates to the claim: counters, supports or context"),
    ("/curate link 5 5 counters", "Error: A passage cannot be evidence about itself."),
    ("/curate alias nothing", "Error: Write it as /curate alias TERM = WHAT IT STANDS FOR"),
    ("/curate audit lots", "Error: Give the limit number: /curate audit 20"),
])
async def test_curate_mistakes_get_a_clear_message_and_store_nothing(settings, engine, session_factory, tmp_path,
                                                                     line, message):
    (tmp_path / "wall.md").write_text(WALL, encoding="utf-8")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n")
    lines = [f"/curate add {tmp_path}/wall.md"] if line.startswith("/curate edit 2") else []
    output = await _run(settings, *lines, line.format(tmp=tmp_path), moderator=True)
    assert output[1 + len(lines)].startswith(message.format(tmp=tmp_path)), output
    async with session_factory() as session:
        actions = (await session.exec(select(AuditLog.action).where(AuditLog.actor_id == "console"))).all()
    assert actions == (["source.created"] if lines else [])


async def test_digest_preview_shows_what_would_be_posted(settings, engine):
    output = await _replies(settings, f"/lookup {QUERY}", "/digest preview", moderator=True)
    preview = output.split("Preview of the digest for ", 1)[1]
    assert "(UTC), shared library: nothing is posted from the console." in preview
    assert "Daily digest" in preview and "New sources (1)" in preview
    assert "Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”" in preview
    # One person's lookup is theirs: a topic reaches a digest only once 3 members asked it.
    assert "Most asked topics" not in preview and "iran al-qaeda 9/11" not in preview
    assert "**" not in preview and "\\-" not in preview  # Discord markdown is not shown raw


# --- adding a command ------------------------------------------------------------------------

async def test_a_command_is_one_registered_function(app):
    @command("/echo", "TEXT", "say it back")
    async def echo(console: Console, arg: str) -> str:
        return f"echo: {arg}"

    @command("/secret", "", "moderators only", moderator=True)
    async def secret(console: Console, arg: str) -> str:
        return "the secret"

    try:
        member, moderator = Console(app), Console(app, moderator=True)
        assert await handle_line(member, "/echo hello there") == "echo: hello there"
        assert (await handle_line(member, "/secret")).startswith("Only moderators can do that.")
        assert await handle_line(moderator, "/secret") == "the secret"
        assert "/echo TEXT" in await handle_line(member, "/help")
        with pytest.raises(ValueError, match="registered twice"):
            command("/echo", "", "again")(echo)
    finally:
        COMMANDS.pop("/echo", None)
        COMMANDS.pop("/secret", None)


# --- the real command, through a pipe --------------------------------------------------------

def _console(tmp_path, stdin: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
           "INDEX_DIR": str(tmp_path / "index"), "DISCORD_TOKEN": ""}
    env.pop("LOG_LEVEL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_python_m_bot_console_with_and_without_the_switch(tmp_path):
    article = tmp_path / "wall.md"
    article.write_text(WALL, encoding="utf-8")
    refused = _console(tmp_path, f"/curate add {article}\n", "console")
    assert refused.returncode == 0, refused.stderr
    assert "Only moderators can do that. Start the console with --moderator" in refused.stdout
    added = _console(tmp_path, f"/curate add {article}\n/lookup harbour wall\n", "console", "--moderator")
    assert "Added source #2 “Harbour wall finished”" in added.stdout
    assert added.stderr == ""  # no start-up log lines between the answers
    assert "Source: “Harbour wall finished” · Gazette · source #2" in added.stdout  # one citation format
    fallback = _console(tmp_path, "/curate audit\n", "run", "--moderator")  # no DISCORD_TOKEN: the console
    assert "No DISCORD_TOKEN set: starting the local console instead." in fallback.stdout
    assert "source.created source:2 by console" in fallback.stdout
