"""Turn a guild's `DigestContent` into Discord messages. Pure: values in, embeds out.

Why here (the render kit) and not in the cog or in `bot.digest`: Discord rejects a message that breaks any of its limits (6000
characters across a message's embeds, 4096 per description, 256 per title, 10 embeds per
message), and a digest grows with the news. Packing items into embeds and embeds into
messages is plain arithmetic that deserves tests without a Discord connection.

Safety and citations are those of every other answer (`bot.render.text`): source text is
markdown-escaped (a headline with `*` or `_` must not turn bold) and mention syntax defused,
links are the URL on file or none (`safe_url`), and each quote carries the full citation a
lookup shows (`citation_line`: outlet, author, date, paragraph and characters, source number).
Embeds never ping, and the sender also passes `AllowedMentions.none()`; defusing keeps
`@everyone` inert even if text moves to `content`. Quotes are shown verbatim as block quotes;
a long one is cut at a word boundary and marked with "…".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import discord

from bot.digest.content import QUIET_MODES, CounterPair, DigestContent, NewSource, Quote, TopicCount
from bot.render.limits import DESCRIPTION, EMBED_TOTAL, EMBEDS_PER_MESSAGE, TITLE
from bot.render.text import citation_line, escape, plural, quote_with_budget, title_link, truncate

QUOTE_CHARS = 300  # one quote in a list; the quote of the day gets more room
QOTD_QUOTE_CHARS = 900
TITLE_CHARS = 180
SPEAKER_CHARS = 80
TOPIC_CHARS = 100
COUNTERS_PER_CLAIM = 3  # a claim block stays < 4096 even with the longest citations
COLOR = 0x2B6CB0

if TYPE_CHECKING:
    from bot.digest.service import DigestStatus


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
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or total + size > EMBED_TOTAL):
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
    title = truncate(title, TITLE)
    embeds: list[discord.Embed] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        block = truncate(block, DESCRIPTION)
        extra = len(block) + (2 if current else 0)
        if current and size + extra > DESCRIPTION:
            embeds.append(_embed(title if not embeds else truncate(f"{title} (continued)", TITLE), current))
            current, size = [], 0
            extra = len(block)
        current.append(block)
        size += extra
    if current:
        embeds.append(_embed(title if not embeds else truncate(f"{title} (continued)", TITLE), current))
    return embeds


def _embed(title: str, blocks: list[str]) -> discord.Embed:
    return discord.Embed(title=title, description="\n\n".join(blocks), colour=COLOR)


def _header(content: DigestContent) -> discord.Embed:
    day = content.local_date
    parts = []
    if content.new_sources_total:
        parts.append(plural(content.new_sources_total, "new source"))
    if content.counters_total:
        parts.append(plural(content.counters_total, "new rebuttal"))
    if content.drifted_total:
        parts.append(plural(content.drifted_total, "cited page changed", "cited pages changed"))
    if content.topics:
        top = content.topics[0]
        parts.append(f"most asked: {escape(truncate(top.topic, TOPIC_CHARS))} ({top.count})")
    return discord.Embed(
        title=f"📰 Daily digest · {day.strftime('%A')} {day.isoformat()}",
        description="Last 24 hours: " + " · ".join(parts),
        colour=COLOR,
    )


def _new_source_block(item: NewSource) -> str:
    lines = [f"**{title_link(item.source.title, item.source.url, TITLE_CHARS)}** — {citation_line(item.source)}"]
    if item.key_quote is not None:
        lines.append(_quote_line(item.key_quote, QUOTE_CHARS, with_source=False))
    return "\n".join(lines)


def _drifted_block(item) -> str:
    """A page that no longer has quotes as cited: what changed, and where to look."""
    found = " and ".join(plural(n, f"quote {word}", f"quotes {word}") for n, word in
                         ((item.changed, "changed"), (item.gone, "gone")) if n)
    return (f"**{title_link(item.source.title, item.source.url, TITLE_CHARS)}**\n{found} since cited; the stored text stays the "
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
            if len(block) + 1 + len(counter) > DESCRIPTION:  # only with extreme citations
                blocks.append(block)
                block = f"**Same claim, continued** · ¶{claim.location.paragraph}"
            block += "\n" + counter
        if len(group) > COUNTERS_PER_CLAIM:
            block += f"\n↳ …and {len(group) - COUNTERS_PER_CLAIM} more for this claim."
        blocks.append(block)
    return blocks


def _topics_block(topics: list[TopicCount]) -> str:
    return "\n".join(f"**{i}.** {escape(truncate(t.topic, TOPIC_CHARS))} — {plural(t.count, 'lookup')}"
                     for i, t in enumerate(topics, 1))


def _quote_of_the_day_blocks(content: DigestContent) -> list[str]:
    """The claim, then one block per counter (blocks are never split across embeds)."""
    pick = content.quote_of_the_day
    why = (f"returned by {plural(pick.asked, 'lookup')} in the last 24 hours" if pick.asked
           else "today's pick among the claims with counter-evidence on file")
    claim = [_quote_line(pick.claim, QOTD_QUOTE_CHARS, with_source=False), f"— {_citation(pick.claim)}", f"_{why}_"]
    if not pick.counters:
        return ["\n".join(claim + ["No counter-evidence on file for this claim."])]
    counters = [_quote_line(counter, QUOTE_CHARS, with_source=True) for counter in pick.counters]
    counters[0] = "**Counter-evidence on file**\n" + counters[0]
    return ["\n".join(claim)] + counters


def _quote_line(quote: Quote, limit: int, *, with_source: bool) -> str:
    # The block quote marks it as a quote; the text keeps its own quote marks.
    line = quote_with_budget(quote.text, limit + 2)  # the budget counts the "> "
    if with_source:
        line += f"\n> — {_citation(quote)}"
    return line


def _citation(quote: Quote) -> str:
    """Who says it, then the citation every answer shows: where to find the exact words."""
    cite = citation_line(quote.source, quote.location, with_title=True, title_limit=TITLE_CHARS)
    return f"{escape(truncate(quote.speaker, SPEAKER_CHARS))} · {cite}" if quote.speaker else cite


# -- /digest status ----------------------------------------------------------------------

def status_text(status: "DigestStatus", *, guild_id: int) -> str:
    """What `/digest status` says (plain text; channel mentions never ping)."""
    # Imported here: bot.digest.service renders its messages with this module.
    from bot.digest.service import CLAIMED, FAILED, SENDING, SENT, SKIPPED  # DigestRunStatus

    s = status.settings
    if s.active:
        lines = [f"**Daily digest: on** in <#{s.channel_id}> at {schedule_text(s)}; quiet days: {s.quiet}."]
    elif s.channel_id is None:
        lines = [f"**Daily digest: not set up.** Time: {schedule_text(s)}. Start with `/digest channel`."]
    else:
        lines = [f"**Daily digest: off.** Channel <#{s.channel_id}>, {schedule_text(s)}. `/digest channel` turns it on."]
    if status.next_run is not None:
        lines.append(f"Next digest: {discord.utils.format_dt(status.next_run, 'F')} "
                     f"({discord.utils.format_dt(status.next_run, 'R')}).")
    run = status.last_run
    if run is None:
        lines.append("Last digest: none yet.")
    else:
        day = run.local_date.isoformat()
        if run.status == SENT:
            link = f"https://discord.com/channels/{guild_id}/{s.channel_id}/{run.message_id}" if run.message_id else ""
            lines.append(f"Last digest: {day}, posted. {link}".rstrip())
        elif run.status == SKIPPED:
            lines.append(f"Last digest: {day}, quiet day: nothing posted.")
        elif run.status == FAILED:
            lines.append(f"Last digest: {day}, **failed** (attempt {run.attempts}): {run.error or 'unknown error'}")
        elif run.status == CLAIMED:
            lines.append(f"Last digest: {day}, being prepared.")
        elif run.status == SENDING:
            lines.append(f"Last digest: {day}, being posted (if the bot stopped while posting, it is not re-sent "
                         "to avoid a duplicate: check the channel).")
    return "\n".join(lines)


def schedule_text(settings) -> str:
    """When a guild's digest is posted: "08:30 (Europe/Berlin)"."""
    return f"{settings.time} ({settings.timezone})"


def _more(count: int, singular: str, plural_form: str) -> list[str]:
    return [f"…and {count} more {singular if count == 1 else plural_form}."] if count > 0 else []
