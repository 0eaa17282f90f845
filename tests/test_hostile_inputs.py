"""Hostile input and faults, through the real discord.py client against the fake Discord.

What a hostile member or a compromised moderator account can send (private addresses, binary
files named .txt, oversized or invisible-character options, mentions and markdown inside an
article) and what must happen: a clear ephemeral refusal and the database unchanged, or a
safe rendering within Discord's limits. Also: nothing half-written when ingestion fails,
duplicates reported instead of stored twice, a locked SQLite database answered with a clear
message (and the bot serving afterwards), rate limits per user and per guild, and a
pathological topic costing bounded work. Every test runs on SQLite and PostgreSQL except the
SQLite writer-lock test.
"""
from __future__ import annotations

import codecs
import random
import re
import sqlite3
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import event, func
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.config import PROJECT_ROOT
from bot.fetch import REFUSED_ADDRESS
from bot.models import Alias, AuditLog, Claim, IndexChange, Link, Passage, QueryLog, Source
from bot.ratelimit import RateLimiter, RateLimits
from bot.render.embeds import LIMITS
from bot.retry import UNAVAILABLE_MESSAGE
from bot.search.normalize import MAX_QUERY_TOKENS, MAX_TOPIC_CHARS
from bot.services import sources as sources_service
from bot.services.lookup import MAX_TOPIC_CHARS as MAX_CLEAN_TOPIC_CHARS
from bot.services.lookup import lookup
from bot.services.sources import ingest_document
from tests.fake_discord import EPHEMERAL_FLAG, MANAGE_GUILD, BotHarness, make_guild, option, subcommand

GUILD, OTHER_GUILD = 3003, 4004
ALICE, BOB, CAROL, DAVE, MOD, MOD2, MOD3 = 21, 22, 23, 24, 31, 32, 33
NO_PINGS = {"parse": []}
MY_COGS = ["cogs.lookup", "cogs.curate"]
TABLES = (Source, Passage, Claim, Link, AuditLog, IndexChange, Alias, QueryLog)

ARTICLE = (PROJECT_ROOT / "tests" / "data" / "clove_exports.txt").read_text(encoding="utf-8")  # shared test article


@pytest.fixture
def settings(settings):
    """No Discord cooldown: the rate-limit tests below exercise `RateLimits` on their own."""
    return replace(settings, lookup_cooldown_seconds=0)


@pytest.fixture
async def harness(app):
    async with BotHarness.running(app, guilds=[make_guild(GUILD), make_guild(OTHER_GUILD)], extensions=MY_COGS) as h:
        yield h


async def snapshot(app) -> dict[str, int]:
    """Row counts of every table a command could write to."""
    async with app.sessions() as session:
        return {model.__tablename__: (await session.exec(select(func.count()).select_from(model))).one()
                for model in TABLES}


def refusal_of(exchange) -> str:
    """The refusal the user saw: an immediate ephemeral answer, or an ephemeral followup after
    deferring. Fails if the command reported success instead (an edit of the deferred reply)."""
    callback = exchange.callback
    if callback.callback_type == 4:
        assert callback.data["flags"] & EPHEMERAL_FLAG, callback.data
        assert callback.data["allowed_mentions"] == NO_PINGS
        return callback.data["content"]
    assert callback.callback_type == 5 and callback.data["flags"] & EPHEMERAL_FLAG, callback.data
    assert not exchange.edits, f"the command answered as if it worked: {exchange.edits[0].body}"
    followup = exchange.followups[0].body
    assert followup["flags"] & EPHEMERAL_FLAG and followup["allowed_mentions"] == NO_PINGS
    return followup["content"]


def embed_problems(embed: dict) -> list[str]:
    """Every Discord embed limit a sent (JSON) embed breaks."""
    title, description = embed.get("title") or "", embed.get("description") or ""
    footer, author = (embed.get("footer") or {}).get("text") or "", (embed.get("author") or {}).get("name") or ""
    fields = embed.get("fields") or []
    total = len(title) + len(description) + len(footer) + len(author) + sum(
        len(f["name"]) + len(f["value"]) for f in fields)
    problems = [name for name, size in (("title", len(title)), ("description", len(description)),
                                        ("footer", len(footer)), ("author", len(author))) if size > LIMITS[name]]
    if total > LIMITS["total"]:
        problems.append(f"total {total}")
    if len(fields) > LIMITS["fields"]:
        problems.append("fields")
    for f in fields:
        if not f["name"] or len(f["name"]) > LIMITS["field_name"] or not f["value"] or len(f["value"]) > LIMITS["field_value"]:
            problems.append(f"field {f['name'][:30]!r}")
    return problems


def all_text(payload: dict) -> str:
    parts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or "", (embed.get("footer") or {}).get("text") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


# -- the table: hostile command -> refusal, database unchanged -----------------------------------

@dataclass(frozen=True)
class Hostile:
    """One hostile invocation: `/command [sub] options [+ file]` and the refusal it must get."""

    id: str
    command: str
    sub: str | None
    options: tuple = ()
    file: tuple | None = None  # (filename, bytes, content type, declared size or None)
    refusal: str = ""
    user: int = MOD


def _long(n: int) -> str:
    return ("word " * n)[:n]


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"\x00\xff" * 50
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00\x13\x88" * 40
ELF = b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 2
NOISE = bytes((i * 37) % 32 for i in range(600))  # control characters, no NUL, no magic
# A UTF-16 byte-order mark, then random 16-bit units (no lone surrogates, so it decodes):
# the mark once let this skip every check and be stored as a source of garbage.
_UNITS = random.Random(3).choices(range(0x10000), k=2000)
BOM_GARBAGE = codecs.BOM_UTF16_LE + "".join(chr(u) for u in _UNITS if not 0xD800 <= u <= 0xDFFF).encode("utf-16-le")

HOSTILE = [
    # URLs a moderator could try to turn against the bot's own network.
    Hostile("loopback", "curate", "add", (option("url", "http://127.0.0.1/admin"),), refusal=REFUSED_ADDRESS),
    Hostile("metadata", "curate", "add", (option("url", "http://169.254.169.254/latest/meta-data"),),
            refusal=REFUSED_ADDRESS),
    Hostile("ipv6-loopback", "curate", "add", (option("url", "http://[::1]/"),), refusal=REFUSED_ADDRESS),
    Hostile("ipv4-mapped-ipv6", "curate", "add", (option("url", "http://[::ffff:10.0.0.1]/"),),
            refusal=REFUSED_ADDRESS),
    Hostile("localhost-name", "curate", "add", (option("url", "http://localhost/"),), refusal=REFUSED_ADDRESS),
    Hostile("hex-ip", "curate", "add", (option("url", "http://0x7f000001/"),), refusal=REFUSED_ADDRESS),
    Hostile("file-scheme", "curate", "add", (option("url", "file:///etc/passwd"),),
            refusal="Only http:// and https:// links can be fetched."),
    Hostile("ftp-scheme", "curate", "add", (option("url", "ftp://x"),),
            refusal="Only http:// and https:// links can be fetched."),
    Hostile("credentials", "curate", "add", (option("url", "http://admin:hunter2@example.com/"),),
            refusal="Links with a user name or password in them are not accepted."),
    Hostile("odd-port", "curate", "add", (option("url", "http://example.com:6379/"),),
            refusal="Only links on the standard web ports (80 and 443) can be fetched."),
    Hostile("invisible-in-url", "curate", "add", (option("url", "https://exam\u200bple.com/a"),),
            refusal="That link contains spaces or invisible characters."),
    Hostile("url-too-long", "curate", "add", (option("url", "https://example.com/" + "a" * 2100),),
            refusal="That link is too long (max 2048 characters)."),
    # Files: judged by name, type and size first, by their bytes after.
    Hostile("pdf", "curate", "add", file=("report.pdf", PDF, "application/pdf", None),
            refusal="This is a PDF, not a text or HTML article. PDF is not supported yet: save the article as .txt, .md or .html."),
    Hostile("zip", "curate", "add", file=("articles.zip", ZIP, "application/zip", None),
            refusal="This is a zip archive, not a text or HTML article. Unpack it and add the article itself"),
    Hostile("image", "curate", "add", file=("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", None),
            refusal="This is an image, not a text or HTML article."),
    Hostile("word-document", "curate", "add", file=("story.docx", ZIP, "application/octet-stream", None),
            refusal="This is a word-processor document, not a text or HTML article."),
    Hostile("executable", "curate", "add", file=("setup.exe", ELF, "application/octet-stream", None),
            refusal="This is a program, not a text or HTML article."),
    Hostile("no-extension", "curate", "add", file=("article", ARTICLE.encode(), "text/plain", None),
            refusal="Files without an extension are not supported"),
    Hostile("zip-named-txt", "curate", "add", file=("article.txt", ZIP, "text/plain", None),
            refusal="This is a zip archive, not a text or HTML article."),
    Hostile("pdf-named-txt", "curate", "add", file=("article.txt", PDF, "text/plain", None),
            refusal="This is a PDF, not a text or HTML article. PDF is not supported yet"),
    Hostile("elf-named-md", "curate", "add", file=("notes.md", ELF, "text/markdown", None),
            refusal="This is a program, not a text or HTML article."),
    Hostile("control-noise-txt", "curate", "add", file=("noise.txt", NOISE, "text/plain", None),
            refusal="This is a binary file, not a text or HTML article."),
    Hostile("bom-then-random-bytes", "curate", "add", file=("garbage.txt", BOM_GARBAGE, "text/plain", None),
            refusal="This is a binary file, not a text or HTML article."),
    Hostile("declared-too-large", "curate", "add", file=("huge.txt", b"tiny", "text/plain", 3_000_000),
            refusal="The file is too large (3.0 MB); the limit is 2.0 MB."),
    Hostile("size-lie", "curate", "add", file=("huge.txt", b"a " * 1_250_000, "text/plain", 1200),
            refusal="The file is too large; the limit is 2 MB."),
    Hostile("empty-file", "curate", "add", file=("empty.txt", b"", "text/plain", None), refusal="The file is empty."),
    Hostile("only-navigation", "curate", "add", file=("nav.txt", b"Skip to content\n\nSkip to content\n", "text/plain", None),
            refusal="I found no article text in that file"),
    Hostile("url-and-file", "curate", "add", (option("url", "https://example.com/a"),),
            file=("a.txt", ARTICLE.encode(), "text/plain", None), refusal="Give exactly one of `url` or `file`."),
    # Option lengths and invisible characters (Discord checks lengths; a client need not).
    Hostile("title-too-long", "curate", "add", (option("title", _long(301)),),
            file=("a.txt", ARTICLE.encode(), "text/plain", None), refusal="title is too long (max 300 characters)"),
    Hostile("outlet-too-long", "curate", "add", (option("outlet", _long(201)),),
            file=("a.txt", ARTICLE.encode(), "text/plain", None), refusal="outlet is too long (max 200 characters)"),
    Hostile("author-too-long", "curate", "add", (option("author", _long(201)),),
            file=("a.txt", ARTICLE.encode(), "text/plain", None), refusal="author is too long (max 200 characters)"),
    Hostile("date-not-a-date", "curate", "add", (option("date", "2024-13-45"),),
            file=("a.txt", ARTICLE.encode(), "text/plain", None), refusal="`2024-13-45` is not a date"),
    Hostile("edit-javascript-url", "curate", "edit", (option("id", 1, 4), option("url", "javascript:alert(1)")),
            refusal="Only http:// and https:// links can be fetched."),
    Hostile("edit-title-too-long", "curate", "edit", (option("id", 1, 4), option("title", _long(5000))),
            refusal="title is too long (max 300 characters)"),
    Hostile("alias-invisible-term", "curate", "alias", (option("term", "\u200b\u200d\u2060\x07"),),
            refusal="term is required."),
    Hostile("alias-term-too-long", "curate", "alias", (option("term", _long(101)), option("canonical", "x")),
            refusal="term is too long (max 100 characters)"),
    Hostile("alias-canonical-too-long", "curate", "alias", (option("term", "zsc"), option("canonical", _long(201))),
            refusal="canonical is too long (max 200 characters)"),
    Hostile("rationale-too-long", "curate", "link", (option("claim", 1, 4), option("evidence", 2, 4),
                                                     option("stance", "counters"), option("rationale", _long(301))),
            refusal="rationale is too long (max 300 characters)"),
    Hostile("topic-too-long", "lookup", None, (option("topic", "Iran " * 20_000),),
            refusal="topic is too long (max 300 characters)", user=ALICE),
    Hostile("topic-only-invisible", "lookup", None, (option("topic", "\u200b\u202e\u2066\x00\x1b"),),
            refusal="topic is required.", user=ALICE),
    Hostile("not-a-moderator", "curate", "add", file=("a.txt", ARTICLE.encode(), "text/plain", None),
            refusal="Only moderators can do that", user=ALICE),
]


@pytest.mark.parametrize("row", HOSTILE, ids=[row.id for row in HOSTILE])
async def test_hostile_command_is_refused_ephemerally_and_nothing_is_stored(harness, app, row):
    before = await snapshot(app)
    options, attachments = list(row.options), []
    if row.file is not None:
        filename, data, content_type, declared_size = row.file
        attachment = harness.fake.add_attachment(filename, data, content_type)
        if declared_size is not None:
            attachment["size"] = declared_size
        options.append(option("file", attachment["id"], 11))
        attachments.append(attachment)
    if row.sub is not None:
        options = [subcommand(row.sub, options)]
    permissions = MANAGE_GUILD if row.user in {MOD, MOD2, MOD3} else None
    extra = {"permissions": permissions} if permissions else {}
    ex = await harness.slash(row.command, options, attachments=attachments or None, guild_id=GUILD,
                             user_id=row.user, **extra)
    text = refusal_of(ex)
    assert text.startswith(row.refusal), text
    assert "went wrong" not in text
    assert await snapshot(app) == before


@pytest.mark.parametrize("status", [404, 503])
async def test_a_failed_attachment_download_says_so_and_stores_nothing(harness, app, status, caplog):
    before = await snapshot(app)
    attachment = harness.fake.add_attachment("article.txt", ARTICLE.encode())
    harness.fake.attachment_errors[attachment["url"].split("/attachments/", 1)[1]] = status
    caplog.clear()
    ex = await harness.slash("curate", [subcommand("add", [option("file", attachment["id"], 11)])],
                             attachments=[attachment], guild_id=GUILD, user_id=MOD, permissions=MANAGE_GUILD)
    text = refusal_of(ex)
    assert text.startswith("I could not download that file from Discord. Please try again"), text
    assert await snapshot(app) == before
    assert not [r for r in caplog.records if r.exc_info], "a CDN failure is not a bug: no traceback"


# -- what gets stored is clean, and what is shown is safe -----------------------------------------

async def test_invisible_and_control_characters_are_dropped_from_stored_citation_fields(harness, app):
    attachment = harness.fake.add_attachment("zanzibar.txt", ARTICLE.encode())
    ex = await harness.slash("curate", [subcommand("add", [
        option("file", attachment["id"], 11), option("title", "Clove\u200b Figures\u202e Disputed\x07"),
        option("outlet", "Stone\u2060Town\tHerald"), option("author", "  Amina\u200d Rashid\n")])],
        attachments=[attachment], guild_id=GUILD, user_id=MOD, permissions=MANAGE_GUILD)
    assert ex.final_message["embeds"][0]["title"] == "Added: Clove Figures Disputed"
    async with app.sessions() as session:
        source = (await session.exec(select(Source).where(Source.guild_id == GUILD))).one()
    assert (source.title, source.outlet, source.author) == ("Clove Figures Disputed", "StoneTown Herald", "Amina Rashid")


MENTION_ROLE = "<@&123456789012345678>"
MENTION_USER = "<@876543210987654321>"
LONG_PARAGRAPH = " ".join(["the harbour beacon flickered over the grey water while gulls circled"] * 150)
HOSTILE_ARTICLE = f"""Lighthouse Keepers Protest Automation Plan

"@everyone and @here should know the automation plan is a **disaster**, ask {MENTION_ROLE}," said keeper Tomas Berg.

The maritime agency told {MENTION_USER} the automation plan saves money; [click here](https://evil.example/phish) ~~for details~~ ||spoiler||.

{LONG_PARAGRAPH}
"""


async def test_mentions_markdown_and_a_huge_paragraph_in_a_source_render_safely(harness, app):
    assert len(LONG_PARAGRAPH) > 10_000
    attachment = harness.fake.add_attachment("lighthouse.txt", HOSTILE_ARTICLE.encode())
    added = await harness.slash("curate", [subcommand("add", [option("file", attachment["id"], 11)])],
                                attachments=[attachment], guild_id=GUILD, user_id=MOD, permissions=MANAGE_GUILD)
    source_id = int(re.search(r"Source #(\d+)", added.final_message["embeds"][0]["description"]).group(1))
    exchanges = [
        await harness.slash("lookup", [option("topic", "automation plan disaster keeper")], guild_id=GUILD, user_id=ALICE),
        await harness.slash("lookup", [option("topic", "maritime agency saves money")], guild_id=GUILD, user_id=BOB),
        await harness.slash("lookup", [option("topic", "harbour beacon flickered gulls")], guild_id=GUILD, user_id=CAROL),
        await harness.slash("source", [option("id", source_id, 4)], guild_id=GUILD, user_id=DAVE),
    ]
    shown = ""
    for ex in exchanges:
        for payload in ex.sent_payloads():
            if payload.get("content") or payload.get("embeds"):
                assert payload["allowed_mentions"] == NO_PINGS, payload
            assert len(payload.get("content") or "") <= LIMITS["content"]
            for embed in payload.get("embeds") or []:
                assert embed_problems(embed) == [], embed_problems(embed)
            shown += all_text(payload) + "\n"
    # Mentions are defused (a zero-width space after the @), markdown is shown literally.
    for raw in ("@everyone", "@here", MENTION_ROLE, MENTION_USER):
        assert raw not in shown
    assert "@\u200beveryone and @\u200bhere" in shown
    assert "<@\u200b&123456789012345678>" in shown and "<@\u200b876543210987654321>" in shown
    assert "\\*\\*disaster\\*\\*" in shown and "\\[click here](" in shown and "\\|\\|spoiler\\|\\|" in shown
    # The long paragraph was found, as a bounded quote with its complete citation.
    beacon = exchanges[2].final_message["embeds"][0]["description"]
    assert beacon.startswith(">") and "harbour beacon flickered" in beacon
    assert f"source #{source_id}" in beacon and "paragraph 4 (chars" in beacon


# -- nothing lost, nothing doubled ----------------------------------------------------------------

async def test_a_failure_inside_link_detection_leaves_no_trace_then_the_retry_lands_whole(app, monkeypatch):
    before = await snapshot(app)
    real_detect = sources_service.detect_links
    written_before_failure: list[int] = []

    async def detect_then_fail(session, source_id, **kwargs):
        await real_detect(session, source_id, **kwargs)
        written_before_failure.append((await session.exec(
            select(func.count()).select_from(Passage).where(Passage.source_id == source_id))).one())
        raise RuntimeError("injected fault after the passages and links were written")

    monkeypatch.setattr(sources_service, "detect_links", detect_then_fail)
    with pytest.raises(RuntimeError, match="injected fault"):
        await ingest_document(app, ARTICLE, filename="zanzibar.txt", guild_id=GUILD, actor=str(MOD))
    assert written_before_failure and written_before_failure[0] > 0  # the fault really came mid-transaction
    assert await snapshot(app) == before  # no source, passages, claims, links, audit or index change
    assert not (await lookup(app, "clove exports doubled marketing plan", guild_id=GUILD, log_query=False)).results

    monkeypatch.setattr(sources_service, "detect_links", real_detect)
    report = await ingest_document(app, ARTICLE, filename="zanzibar.txt", guild_id=GUILD, actor=str(MOD))
    assert report.status == "created"
    async with app.sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(Passage)
                                     .where(Passage.source_id == report.source_id))).one()
        audit = (await session.exec(select(AuditLog.action).where(AuditLog.target == f"source:{report.source_id}"))).all()
    assert stored == report.passages == written_before_failure[0]
    assert audit == ["source.created"]


async def test_the_same_file_twice_is_reported_as_already_on_file_and_stored_once(harness, app):
    async def add(filename: str):
        attachment = harness.fake.add_attachment(filename, ARTICLE.encode())
        return await harness.slash("curate", [subcommand("add", [option("file", attachment["id"], 11)])],
                                   attachments=[attachment], guild_id=GUILD, user_id=MOD, permissions=MANAGE_GUILD)

    first = await add("zanzibar.txt")
    async with app.sessions() as session:
        source_id = (await session.exec(select(Source.id).where(Source.guild_id == GUILD))).one()
    assert first.final_message["embeds"][0]["title"].startswith("Added:")
    after_first = await snapshot(app)
    for filename in ("zanzibar.txt", "renamed-copy.txt"):  # same upload again; same content, other name
        again = await add(filename)
        embed = again.final_message["embeds"][0]
        assert embed["title"].startswith("Already on file")
        assert embed["description"] == f"This article is already on file as source #{source_id}: nothing new was stored."
        assert again.ephemeral
    assert await snapshot(app) == after_first


HTML_ARTICLE = """<html><head><title>Harbour Authority Denies Dredging Delay</title></head><body>
<article><h1>Harbour Authority Denies Dredging Delay</h1>
<p>"The dredging of the north channel is on schedule and will finish in May," said port director Lena Ostrova.</p>
<p>Contractor invoices seen by reporters show the dredging equipment has not yet been delivered to the harbour.</p>
</article></body></html>"""


async def test_the_same_url_twice_is_reported_as_already_on_file(app):
    app.settings = replace(app.settings, allow_private_fetch=True, lookup_cooldown_seconds=0)  # the "site" is the fake
    async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=MY_COGS) as h:
        page = h.fake.add_attachment("harbour.html", HTML_ARTICLE.encode(), "text/html")
        first = await h.slash("curate", [subcommand("add", [option("url", page["url"])])], guild_id=GUILD, user_id=MOD,
                              permissions=MANAGE_GUILD)
        assert first.final_message["embeds"][0]["title"] == "Added: Harbour Authority Denies Dredging Delay"
        after_first = await snapshot(app)
        # The same page with a tracking parameter and a fragment: the same canonical URL.
        second = await h.slash("curate", [subcommand("add", [option("url", page["url"] + "?utm_source=x#top")])],
                               guild_id=GUILD, user_id=MOD, permissions=MANAGE_GUILD)
        async with app.sessions() as session:
            source_id = (await session.exec(select(Source.id).where(Source.guild_id == GUILD))).one()
        assert second.final_message["embeds"][0]["description"].startswith(
            f"This article is already on file as source #{source_id}")
        assert await snapshot(app) == after_first


async def test_a_locked_sqlite_database_gives_a_clear_answer_and_the_bot_keeps_serving(app, settings):
    if not settings.is_sqlite:
        pytest.skip("SQLite's single-writer lock; PostgreSQL faults are in test_faults_postgres.py")

    @event.listens_for(app.engine.sync_engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):  # after make_engine's pragmas: 50 ms, not 5 s
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=50")
        cursor.close()

    await app.engine.dispose()  # pooled connections reopen with the short timeout
    holder = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    try:
        async with BotHarness.running(app, guilds=[make_guild(GUILD)], extensions=MY_COGS) as h:
            before = await snapshot(app)
            holder.execute("BEGIN EXCLUSIVE")  # another process holds the writer lock for longer than the retries
            attachment = h.fake.add_attachment("zanzibar.txt", ARTICLE.encode())
            add = [subcommand("add", [option("file", attachment["id"], 11)])]
            busy = await h.slash("curate", add, attachments=[attachment], guild_id=GUILD, user_id=MOD,
                                 permissions=MANAGE_GUILD)
            assert refusal_of(busy) == UNAVAILABLE_MESSAGE == "The database is busy right now, please try again in a moment."
            holder.execute("COMMIT")
            assert await snapshot(app) == before

            found = await h.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD, user_id=ALICE)
            assert found.final_message["embeds"][0]["title"].startswith("Pompeo Urges US")
            retried = await h.slash("curate", add, attachments=[attachment], guild_id=GUILD, user_id=MOD,
                                    permissions=MANAGE_GUILD)
            assert retried.final_message["embeds"][0]["title"] == "Added: Zanzibar Spice Council Disputes Clove Export Figures"
    finally:
        holder.close()


# -- abuse: rate limits and pathological topics ---------------------------------------------------

def use_limits(harness, limits: RateLimits) -> None:
    """Give the running bot's container (which every cog reads) these limits."""
    harness.bot.app.rate_limits = limits


def frozen_limits() -> RateLimits:
    """The real limits on a clock that stands still, so a slow machine refills nothing mid-test."""
    return RateLimits.defaults(clock=lambda: 1000.0)


async def test_lookups_are_limited_per_user_with_a_friendly_relative_wait(harness, app):
    use_limits(harness, frozen_limits())
    for _ in range(5):  # the per-user burst
        ok = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD, user_id=ALICE)
        assert ok.final_message["embeds"]
    before = await snapshot(app)
    refused = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD, user_id=ALICE)
    text = refusal_of(refused)
    assert text == "You're looking things up too fast: try again in 6 seconds."  # 5 per 30 s: one back every 6 s
    assert refused.callback.callback_type == 4  # refused before deferring: no work done
    assert await snapshot(app) == before  # not logged
    other = await harness.slash("lookup", [option("topic", "Iran al-Qaeda 9/11")], guild_id=GUILD, user_id=BOB)
    assert other.final_message["embeds"]  # another member is not affected


async def test_lookups_are_limited_per_guild_and_a_refusal_spends_no_personal_allowance(harness):
    limits = frozen_limits()
    limits.lookup_guild = RateLimiter(2, 60, lambda: 1000.0, scope="lookup:guild", message=limits.lookup_guild.message)
    use_limits(harness, limits)
    for user in (ALICE, BOB):
        assert (await harness.slash("lookup", [option("topic", "Iran")], guild_id=GUILD, user_id=user)).final_message["embeds"]
    refused = await harness.slash("lookup", [option("topic", "Iran")], guild_id=GUILD, user_id=CAROL)
    text = refusal_of(refused)
    assert text == "This server is making a lot of lookups right now: try again in 30 seconds."
    assert limits.lookup_user.retry_after(CAROL) == 0 and len(limits.lookup_user) == 2  # Carol spent nothing
    elsewhere = await harness.slash("lookup", [option("topic", "Iran")], guild_id=OTHER_GUILD, user_id=CAROL)
    assert elsewhere.final_message["embeds"]


async def test_moderator_url_fetches_are_limited_per_user_and_per_guild(harness, app):
    limits = frozen_limits()
    limits.fetch_guild = RateLimiter(4, 3600, lambda: 1000.0, scope="fetch:guild", message=limits.fetch_guild.message)
    use_limits(harness, limits)

    async def add_url(url: str, user: int):
        return await harness.slash("curate", [subcommand("add", [option("url", url)])], guild_id=GUILD, user_id=user,
                                   permissions=MANAGE_GUILD)

    # A link refused on syntax costs no fetch; the three fetches after it do (refused or not).
    assert refusal_of(await add_url("ftp://x", MOD)).startswith("Only http://")
    for _ in range(3):
        assert refusal_of(await add_url("http://10.0.0.8/", MOD)) == REFUSED_ADDRESS
    too_fast = await add_url("http://10.0.0.8/", MOD)
    assert too_fast.callback.callback_type == 4
    assert refusal_of(too_fast) == "You're adding articles too fast: try again in 20 seconds."  # 3 per minute
    # The guild allows 4 here: a second moderator gets one, a third is refused for the guild.
    assert refusal_of(await add_url("http://10.0.0.8/", MOD2)) == REFUSED_ADDRESS
    guild_full = refusal_of(await add_url("http://10.0.0.8/", MOD3))
    assert guild_full == "This server has fetched many articles recently: try again in 15 minutes."  # 4 per hour
    assert await count_sources(app) == 1  # the seed only


async def count_sources(app) -> int:
    return (await snapshot(app))["source"]


async def test_a_huge_or_repetitive_topic_is_capped_before_the_index(app, monkeypatch):
    sent: list[list[str]] = []
    real_search = app.index.search

    def recording_search(tokens, scopes, limit=5):
        sent.append(list(tokens))
        return real_search(tokens, scopes, limit=limit)

    monkeypatch.setattr(app.index, "search", recording_search)

    huge = await lookup(app, "Iran al-Qaeda " + "x" * 100_000, guild_id=GUILD)
    assert len(huge.query) <= MAX_CLEAN_TOPIC_CHARS == 500
    assert len(huge.normalized) <= MAX_TOPIC_CHARS
    assert "iran" in sent[-1] and len(sent[-1]) <= MAX_QUERY_TOKENS
    assert huge.results  # the real words still find the seed

    repeated = await lookup(app, "Iran " * 10_000, guild_id=GUILD)
    assert sent[-1] == ["iran"] and repeated.results

    distinct = await lookup(app, " ".join(f"term{i}" for i in range(10_000)), guild_id=GUILD)
    assert len(sent[-1]) == MAX_QUERY_TOKENS == 32
    assert sent[-1][0] == "term0" and not distinct.results

    async with app.sessions() as session:
        logged = (await session.exec(select(QueryLog.topic))).all()
    assert len(logged) == 3 and all(len(topic) <= MAX_TOPIC_CHARS for topic in logged)
