"""Bulk ingest of pre-segmented corpora (one document = a title and its sentences).

`store_article` is built for one article at a time: it parses, re-anchors edited passages and
creates an ORM object per row, which is right for a moderator's upload and far too slow for a
corpus of a million sentences. Here the segmentation is already done, so the work is pure
row writing: sources and passages go in as multi-row INSERTs (no ORM object per row), one
`IndexChange` per source in the same transaction, one transaction per batch, and the search
index is brought up to date once at the end.

Idempotent by origin: a source whose (scope, origin) already exists is skipped, and the
insert itself uses ON CONFLICT DO NOTHING, so two processes bulk-loading the same corpus can
not create duplicates either. Like `store_article`, a document whose text is already on file
under another origin (same content hash, visible scope, active) is reported as a duplicate.

Automatic stance detection is skipped unless `detect_stance=True`: it runs per claim and a
sentence corpus has no attributed speakers (no claims), so for a million passages it would
be O(claims) queries doing nothing useful; call it explicitly for a small curated batch.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.audit import audit_row
from bot.errors import BadInput
from bot.ingest.pipeline import canonical_url, content_hash
from bot.models import TITLE_MAX, AuditLog, IndexChange, Passage, PassageKind, Source, SourceStatus, scope_key, utcnow
from bot.planner import refresh_planner_statistics
from bot.scope import visible_scopes

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

DEFAULT_BATCH_PASSAGES = 5_000
ANCHOR_CHARS = 32  # prefix/suffix length, as in the parser (W3C TextQuoteSelector context)
MAX_TITLE = TITLE_MAX
MAX_ORIGIN = 2048
MAX_URL = 2048
MAX_NAME = 256  # outlet, author
# Rebuilding streams every passage once; catching up re-reads only the new sources. Rebuild
# wins once the batch is a large share of what the index would hold afterwards.
REBUILD_SHARE = 0.5


@dataclass(frozen=True)
class BulkDocument:
    """One source document, already split into sentences (each becomes one passage)."""

    origin: str  # stable identity, e.g. "bench:reuters:0042"; re-running with it is a no-op
    title: str
    sentences: Sequence[str]
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    published: date | None = None


@dataclass
class BulkReport:
    created: int = 0  # sources written by this call
    existing: int = 0  # skipped: same origin already on file (idempotent re-run)
    duplicates: int = 0  # skipped: same text already on file under another origin
    empty: int = 0  # skipped: no non-blank sentence
    passages: int = 0  # passages written
    index_mode: str = "none"  # "rebuild" | "catch_up" | "none"
    links: int = 0  # stance links (only with detect_stance=True)
    seconds: float = 0.0  # everything, index update included
    index_seconds: float = 0.0  # the index update alone (the rebuild, at corpus scale)
    source_ids: list[int] = field(default_factory=list)

    @property
    def passages_per_second(self) -> float:
        return self.passages / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _PreparedDoc:
    origin: str
    source_row: dict
    passages: list[dict]  # rows without source_id (known only after the source insert)
    content_hash: str


def _clean_sentences(sentences: Sequence[str]) -> list[str]:
    """Collapse whitespace inside each sentence and drop blank ones: the source text is the
    cleaned sentences joined by single spaces, so every offset is exact by construction."""
    cleaned = (" ".join(str(s).split()) for s in sentences)
    return [s for s in cleaned if s]


def _display(value: str | None) -> str | None:
    """Outlet/author: one line, cut to the column width (PostgreSQL enforces it)."""
    value = " ".join((value or "").split())[:MAX_NAME]
    return value or None


def prepare_document(doc: BulkDocument, *, guild_id: int | None, actor: str, now) -> _PreparedDoc | None:
    """Rows for one document (pure CPU, no I/O); None when it has no text."""
    if not doc.origin or len(doc.origin) > MAX_ORIGIN:
        raise BadInput(f"A bulk document needs an origin of 1-{MAX_ORIGIN} characters, got {len(doc.origin or '')}.")
    sentences = _clean_sentences(doc.sentences)
    if not sentences:
        return None
    text = " ".join(sentences)
    passages = []
    start = 0
    for seq, sentence in enumerate(sentences):
        end = start + len(sentence)
        passages.append({
            "seq": seq, "text": sentence, "char_start": start, "char_end": end, "paragraph": 1,
            "kind": PassageKind.body.value, "speaker": None,
            "prefix": text[max(0, start - ANCHOR_CHARS):start], "suffix": text[end:end + ANCHOR_CHARS],
        })
        start = end + 1
    if doc.url and len(doc.url) > MAX_URL:
        raise BadInput(f"The link of {doc.origin[:80]} is longer than {MAX_URL} characters.")
    digest = content_hash(text)  # the same fingerprint as single uploads: one article, one source
    title = " ".join((doc.title or "").split())[:MAX_TITLE] or sentences[0][:MAX_TITLE]
    source_row = {
        "guild_id": guild_id, "scope": scope_key(guild_id), "origin": doc.origin, "title": title,
        "subtitle": None, "outlet": _display(doc.outlet), "author": _display(doc.author), "url": doc.url or None,
        "canonical_url": canonical_url(doc.url), "published": doc.published, "published_inferred": False,
        "added_at": now, "added_by": actor, "updated_at": now, "content_hash": digest, "text": text,
        "status": SourceStatus.active.value, "removed_at": None, "removed_by": None,
    }
    return _PreparedDoc(doc.origin, source_row, passages, digest)


def _next_batch(documents: Iterator[BulkDocument], batch_passages: int, *, guild_id, actor) -> tuple[list[_PreparedDoc], int]:
    """Pull documents until the batch holds `batch_passages` passages. Runs in a thread: the
    iterator may read a compressed file and the row building is CPU work."""
    batch: list[_PreparedDoc] = []
    empty = 0
    count = 0
    now = utcnow()
    for doc in documents:
        prepared = prepare_document(doc, guild_id=guild_id, actor=actor, now=now)
        if prepared is None:
            empty += 1
        else:
            batch.append(prepared)
            count += len(prepared.passages)
        if count >= batch_passages:
            break
    return batch, empty


def _insert_ignoring_conflicts(dialect: str):
    """INSERT ... ON CONFLICT (scope, origin) DO NOTHING: the database settles races."""
    table = Source.__table__
    stmt = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    return stmt.on_conflict_do_nothing(index_elements=[table.c.scope, table.c.origin])


async def _write_batch(app: Counterpoint, batch: list[_PreparedDoc], *, guild_id: int | None, actor: str, report: BulkReport) -> None:
    """One transaction: the new sources, their passages, their index changes, one audit row."""
    scope = scope_key(guild_id)
    visible = visible_scopes(guild_id)
    async with app.engine.begin() as conn:
        origins = list({d.origin for d in batch})
        present = set((await conn.execute(select(Source.origin).where(
            Source.scope == scope, Source.origin.in_(origins)))).scalars())
        hashes = list({d.content_hash for d in batch})
        known_hashes = set((await conn.execute(select(Source.content_hash).where(
            Source.scope.in_(visible), Source.content_hash.in_(hashes),
            Source.status == SourceStatus.active.value))).scalars())
        fresh: dict[str, _PreparedDoc] = {}
        for doc in batch:
            if doc.origin in present or doc.origin in fresh:
                report.existing += 1
            elif doc.content_hash in known_hashes:
                report.duplicates += 1
            else:
                known_hashes.add(doc.content_hash)
                fresh[doc.origin] = doc
        if not fresh:
            return
        stmt = _insert_ignoring_conflicts(conn.dialect.name).returning(Source.__table__.c.id, Source.__table__.c.origin)
        inserted = (await conn.execute(stmt, [d.source_row for d in fresh.values()])).all()
        report.existing += len(fresh) - len(inserted)  # another process won the race
        if not inserted:
            return
        passage_rows = []
        for source_id, origin in inserted:
            for row in fresh[origin].passages:
                passage_rows.append({**row, "source_id": source_id})
        if passage_rows:
            await conn.execute(insert(Passage.__table__), passage_rows)
        now = utcnow()
        ids = sorted(source_id for source_id, _ in inserted)
        await conn.execute(insert(IndexChange.__table__),
                           [{"source_id": sid, "op": "upsert", "created_at": now} for sid in ids])
        audit = audit_row(guild_id=guild_id, actor=actor, action="source.bulk", target=f"sources:{len(ids)}",
                          detail=f"{len(ids)} sources, {len(passage_rows)} passages (ids {ids[0]}-{ids[-1]})")
        await conn.execute(insert(AuditLog.__table__).values(**audit.model_dump(exclude={"id", "created_at"}), created_at=now))
    report.created += len(inserted)
    report.passages += len(passage_rows)
    report.source_ids.extend(ids)


async def _indexed_passages_before(app: Counterpoint) -> int:
    async with app.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(Passage))).scalar_one()


async def bulk_ingest(app: Counterpoint, documents: Iterable[BulkDocument], *, guild_id: int | None = None, actor: str = "bulk",
                      batch_size: int = DEFAULT_BATCH_PASSAGES, progress: Callable[[int], object] | None = None,
                      detect_stance: bool = False) -> BulkReport:
    """Store many pre-segmented documents as sources, then bring the search index up to date.

    `batch_size` counts passages per transaction; `progress(n)` is called with the number of
    passages handled after each batch (pass `tqdm(...).update`). If a batch fails, the batches
    before it stay committed and the error propagates: re-running the same input resumes, since
    stored origins are skipped. Their IndexChange rows are committed with them, so the next
    catch-up (any ingest, the follower, a restart) indexes them even if this call died."""
    if batch_size < 1:
        raise BadInput("batch_size must be at least 1.")
    started = time.perf_counter()
    report = BulkReport()
    before = await _indexed_passages_before(app)
    iterator = iter(documents)
    while True:
        batch, empty = await asyncio.to_thread(_next_batch, iterator, batch_size, guild_id=guild_id, actor=actor)
        report.empty += empty
        if not batch:
            break
        await _write_batch(app, batch, guild_id=guild_id, actor=actor, report=report)
        if progress is not None:
            progress(sum(len(d.passages) for d in batch))
    if report.created:
        await _update_index(app, report, before)
        if detect_stance:
            report.links = await _detect_stance(app, report.source_ids)
    report.seconds = time.perf_counter() - started
    log.info("bulk ingest: %d sources created, %d existing, %d duplicates, %d passages in %.1f s (%s)",
             report.created, report.existing, report.duplicates, report.passages, report.seconds, report.index_mode)
    return report


async def _update_index(app: Counterpoint, report: BulkReport, passages_before: int) -> None:
    """Rebuild when the batch is a large share of the corpus, otherwise catch up."""
    await refresh_planner_statistics(app.engine)
    started = time.perf_counter()
    if report.passages >= REBUILD_SHARE * (passages_before + report.passages):
        report.index_mode = "rebuild"
        await app.sync.rebuild(app.sessions)
    else:
        report.index_mode = "catch_up"
        await app.sync.catch_up(app.sessions)
    report.index_seconds = time.perf_counter() - started


async def _detect_stance(app: Counterpoint, source_ids: list[int]) -> int:
    """Opt-in: run the automatic stance detection per new source (one transaction each)."""
    from bot.stance.service import CandidateLimits, detect_links

    total = 0
    for source_id in source_ids:
        async with app.sessions() as session:
            stats = await detect_links(session, source_id, index=app.index,
                                         limits=CandidateLimits.from_settings(app.settings))
            await session.commit()
        total += getattr(stats, "total", 0) or 0
    return total

