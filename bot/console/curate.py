"""Moderators' console commands: `/curate ...` and `/digest preview`, behind `--moderator`.

The same services as the `/curate` and `/digest` cogs (`bot.services.curation`,
`bot.services.sources`, `bot.digest`), with the same option checks (`bot.validate`). The
console acts on the shared library (guild None): the sources `python -m bot ingest` and the
seeds add, which no Discord server's moderators may change. Everything is audited with the
actor "console".
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.console.registry import Console, command, parse_id, parse_options, split_args
from bot.errors import BadInput
from bot.models import Stance
from bot.render import console as render
from bot.services import curation, sources
from bot.validate import check_url_option, citation_options, clean_option

CITATION = ("title", "outlet", "author", "date", "url")
CITATION_USAGE = "[--title T] [--outlet O] [--author A] [--date YYYY-MM-DD] [--url U]"
STANCES = tuple(s.value for s in Stance)
MAX_RATIONALE, MAX_TERM, MAX_CANONICAL = 300, 100, 200  # as the /curate options (cogs/curate.py)


@command("/curate add", f"PATH|URL {CITATION_USAGE}", "add an article from a file or a web page", moderator=True)
async def add(console: Console, arg: str) -> str:
    positional, options = parse_options(split_args(arg), CITATION)
    if len(positional) != 1:
        raise BadInput('Give one file or link: /curate add path/to/article.txt --outlet "The Gazette"')
    target = positional[0]
    overrides = citation_options(**options)
    if target.lower().startswith(("http://", "https://")):
        report = await sources.ingest_url(console.app, check_url_option(target), guild_id=console.guild_id,
                                          actor=console.actor, overrides=overrides)
    else:
        path = Path(target).expanduser()
        if path.is_dir():
            raise BadInput(f"{target} is a folder: add one file at a time here, or run python -m bot ingest {target}")
        if not path.is_file():
            raise BadInput(f"No such file: {target}")
        report = await sources.ingest_file(console.app, path, guild_id=console.guild_id, actor=console.actor,
                                           overrides=overrides)
    return render.ingest_text(report)


@command("/curate edit", f"ID {CITATION_USAGE}", "correct a source's citation details", moderator=True)
async def edit(console: Console, arg: str) -> str:
    positional, options = parse_options(split_args(arg), CITATION)
    source_id = parse_id(positional[0] if positional else None, "source", '/curate edit 3 --outlet "The Gazette"')
    changes = citation_options(**options)
    if not changes:
        raise BadInput("Nothing to change: give at least one of --title, --outlet, --author, --date, --url.")
    ref = await curation.edit_source(console.app, source_id, guild_id=console.guild_id, actor=console.actor,
                                     **changes)
    return render.source_ref_text(ref, "Updated")


@command("/curate remove", "ID", "hide a source from lookups (it can be restored)", moderator=True)
async def remove(console: Console, arg: str) -> str:
    source_id = parse_id(arg or None, "source", "/curate remove 3")
    ref = await curation.remove_source(console.app, source_id, guild_id=console.guild_id, actor=console.actor)
    return render.source_ref_text(ref, "Removed") + f" Type /curate restore {ref.id} to undo."


@command("/curate restore", "ID", "bring back a removed source", moderator=True)
async def restore(console: Console, arg: str) -> str:
    source_id = parse_id(arg or None, "source", "/curate restore 3")
    ref = await curation.restore_source(console.app, source_id, guild_id=console.guild_id, actor=console.actor)
    return render.source_ref_text(ref, "Restored")


@command("/curate link", "CLAIM EVIDENCE counters|supports|context [WHY]",
         "link evidence to a claim (passage numbers from /source)", moderator=True)
async def link(console: Console, arg: str) -> str:
    words = arg.split(None, 3)  # the rationale is free text: apostrophes and all
    example = "/curate link 12 40 counters the minister's own figures say otherwise"
    claim = parse_id(words[0] if words else None, "claim passage", example)
    evidence = parse_id(words[1] if len(words) > 1 else None, "evidence passage", example)
    stance = words[2].lower() if len(words) > 2 else ""
    if stance not in STANCES:
        raise BadInput(f"Say how the evidence relates to the claim: counters, supports or context ({example}).")
    rationale = clean_option(words[3] if len(words) > 3 else None, name="rationale", max_len=MAX_RATIONALE)
    link_id = await curation.link(console.app, guild_id=console.guild_id, actor=console.actor,
                                  claim_passage_id=claim, evidence_passage_id=evidence, stance=stance,
                                  rationale=rationale)
    return f"Linked: passage #{evidence} {stance} claim #{claim} (link #{link_id})."


@command("/curate unlink", "CLAIM EVIDENCE", "remove a link (an automatic one stays rejected)", moderator=True)
async def unlink(console: Console, arg: str) -> str:
    words = arg.split()
    claim = parse_id(words[0] if words else None, "claim passage", "/curate unlink 12 40")
    evidence = parse_id(words[1] if len(words) > 1 else None, "evidence passage", "/curate unlink 12 40")
    outcome = await curation.unlink(console.app, guild_id=console.guild_id, actor=console.actor,
                                    claim_passage_id=claim, evidence_passage_id=evidence)
    note = " It stays rejected when the article is ingested again." if outcome == "rejected" else ""
    return f"Link between claim #{claim} and evidence #{evidence} {outcome}.{note}"


@command("/curate alias", "TERM = CANONICAL", "make TERM also search for CANONICAL (TERM = alone removes it)",
         moderator=True)
async def alias(console: Console, arg: str) -> str:
    if "=" not in arg:
        raise BadInput("Write it as /curate alias TERM = WHAT IT STANDS FOR (or /curate alias TERM = to remove).")
    term_text, _, canonical_text = arg.partition("=")
    term = clean_option(term_text.strip().strip("\"'"), name="term", max_len=MAX_TERM, required=True)
    canonical = clean_option(canonical_text.strip().strip("\"'"), name="canonical", max_len=MAX_CANONICAL)
    if canonical:
        await curation.set_alias(console.app, guild_id=console.guild_id, actor=console.actor, term=term,
                                 canonical=canonical)
        return f"Alias saved: “{term}” also searches for “{canonical}”."
    await curation.remove_alias(console.app, guild_id=console.guild_id, actor=console.actor, term=term)
    return f"Alias “{term}” removed."


@command("/curate audit", "[LIMIT]", "recent moderator actions on the shared library", moderator=True)
async def audit(console: Console, arg: str) -> str:
    limit = parse_id(arg, "limit", "/curate audit 20") if arg else 10
    return render.audit_text(await curation.audit_entries(console.app, guild_id=console.guild_id, limit=limit))


@command("/curate role", "", "(Discord only: the console's moderator switch is --moderator)", moderator=True)
async def role(console: Console, arg: str) -> str:
    return ("The console has no roles: moderator rights come from starting it with --moderator. "
            "On Discord, /curate role sets the role whose members may curate.")


@command("/digest preview", "", "today's digest of the shared library, as it would be posted", moderator=True)
async def digest_preview(console: Console, arg: str) -> str:
    from bot.render.digest import compose_digest
    from bot.digest.load import load_digest_content

    now = datetime.now(timezone.utc)
    content = await load_digest_content(console.app, guild_id=console.guild_id, local_date=now.date(), now=now)
    parts = [f"Preview of the digest for {now.date().isoformat()} (UTC), shared library: nothing is posted "
             f"from the console."]
    for message in compose_digest(content, quiet="note"):
        if message.content:
            parts.append(render.unmarkdown(message.content))
        parts += [render.embed_text(embed) for embed in message.embeds]
    return "\n\n".join(parts)
