"""All tables (SQLModel). One file until it hurts.

The database is the source of truth: sources with their cleaned text, passages with exact
offsets into that text, claims, stance links, curation state, query log, votes, audit log,
digest settings and runs. The search index is derived from these rows (see `IndexChange`).

Times are stored in UTC. SQLite hands back naive datetimes, so read them through `as_utc`.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

GLOBAL_SCOPE = "global"
# Row ids are 32-bit integers in PostgreSQL: an id option past this can name no row.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive datetime read back from SQLite."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def scope_key(guild_id: int | None) -> str:
    """Non-null key for uniqueness per owner: seed/global rows have no guild."""
    return GLOBAL_SCOPE if guild_id is None else str(guild_id)


def _ts(**kw) -> Field:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


class SourceStatus(str, enum.Enum):
    active = "active"
    removed = "removed"


class PassageKind(str, enum.Enum):
    headline = "headline"
    subtitle = "subtitle"
    caption = "caption"
    body = "body"


# Column widths: the one source for every limit on what is stored (the services check input
# against them; `bot.validate.CITATION_LIMITS`, what a moderator may type, stays within them).
TITLE_MAX, SUBTITLE_MAX, OUTLET_MAX, AUTHOR_MAX, URL_MAX = 512, 1024, 256, 256, 2048
ACTOR_MAX, ACTION_MAX, TARGET_MAX = 64, 32, 128
AUDIT_DETAIL_MAX = 2000  # the detail column is Text; an audit line stays readable


class DigestRunStatus(str, enum.Enum):
    """A daily digest run (bot/digest/service.py): claimed by a worker, being sent, then sent,
    failed (retried) or skipped."""

    claimed = "claimed"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"


class Stance(str, enum.Enum):
    counters = "counters"
    supports = "supports"
    context = "context"


class LinkOrigin(str, enum.Enum):
    auto = "auto"
    moderator = "moderator"


class LinkStatus(str, enum.Enum):
    active = "active"
    rejected = "rejected"


class Source(SQLModel, table=True):
    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("scope", "origin", name="uq_source_scope_origin"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    scope: str = Field(default=GLOBAL_SCOPE, max_length=32, index=True)
    # Where it came from: "file:seeds/x.txt", "url:https://...", "upload:name.txt".
    origin: str = Field(max_length=2048)
    title: str = Field(max_length=TITLE_MAX)
    subtitle: str | None = Field(default=None, max_length=SUBTITLE_MAX)
    outlet: str | None = Field(default=None, max_length=OUTLET_MAX)
    author: str | None = Field(default=None, max_length=AUTHOR_MAX)
    url: str | None = Field(default=None, max_length=URL_MAX)
    canonical_url: str | None = Field(default=None, max_length=2048, index=True)
    published: date | None = None
    published_inferred: bool = False
    added_at: datetime = _ts()
    added_by: str | None = Field(default=None, max_length=64)
    updated_at: datetime = _ts()
    content_hash: str = Field(max_length=64, index=True)
    text: str = Field(sa_type=Text)
    status: str = Field(default=SourceStatus.active.value, max_length=16, index=True)
    removed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    removed_by: str | None = Field(default=None, max_length=64)


class Passage(SQLModel, table=True):
    __tablename__ = "passage"

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("source.id", ondelete="CASCADE"), index=True, nullable=False))
    seq: int  # order within the source
    text: str = Field(sa_type=Text)  # verbatim: source.text[char_start:char_end] == text
    char_start: int
    char_end: int
    paragraph: int  # 1-based paragraph number in the cleaned text
    kind: str = Field(default=PassageKind.body.value, max_length=16)
    speaker: str | None = Field(default=None, max_length=256)
    # W3C Web Annotation TextQuoteSelector: exact (= text) plus context to re-find it.
    prefix: str = Field(default="", max_length=64)
    suffix: str = Field(default="", max_length=64)


class Claim(SQLModel, table=True):
    """A passage asserted by a speaker (or a headline/subtitle assertion)."""

    __tablename__ = "claim"

    id: int | None = Field(default=None, primary_key=True)
    passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), unique=True, nullable=False))
    speaker: str | None = Field(default=None, max_length=256)
    created_at: datetime = _ts()


class Link(SQLModel, table=True):
    """Stance link from a claim passage to an evidence passage."""

    __tablename__ = "link"
    __table_args__ = (UniqueConstraint("claim_passage_id", "evidence_passage_id", name="uq_link_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), index=True, nullable=False))
    evidence_passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), index=True, nullable=False))
    stance: str = Field(max_length=16)
    origin: str = Field(default=LinkOrigin.auto.value, max_length=16)
    status: str = Field(default=LinkStatus.active.value, max_length=16)
    confidence: float = 0.0
    cross_source: bool = False
    rationale: str = Field(default="", sa_type=Text)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # guild of a moderator link


class Alias(SQLModel, table=True):
    """Moderator-editable query alias: `term` also searches for `canonical`."""

    __tablename__ = "alias"
    __table_args__ = (UniqueConstraint("scope", "term", name="uq_alias_scope_term"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    scope: str = Field(default=GLOBAL_SCOPE, max_length=32)
    term: str = Field(max_length=100)
    canonical: str = Field(max_length=200)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts()


class QueryLog(SQLModel, table=True):
    """One row per lookup: for buttons that re-run it, the asker's own suggestions, and (only
    once enough members asked it publicly) shared suggestions and the digest. No user names;
    the asker's id, so `/forget` can delete their history and a private topic reaches no one
    else."""

    __tablename__ = "query_log"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    topic: str = Field(max_length=500, index=True)  # normalized: grouping for the digest
    # The cleaned topic as typed: buttons re-run exactly this after a restart (normalisation
    # folds case, and "US" the country is not "us").
    query: str = Field(default="", max_length=500)
    result_ids: str = Field(default="", max_length=1000)  # comma-separated passage ids
    created_at: datetime = _ts(index=True)
    user_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # None: asked before migration 0004
    private: bool = Field(default=False)  # `private: true` or a DM: shown to the asker only


class Vote(SQLModel, table=True):
    """Helpful / not helpful, one per user per answer (the quote passage), changeable."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("user_id", "passage_id", name="uq_vote_user_passage"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    user_id: int | None = Field(default=None, sa_type=BigInteger)  # None after the member's /forget
    passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), nullable=False))
    helpful: bool
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    actor_id: str = Field(max_length=ACTOR_MAX)
    action: str = Field(max_length=ACTION_MAX)
    target: str = Field(default="", max_length=TARGET_MAX)
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = _ts(index=True)


class GuildSettings(SQLModel, table=True):
    __tablename__ = "guild_settings"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    moderator_role_id: int | None = Field(default=None, sa_type=BigInteger)
    digest_channel_id: int | None = Field(default=None, sa_type=BigInteger)
    digest_time: str = Field(default="09:00", max_length=5)  # HH:MM local
    digest_timezone: str = Field(default="UTC", max_length=64)
    digest_enabled: bool = False
    digest_quiet: str = Field(default="note", max_length=8)  # "note" or "skip" on a quiet day
    # When the channel or time last changed: a slot that passed before this is not caught up.
    # Other settings (role, quiet mode) must not cancel a pending catch-up or retry.
    digest_schedule_changed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    updated_at: datetime = _ts()


class DigestRun(SQLModel, table=True):
    """Claimed before sending: the unique (guild, local date) makes a digest exactly-once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("guild_id", "local_date", name="uq_digest_guild_date"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=BigInteger, index=True)
    local_date: date
    status: str = Field(default=DigestRunStatus.claimed.value, max_length=16)  # DigestRunStatus
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    error: str | None = Field(default=None, sa_type=Text)
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class IndexChange(SQLModel, table=True):
    """Change sequence the search index follows: written in the same transaction as the
    source change, so every process (and a restarted one) can catch its index up."""

    __tablename__ = "index_change"

    seq: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(index=True)
    op: str = Field(max_length=8)  # "upsert" | "delete"
    created_at: datetime = _ts()


# Verdict ratings, worst to best: ClaimReview's ratingValue is the position (1-5).
VERDICT_RATINGS = ("False", "Misleading", "Unsupported", "Mixed", "Accurate")


class Verdict(SQLModel, table=True):
    """A moderator's verdict on a claim passage, one per claim per owner (a guild, or the
    shared library for the console/CLI). The counter-evidence it rests on is the claim's
    links. Exported as schema.org ClaimReview (bot/formats/claimreview.py)."""

    __tablename__ = "verdict"
    __table_args__ = (UniqueConstraint("scope", "claim_passage_id", name="uq_verdict_scope_claim"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    scope: str = Field(default=GLOBAL_SCOPE, max_length=32)
    claim_passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), index=True, nullable=False))
    rating: str = Field(max_length=16)  # one of VERDICT_RATINGS
    note: str = Field(default="", sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: datetime = _ts()
    updated_by: str = Field(max_length=64)
    updated_at: datetime = _ts()


class PassageDrift(SQLModel, table=True):
    """What the last verification of the page found for one stored quote (bot/drift/).

    The stored passage stays the citation of record; this says whether the live page still
    has it: intact (same place), moved (verbatim elsewhere: page_start/page_end say where),
    changed (only a close wording, kept in current_text), gone (nothing close)."""

    __tablename__ = "passage_drift"

    passage_id: int = Field(sa_column=Column(Integer, ForeignKey("passage.id", ondelete="CASCADE"), primary_key=True,
                                             autoincrement=False))
    status: str = Field(max_length=16)
    since: datetime = _ts()  # first verification that found this status
    checked_at: datetime = _ts()
    page_start: int | None = None  # offsets into the page's cleaned text as last fetched
    page_end: int | None = None
    current_text: str | None = Field(default=None, sa_type=Text)
    similarity: float | None = None  # 0-100, for changed


class SourceCheck(SQLModel, table=True):
    """The last verification of a URL source's page. A failed fetch is recorded as such
    (last_error) and leaves the drift findings of the last successful check alone."""

    __tablename__ = "source_check"

    source_id: int = Field(sa_column=Column(Integer, ForeignKey("source.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False))
    status: str | None = Field(default=None, max_length=16)  # intact | moved | changed | gone (worst passage)
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # last successful check
    attempted_at: datetime = _ts()
    last_error: str | None = Field(default=None, sa_type=Text)  # why the last attempt failed (None: it worked)
    drifted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    intact: int = 0
    moved: int = 0
    changed: int = 0
    gone: int = 0


class VerifyRun(SQLModel, table=True):
    """The weekly re-verification, claimed before it runs: the unique week makes it once per
    week per deployment (same discipline as DigestRun)."""

    __tablename__ = "verify_run"
    __table_args__ = (UniqueConstraint("week", name="uq_verify_run_week"),)

    id: int | None = Field(default=None, primary_key=True)
    week: date  # the Monday (UTC) of the ISO week
    status: str = Field(default="claimed", max_length=16)  # claimed | done | failed
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    attempts: int = 0
    sources: int = 0
    drifted: int = 0
    failed: int = 0
    error: str | None = Field(default=None, sa_type=Text)
