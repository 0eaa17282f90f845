"""Discord embeds built from `bot.results` values (never from database rows).

Every builder returns an embed inside Discord's limits (`bot.render.limits`): quotes and rationales
are cut at a word with an ellipsis, citations never are. `fit` is the last line of defence
that keeps the 6000-character total. Source text is escaped (`render.text.escape`).
"""
from __future__ import annotations

from datetime import datetime, timezone

import discord

from bot.results import (AuditEntry, CounterItem, IngestReport, LookupAnswer, LookupResult, SourceDetail,
                         SourcePage, SourceRef, VoteTally)
from bot.render import limits
from bot.render.marks import check_text, drift_text, verdict_text
from bot.render.text import citation_line, escape, plural, quote_with_budget, safe_url, title_link, truncate

LIMITS = {"total": limits.EMBED_TOTAL, "title": limits.TITLE, "description": limits.DESCRIPTION,
          "fields": limits.FIELDS, "field_name": limits.FIELD_NAME, "field_value": limits.FIELD_VALUE,
          "footer": limits.FOOTER, "author": limits.AUTHOR, "content": limits.CONTENT}  # by name, from bot.render.limits

COLOUR_ANSWER = discord.Colour.blurple()
COLOUR_NONE = discord.Colour.light_grey()
COLOUR_OK = discord.Colour.green()
COUNTERS_INLINE = 3  # counter-evidence items shown on the answer itself; the button shows all
QUOTE_BUDGET = 1800  # room for the main quote in the description (the citation comes on top)
COUNTER_VALUE_BUDGET = 900


def embed_length(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6000 total (title, description, fields, footer, author)."""
    return len(embed)


def limit_violations(embed: discord.Embed) -> list[str]:
    """Every Discord embed limit this embed breaks (empty when it is valid)."""
    problems = []
    if len(embed) > LIMITS["total"]:
        problems.append(f"total {len(embed)} > {LIMITS['total']}")
    if embed.title and len(embed.title) > LIMITS["title"]:
        problems.append("title")
    if embed.description and len(embed.description) > LIMITS["description"]:
        problems.append("description")
    if len(embed.fields) > LIMITS["fields"]:
        problems.append("fields")
    for field in embed.fields:
        if not field.name or len(field.name) > LIMITS["field_name"]:
            problems.append(f"field name {field.name!r:.40}")
        if not field.value or len(field.value) > LIMITS["field_value"]:
            problems.append(f"field value of {field.name!r:.40}")
    if embed.footer.text and len(embed.footer.text) > LIMITS["footer"]:
        problems.append("footer")
    if embed.author.name and len(embed.author.name) > LIMITS["author"]:
        problems.append("author")
    return problems


def fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields (noting it) until the embed's total fits 6000 characters."""
    dropped = 0
    while len(embed) > LIMITS["total"] and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)
        dropped += 1
    if dropped:
        note = f"{dropped} more not shown: use the buttons."
        if len(embed) + len(note) + 10 <= LIMITS["total"]:
            embed.add_field(name="More", value=note, inline=False)
    return embed


def _title(text: str) -> str:
    return truncate(escape(text), LIMITS["title"])


def _source_title(source: SourceRef) -> str:
    return _title(source.title or f"Source #{source.id}")


def counter_field_value(item: CounterItem, budget: int = COUNTER_VALUE_BUDGET) -> str:
    """Passage (cut to fit), then its complete citation, then the rationale (cut to fit)."""
    cite = citation_line(item.source, item.location, with_title=True, title_limit=120)
    who = f"— {escape(item.speaker)}\n" if item.speaker else ""
    kind = "moderator link" if item.origin == "moderator" else f"automatic, confidence {item.confidence:.2f}"
    room = max(120, budget - len(cite) - len(who) - 40)
    passage = quote_with_budget(item.text, int(room * 0.65))
    why = truncate(escape(" ".join(item.rationale.split())) or "no rationale recorded", max(20, room - len(passage)))
    value = f"{passage}\n{who}{cite}\n*Why:* {why} ({kind})"
    warning = drift_text(item.drift) if item.drift else None
    if warning:
        value += "\n⚠️ " + escape(warning.split(". ")[0]) + "."
    if len(value) > LIMITS["field_value"]:  # pathological metadata: keep the citation, shrink the rest
        value = f"{quote_with_budget(item.text, 60)}\n{who}{cite}"[: LIMITS["field_value"]]
    return value


def _counter_fields(embed: discord.Embed, items: list[CounterItem], *, shown: int) -> None:
    if not items:
        embed.add_field(name="Counter-evidence", value="None on file.", inline=False)
        return
    for n, item in enumerate(items[:shown], 1):
        label = "moderator" if item.origin == "moderator" else "automatic"
        embed.add_field(name=f"Counter-evidence {n}/{len(items)} ({label})",
                        value=counter_field_value(item), inline=False)
    if len(items) > shown:
        embed.add_field(name="More counter-evidence",
                        value=f"{len(items) - shown} more on file: press **All counter-evidence**.", inline=False)


def lookup_embed(answer: LookupAnswer, index: int = 0) -> discord.Embed:
    """One result of a lookup: quote, speaker, full citation, counter-evidence on file."""
    result = answer.results[index]
    source = result.source
    cite = citation_line(source, result.location)
    speaker = f"— **{escape(result.speaker)}**" if result.speaker else "— *the article (no named speaker)*"
    quote = quote_with_budget(result.text, QUOTE_BUDGET)
    warning = drift_text(result.drift) if result.drift else None
    warning = f"\n⚠️ *{escape(warning)}*" if warning else ""
    embed = discord.Embed(title=_source_title(source), url=safe_url(source.url),
                          description=f"{quote}\n{speaker}\n\n{cite}{warning}", colour=COLOUR_ANSWER)
    if result.verdict is not None:
        embed.add_field(name="Moderator verdict", value=truncate(escape(verdict_text(result.verdict)), 600),
                        inline=False)
    if result.matched_passage_id is not None and result.matched_passage_id != result.passage_id:
        embed.add_field(name="Why this quote",
                        value="Your topic matched a rebuttal of this claim; the rebuttal is listed below.",
                        inline=False)
    _counter_fields(embed, result.counter_evidence, shown=COUNTERS_INLINE)
    # Footers show markdown literally, so only mentions are defused (the topic is user input).
    query = discord.utils.escape_mentions(answer.query)
    footer = f"Result {index + 1} of {len(answer.results)} · passage #{result.passage_id} · “{query}”"
    embed.set_footer(text=truncate(footer, 300))
    return fit(embed)


def counter_evidence_embed(result: LookupResult) -> discord.Embed:
    """Every counter-evidence item for one result (up to Discord's 25 fields)."""
    embed = discord.Embed(title=_title(f"Counter-evidence: {result.speaker or result.source.title}"),
                          description=quote_with_budget(result.text, 600), colour=COLOUR_ANSWER)
    items = result.counter_evidence
    _counter_fields(embed, items, shown=min(len(items), LIMITS["fields"] - 1))
    return fit(embed)


def forget_text(report) -> str:
    """The answer to `/forget` (a `bot.services.forget.ForgetReport`)."""
    lookups = f"{report.lookups_deleted} lookup{'' if report.lookups_deleted == 1 else 's'}"
    return (f"Done: deleted {lookups} from your history, in every server and in DMs. Votes still counted "
            f"but no longer linked to you: {report.votes_unlinked}.")


def no_match_text(query: str) -> str:
    """Said when nothing matched: never an invented answer."""
    shown = truncate(escape(" ".join(query.split())), 200)
    return (f"Nothing on file matches “{shown}”. Try other words, or ask a moderator to add a source "
            f"with `/curate add`.")


def source_embed(detail: SourceDetail) -> discord.Embed:
    source = detail.source
    embed = discord.Embed(title=_source_title(source), url=safe_url(source.url), colour=COLOUR_ANSWER)
    lines = [citation_line(source)]
    if source.subtitle:
        lines.insert(0, f"*{truncate(escape(source.subtitle), 600)}*")
    if source.status != "active":
        lines.append(f"**Status:** {source.status}")
    links = [l for l in detail.links if l.status == "active"]
    lines.append(f"{plural(detail.passages, 'passage')}, {plural(len(detail.claims), 'claim')}, "
                 f"{plural(len(links), 'link')}.")
    checked = check_text(detail)
    if checked:
        lines.append(truncate(escape(checked), 600))
    if detail.added_at is not None:
        added = discord.utils.format_dt(_aware(detail.added_at), "D")
        lines.append(f"Added {added}" + (f" by {escape(detail.added_by)}" if detail.added_by else ""))
    if safe_url(source.url):
        lines.append(f"<{source.url}>")
    embed.description = "\n".join(lines)
    for claim in detail.claims[:10]:
        who = escape(claim.speaker) if claim.speaker else "unattributed"
        name = truncate(f"Claim #{claim.passage_id} — {who}", LIMITS["field_name"])
        value = f"{quote_with_budget(claim.text, 300)}\nparagraph {claim.paragraph} · {claim.counters} counter-evidence"
        if claim.verdict is not None:
            value += f"\n**Verdict:** {truncate(escape(verdict_text(claim.verdict)), 200)}"
        if claim.drift is not None and drift_text(claim.drift):
            value += f"\n⚠️ {escape(claim.drift.status)} on the page since {claim.drift.since.date().isoformat() if claim.drift.since else 'the last check'}"
        embed.add_field(name=name, value=value, inline=False)
    if len(detail.claims) > 10:
        embed.add_field(name="More claims", value=f"{len(detail.claims) - 10} more not shown.", inline=False)
    if links:
        shown = links[:LINKS_SHOWN]
        text = "\n".join(_link_line(l) for l in shown)
        if len(links) > len(shown):
            text += f"\n… {len(links) - len(shown)} more"
        embed.add_field(name="Linked passages (claim ← evidence)", value=truncate(text, 1000), inline=False)
    return fit(embed)


LINKS_SHOWN = 6
LINK_QUOTE_CHARS = 80


def _link_line(link) -> str:
    """“#5 ← counters: “opening words…” — The New York Times (#19, auto)”: the evidence quoted
    with its speaker, not a bare pair of ids."""
    who = f" — {escape(link.evidence_speaker)}" if link.evidence_speaker else ""
    quote = escape(truncate(" ".join((link.evidence_text or "").split()), LINK_QUOTE_CHARS))
    origin = "moderator" if link.origin == "moderator" else "auto"
    return f"#{link.claim_passage_id} ← {link.stance}: “{quote}”{who} (#{link.evidence_passage_id}, {origin})"


def sources_embed(page: SourcePage) -> discord.Embed:
    embed = discord.Embed(title="Sources on file", colour=COLOUR_ANSWER)
    if not page.items:
        embed.description = "No sources on file yet."
    else:
        lines = []
        for ref in page.items:
            head = title_link(ref.title, ref.url, 150)
            extra = " · ".join(x for x in (escape(ref.outlet or ""), ref.published.isoformat() if ref.published else "") if x)
            lines.append(f"`#{ref.id}` {head}" + (f" — {extra}" if extra else ""))
        embed.description = truncate("\n".join(lines), LIMITS["description"])
    embed.set_footer(text=f"Page {page.page} of {page.pages} · {page.total} source{'' if page.total == 1 else 's'}")
    return fit(embed)


def no_such_page_text(requested: int, page: SourcePage) -> str:
    return (f"There is no page {requested}: {plural(page.total, 'source')} on "
            f"{plural(page.pages, 'page')}. Here is page {page.page}.")


def ingest_embed(report: IngestReport) -> discord.Embed:
    """What an ingest did; a source already on file names its number and says nothing was stored."""
    words = {"created": "Added", "updated": "Updated", "unchanged": "Already on file (unchanged)",
             "duplicate": "Already on file (duplicate)", "removed": "Removed earlier"}
    embed = discord.Embed(title=_title(f"{words.get(report.status, report.status)}: {report.title}"),
                          colour=COLOUR_OK)
    if report.status == "removed":
        embed.description = (f"This article is source #{report.source_id}, which a moderator removed: "
                             f"nothing was changed. Use `/curate restore` to bring it back.")
    elif report.status in {"unchanged", "duplicate"}:
        embed.description = (f"This article is already on file as source #{report.source_id}: "
                             f"nothing new was stored.")
    else:
        embed.description = (f"Source #{report.source_id}: {plural(report.passages, 'passage')}, "
                             f"{plural(report.links, 'counter-evidence link')} found.")
    return embed


def source_ref_text(ref: SourceRef, verb: str) -> str:
    return f"{verb} source #{ref.id} “{escape(truncate(ref.title, 200))}”."


def audit_embed(entries: list[AuditEntry]) -> discord.Embed:
    embed = discord.Embed(title="Recent moderator actions", colour=COLOUR_NONE)
    if not entries:
        embed.description = "Nothing in the audit log yet."
        return embed
    lines = []
    for entry in entries:
        when = discord.utils.format_dt(_aware(entry.created_at), "R")
        detail = f" — {escape(truncate(entry.detail, 120))}" if entry.detail else ""
        lines.append(f"{when} `{escape(entry.action)}` {escape(entry.target)} by {escape(entry.actor_id)}{detail}")
    embed.description = truncate("\n".join(lines), LIMITS["description"])
    return embed


def vote_text(tally: VoteTally, helpful: bool) -> str:
    mine = "helpful" if helpful else "not helpful"
    return (f"Thanks: your vote is recorded as **{mine}** (you can change it). "
            f"This answer: {tally.helpful} helpful, {tally.not_helpful} not helpful.")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
