"""Words for verdicts and page drift, shared by the embeds and the console (plain text:
each front end escapes it its own way)."""
from __future__ import annotations

from datetime import datetime

from bot.results import DriftInfo, SourceCheckInfo, SourceDetail, VerdictInfo


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "an earlier check"


def verdict_text(verdict: VerdictInfo) -> str:
    """"Misleading: the note" (the note is the moderators' own words)."""
    return f"{verdict.rating}: {verdict.note}" if verdict.note else verdict.rating


def drift_text(drift: DriftInfo) -> str | None:
    """A warning for a quote the page no longer has as cited; None when it is still there."""
    if drift.status == "gone":
        return (f"The page no longer has this quote (found {_day(drift.since)}). "
                "It is shown as it was when cited.")
    if drift.status == "changed":
        return (f"The page has changed this quote since it was cited (found {_day(drift.since)}). "
                "It is shown as it was when cited.")
    return None


def check_text(detail: SourceDetail) -> str | None:
    """The page check of a URL source: when last verified, what was found, a failed attempt."""
    if not detail.from_url:
        return None
    check: SourceCheckInfo | None = detail.check
    if check is None or (check.verified_at is None and check.last_error is None):
        return "Page check: not verified yet (the weekly check re-reads the page)."
    parts = []
    if check.verified_at is not None:
        total = check.intact + check.moved + check.changed + check.gone
        if check.changed or check.gone:
            found = ", ".join(f"{n} {word}" for n, word in ((check.changed, "changed"), (check.gone, "gone"),
                                                          (check.moved, "moved"), (check.intact, "intact")) if n)
            parts.append(f"Page check {check.verified_at.date().isoformat()}: the page has drifted ({found} of "
                         f"{total} quotes). The stored text stays the citation of record.")
        elif check.moved:
            parts.append(f"Page check {check.verified_at.date().isoformat()}: every quote is still on the page "
                         f"({check.moved} moved).")
        else:
            parts.append(f"Page check {check.verified_at.date().isoformat()}: all {total} quotes intact.")
    if check.last_error:
        when = check.attempted_at.date().isoformat() if check.attempted_at else "last time"
        parts.append(f"The last attempt ({when}) could not read the page: {check.last_error} "
                     "(a failed fetch is not counted as drift).")
    return " ".join(parts)


def sentence(text: str) -> str:
    """End with a full stop unless the text already ends a sentence (a note often does)."""
    return text if text.rstrip().endswith((".", "!", "?", "…")) else text + "."


def verification_line(result) -> str:
    """One line per verified source (`bot.drift.service.SourceVerification`)."""
    head = f"Source #{result.source_id} “{result.title}”"
    if result.error:
        return f"{head}: could not be checked: {result.error} (not counted as drift)."
    total = result.intact + result.moved + result.changed + result.gone
    if result.changed or result.gone:
        found = ", ".join(f"{n} {w}" for n, w in ((result.changed, "changed"), (result.gone, "gone"),
                                                  (result.moved, "moved"), (result.intact, "intact")) if n)
        return f"{head}: the page has drifted: {found} of {total} quotes. The stored text stays the citation."
    if result.moved:
        return f"{head}: every quote is still on the page ({result.moved} of {total} moved)."
    return f"{head}: all {total} quotes intact."
