"""Plain-text rendering of lookup answers for the offline CLI (`python -m bot ask`).

The citation is the one every front end shows (`bot.render.text.plain_citation`); lines are
wrapped at `WIDTH` like the console's.
"""
from __future__ import annotations

import textwrap

from bot.render.text import plain_citation as citation
from bot.results import LookupAnswer, LookupResult

WIDTH = 100


def wrap(text: str, first: str, rest: str | None = None) -> str:
    """`text` filled to `WIDTH`, the first line indented with `first`, the others with `rest`."""
    return textwrap.fill(text, width=WIDTH, initial_indent=first, subsequent_indent=rest if rest is not None else first)



def format_result(n: int, result: LookupResult) -> str:
    loc = result.location
    lines = [wrap(f"“{result.text}”", f"{n}. ", " " * len(f"{n}. "))]
    lines.append(f"   — {result.speaker or 'the article (no named speaker)'}")
    lines.append(f"   Source: {citation(result.source)}")
    lines.append(f"   Where: paragraph {loc.paragraph} ({loc.kind}), characters {loc.char_start}–{loc.char_end}")
    if not result.counter_evidence:
        lines.append("   Counter-evidence: none on file.")
    else:
        lines.append(f"   Counter-evidence ({len(result.counter_evidence)}):")
        for item in result.counter_evidence:
            who = f" — {item.speaker}" if item.speaker else ""
            lines.append(wrap(f"“{item.text}”{who}", "     • ", "       "))
            kind = "moderator" if item.origin == "moderator" else f"automatic, confidence {item.confidence:.2f}"
            if item.cross_source:
                kind += ", cross-source candidate"
            lines.append(wrap(f"Why: {item.rationale} ({kind})", "       "))
            lines.append(f"       Source: {citation(item.source)}, paragraph {item.location.paragraph}")
    return "\n".join(lines)


def format_answer(answer: LookupAnswer) -> str:
    if not answer.results:
        return f"Nothing on file matches “{answer.query}”." if answer.query else "Give a topic to look up."
    body = "\n\n".join(format_result(i, r) for i, r in enumerate(answer.results, 1))
    return f"Lookup: {answer.query}\n\n{body}"
