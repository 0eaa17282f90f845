"""Sources: ingest (file, upload, URL), show one, list them.

Ingestion is one transaction: the source, all its passages, claims, automatic stance links,
its index change and its audit entry are written together or not at all. The search index
is then brought up to date in the same call (and by any process following the change log).
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import select

from bot.errors import BadInput, DatabaseUnavailable, NotFound
from bot.audit import audit_row, source_detail
from bot.ingest.parse import load_sidecar, parse_article
from bot.ingest.pipeline import StoreResult, canonical_url, find_duplicate, store_article
from bot.models import Claim, Link, LinkStatus, Passage, Source, SourceCheck, Stance, as_utc, scope_key
from bot.retry import db_retry, log_failure, with_db_retry
from bot.results import ClaimSummary, IngestReport, LinkSummary, SourceCheckInfo, SourceDetail, SourcePage
from bot.scope import link_owner_visible, source_ref, visible
from bot.services._common import check_id
from bot.services.verdicts import verdicts_and_drift
from bot.stance.service import CandidateLimits, detect_links
from bot.validate import check_file_name, human_size, typed_date

if TYPE_CHECKING:
    from bot.app import Counterpoint

log = logging.getLogger(__name__)

# Parsing is pure CPU; past this size it runs in a thread so the event loop stays responsive.
THREAD_PARSE_CHARS = 20_000


def _clean_overrides(overrides: dict | None) -> dict:
    cleaned = {k: v for k, v in (overrides or {}).items() if v not in (None, "")}
    if "published" in cleaned:
        cleaned["published"] = typed_date(cleaned["published"])
    return cleaned


async def _parse(raw: str | bytes, filename: str, sidecar: dict | None, overrides: dict):
    if len(raw) > THREAD_PARSE_CHARS:
        return await asyncio.to_thread(parse_article, raw, filename=filename, sidecar=sidecar, overrides=overrides)
    return parse_article(raw, filename=filename, sidecar=sidecar, overrides=overrides)


INGEST_STAGES = ("reading the text", "storing passages", "finding counter-evidence", "updating the search index")


async def ingest_document(app: Counterpoint, raw: str | bytes, *, filename: str, guild_id: int | None, actor: str,
                          overrides: dict | None = None, origin: str | None = None,
                          sidecar: dict | None = None, fetched_from: str | None = None,
                          progress: Callable[[str], None] | None = None) -> IngestReport:
    """Parse and store one article; return what happened (created/updated/unchanged/duplicate).

    `fetched_from`: the URL the page really came from; metadata naming another site is dropped.
    `progress`: called with each of `INGEST_STAGES` as it starts (a big file takes a while and
    a terminal should say what it is doing); a retried transaction reports its stages again."""
    step = progress or (lambda stage: None)
    step(INGEST_STAGES[0])
    article = await _parse(raw, filename, sidecar, _clean_overrides(overrides))
    if fetched_from:
        article = _trust_only_fetched_site(article, fetched_from)
    origin = origin or await _upload_origin(app, filename, guild_id, article.title)
    return await store_parsed(app, article, origin=origin, guild_id=guild_id, actor=actor, progress=progress)


async def store_parsed(app: Counterpoint, article, *, origin: str, guild_id: int | None, actor: str,
                       progress: Callable[[str], None] | None = None) -> IngestReport:
    """Store one parsed article as the source `origin` (created/updated/unchanged/duplicate),
    its links and audit entry in one transaction, then bring the index up to date."""
    step = progress or (lambda stage: None)

    async def store_once() -> tuple[StoreResult, int]:
        async with app.sessions() as session:
            try:
                step(INGEST_STAGES[1])
                result = await store_article(session, article, origin=origin, guild_id=guild_id, actor=actor)
                links = 0
                if result.status in {"created", "updated"}:
                    step(INGEST_STAGES[2])
                    stats = await detect_links(session, result.source_id, index=app.index,
                                               limits=CandidateLimits.from_settings(app.settings))
                    links = stats.total
                    session.add(audit_row(guild_id=guild_id, actor=actor, action=f"source.{result.status}",
                                          target=f"source:{result.source_id}",
                                          detail=source_detail(article.title, origin)))
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            return result, links

    # One transaction, retried whole on a transient lock or lost connection. Idempotent: a
    # retry after a commit that did land finds the source "unchanged".
    result, links = await with_db_retry(store_once)
    if result.status != "duplicate":
        # Also after "unchanged": a retried commit may have landed before the index heard of it.
        step(INGEST_STAGES[3])
        # The source is stored: if the database drops now, the index follower catches up later.
        try:
            await with_db_retry(lambda: app.sync.catch_up(app.sessions))
        except DatabaseUnavailable as error:
            log_failure(log, "ingest %s: stored, index catch-up postponed", error, origin[:120])
    log.info("ingest %s: source %s %s (%d passages)", origin[:120], result.source_id, result.status, result.passages)
    title = article.title
    if result.status == "duplicate":
        async def existing_title() -> str:
            async with app.sessions() as session:
                return (await session.get(Source, result.source_id)).title

        title = await with_db_retry(existing_title)
    return IngestReport(source_id=result.source_id, status=result.status, title=title,
                        passages=result.passages, links=links)


def _host(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(url: str | None, other: str | None) -> bool:
    return bool(_host(url)) and _host(url) == _host(other)


def _trust_only_fetched_site(article, fetched_from: str):
    """A page may claim to be another site (its canonical link, og:url, a domain as site name).
    We cite what we fetched: a page cannot borrow another outlet's URL or name that way."""
    outlet = article.outlet
    if outlet and "." in outlet and " " not in outlet.strip() and not same_site(f"https://{outlet.strip()}", fetched_from):
        outlet = None
    url = article.url if same_site(article.url, fetched_from) else fetched_from
    return dataclasses.replace(article, outlet=outlet, url=url)


@db_retry
async def _upload_origin(app: Counterpoint, filename: str, guild_id: int | None, title: str) -> str:
    """Uploads are keyed by file name, so a corrected file updates its source in place; but a
    different article that happens to share a name ("article.txt") gets a source of its own."""
    origin = f"upload:{filename}"
    async with app.sessions() as session:
        existing = (await session.exec(select(Source.title).where(
            Source.scope == scope_key(guild_id), Source.origin == origin))).first()
    if existing is None or existing == title:
        return origin
    return f"{origin}#{hashlib.sha256(title.encode()).hexdigest()[:12]}"


async def ingest_file(app: Counterpoint, path: Path, *, guild_id: int | None, actor: str, overrides: dict | None = None,
                      progress: Callable[[str], None] | None = None) -> IngestReport:
    """Ingest a file from disk; a `<name>.meta.json` sidecar next to it supplies metadata.

    Judged like an upload: by its name first (a .pdf or .exe is refused unread), then by its
    bytes (`bot.validate.decode_text`, via the parser)."""
    path = Path(path)
    raw = await asyncio.to_thread(read_article_file, path, app.settings.ingest_max_bytes)
    return await ingest_document(app, raw, filename=path.name, guild_id=guild_id, actor=actor,
                                 overrides=overrides, origin=file_origin(app, path), sidecar=load_sidecar(path),
                                 progress=progress)


def read_article_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of an article file, judged by its name and size first (a .pdf or a file over
    the ingest limit is refused unread)."""
    check_file_name(path.name)
    size = path.stat().st_size
    if size > max_bytes:
        raise BadInput(f"The file is too large ({human_size(size)}); the ingest limit is {human_size(max_bytes)} "
                       f"(INGEST_MAX_BYTES).")
    return path.read_bytes()


def file_origin(app: Counterpoint, path: Path) -> str:
    """A file's stable identity: its path relative to the project (absolute elsewhere)."""
    try:
        rel = path.resolve().relative_to(Path(app.settings.seeds_dir).resolve().parent)
    except ValueError:
        rel = path.resolve()
    return f"file:{rel.as_posix()}"


async def ingest_url(app: Counterpoint, url: str, *, guild_id: int | None, actor: str, overrides: dict | None = None) -> IngestReport:
    """Fetch a page safely (no private addresses, size and time caps) and ingest it."""
    from bot.fetch import fetch_article  # imported here: aiohttp session set-up is only needed for URLs

    curl = canonical_url(url)

    async def known() -> Source | None:
        async with app.sessions() as session:
            return await find_duplicate(session, text_hash="-", url=curl, guild_id=guild_id)

    dup = await with_db_retry(known)
    if dup is not None:
        return IngestReport(source_id=dup.id, status="duplicate", title=dup.title)
    page = await fetch_article(url, allow_private=app.settings.allow_private_fetch)
    # A canonical link is cited only when it stays on the site we fetched.
    cited = page.canonical_url if same_site(page.canonical_url, page.final_url) else page.final_url
    merged = {"url": cited, **(overrides or {})}
    return await ingest_document(app, page.text, filename=page.filename, guild_id=guild_id, actor=actor,
                                 overrides=merged, origin=f"url:{canonical_url(page.final_url)}",
                                 fetched_from=cited)


@db_retry
async def get_source(app: Counterpoint, source_id: int, *, guild_id: int | None, include_removed: bool = False) -> SourceDetail:
    check_id(source_id, "source")
    async with app.sessions() as session:
        source = (await session.exec(select(Source).where(
            Source.id == source_id, visible(guild_id, include_removed=include_removed)))).first()
        if source is None:
            raise NotFound(f"No source #{source_id} on file here.")
        passages = (await session.exec(
            select(func.count()).select_from(Passage).where(Passage.source_id == source_id))).one()
        claim_rows = (await session.exec(
            select(Passage, Claim).join(Claim, Claim.passage_id == Passage.id)
            .where(Passage.source_id == source_id).order_by(Passage.seq))).all()
        claim_ids = [p.id for p, _ in claim_rows]
        links = []
        if claim_ids:
            # Only links this guild may see: active, evidence in a source visible here, and a
            # moderator's link only in the guild that made it.
            # The claims are joined on the source, not listed: a big source has more claims
            # than a statement may carry parameters.
            evidence_source = aliased(Source)
            claim_passage = aliased(Passage)
            links = (await session.exec(
                select(Link, Passage.text, Passage.speaker, Passage.source_id, Passage.paragraph)
                .join(claim_passage, claim_passage.id == Link.claim_passage_id)
                .join(Passage, Passage.id == Link.evidence_passage_id)
                .join(evidence_source, evidence_source.id == Passage.source_id)
                .where(claim_passage.source_id == source_id, Link.status == LinkStatus.active.value,
                       link_owner_visible(guild_id), visible(guild_id, source=evidence_source))
                .order_by(Link.claim_passage_id, Link.id))).all()
        counters: dict[int, int] = {}
        for link, *_ in links:
            if link.stance == Stance.counters.value:
                counters[link.claim_passage_id] = counters.get(link.claim_passage_id, 0) + 1
        verdicts, drift = await verdicts_and_drift(session, claim_ids, guild_id=guild_id)
        check = await session.get(SourceCheck, source_id)
        return SourceDetail(
            source=source_ref(source), passages=passages,
            claims=[ClaimSummary(passage_id=p.id, text=p.text, speaker=c.speaker or p.speaker,
                                 paragraph=p.paragraph, counters=counters.get(p.id, 0), verdict=verdicts.get(p.id),
                                 drift=drift.get(p.id)) for p, c in claim_rows],
            check=check_info(check), from_url=source.origin.startswith("url:"),
            links=[LinkSummary(link_id=l.id, claim_passage_id=l.claim_passage_id,
                               evidence_passage_id=l.evidence_passage_id, stance=l.stance, origin=l.origin,
                               status=l.status, confidence=l.confidence, rationale=l.rationale,
                               evidence_text=text, evidence_speaker=speaker, evidence_source_id=source_id,
                               evidence_paragraph=paragraph)
                   for l, text, speaker, source_id, paragraph in links],
            added_at=source.added_at, added_by=source.added_by,
        )


@db_retry
async def list_sources(app: Counterpoint, *, guild_id: int | None, page: int = 1, per_page: int = 10,
                       include_removed: bool = False) -> SourcePage:
    per_page = max(1, min(per_page, 25))
    async with app.sessions() as session:
        cond = visible(guild_id, include_removed=include_removed)
        total = (await session.exec(select(func.count()).select_from(Source).where(cond))).one()
        pages = max(1, math.ceil(total / per_page))
        page = max(1, min(page, pages))
        rows = (await session.exec(select(Source).where(cond).order_by(Source.id)
                                   .offset((page - 1) * per_page).limit(per_page))).all()
        return SourcePage(items=[source_ref(s) for s in rows], page=page, pages=pages, total=total)


def check_info(row: SourceCheck | None) -> SourceCheckInfo | None:
    if row is None:
        return None
    return SourceCheckInfo(status=row.status, verified_at=as_utc(row.verified_at), attempted_at=as_utc(row.attempted_at),
                           last_error=row.last_error, drifted_at=as_utc(row.drifted_at), intact=row.intact,
                           moved=row.moved, changed=row.changed, gone=row.gone)
