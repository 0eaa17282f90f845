"""`python -m bot ingest DIR`: a folder of article files on the bulk path.

Ingesting file after file costs a transaction, an index commit and a round of small queries
per file (under 130 passages/s on a 10k-file archive). Here files are parsed in batches and
each batch is written with multi-row INSERTs in one transaction, the index is brought up to
date once per batch, and counter-evidence is detected per new source (bounded, see
`bot.stance.service`) in a second transaction that also writes the source's audit entry.

The result is what ingesting the files one by one, in order, would give: the same sources,
passages, claims and links. New sources look across sources only at those numbered below
them (`detect_links(as_new=True)`), as each file did when it was ingested alone. A file
already on file (by origin) goes through the one-by-one path (`store_parsed`: unchanged, or
updated in place). A duplicate of another source is reported, not stored.

Resumable: an interrupted run leaves whole batches. A source stored without its audit entry
(interrupted between the two transactions) gets its counter-evidence on the next run.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import insert
from sqlmodel import select

from bot.audit import audit_row, source_detail
from bot.db import chunked
from bot.errors import CounterpointError
from bot.ingest.parse import load_sidecar, parse_article
from bot.ingest.pipeline import _metadata, article_hash, canonical_url
from bot.ingest.types import ParsedArticle
from bot.models import AuditLog, Claim, IndexChange, Passage, Source, SourceStatus, scope_key, utcnow
from bot.planner import refresh_if_stale
from bot.scope import visible_scopes
from bot.results import IngestReport

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

BATCH_PASSAGES = 5_000
PARSER_FAILED = "The parser failed on this file (a bug, logged with details); the other files went on."


@dataclass
class FileOutcome:
    path: Path
    report: IngestReport | None = None
    error: str | None = None


@dataclass
class FolderReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.report is not None and o.report.status == status)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.error is not None)

    @property
    def passages(self) -> int:
        return sum(o.report.passages for o in self.outcomes if o.report is not None and o.report.status == "created")


@dataclass
class _Parsed:
    path: Path
    origin: str
    article: ParsedArticle


def _parse_batch(files: list[Path], start: int, max_bytes: int, origin_of) -> tuple[list, int]:
    """Parse files from `start` until the batch holds BATCH_PASSAGES passages (CPU, in a
    thread). Returns ([_Parsed | FileOutcome(error)], next index)."""
    from bot.services.sources import read_article_file

    out: list = []
    passages = 0
    index = start
    while index < len(files) and passages < BATCH_PASSAGES:
        path = files[index]
        index += 1
        try:
            raw = read_article_file(path, max_bytes)
            article = parse_article(raw, filename=path.name, sidecar=load_sidecar(path), overrides={})
        except CounterpointError as exc:
            out.append(FileOutcome(path, error=str(exc)))
            continue
        except Exception:  # a parser bug on one file must not stop the other 10,000
            log.exception("could not parse %s", path)
            out.append(FileOutcome(path, error=PARSER_FAILED))
            continue
        out.append(_Parsed(path, origin_of(path), article))
        passages += len(article.passages)
    return out, index


async def ingest_folder(app: Counterpoint, files: list[Path], *, actor: str = "cli", guild_id: int | None = None,
                        on_file: Callable[[FileOutcome], object] | None = None) -> FolderReport:
    """Ingest `files` in order; `on_file(outcome)` after each (a progress bar, a line)."""
    from bot.services.sources import file_origin

    report = FolderReport()
    position = 0
    while position < len(files):
        batch, position = await asyncio.to_thread(_parse_batch, files, position, app.settings.ingest_max_bytes,
                                                  lambda p: file_origin(app, p))
        for outcome in await _ingest_batch(app, batch, actor=actor, guild_id=guild_id):
            report.outcomes.append(outcome)
            if on_file is not None:
                on_file(outcome)
    return report


async def _ingest_batch(app: Counterpoint, batch: list, *, actor: str, guild_id: int | None) -> list[FileOutcome]:
    from bot.services.sources import store_parsed

    scope = scope_key(guild_id)
    parsed = [p for p in batch if isinstance(p, _Parsed)]
    async with app.sessions() as session:
        known: dict[str, int] = {}
        for chunk in chunked([p.origin for p in parsed]):
            rows = await session.exec(select(Source.origin, Source.id).where(Source.scope == scope,
                                                                             Source.origin.in_(chunk)))
            known.update(dict(rows.all()))
        done = await _audited(session, list(known.values()))
    # Stored by an interrupted run, counter-evidence not yet detected: finish them now.
    pending = {o: sid for o, sid in known.items() if sid not in done}
    stored, duplicates = await _write_new(app, [p for p in parsed if p.origin not in known],
                                          guild_id=guild_id, actor=actor)
    fresh = {**pending, **stored}
    if fresh:
        await app.sync.catch_up(app.sessions)
        # Before the candidates are loaded by id: stale statistics make that O(sources) a chunk.
        await refresh_if_stale(app.engine)
    titles = {p.origin: p.article.title for p in parsed}
    links = await _detect_new(app, fresh, titles, actor=actor, guild_id=guild_id)

    outcomes = []
    for item in batch:
        if isinstance(item, FileOutcome):
            outcomes.append(item)
        elif item.origin in fresh:
            sid = fresh[item.origin]
            outcomes.append(FileOutcome(item.path, IngestReport(
                source_id=sid, status="created", title=item.article.title, passages=len(item.article.passages),
                links=links.get(sid, 0))))
        elif item.origin in duplicates:
            sid, title = duplicates[item.origin]
            outcomes.append(FileOutcome(item.path, IngestReport(source_id=sid, status="duplicate", title=title)))
        else:  # on file already: the one-by-one path decides (unchanged, updated, removed)
            try:
                outcomes.append(FileOutcome(item.path, await store_parsed(app, item.article, origin=item.origin,
                                                                          guild_id=guild_id, actor=actor)))
            except CounterpointError as exc:
                outcomes.append(FileOutcome(item.path, error=str(exc)))
    return outcomes


async def _audited(session, source_ids: list[int]) -> set[int]:
    """Sources whose creation or update was recorded (their counter-evidence is done)."""
    done: set[int] = set()
    for chunk in chunked(source_ids):
        targets = [f"source:{sid}" for sid in chunk]
        rows = await session.exec(select(AuditLog.target).where(
            AuditLog.target.in_(targets), AuditLog.action.in_(["source.created", "source.updated"])))
        done.update(int(t.split(":", 1)[1]) for t in rows.all())
    return done


async def _write_new(app: Counterpoint, new: list[_Parsed], *, guild_id: int | None,
                     actor: str) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """One transaction: sources, passages, claims and index changes of the new files, in
    file order. Returns (origin -> source id) stored, (origin -> (id, title)) duplicates:
    the same text or canonical link already on file, or earlier in this batch."""
    if not new:
        return {}, {}
    scope = scope_key(guild_id)
    visible = visible_scopes(guild_id)
    now = utcnow()
    prepared = []
    for p in new:
        meta = _metadata(p.article)
        prepared.append((p, article_hash(p.article), canonical_url(meta["url"]), meta))
    async with app.engine.begin() as conn:
        by_hash: dict[str, tuple[int, str]] = {}
        by_url: dict[str, tuple[int, str]] = {}
        active = (Source.scope.in_(visible), Source.status == SourceStatus.active.value)
        for chunk in chunked([h for _, h, _, _ in prepared]):
            for sid, h, title in (await conn.execute(select(Source.id, Source.content_hash, Source.title)
                                                     .where(Source.content_hash.in_(chunk), *active))).all():
                by_hash.setdefault(h, (sid, title))
        for chunk in chunked([u for _, _, u, _ in prepared if u]):
            for sid, u, title in (await conn.execute(select(Source.id, Source.canonical_url, Source.title)
                                                     .where(Source.canonical_url.in_(chunk), *active))).all():
                by_url.setdefault(u, (sid, title))
        duplicates: dict[str, tuple[int, str] | str] = {}
        fresh: list[tuple[_Parsed, dict]] = []
        first_of: dict[str, str] = {}  # hash or url -> origin of the first new file with it
        for p, digest, curl, meta in prepared:
            earlier = by_hash.get(digest) or (by_url.get(curl) if curl else None)
            if earlier is not None:
                duplicates[p.origin] = earlier
                continue
            twin = first_of.get(digest) or (first_of.get(curl) if curl else None)
            if twin is not None:
                duplicates[p.origin] = twin  # resolved to the twin's id below
                continue
            first_of[digest] = p.origin
            if curl:
                first_of[curl] = p.origin
            fresh.append((p, {"guild_id": guild_id, "scope": scope, "origin": p.origin, "content_hash": digest,
                              "text": p.article.text, "canonical_url": curl, "added_by": actor, "added_at": now,
                              "updated_at": now, "status": SourceStatus.active.value, "removed_at": None,
                              "removed_by": None, **meta}))
        stored: dict[str, int] = {}
        if fresh:
            table = Source.__table__
            result = await conn.execute(insert(table).returning(table.c.id, table.c.origin,
                                                                sort_by_parameter_order=True),
                                        [row for _, row in fresh])
            stored = {origin: sid for sid, origin in result.all()}
            passage_rows, claims = [], {}
            for p, _ in fresh:
                sid = stored[p.origin]
                for seq, x in enumerate(p.article.passages):
                    passage_rows.append({"source_id": sid, "seq": seq, "text": x.text, "char_start": x.char_start,
                                         "char_end": x.char_end, "paragraph": x.paragraph, "kind": x.kind,
                                         "speaker": x.speaker, "prefix": x.prefix, "suffix": x.suffix})
                    if x.is_claim:
                        claims[(sid, seq)] = x.speaker
            if passage_rows:
                await conn.execute(insert(Passage.__table__), passage_rows)
            if claims:
                claim_rows = []
                for chunk in chunked(sorted(stored.values())):
                    for pid, sid, seq in (await conn.execute(select(Passage.id, Passage.source_id, Passage.seq)
                                                             .where(Passage.source_id.in_(chunk)))).all():
                        if (sid, seq) in claims:
                            claim_rows.append({"passage_id": pid, "speaker": claims[(sid, seq)]})
                await conn.execute(insert(Claim.__table__), claim_rows)
            await conn.execute(insert(IndexChange.__table__), [{"source_id": sid, "op": "upsert", "created_at": now}
                                                               for sid in sorted(stored.values())])
    titles = {p.origin: p.article.title for p in new}
    resolved = {o: (d if isinstance(d, tuple) else (stored[d], titles[d])) for o, d in duplicates.items()}
    return stored, resolved


async def _detect_new(app: Counterpoint, fresh: dict[str, int], titles: dict[str, str], *, actor: str,
                      guild_id: int | None) -> dict[int, int]:
    """Counter-evidence of newly stored sources (each seeing only sources numbered below it,
    as when ingested one by one), and each one's audit entry, in one transaction. Returns
    links per source. A source stored by an interrupted run has no links yet either: the
    transaction that would have written them was rolled back with its audit entries."""
    from bot.stance.service import CandidateLimits, detect_links_of_new_sources

    if not fresh:
        return {}
    async with app.sessions() as session:
        links = await detect_links_of_new_sources(session, list(fresh.values()), index=app.index,
                                                  limits=CandidateLimits.from_settings(app.settings))
        for origin, sid in sorted(fresh.items(), key=lambda item: item[1]):
            session.add(audit_row(guild_id=guild_id, actor=actor, action="source.created", target=f"source:{sid}",
                                  detail=source_detail(titles.get(origin, ""), origin)))
        await session.commit()
    return links
