"""Small helpers shared by the services: user-typed ids and row -> value conversion.

Who sees which source or link is `bot.scope`'s job."""
from __future__ import annotations

from bot.errors import NotFound
from bot.models import MAX_ID, Passage
from bot.results import Location


def check_id(value: int, what: str) -> int:
    """An id a user typed: past the database's integer range it can name no row (and
    PostgreSQL would refuse the query), so it is simply not on file."""
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise NotFound(f"No {what} #{value} on file here.")
    return value


def location(passage: Passage) -> Location:
    return Location(paragraph=passage.paragraph, char_start=passage.char_start, char_end=passage.char_end,
                    kind=passage.kind)
