"""Plain-text rendering for the local console, laid out like the Discord embeds.

A lookup shows one result at a time, as the embed does: the quote, its speaker, the full
citation, then at most `COUNTERS_INLINE` counter-evidence items and "n more" (`/more` shows
the rest, `/next` the next result). `/source` shows the claims as quotes with their speakers,
each followed by the counter-evidence linked to it (quoted, with who says it), never bare
ids. Everything is built from `bot.results` values; nothing here touches the database.
Terminal text needs no markdown escaping, but control characters are dropped
(`bot.render.console.plain`) so a source cannot move the cursor or clear the screen.
"""
from __future__ import annotations

import re
import textwrap

from bot.render.text import plain_citation as citation, plural, truncate
from bot.render.marks import check_text, drift_text, verdict_text
from bot.results import (AuditEntry, ClaimSummary, CounterItem, IngestReport, LinkSummary, LookupAnswer,
                         LookupResult, SourceDetail, SourcePage, SourceRef)

WIDTH = 100
COUNTERS_INLINE = 3  # as on the Discord answer (bot.render.embeds.COUNTERS_INLINE)
CLAIMS_PER_PAGE = 5  # /source ID [PAGE]
LINKS_PER_CLAIM = 2
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str | None) -> str:
    """One line of terminal-safe text (no escape sequences, whitespace collapsed)."""
    return " ".join(_CONTROL.sub("", text or "").split())


def _wrap(text: str, first: str, rest: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=first,
                         subsequent_indent=rest if rest is not None else first) or [first.rstrip()]


def _speaker(name: str | None) -> str:
    return plain(name) if name else "the article (no named speaker)"


def _where(result: LookupResult) -> str:
    loc = result.location
    return f"paragraph {loc.paragraph} ({loc.kind}), characters {loc.char_start}–{loc.char_end}"


def _kind(item: CounterItem) -> str:
    kind = "moderator link" if item.origin == "moderator" else f"automatic, confidence {item.confidence:.2f}"
    return kind + (", cross-source candidate" if item.cross_source else "")


def _cite(source: SourceRef) -> str:
    """The citation without its "source #N" (shown separately)."""
    return plain(citation(source, with_id=False))


def counter_item_lines(n: int, total: int, item: CounterItem, shown_source: int | None = None) -> list[str]:
    """One counter-evidence item: the passage, who says it, why it counts, where it is.
    An item from the article already cited above says so instead of repeating the citation."""
    lines = _wrap(f"“{plain(item.text)}” — {_speaker(item.speaker)}", f"  {n}/{total}. ", "        ")
    where = (f"same source, paragraph {item.location.paragraph}" if item.source.id == shown_source
             else f"{_cite(item.source)}, paragraph {item.location.paragraph} [source #{item.source.id}]")
    lines += _wrap(f"Why: {plain(item.rationale) or 'no rationale recorded'} ({_kind(item)}). "
                   f"Where: {where}, passage #{item.passage_id}.", "        ")
    return lines


def result_text(answer: LookupAnswer, index: int) -> str:
    """One result of a lookup, like `bot.render.embeds.lookup_embed`, with the hints to go on."""
    result = answer.results[index]
    total = len(answer.results)
    lines = [f"Result {index + 1} of {total} for “{plain(answer.query)}”:"]
    lines += _wrap(f"“{plain(result.text)}”", "  ")
    lines.append(f"  — {_speaker(result.speaker)}")
    lines += _wrap(f"Source: {plain(citation(result.source))}", "  ", "    ")
    lines.append(f"  Where: {_where(result)}, passage #{result.passage_id}")
    if result.drift is not None and drift_text(result.drift):
        lines += _wrap(f"Warning: {drift_text(result.drift)}", "  ")
    if result.verdict is not None:
        lines += _wrap(f"Moderator verdict: {plain(verdict_text(result.verdict))}", "  ")
    if result.matched_passage_id is not None and result.matched_passage_id != result.passage_id:
        lines.append("  (Your topic matched a rebuttal of this claim; the rebuttal is listed below.)")
    items = result.counter_evidence
    if not items:
        lines.append("Counter-evidence: none on file.")
    else:
        lines.append(f"Counter-evidence ({len(items)} on file):")
        for n, item in enumerate(items[:COUNTERS_INLINE], 1):
            lines += counter_item_lines(n, len(items), item, result.source.id)
        if len(items) > COUNTERS_INLINE:
            lines.append(f"  … {len(items) - COUNTERS_INLINE} more: type /more to see them.")
    hints = []
    if index + 1 < total:
        hints.append(f"/next for result {index + 2} of {total}")
    if index > 0:
        hints.append("/prev to go back")
    hints.append(f"/source {result.source.id} for the source")
    lines.append("(" + ", ".join(hints) + ")")
    return "\n".join(lines)


def more_counters_text(result: LookupResult, start: int) -> str:
    """Counter-evidence items from `start` on (all the rest: a result has a bounded number)."""
    items = result.counter_evidence
    lines = [f"More counter-evidence for the quote of {_speaker(result.speaker)} (passage #{result.passage_id}): "
             f"items {start + 1}–{len(items)} of {len(items)}:"]
    for n, item in enumerate(items[start:], start + 1):
        lines += counter_item_lines(n, len(items), item, result.source.id)
    return "\n".join(lines)


def no_match_text(query: str) -> str:
    shown = truncate(plain(query), 200)
    return (f"Nothing on file matches “{shown}”. Try other words, or add a source "
            f"(/curate add PATH in a --moderator console, or python -m bot ingest PATH).")


# --- sources ------------------------------------------------------------------------------

LINK_QUOTE_CHARS = 160  # a linked passage is named by its opening words; /lookup shows it whole
_STANCE_ORDER = {"counters": 0, "context": 1, "supports": 2}


def _opening(text: str, limit: int = LINK_QUOTE_CHARS) -> str:
    return truncate(plain(text), limit)


def _link_lines(link: LinkSummary, claim_source: int) -> list[str]:
    origin = "moderator" if link.origin == "moderator" else f"automatic {link.confidence:.2f}"
    where = (f"paragraph {link.evidence_paragraph}" if link.evidence_source_id in (None, claim_source)
             else f"source #{link.evidence_source_id}, paragraph {link.evidence_paragraph}")
    return _wrap(f"{link.stance} ({origin}): “{_opening(link.evidence_text)}” — {_speaker(link.evidence_speaker)} "
                 f"[{where}, passage #{link.evidence_passage_id}]", "      ← ", "        ")


def source_text(detail: SourceDetail, page: int = 1) -> str:
    """A source as a reader wants it: citation, then its claims (quoted, with speakers), each
    with the passages linked to it, `CLAIMS_PER_PAGE` claims a page."""
    src = detail.source
    lines = [f"Source #{src.id}: {_cite(src)}"]
    if src.subtitle:
        lines += _wrap(plain(src.subtitle), "  ")
    if src.status != "active":
        lines.append(f"  Status: {src.status}")
    added = detail.added_at.date().isoformat() if detail.added_at else None
    if added:
        lines.append(f"  Added {added}" + (f" by {plain(detail.added_by)}" if detail.added_by else ""))
    links = [link for link in detail.links if link.status == "active"]
    by_claim: dict[int, list[LinkSummary]] = {}
    for link in links:
        by_claim.setdefault(link.claim_passage_id, []).append(link)
    lines.append(f"  {plural(detail.passages, 'passage')}, {plural(len(detail.claims), 'claim')}, "
                 f"{plural(len(links), 'link')} to other passages.")
    checked = check_text(detail)
    if checked:
        lines += _wrap(checked, "  ")
    claims = detail.claims
    pages = max(1, -(-len(claims) // CLAIMS_PER_PAGE))
    if page > pages:
        return (f"Source #{src.id} has no page {page}: its {plural(len(claims), 'claim')} fit on "
                f"{plural(pages, 'page')}. Type /source {src.id} for the first.")
    if not claims:
        lines.append("No attributed claims in this source.")
        return "\n".join(lines)
    start = (page - 1) * CLAIMS_PER_PAGE
    shown = claims[start:start + CLAIMS_PER_PAGE]
    lines.append(f"Claims {start + 1}–{start + len(shown)} of {len(claims)}:")
    for claim in shown:
        lines += _claim_lines(claim, by_claim.get(claim.passage_id, []), src.id)
    if page < pages:
        lines.append(f"(/source {src.id} {page + 1} for claims {start + len(shown) + 1}–"
                     f"{min(len(claims), start + 2 * CLAIMS_PER_PAGE)})")
    return "\n".join(lines)


def _claim_lines(claim: ClaimSummary, links: list[LinkSummary], claim_source: int) -> list[str]:
    lines = _wrap(f"“{plain(claim.text)}”", "  • ", "    ")
    lines.append(f"    — {_speaker(claim.speaker)}, paragraph {claim.paragraph}, passage #{claim.passage_id}")
    if claim.verdict is not None:
        lines += _wrap(f"Verdict: {plain(verdict_text(claim.verdict))}", "    ")
    if claim.drift is not None and drift_text(claim.drift):
        lines += _wrap(f"Warning: {drift_text(claim.drift)}", "    ")
    ordered = sorted(links, key=lambda l: (_STANCE_ORDER.get(l.stance, 3), -l.confidence, l.link_id))
    for link in ordered[:LINKS_PER_CLAIM]:
        lines += _link_lines(link, claim_source)
    rest = ordered[LINKS_PER_CLAIM:]
    if rest:
        counters = sum(1 for l in rest if l.stance == "counters")
        kinds = f", {counters} of them counter-evidence" if counters else ""
        lines.append(f"      … {plural(len(rest), 'more linked passage')}{kinds}.")
    return lines


def sources_text(page: SourcePage) -> str:
    if not page.items:
        return "No sources on file yet."
    lines = [f"Sources (page {page.page} of {page.pages}, {page.total} in all):"]
    lines += [f"  #{ref.id} {_cite(ref)}" + (f" ({ref.status})" if ref.status != "active" else "")
              for ref in page.items]
    if page.page < page.pages:
        lines.append(f"(/sources {page.page + 1} for the next page)")
    return "\n".join(lines)


def no_such_page_text(requested: int, page: SourcePage) -> str:
    return (f"There is no page {requested}: {plural(page.total, 'source')} in all, on "
            f"{plural(page.pages, 'page')}. Type /sources {page.pages} for the last.")


# --- moderators ---------------------------------------------------------------------------

def ingest_text(report: IngestReport) -> str:
    """What an ingest did, as `bot.render.embeds.ingest_embed` says it."""
    title = plain(report.title)
    if report.status == "removed":
        return (f"This article is source #{report.source_id} “{title}”, which a moderator removed: "
                f"nothing was changed. Use /curate restore {report.source_id} to bring it back.")
    if report.status in {"unchanged", "duplicate"}:
        return f"Already on file as source #{report.source_id} “{title}”: nothing new was stored."
    verb = "Added" if report.status == "created" else "Updated"
    return (f"{verb} source #{report.source_id} “{title}”: {plural(report.passages, 'passage')}, "
            f"{plural(report.links, 'counter-evidence link')} found.")


def source_ref_text(ref: SourceRef, verb: str) -> str:
    return f"{verb} source #{ref.id} “{truncate(plain(ref.title), 200)}”."


def audit_text(entries: list[AuditEntry]) -> str:
    if not entries:
        return "Nothing in the audit log yet."
    lines = ["Recent moderator actions on the shared library (newest first):"]
    for entry in entries:
        when = entry.created_at.strftime("%Y-%m-%d %H:%M")
        detail = f" — {truncate(plain(entry.detail), 120)}" if entry.detail else ""
        lines.append(f"  {when} {plain(entry.action)} {plain(entry.target)} by {plain(entry.actor_id)}{detail}")
    return "\n".join(lines)


_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_~`|>#\-\[\]()])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def unmarkdown(text: str | None) -> str:
    """Discord markdown as a terminal shows it: **bold** and escapes dropped, links as 'text <url>'."""
    text = _LINK.sub(lambda m: f"{m.group(1)} <{m.group(2)}>", text or "")
    text = _BOLD.sub(lambda m: m.group(1), text)
    text = re.sub(r"(?<![\\\w])([*_])(\S[^*_\n]*?)\1(?!\w)", r"\2", text)  # *italic*, _italic_
    return _CONTROL.sub("", _MARKDOWN_ESCAPE.sub(r"\1", text))


def embed_text(embed) -> str:
    """Any Discord embed (title, description, fields, footer) as plain text, for previews of
    messages the bot would post (the digest) in the console."""
    lines = []
    if embed.title:
        lines.append(unmarkdown(embed.title))
    if embed.description:
        lines += [f"  {line}" if line else "" for line in unmarkdown(embed.description).split("\n")]
    for item in embed.fields:
        lines.append(f"  {unmarkdown(item.name)}:")
        lines += [f"    {line}" for line in unmarkdown(item.value).split("\n")]
    if embed.footer and embed.footer.text:
        lines.append(f"  ({unmarkdown(embed.footer.text)})")
    return "\n".join(lines)
