""""Why this?" for a claim check, rendered: an embed (one field per source) and plain text,
from one `bot.services.explain_check` value (what `check --json` prints under `explain`)."""
from __future__ import annotations

import discord

from bot.render import limits
from bot.render.text import escape, truncate
from bot.render.why import query_lines

COLOUR = discord.Colour.light_grey()
PART_NAMES = {"takes_side": "model: takes a side", "bm25": "BM25 (scaled)", "title": "claim's words in the title",
              "same_source": "other hits in the source"}


def _n(value: float) -> str:
    return f"{value:.2f}"


def source_lines(source) -> list[str]:
    window = ", ".join(f"{k} {_n(v)}" for k, v in source.window.items())
    lines = [f"Verdict {source.verdict} ({_n(source.confidence)}): the stance model reads the source as {window}."]
    if source.passages and all(not p.model for p in source.passages):
        lines.append("The source reports the claim and holds counter-evidence against it on file, so it disputes "
                     "it: the rebuttals below decide.")
    lines.append(f"Place {source.rank}: relevance {_n(source.relevance)} = 1 - P(unrelated) + best passage score "
                 f"{_n(source.best_score)} / 10.")
    if source.best_passage_id is not None:
        parts = " + ".join(f"{PART_NAMES.get(k, k)} {_n(v)}" for k, v in source.score_parts.items())
        lines.append(f"Best passage #{source.best_passage_id}: {parts} = {_n(source.best_score)}.")
        terms = ", ".join(f"{t.term} {_n(t.score)} ({t.share:.0%})" for t in source.terms) or "none"
        lines.append(f"Matched terms (BM25 {_n(source.bm25)}): {terms}.")
    for p in source.passages:
        model = ", ".join(f"{k} {_n(v)}" for k, v in p.model.items())
        lines.append(f"#{p.passage_id} {p.stance} ({_n(p.confidence)}): {p.rationale or 'no rationale recorded'}"
                     + (f" [model alone: {model}]" if model else "") + f". Why shown: {p.reason}. "
                     f"Votes: {p.votes['helpful']} helpful, {p.votes['not_helpful']} not.")
    return lines


def why_check_embed(explain) -> discord.Embed:
    embed = discord.Embed(title="Why these sources, in this order",
                          description=truncate(escape("\n".join(query_lines(explain.query) + [f"Order: {explain.order}."])),
                                               1500), colour=COLOUR)
    for source in explain.sources[:10]:
        name = truncate(f"{source.rank}. {source.title or f'Source #{source.source_id}'}", limits.FIELD_NAME)
        embed.add_field(name=escape(name)[:limits.FIELD_NAME],
                        value=truncate(escape("\n".join(source_lines(source))), limits.FIELD_VALUE),
                        inline=False)
    while len(embed) > limits.EMBED_TOTAL and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def why_check_text(explain) -> str:
    lines = ["Why these sources, in this order:"] + [f"  {line}" for line in query_lines(explain.query)]
    lines.append(f"  Order: {explain.order}.")
    for source in explain.sources:
        lines.append(f"  {source.rank}. {source.title} [source #{source.source_id}]")
        lines += [f"     {line}" for line in source_lines(source)]
    return "\n".join(lines)
