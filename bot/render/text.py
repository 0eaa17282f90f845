"""Pure text helpers for Discord output: escaping, word-boundary truncation, citations.

Why a separate module: what users see must be safe (no markdown injection from source text,
no pings from `@everyone` inside an article) and must fit Discord's limits without ever
cutting a citation. These functions are pure, so they are unit-tested (and fuzzed) alone.
"""
from __future__ import annotations

from datetime import date

import discord

from bot.results import Location, SourceRef

ELLIPSIS = "…"


def escape(text: str | None) -> str:
    """Source text shown as-is: markdown escaped, mentions defused (`@everyone` cannot ping)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text or ""))


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters; a cut is made at a word boundary and marked with an ellipsis.

    A cut never leaves a dangling backslash (which would escape the ellipsis or, worse, the
    markdown that follows) and never splits a surrogate-free code point (Python str).
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    head = text[: limit - 1]
    cut = max(head.rfind(" "), head.rfind("\n"))
    if cut >= (limit - 1) // 2:  # a word boundary that keeps at least half the room
        head = head[:cut]
    head = head.rstrip()
    stripped = head.rstrip("\\")
    if (len(head) - len(stripped)) % 2:  # odd trailing backslashes: drop the lone one
        head = head[:-1]
    return head + ELLIPSIS


def block_quote(text: str) -> str:
    """Discord block quote: every line prefixed with '> ' (blank lines keep the quote going)."""
    return "\n".join("> " + line for line in (text or "").split("\n"))


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs Discord accepts in an embed/link; anything else is not linked."""
    if not url or len(url) > 2000 or any(ch.isspace() for ch in url) or ")" in url:
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


def format_date(published: date | None, inferred: bool) -> str | None:
    if published is None:
        return None
    return published.isoformat() + (" (inferred)" if inferred else "")


def location_text(location: Location) -> str:
    return f"paragraph {location.paragraph} (chars {location.char_start}–{location.char_end})"


def citation_line(source: SourceRef, location: Location | None = None, *, with_title: bool = False,
                  title_limit: int = 200) -> str:
    """Outlet · author · date · paragraph · source id: complete, escaped, never truncated by callers.

    The title is capped (`title_limit`) because it is shown in full in the embed title;
    every other part is bounded by the database column sizes (outlet/author 256)."""
    parts: list[str] = []
    if with_title:
        title = escape(truncate(source.title, title_limit))
        url = safe_url(source.url)
        parts.append(f"[{title}]({url})" if url else f"*{title}*")
    if source.outlet:
        parts.append(f"*{escape(source.outlet)}*")
    if source.author:
        parts.append(escape(source.author))
    when = format_date(source.published, source.published_inferred)
    if when:
        parts.append(when)
    if location is not None:
        parts.append(location_text(location))
    parts.append(f"source #{source.id}")
    return " · ".join(parts)


def quote_with_budget(text: str, budget: int) -> str:
    """Escaped block quote of `text` that fits `budget` characters (cut at a word, with …)."""
    escaped = escape(" ".join((text or "").split()))
    lines_overhead = 2  # "> "
    return block_quote(truncate(escaped, max(1, budget - lines_overhead)))
