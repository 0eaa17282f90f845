""""Why this?" rendered: an embed for Discord and plain lines for the console, from one
`bot.services.explain` value (the numbers `ask --json` prints under `explain`)."""
from __future__ import annotations

import discord

from bot.render import limits
from bot.render.text import escape, truncate

MAX_PHRASES = 4
MAX_COUNTERS = 5
COLOUR = discord.Colour.light_grey()


def _num(value: float) -> str:
    return f"{value:.2f}"


def query_lines(query) -> list[str]:
    lines = [f"Searched as: {', '.join(query.tokens) or '(no searchable words)'}"
             + (f" (from “{query.normalized}”)" if query.normalized else "")]
    for eq in query.equivalences:
        shown = ", ".join(eq.phrases[:MAX_PHRASES]) + (", …" if len(eq.phrases) > MAX_PHRASES else "")
        lines.append(f"Equivalence: {eq.token} = {shown}")
    for alias in query.aliases:
        added = ", ".join(alias.added) or "nothing new"
        lines.append(f"Alias: “{alias.term}” also searches “{alias.canonical}” (adds {added})")
    return lines


def coverage_line(result) -> str:
    quarters = f" ({result.coverage}/4)" if result.coverage is not None else ""
    return (f"holds {result.words_held} of your topic's {result.words} words{quarters}: results are ranked on "
            "this first, then by score")


def score_line(result) -> str:
    factors = " × ".join(f"{name} {_num(v)}" for name, v in result.priors.items())
    other = f" × other ranking factors {_num(result.other_factor)}" if result.other_factor != 1.0 else ""
    return f"BM25 {_num(result.bm25)} × {factors}{other} = {_num(result.score)}"


def terms_line(result) -> str:
    matched = ", ".join(f"{t.term} {_num(t.score)} ({t.share:.0%})" for t in result.terms) or "none"
    missing = f"; not in this passage: {', '.join(result.unmatched)}" if result.unmatched else ""
    return f"{matched}{missing}"


def matched_line(result) -> str | None:
    if result.matched_passage_id == result.passage_id:
        return None
    return (f"Your topic matched passage #{result.matched_passage_id}, which rebuts this claim, so the claim is "
            "shown with it among its counter-evidence; the score is that passage's.")


def votes_line(result) -> str:
    v = result.votes
    return f"{v['helpful']} helpful, {v['not_helpful']} not helpful on this server (votes do not change the ranking)"


def counter_lines(result) -> list[str]:
    lines = [f"{c.reason}." for c in result.counter_evidence[:MAX_COUNTERS]]
    if len(result.counter_evidence) > MAX_COUNTERS:
        lines.append(f"… {len(result.counter_evidence) - MAX_COUNTERS} more in the same order.")
    return lines or ["None on file: no active counters link to this claim that this server may see."]


def stance_line(result) -> str | None:
    stance = result.stance
    if not stance:
        return None
    probs = ", ".join(f"{k} {_num(v)}" for k, v in (stance.get("probabilities") or {}).items())
    return (f"{stance.get('label', '?')} (score {_num(stance.get('score', 0.0))}{'; ' + probs if probs else ''}): "
            f"{stance.get('rationale') or 'no rationale recorded'}")


def why_embed(explain, index: int) -> discord.Embed:
    result = explain.results[index]
    embed = discord.Embed(title=f"Why result {result.rank} (passage #{result.passage_id}) ranked here",
                          description=truncate(escape("\n".join(query_lines(explain.query))), 1500), colour=COLOUR)
    embed.add_field(name="Topic words", value=truncate(escape(coverage_line(result)), limits.FIELD_VALUE), inline=False)
    embed.add_field(name="Score", value=truncate(escape(score_line(result)), limits.FIELD_VALUE), inline=False)
    embed.add_field(name="Matched terms (share of BM25)", value=truncate(escape(terms_line(result)), limits.FIELD_VALUE),
                    inline=False)
    matched = matched_line(result)
    if matched:
        embed.add_field(name="Matched through a rebuttal", value=escape(matched), inline=False)
    stance = stance_line(result)
    if stance:
        embed.add_field(name="Stance model", value=truncate(escape(stance), limits.FIELD_VALUE), inline=False)
    embed.add_field(name="Votes", value=votes_line(result), inline=False)
    embed.add_field(name=f"Counter-evidence order: {explain.counter_order}"[:limits.FIELD_NAME],
                    value=truncate(escape("\n".join(counter_lines(result))), limits.FIELD_VALUE), inline=False)
    return embed


def why_text(explain, index: int) -> str:
    """The console's /why: the same lines as the embed."""
    result = explain.results[index]
    lines = [f"Why result {result.rank} (passage #{result.passage_id}) ranked here:"]
    lines += [f"  {line}" for line in query_lines(explain.query)]
    lines.append(f"  Topic words: {coverage_line(result)}")
    lines.append(f"  Score: {score_line(result)}")
    lines.append(f"  Matched terms (share of BM25): {terms_line(result)}")
    for extra in (matched_line(result), stance_line(result)):
        if extra:
            lines.append(f"  {extra}")
    lines.append(f"  Votes: {votes_line(result)}")
    lines.append(f"  Counter-evidence order: {explain.counter_order}:")
    lines += [f"    {line}" for line in counter_lines(result)]
    return "\n".join(lines)
