"""Moderators' console commands for verdicts, exports and the page check (behind --moderator).

The same services as `/curate verdict|unverdict|export|verify|reingest` on Discord. The
console acts on the shared library (guild None), so its verdicts are the shared library's
and its exports hold those (the CLI's `python -m bot export` exports every server's).
"""
from __future__ import annotations

from pathlib import Path

from bot.console.registry import Console, command, parse_id
from bot.errors import BadInput
from bot.render.marks import sentence, verdict_text
from bot.services import export, verdicts
from bot.services.verdicts import RATING_HELP

EXPORT_KINDS = ("claimreview", "annotations")


@command("/curate verdict", "CLAIM RATING [NOTE]", f"rate a claim ({RATING_HELP}); again to change it",
         moderator=True)
async def verdict(console: Console, arg: str) -> str:
    words = arg.split(None, 2)
    example = "/curate verdict 12 Misleading the cited report says the opposite"
    claim = parse_id(words[0] if words else None, "claim passage", example)
    if len(words) < 2:
        raise BadInput(f"Give a rating, one of {RATING_HELP}: {example}")
    made, created = await verdicts.set_verdict(console.app, guild_id=console.guild_id, actor=console.actor,
                                               claim_passage_id=claim, rating=words[1],
                                               note=words[2] if len(words) > 2 else None)
    return sentence(f"Verdict {'recorded' if created else 'changed'} on claim #{claim}: {verdict_text(made)}")


@command("/curate unverdict", "CLAIM", "remove the verdict on a claim", moderator=True)
async def unverdict(console: Console, arg: str) -> str:
    claim = parse_id(arg or None, "claim passage", "/curate unverdict 12")
    removed = await verdicts.remove_verdict(console.app, guild_id=console.guild_id, actor=console.actor,
                                            claim_passage_id=claim)
    return f"Verdict on claim #{claim} removed (it was {verdict_text(removed).rstrip('.')})."


@command("/curate export", "claimreview|annotations FILE", "write the verdicts (ClaimReview) or links (Web "
         "Annotation) as JSON-LD", moderator=True)
async def export_command(console: Console, arg: str) -> str:
    words = arg.split(None, 1)
    if not words or words[0].lower() not in EXPORT_KINDS or len(words) < 2:
        raise BadInput("Say what and where: /curate export claimreview reviews.jsonld "
                       "(or annotations links.jsonld).")
    kind, path = words[0].lower(), Path(words[1].strip()).expanduser()
    if path.is_dir():
        raise BadInput(f"{path} is a folder: give a file name, e.g. {path / export.export_filename(kind, None)}")
    if kind == "claimreview":
        objects = await export.claimreview_export(console.app, guild_id=console.guild_id)
    else:
        objects = await export.annotation_export(console.app, guild_id=console.guild_id)
    path.write_text(export.dumps(objects), encoding="utf-8")
    what = "verdict" if kind == "claimreview" else "stance link"
    return f"Wrote {len(objects)} {what}{'' if len(objects) == 1 else 's'} to {path}."


@command("/curate verify", "[ID]", "re-read a source's page (or every URL source): are its quotes still there?",
         moderator=True)
async def verify(console: Console, arg: str) -> str:
    from bot.drift.service import url_source_ids, verify_source
    from bot.render.marks import verification_line
    from bot.scope import visible_scopes
    from bot.services.sources import get_source

    if arg:
        ids = [(await get_source(console.app, parse_id(arg, "source", "/curate verify 3"),
                                 guild_id=console.guild_id)).source.id]
    else:
        ids = await url_source_ids(console.app, scopes=visible_scopes(console.guild_id))
    if not ids:
        return "No sources added from a link: nothing to verify."
    return "\n".join([verification_line(await verify_source(console.app, sid)) for sid in ids])


@command("/curate reingest", "ID", "take a source's page as it is now (quotes no longer there go)", moderator=True)
async def reingest(console: Console, arg: str) -> str:
    from bot.drift.service import reingest_source
    from bot.render import console as render

    source_id = parse_id(arg or None, "source", "/curate reingest 3")
    return render.ingest_text(await reingest_source(console.app, source_id, guild_id=console.guild_id,
                                                    actor=console.actor))

