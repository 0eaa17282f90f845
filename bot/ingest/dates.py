"""Dates: parse metadata dates, and find the publication date in the text when none is given.

Why our own small parser instead of dateparser: we only need full calendar dates written the
way newsrooms write them ("January 12, 2021", "Jan. 12, 2021", "12 January 2021", ISO), and a
date that is not clearly a full date must give None, never a guess ("January 6" has no year).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Iterable

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[6-9]|2\d)\d\d)"
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b")
_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b")
_ISO = re.compile(r"(?<!\d)(?P<year>(?:1[6-9]|2\d)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)")
_PATTERNS = (_ISO, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR)
# "WASHINGTON, Jan. 12, 2021 —" or "(Jan. 12, 2021)" at the start of a paragraph.
_DATELINE = re.compile(r"^(?:[A-Z][A-Z .,'-]{1,40},\s*|\()")


def _build(year: str, month: str, day: str) -> date | None:
    month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    try:
        return date(int(year), month_number, int(day)) if month_number else None
    except ValueError:
        return None  # "February 30, 2021" is a typo, not a date


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every full date in `text` with its position, in text order."""
    found: dict[int, date] = {}
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            value = _build(m.group("year"), m.group("month"), m.group("day"))
            if value and m.start() not in found:
                found[m.start()] = value
    return sorted(found.items())


def parse_date(value) -> date | None:
    """A metadata date: a date, a datetime, or a string in one of the formats above
    (an ISO timestamp like 2021-01-13T10:00:00Z is fine: its date part is used)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    dates = find_dates(str(value).strip())
    return dates[0][1] if dates else None


def infer_published(candidates: Iterable[str]) -> date | None:
    """First full date in the candidate paragraphs, which the caller orders by how likely
    they are to state the publication date (caption, dateline, then the first paragraphs)."""
    for text in candidates:
        dates = find_dates(text)
        if dates:
            return dates[0][1]
    return None


def is_dateline(paragraph: str) -> bool:
    """A paragraph that opens with a place or bracket followed by a full date."""
    head = paragraph[:80]
    dates = find_dates(head)
    return bool(dates) and bool(_DATELINE.match(head)) and dates[0][0] <= 45
