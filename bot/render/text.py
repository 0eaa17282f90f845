"""Pure text helpers for every front end: escaping, word-boundary truncation, links, citations.

Why a separate module: what users see must be safe (no markdown injection from source text,
no pings from `@everyone` inside an article) and must fit Discord's limits without ever
cutting a citation. These functions are pure, so they are unit-tested (and fuzzed) alone.
They are the only escape, truncate and URL policy of the bot: the lookup and check embeds,
the digest (`bot.render.digest`) and the terminals (`bot.render.cli`, `bot.render.console`)
all use them, and there is one citation format (`citation_line`, `plain_citation`).
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import discord

from bot.render.limits import URL_CHARS
from bot.results import Location, SourceRef

ELLIPSIS = "…"
# Mention syntax in any length (Discord's own escape_mentions only knows 17-20 digit ids) and
# channel mentions, which do not ping but would show as a link to one of the server's channels.
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


def defuse_mentions(text: str | None) -> str:
    """Mention syntax made inert, still readable (a zero-width space after the `@` or `<`)."""
    text = discord.utils.escape_mentions(text or "")
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<\u200b#"), text)


def escape(text: str | None) -> str:
    """Source text shown as-is: markdown escaped, mentions defused (`@everyone` cannot ping)."""
    return defuse_mentions(discord.utils.escape_markdown(text or ""))


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


_NOT_IN_A_LINK = frozenset("()[]<>\\\"`")


def safe_url(url: str | None) -> str | None:
    """The URL on file, when it is safe to link as it is; otherwise None (shown unlinked).

    The one URL policy of every front end: http(s) with a host, at most `URL_CHARS`, and no
    character that could end or bend a markdown link (`( ) [ ] < >`, quotes, backslash,
    white space or control characters). Such a URL is refused rather than re-encoded: a
    link never points anywhere but exactly where the source's URL on file says."""
    if not url or len(url) > URL_CHARS:
        return None
    if any(ch.isspace() or ch in _NOT_IN_A_LINK or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def title_link(title: str | None, url: str | None, limit: int) -> str:
    """A title (escaped, cut at `limit`) as a markdown link to `url`, or plain when the URL
    is not safe to link. `]` is escaped too, so a title cannot close the link text early."""
    text = escape(truncate(" ".join((title or "Untitled").split()), limit)).replace("]", "\\]")
    url = safe_url(url)
    return f"[{text}]({url})" if url else text


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
        link = title_link(source.title, source.url, title_limit)
        parts.append(link if link.startswith("[") else f"*{link}*")
    if source.outlet:
        parts.append(f"*{escape(source.outlet)}*")
    if source.author:
        parts.append(escape(source.author))
    return " · ".join(parts + _citation_tail(source, location))


def plain_citation(source: SourceRef, location: Location | None = None, *, with_id: bool = True) -> str:
    """`citation_line` for a terminal: the same parts in the same order, the title in quotes
    and the link after it in angle brackets instead of markdown (callers drop control
    characters: `bot.render.console.plain`). `with_id=False` leaves out "source #N" for a
    line that shows it elsewhere."""
    head = f"“{source.title}”" + (f" <{source.url}>" if source.url else "")
    tail = _citation_tail(source, location)
    return " · ".join([head] + [p for p in (source.outlet, source.author) if p] + (tail if with_id else tail[:-1]))


def _citation_tail(source: SourceRef, location: Location | None) -> list[str]:
    parts = []
    when = format_date(source.published, source.published_inferred)
    if when:
        parts.append(when)
    if location is not None:
        parts.append(location_text(location))
    parts.append(f"source #{source.id}")
    return parts


def quote_with_budget(text: str, budget: int) -> str:
    """Escaped block quote of `text` that fits `budget` characters (cut at a word, with …)."""
    escaped = escape(" ".join((text or "").split()))
    lines_overhead = 2  # "> "
    return block_quote(truncate(escaped, max(1, budget - lines_overhead)))


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """"1 source", "2 sources" ("1 quote gone", with `plural_form` for irregular ones)."""
    return f"{n} {word if n == 1 else (plural_form or word + 's')}"
