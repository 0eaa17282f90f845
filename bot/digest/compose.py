"""Turn a guild's `DigestContent` into Discord messages. Pure: values in, embeds out.

Why here and not in the cog: Discord rejects a message that breaks any of its limits (6000
characters across a message's embeds, 4096 per description, 256 per title, 10 embeds per
message), and a digest grows with the news. Packing items into embeds and embeds into
messages is plain arithmetic that deserves tests without a Discord connection.

Safety: every piece of source text is markdown-escaped (a headline with `*` or `_` must not
turn bold) and mention syntax is defused. Embeds never ping, and the sender also passes
`AllowedMentions.none()`; defusing keeps `@everyone` inert even if text moves to `content`.
Quotes are shown verbatim as block quotes; a long one is cut at a word boundary and marked with "…".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote as url_quote, urlsplit

import discord
from discord.utils import escape_markdown

from bot.digest.content import CounterPair, DigestContent, NewSource, Quote, TopicCount

# Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE_TOTAL_LIMIT = 6000
DESCRIPTION_LIMIT = 4096
TITLE_LIMIT = 256
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000

QUOTE_CHARS = 300  # one quote in a list; the quote of the day gets more room
QOTD_QUOTE_CHARS = 900
TITLE_CHARS = 180
URL_CHARS = 500
COUNTERS_PER_CLAIM = 3  # a claim block stays < 4096 even with the longest citations
COLOR = 0x2B6CB0

QUIET_MODES = ("note", "skip")

_MENTION_RE = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


@dataclass(frozen=True)
class DigestMessage:
    """One Discord message of a digest: optional plain content plus up to 10 embeds."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()

    def total_embed_chars(self) -> int:
        return sum(len(embed) for embed in self.embeds)


def compose_digest(content: DigestContent, *, quiet: str = "note") -> list[DigestMessage]:
    """The messages to post for `content`: several when long, a one-line note or nothing
    (as the guild chose with `quiet`) when nothing happened."""
    if quiet not in QUIET_MODES:
        raise ValueError(f"quiet must be one of {QUIET_MODES}, not {quiet!r}")
    if content.is_quiet:
        if quiet == "skip":
            return []
        return [DigestMessage(content=quiet_note(content.local_date))]
    embeds = [_header(content)]
    if content.new_sources_total:
        blocks = [_new_source_block(item) for item in content.new_sources]
        blocks += _more(content.new_sources_total - len(content.new_sources), "source", "sources")
        embeds += _section(f"🆕 New sources ({content.new_sources_total})", blocks)
    if content.counters_total:
        blocks = _counter_blocks(content.counters)
        blocks += _more(content.counters_total - len(content.counters), "rebuttal", "rebuttals")
        embeds += _section(f"⚖️ Counter-evidence linked ({content.counters_total})", blocks)
    if content.drifted_total:
        blocks = [_drifted_block(item) for item in content.drifted]
        blocks += _more(content.drifted_total - len(content.drifted), "page", "pages")
        embeds += _section(f"⚠️ Cited pages that changed ({content.drifted_total})", blocks)
    if content.topics:
        embeds += _section("🔎 Most asked topics", [_topics_block(content.topics)])
    if content.quote_of_the_day is not None:
        embeds += _section("💬 Quote of the day", _quote_of_the_day_blocks(content))
    return pack_messages(embeds)


def quiet_note(day: date) -> str:
    return f"Quiet day ({day.isoformat()}): no new sources, counter-evidence or lookups in the last 24 hours."


def pack_messages(embeds: list[discord.Embed]) -> list[DigestMessage]:
    """Greedy packing in order: a new message when the next embed would pass 10 embeds or
    6000 characters. Each embed is already within limits (see `_section`)."""
    messages: list[DigestMessage] = []
    batch: list[discord.Embed] = []
    total = 0
    for embed in embeds:
        size = len(embed)
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or total + size > MESSAGE_TOTAL_LIMIT):
            messages.append(DigestMessage(embeds=tuple(batch)))
            batch, total = [], 0
        batch.append(embed)
        total += size
    if batch:
        messages.append(DigestMessage(embeds=tuple(batch)))
    return messages


def _section(title: str, blocks: list[str]) -> list[discord.Embed]:
    """One or more embeds for a section: blocks are never split; a description is filled up
    to the limit, then the section continues in the next embed."""
    title = _clip(title, TITLE_LIMIT)
    embeds: list[discord.Embed] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        block = _clip(block, DESCRIPTION_LIMIT)
        extra = len(block) + (2 if current else 0)
        if current and size + extra > DESCRIPTION_LIMIT:
            embeds.append(_embed(title if not embeds else _clip(f"{title} (continued)", TITLE_LIMIT), current))
            current, size = [], 0
            extra = len(block)
        current.append(block)
        size += extra
    if current:
        embeds.append(_embed(title if not embeds else _clip(f"{title} (continued)", TITLE_LIMIT), current))
    return embeds


def _embed(title: str, blocks: list[str]) -> discord.Embed:
    return discord.Embed(title=title, description="\n\n".join(blocks), colour=COLOR)


def _header(content: DigestContent) -> discord.Embed:
    day = content.local_date
    parts = []
    if content.new_sources_total:
        parts.append(_plural(content.new_sources_total, "new source", "new sources"))
    if content.counters_total:
        parts.append(_plural(content.counters_total, "new rebuttal", "new rebuttals"))
    if content.drifted_total:
        parts.append(_plural(content.drifted_total, "cited page changed", "cited pages changed"))
    if content.topics:
        top = content.topics[0]
        parts.append(f"most asked: {_safe(_truncate(top.topic, 100))} ({top.count})")
    return discord.Embed(
        title=f"📰 Daily digest · {day.strftime('%A')} {day.isoformat()}",
        description="Last 24 hours: " + " · ".join(parts),
        colour=COLOR,
    )


def _new_source_block(item: NewSource) -> str:
    lines = [f"**{_link(item.source.title, item.source.url)}**"]
    meta = _byline(item.source.outlet, item.source.author, item.source.published)
    if meta:
        lines[0] += f" — {meta}"
    if item.key_quote is not None:
        lines.append(_quote_line(item.key_quote, QUOTE_CHARS, with_source=False))
    return "\n".join(lines)


def _drifted_block(item) -> str:
    """A page that no longer has quotes as cited: what changed, and where to look."""
    found = " and ".join(_plural(n, f"quote {word}", f"quotes {word}") for n, word in
                         ((item.changed, "changed"), (item.gone, "gone")) if n)
    return (f"**{_link(item.source.title, item.source.url)}**\n{found} since cited; the stored text stays the "
            f"citation. `/source {item.source.id}` for details, `/curate reingest` to take the page as it is now.")


def _counter_blocks(pairs: list[CounterPair]) -> list[str]:
    """One block per claim (in the order the claims first appear) with its new rebuttals,
    at most COUNTERS_PER_CLAIM shown, so a claim rebutted five times is quoted once."""
    by_claim: dict[int, list[CounterPair]] = {}
    for pair in pairs:
        by_claim.setdefault(pair.claim.passage_id, []).append(pair)
    blocks = []
    for group in by_claim.values():
        claim = group[0].claim
        block = f"**Claim** · {_citation(claim)}\n{_quote_line(claim, QUOTE_CHARS, with_source=False)}"
        for pair in group[:COUNTERS_PER_CLAIM]:
            by = "moderator" if pair.origin == "moderator" else "auto-linked"
            counter = (f"**↳ Rebutted by** · {_citation(pair.counter)} · _{by}_\n"
                       f"{_quote_line(pair.counter, QUOTE_CHARS, with_source=False)}")
            if len(block) + 1 + len(counter) > DESCRIPTION_LIMIT:  # only with extreme citations
                blocks.append(block)
                block = f"**Same claim, continued** · ¶{claim.location.paragraph}"
            block += "\n" + counter
        if len(group) > COUNTERS_PER_CLAIM:
            block += f"\n↳ …and {len(group) - COUNTERS_PER_CLAIM} more for this claim."
        blocks.append(block)
    return blocks


def _topics_block(topics: list[TopicCount]) -> str:
    return "\n".join(f"**{i}.** {_safe(_truncate(t.topic, 100))} — {_plural(t.count, 'lookup', 'lookups')}"
                     for i, t in enumerate(topics, 1))


def _quote_of_the_day_blocks(content: DigestContent) -> list[str]:
    """The claim, then one block per counter (blocks are never split across embeds)."""
    pick = content.quote_of_the_day
    why = (f"returned by {_plural(pick.asked, 'lookup', 'lookups')} in the last 24 hours" if pick.asked
           else "today's pick among the claims with counter-evidence on file")
    claim = [_quote_line(pick.claim, QOTD_QUOTE_CHARS, with_source=False), f"— {_citation(pick.claim)}", f"_{why}_"]
    if not pick.counters:
        return ["\n".join(claim + ["No counter-evidence on file for this claim."])]
    counters = [_quote_line(counter, QUOTE_CHARS, with_source=True) for counter in pick.counters]
    counters[0] = "**Counter-evidence on file**\n" + counters[0]
    return ["\n".join(claim)] + counters


def _quote_line(quote: Quote, limit: int, *, with_source: bool) -> str:
    text = _safe(_truncate(" ".join(quote.text.split()), limit))
    line = f"> {text}"  # the block quote marks it as a quote; the text keeps its own quote marks
    if with_source:
        line += f"\n> — {_citation(quote)}"
    return line


def _citation(quote: Quote) -> str:
    """Speaker, linked title, outlet, date and paragraph: where to find the exact words."""
    parts = []
    if quote.speaker:
        parts.append(_safe(_truncate(quote.speaker, 80)))
    parts.append(f"*{_link(quote.source.title, quote.source.url)}*")
    meta = _byline(quote.source.outlet, None, quote.source.published)
    if meta:
        parts.append(meta)
    parts.append(f"¶{quote.location.paragraph}")
    return ", ".join(parts)


def _byline(outlet: str | None, author: str | None, published: date | None) -> str:
    parts = [_safe(_truncate(v, 80)) for v in (outlet, author) if v]
    if published:
        parts.append(published.isoformat())
    return " · ".join(parts)


def _link(title: str, url: str | None) -> str:
    text = _safe(_truncate(" ".join((title or "Untitled").split()), TITLE_CHARS)).replace("]", "\\]")
    safe_url = _safe_url(url)
    return f"[{text}]({safe_url})" if safe_url else text


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links, with the characters that would end a markdown link encoded."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    encoded = url_quote(url, safe=":/?#@!$&'*+,;=%~-._")  # encodes ( ) [ ] < > spaces
    return encoded if len(encoded) <= URL_CHARS else None  # an absurd link is left out, not cut


def _safe(text: str) -> str:
    """Escape markdown and defuse mention syntax in text we did not write."""
    return _MENTION_RE.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<\u200b#"),
                           escape_markdown(text))


def _truncate(text: str, limit: int) -> str:
    """Cut at a word boundary with "…" (the shown part stays verbatim)."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _more(count: int, singular: str, plural: str) -> list[str]:
    return [f"…and {count} more {singular if count == 1 else plural}."] if count > 0 else []


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"
