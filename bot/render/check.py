"""What a member sees for `/check claim:` (Discord embed) and `python -m bot check` (text).

One field per source: its verdict, the deciding passages verbatim (cut at a word if long),
each with its speaker, stance, confidence and rationale, then the source's complete citation.
Nothing related on file is said plainly; nothing is invented.
"""
from __future__ import annotations

import discord

from bot.render.cli import wrap as _wrap
from bot.render.embeds import COLOUR_ANSWER, LIMITS, fit
from bot.render.text import citation_line, escape, plain_citation as citation, quote_with_budget, safe_url, truncate
from bot.results import CheckAnswer, CheckPassage, SourceVerdict

VERDICT_TITLE = {"disputes": "Disputes", "supports": "Supports", "discusses": "Discusses (takes no side)"}
STANCE_WORD = {"counters": "disputes it", "supports": "supports it", "discusses": "on topic"}
PASSAGES_IN_FIELD = 2
CLAIM_BUDGET = 600


def verdict_summary(answer: CheckAnswer) -> str:
    counts: dict[str, int] = {}
    for s in answer.sources:
        counts[s.verdict] = counts.get(s.verdict, 0) + 1
    parts = [f"{counts[v]} {v}" for v in ("disputes", "supports", "discusses") if counts.get(v)]
    noun = "source" if len(answer.sources) == 1 else "sources"
    return f"{len(answer.sources)} {noun} on file: " + ", ".join(parts) + "."


def no_related_text(claim: str) -> str:
    shown = truncate(escape(" ".join(claim.split())), 200)
    return (f"Nothing on file addresses “{shown}”. No source disputes or supports it that I can find; "
            f"a moderator can add one with `/curate add`.")


def _passage_value(p: CheckPassage, budget: int) -> str:
    who = f" — {escape(p.speaker)}" if p.speaker else ""
    why = truncate(escape(" ".join(p.rationale.split())), 200) if p.rationale else ""
    head = f"*{STANCE_WORD.get(p.stance, p.stance)}, {p.confidence:.2f}*{who}"
    tail = f"\n*Why:* {why}" if why else ""
    room = max(80, budget - len(head) - len(tail) - 4)
    return f"{quote_with_budget(p.text, room)}\n{head}{tail}"


def source_field_value(verdict: SourceVerdict) -> str:
    """Deciding passages, then the complete citation (never cut), within 1024 characters."""
    cite = citation_line(verdict.source, None, with_title=True, title_limit=120)
    shown = verdict.passages[:PASSAGES_IN_FIELD]
    budget = (LIMITS["field_value"] - len(cite) - 40) // max(1, len(shown))
    body = "\n".join(_passage_value(p, budget) for p in shown)
    locations = ", ".join(f"¶{p.location.paragraph}" for p in shown)
    value = f"{body}\n{cite} · {locations}"
    if len(value) > LIMITS["field_value"]:
        value = f"{quote_with_budget(shown[0].text, 120)}\n{cite}"[:LIMITS["field_value"]]
    return value


def check_embed(answer: CheckAnswer) -> discord.Embed:
    claim = quote_with_budget(answer.claim, CLAIM_BUDGET)
    embed = discord.Embed(title="Claim check", description=f"{claim}\n\n{verdict_summary(answer)}",
                          colour=COLOUR_ANSWER)
    for verdict in answer.sources[:LIMITS["fields"] - 1]:
        name = truncate(f"{VERDICT_TITLE[verdict.verdict]} ({verdict.confidence:.2f}) · "
                        f"{verdict.source.title or f'Source #{verdict.source.id}'}", LIMITS["field_name"])
        embed.add_field(name=escape(name)[:LIMITS["field_name"]], value=source_field_value(verdict), inline=False)
    first_url = next((safe_url(s.source.url) for s in answer.sources if safe_url(s.source.url)), None)
    if first_url and len(answer.sources) == 1:
        embed.url = first_url
    # The claim as checked ends the footer (shown literally, mentions defused): the "Why this?"
    # button re-reads it from the message, so nothing about the member is stored anywhere.
    embed.set_footer(text="Verdicts by the stance model (confidence 0–1) with the rules' checks; "
                          "quotes are verbatim, see each source for the whole article."
                          f"{FOOTER_CLAIM}{discord.utils.escape_mentions(answer.claim)}")
    return fit(embed)


FOOTER_CLAIM = "\nChecked: "


def claim_from_footer(footer: str | None) -> str | None:
    """The claim a check embed answered (its footer's last line), None if it has none. The
    zero-width spaces that defused mentions are dropped again by `clean_topic`."""
    if not footer or FOOTER_CLAIM not in footer:
        return None
    return footer.split(FOOTER_CLAIM, 1)[1].strip() or None


# -- plain text (CLI and console) -----------------------------------------------------------

def format_check(answer: CheckAnswer) -> str:
    if not answer.claim:
        return "Give a claim to check."
    if not answer.sources:
        return (f"Nothing on file addresses “{answer.claim}”. No source disputes or supports it that I can find.")
    lines = [f"Check: {answer.claim}", verdict_summary(answer), ""]
    for n, s in enumerate(answer.sources, 1):
        lines.append(f"{n}. {VERDICT_TITLE[s.verdict]} (confidence {s.confidence:.2f}): {citation(s.source)}")
        for p in s.passages:
            who = f" — {p.speaker}" if p.speaker else ""
            lines.append(_wrap(f"“{p.text}”{who}", "   • ", "     "))
            lines.append(_wrap(f"{STANCE_WORD.get(p.stance, p.stance)}, {p.confidence:.2f}; "
                               f"paragraph {p.location.paragraph}, characters "
                               f"{p.location.char_start}–{p.location.char_end}", "     "))
            if p.rationale:
                lines.append(_wrap(f"Why: {p.rationale}", "     "))
        lines.append("")
    return "\n".join(lines).rstrip()
