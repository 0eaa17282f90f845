"""Plain-text rendering of lookup answers for the offline CLI (`python -m bot ask`)."""
from __future__ import annotations

import textwrap

from bot.results import LookupAnswer, LookupResult, SourceRef


def citation(source: SourceRef) -> str:
    parts = [source.outlet, source.author]
    if source.published:
        parts.append(source.published.isoformat() + (" (date inferred from the text)" if source.published_inferred else ""))
    details = ", ".join(p for p in parts if p)
    line = f"“{source.title}”" + (f", {details}" if details else "")
    return line + (f" <{source.url}>" if source.url else "") + f" [source #{source.id}]"


def _wrap(text: str, first: str, rest: str | None = None) -> str:
    return textwrap.fill(text, width=100, initial_indent=first, subsequent_indent=rest if rest is not None else first)


def format_result(n: int, result: LookupResult) -> str:
    loc = result.location
    lines = [_wrap(f"“{result.text}”", f"{n}. ", " " * len(f"{n}. "))]
    lines.append(f"   — {result.speaker or 'the article (no named speaker)'}")
    lines.append(f"   Source: {citation(result.source)}")
    lines.append(f"   Where: paragraph {loc.paragraph} ({loc.kind}), characters {loc.char_start}–{loc.char_end}")
    if not result.counter_evidence:
        lines.append("   Counter-evidence: none on file.")
    else:
        lines.append(f"   Counter-evidence ({len(result.counter_evidence)}):")
        for item in result.counter_evidence:
            who = f" — {item.speaker}" if item.speaker else ""
            lines.append(_wrap(f"“{item.text}”{who}", "     • ", "       "))
            kind = "moderator" if item.origin == "moderator" else f"automatic, confidence {item.confidence:.2f}"
            if item.cross_source:
                kind += ", cross-source candidate"
            lines.append(_wrap(f"Why: {item.rationale} ({kind})", "       "))
            lines.append(f"       Source: {citation(item.source)}, paragraph {item.location.paragraph}")
    return "\n".join(lines)


def format_answer(answer: LookupAnswer) -> str:
    if not answer.results:
        return f"Nothing on file matches “{answer.query}”." if answer.query else "Give a topic to look up."
    body = "\n\n".join(format_result(i, r) for i, r in enumerate(answer.results, 1))
    return f"Lookup: {answer.query}\n\n{body}"
