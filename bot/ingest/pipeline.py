"""Store a parsed article: one source with all its passages and claims, idempotently.

Runs inside the caller's transaction (the caller commits), so a source is written whole or
not at all. Re-ingesting unchanged content changes nothing; an edited article updates its
source in place and keeps the ids of passages it can re-anchor (exact text plus prefix and
suffix, then exact text alone), so votes and moderator links on unchanged quotes survive.
Every change appends an `IndexChange` row so each process's search index can follow.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import chunked
from bot.ingest.types import ParsedArticle, ParsedPassage
from bot.models import Claim, IndexChange, Passage, Source, SourceStatus, scope_key, utcnow
from bot.scope import visible

METADATA_FIELDS = ("title", "subtitle", "outlet", "author", "url", "published", "published_inferred")


@dataclass(frozen=True)
class StoreResult:
    source_id: int
    status: str  # created | updated | unchanged | duplicate | removed
    passages: int


def content_hash(text: str) -> str:
    """What the article says, whatever its format: the words of its body (headline, subtitle
    and captions left out: a .md file keeps its title in front matter, an HTML page in its
    metadata), case-folded, with quotes, dashes and markup-level punctuation ignored. The same
    article as .txt, .md or .html is then "already on file"; an edit to its words is not."""
    words = _FINGERPRINT_WORDS.findall(unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def article_hash(article: ParsedArticle) -> str:
    skip = {p.paragraph for p in article.passages if p.kind in ("headline", "subtitle", "caption")}
    paragraphs = article.text.split("\n\n")
    body = [p for number, p in enumerate(paragraphs, start=1) if number not in skip]
    return content_hash("\n\n".join(body) if body else article.text)


_FINGERPRINT_WORDS = re.compile(r"\w+")


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme/host, drop fragment, tracking parameters and a trailing slash."""
    if not url:
        return None
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(("utm_", "fbclid", "gclid"))]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


async def find_duplicate(session: AsyncSession, *, text_hash: str, url: str | None, guild_id: int | None,
                         exclude_origin: str | None = None) -> Source | None:
    """A visible active source with the same content or the same canonical URL."""
    conditions = [Source.content_hash == text_hash]
    if url:
        conditions.append(Source.canonical_url == url)
    stmt = select(Source).where(visible(guild_id), or_(*conditions))
    if exclude_origin is not None:
        stmt = stmt.where(Source.origin != exclude_origin)
    return (await session.exec(stmt.limit(1))).first()


# Column sizes (bot/models.py). Metadata from a page or a sidecar can be any length; a value
# that does not fit is cut with an ellipsis (a URL that does not fit is dropped: a cut link
# would be a wrong citation).
FIELD_LIMITS = {"title": 512, "subtitle": 1024, "outlet": 256, "author": 256}
MAX_URL = 2048


def _fit(value: str | None, limit: int) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1].rstrip() + "…"


def _metadata(article: ParsedArticle) -> dict:
    meta = {name: getattr(article, name) for name in METADATA_FIELDS}
    for name, limit in FIELD_LIMITS.items():
        meta[name] = _fit(meta[name], limit)
    if meta["url"] and len(meta["url"]) > MAX_URL:
        meta["url"] = None
    return meta


async def store_article(session: AsyncSession, article: ParsedArticle, *, origin: str,
                        guild_id: int | None, actor: str) -> StoreResult:
    scope = scope_key(guild_id)
    text_hash = article_hash(article)
    meta = _metadata(article)
    curl = canonical_url(meta["url"])
    existing = (await session.exec(select(Source).where(Source.scope == scope, Source.origin == origin))).first()

    if existing is None:
        duplicate = await find_duplicate(session, text_hash=text_hash, url=curl, guild_id=guild_id)
        if duplicate is not None:
            return StoreResult(duplicate.id, "duplicate", 0)
        source = Source(guild_id=guild_id, scope=scope, origin=origin, content_hash=text_hash,
                        text=article.text, canonical_url=curl, added_by=actor, **meta)
        session.add(source)
        await session.flush()
        await _insert_passages(session, source.id, article.passages)
        session.add(IndexChange(source_id=source.id, op="upsert"))
        await session.flush()
        return StoreResult(source.id, "created", len(article.passages))

    if existing.status == SourceStatus.removed.value:
        # A moderator removed it: re-ingesting does not silently change it (restore first).
        return StoreResult(existing.id, "removed", 0)
    same_meta = all(getattr(existing, k) == v for k, v in meta.items())
    if existing.text == article.text and same_meta:
        if existing.content_hash != text_hash:  # stored before hashes ignored format: refresh it
            existing.content_hash = text_hash
            session.add(existing)
            await session.flush()
        return StoreResult(existing.id, "unchanged", 0)
    for name, value in meta.items():
        setattr(existing, name, value)
    existing.canonical_url = curl
    existing.updated_at = utcnow()
    existing.content_hash = text_hash
    if existing.text != article.text:
        existing.text = article.text
        await _reanchor_passages(session, existing.id, article.passages)
    session.add(existing)
    session.add(IndexChange(source_id=existing.id, op="upsert"))
    await session.flush()
    return StoreResult(existing.id, "updated", len(article.passages))


def _passage_row(source_id: int, seq: int, p: ParsedPassage) -> Passage:
    return Passage(source_id=source_id, seq=seq, text=p.text, char_start=p.char_start, char_end=p.char_end,
                   paragraph=p.paragraph, kind=p.kind, speaker=p.speaker, prefix=p.prefix, suffix=p.suffix)


async def _insert_passages(session: AsyncSession, source_id: int, passages: list[ParsedPassage]) -> None:
    rows = [_passage_row(source_id, seq, p) for seq, p in enumerate(passages)]
    session.add_all(rows)
    await session.flush()
    session.add_all(Claim(passage_id=row.id, speaker=p.speaker) for row, p in zip(rows, passages) if p.is_claim)


async def _reanchor_passages(session: AsyncSession, source_id: int, passages: list[ParsedPassage]) -> None:
    """Keep the rows of passages that are still in the text (W3C TextQuoteSelector match)."""
    old = list((await session.exec(select(Passage).where(Passage.source_id == source_id))).all())
    by_anchor = {(p.text, p.prefix, p.suffix): p for p in old}
    by_text: dict[str, list[Passage]] = {}
    for p in old:
        by_text.setdefault(p.text, []).append(p)
    claims = {c.passage_id: c for c in (await session.exec(
        select(Claim).join(Passage, Claim.passage_id == Passage.id).where(Passage.source_id == source_id))).all()}

    kept: set[int] = set()
    pairs: list[tuple[Passage, ParsedPassage]] = []
    for seq, new in enumerate(passages):
        row = by_anchor.get((new.text, new.prefix, new.suffix))
        if row is None or row.id in kept:
            row = next((c for c in by_text.get(new.text, []) if c.id not in kept), None)
        if row is None:
            row = _passage_row(source_id, seq, new)
        else:
            kept.add(row.id)
            row.seq, row.char_start, row.char_end = seq, new.char_start, new.char_end
            row.paragraph, row.kind, row.speaker = new.paragraph, new.kind, new.speaker
            row.prefix, row.suffix = new.prefix, new.suffix
        session.add(row)
        pairs.append((row, new))
    stale = [p.id for p in old if p.id not in kept]
    if stale:
        # Quotes no longer in the text: their links and votes go with them (ON DELETE CASCADE).
        for chunk in chunked(stale):
            await session.exec(delete(Passage).where(Passage.id.in_(chunk)))
    await session.flush()
    for row, new in pairs:
        claim = claims.get(row.id)
        if new.is_claim and claim is None:
            session.add(Claim(passage_id=row.id, speaker=new.speaker))
        elif new.is_claim and claim is not None:
            claim.speaker = new.speaker
            session.add(claim)
        elif not new.is_claim and claim is not None:
            await session.delete(claim)


async def count_passages(session: AsyncSession, source_id: int) -> int:
    return (await session.exec(select(func.count()).select_from(Passage).where(Passage.source_id == source_id))).one()
