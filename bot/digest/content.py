"""What one guild's digest is made of: frozen values the service loads and `bot.render.digest` renders.

Kept apart from both so that composing (limits, escaping, quiet days) is tested from plain
values, without a database, and loading is tested without looking at embeds."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.results import Location, SourceRef

QUIET_MODES = ("note", "skip")  # a day with no news: post a one-line note, or nothing


@dataclass(frozen=True)
class Quote:
    """A verbatim passage and where it stands: enough for an exact citation."""

    passage_id: int
    text: str
    source: SourceRef
    location: Location
    speaker: str | None = None


@dataclass(frozen=True)
class NewSource:
    source: SourceRef
    key_quote: Quote | None  # None when the source has no passage worth quoting


@dataclass(frozen=True)
class CounterPair:
    """A claim and a passage on file that rebuts it (a `counters` stance link)."""

    claim: Quote
    counter: Quote
    origin: str = "auto"  # "auto" | "moderator"


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int


@dataclass(frozen=True)
class QuoteOfTheDay:
    claim: Quote
    counters: list[Quote]
    asked: int = 0  # how often lookups returned this claim in the window (0: rotating pick)


@dataclass(frozen=True)
class DriftedSource:
    """A cited page that the weekly check found changed: quotes no longer on it as stored."""

    source: SourceRef
    changed: int
    gone: int
    drifted_at: datetime


@dataclass(frozen=True)
class DigestContent:
    guild_id: int
    local_date: date
    since: datetime  # window start (UTC), inclusive
    until: datetime  # window end (UTC), exclusive
    new_sources: list[NewSource] = field(default_factory=list)
    new_sources_total: int = 0  # may exceed len(new_sources): the rest is "and N more"
    counters: list[CounterPair] = field(default_factory=list)
    counters_total: int = 0
    topics: list[TopicCount] = field(default_factory=list)
    quote_of_the_day: QuoteOfTheDay | None = None
    drifted: list[DriftedSource] = field(default_factory=list)  # pages found changed in the window
    drifted_total: int = 0

    @property
    def is_quiet(self) -> bool:
        """Nothing happened in the window. The quote of the day alone does not make news."""
        return not (self.new_sources_total or self.counters_total or self.topics or self.drifted_total)
