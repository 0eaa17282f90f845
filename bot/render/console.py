"""Plain-text rendering for the local console (the same result values the embeds use).

Lookup answers reuse `bot.cli_text` (the offline CLI's format), so the console and
`python -m bot ask` print an answer the same way.
"""
from __future__ import annotations

from bot.cli_text import citation, format_answer
from bot.results import LookupAnswer, SourceDetail, SourcePage

HELP = """Commands:
  /lookup TOPIC     best verbatim quote, its citation and the counter-evidence on file
  /source ID        one source: citation, claims, links
  /sources [PAGE]   the sources on file, 10 a page
  /help             this help
  /quit             leave (Ctrl-D works too)
A line without a leading / is looked up as a topic."""


def answer_text(answer: LookupAnswer) -> str:
    return format_answer(answer)


def source_text(detail: SourceDetail) -> str:
    lines = [f"Source: {citation(detail.source)}"]
    if detail.source.status != "active":
        lines.append(f"Status: {detail.source.status}")
    lines.append(f"{detail.passages} passages, {len(detail.claims)} claims, {len(detail.links)} links.")
    for claim in detail.claims:
        who = claim.speaker or "unattributed"
        lines.append(f"  claim #{claim.passage_id} ({who}, paragraph {claim.paragraph}, "
                     f"{claim.counters} counter-evidence): “{claim.text}”")
    for link in detail.links:
        if link.status == "active":
            lines.append(f"  link #{link.link_id}: #{link.claim_passage_id} <- #{link.evidence_passage_id} "
                         f"{link.stance} ({link.origin})")
    return "\n".join(lines)


def sources_text(page: SourcePage) -> str:
    if not page.items:
        return "No sources on file yet."
    lines = [f"Sources (page {page.page} of {page.pages}, {page.total} in all):"]
    lines += [f"  {citation(ref)}" for ref in page.items]
    return "\n".join(lines)
