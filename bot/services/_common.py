"""Small helpers shared by the services: visibility rules and row -> value conversion."""
from __future__ import annotations


from bot.errors import NotFound
from bot.models import MAX_ID, Passage, Source, SourceStatus, scope_key
from bot.results import Location, SourceRef


def check_id(value: int, what: str) -> int:
    """An id a user typed: past the database's integer range it can name no row (and
    PostgreSQL would refuse the query), so it is simply not on file."""
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise NotFound(f"No {what} #{value} on file here.")
    return value


def visible_scopes(guild_id: int | None) -> list[str]:
    """Seed (global) sources are visible everywhere; a guild's own sources only to it."""
    return [scope_key(None)] if guild_id is None else [scope_key(None), scope_key(guild_id)]


def visible(guild_id: int | None, *, include_removed: bool = False):
    """SQL condition: the source is visible to `guild_id` (and active unless asked)."""
    cond = Source.scope.in_(visible_scopes(guild_id))
    if include_removed:
        return cond
    return cond & (Source.status == SourceStatus.active.value)


def source_ref(source: Source) -> SourceRef:
    return SourceRef(
        id=source.id, title=source.title, outlet=source.outlet, author=source.author, url=source.url,
        published=source.published, published_inferred=source.published_inferred, subtitle=source.subtitle,
        guild_id=source.guild_id, status=source.status,
    )


def location(passage: Passage) -> Location:
    return Location(paragraph=passage.paragraph, char_start=passage.char_start, char_end=passage.char_end,
                    kind=passage.kind)


