"""Moderator operations. Every change writes an audit row in the same transaction.

Server-side rules, whatever the client showed: the caller must be a moderator (checked by the
front end with `is_moderator`, and the guild is always passed explicitly); a moderator acts
on their own guild's data only. Seed sources are shared by every guild, so no single guild's
moderators may edit, remove or re-link them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING



from sqlalchemy import func
from sqlmodel import select

from bot.errors import BadInput, NotAllowed, NotFound
from bot.audit import audit_row
from bot.models import (TITLE_MAX, OUTLET_MAX, AUTHOR_MAX, URL_MAX, Alias, AuditLog, Claim, GuildSettings,
                        IndexChange, Link, LinkOrigin, LinkStatus, Passage, Source, SourceStatus, Stance, scope_key,
                        utcnow)
from bot.results import AuditEntry, SourceRef
from bot.search.normalize import normalize_topic
from bot.scope import source_ref, visible, visible_scopes
from bot.services._common import check_id
from bot.stance.service import CandidateLimits, detect_links
from bot.retry import db_retry
from bot.validate import typed_date

if TYPE_CHECKING:
    from bot.app import Counterpoint

EDITABLE_FIELDS = ("title", "outlet", "author", "published", "url")
MAX_FIELD = {"title": TITLE_MAX, "outlet": OUTLET_MAX, "author": AUTHOR_MAX, "url": URL_MAX}


def _audit(session, *, guild_id, actor, action, target, detail="") -> None:
    session.add(audit_row(guild_id=guild_id, actor=actor, action=action, target=target, detail=detail))


@db_retry
async def is_moderator(app: Counterpoint, *, guild_id: int | None, has_manage_guild: bool, role_ids=()) -> bool:
    """Manage Server permission, or the moderator role this guild set with `/curate role`."""
    if guild_id is None:
        return False
    if has_manage_guild:
        return True
    async with app.sessions() as session:
        settings = await session.get(GuildSettings, guild_id)
    return bool(settings and settings.moderator_role_id and settings.moderator_role_id in set(role_ids))


@db_retry
async def set_moderator_role(app: Counterpoint, *, guild_id: int, role_id: int | None, actor) -> None:
    async with app.sessions() as session:
        settings = await session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
        settings.moderator_role_id = role_id
        settings.updated_at = utcnow()
        session.add(settings)
        _audit(session, guild_id=guild_id, actor=actor, action="role.set", target=f"role:{role_id or 'none'}")
        await session.commit()


async def owned_source(session, source_id: int, guild_id: int | None) -> Source:
    """The source, if this guild's moderators may change it (the shared library: guild None)."""
    return await _owned_source(session, source_id, guild_id)


async def _owned_source(session, source_id: int, guild_id: int) -> Source:
    check_id(source_id, "source")
    source = await session.get(Source, source_id)
    if source is None or source.scope not in visible_scopes(guild_id):
        raise NotFound(f"No source #{source_id} on file here.")
    if source.scope != scope_key(guild_id):
        raise NotAllowed(f"Source #{source_id} is a shared seed source: moderators can change only their own server's sources.")
    return source


@db_retry
async def edit_source(app: Counterpoint, source_id: int, *, guild_id: int, actor, **changes) -> SourceRef:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise BadInput(f"Cannot edit {', '.join(sorted(unknown))}.")
    changes = {k: v for k, v in changes.items() if v not in (None, "")}
    if not changes:
        raise BadInput("Nothing to change: give at least one of title, outlet, author, date, url.")
    for name, value in changes.items():
        if name in MAX_FIELD and len(str(value)) > MAX_FIELD[name]:
            raise BadInput(f"{name} is too long (max {MAX_FIELD[name]} characters).")
    if "published" in changes:
        changes["published"] = typed_date(changes["published"])
    async with app.sessions() as session:
        source = await _owned_source(session, source_id, guild_id)
        for name, value in changes.items():
            setattr(source, name, value)
        if "published" in changes:
            source.published_inferred = False
        source.updated_at = utcnow()
        session.add(source)
        _audit(session, guild_id=guild_id, actor=actor, action="source.edit", target=f"source:{source_id}",
               detail=", ".join(f"{k}={v}" for k, v in changes.items()))
        await session.commit()
        return source_ref(source)


@db_retry
async def _set_status(app: Counterpoint, source_id: int, *, guild_id: int, actor, status: str) -> SourceRef:
    async with app.sessions() as session:
        source = await _owned_source(session, source_id, guild_id)
        if source.status == status:
            word = "removed" if status == SourceStatus.removed.value else "active"
            raise BadInput(f"Source #{source_id} is already {word}.")
        source.status = status
        source.updated_at = utcnow()
        if status == SourceStatus.removed.value:
            source.removed_at, source.removed_by = utcnow(), str(actor)
        else:
            source.removed_at, source.removed_by = None, None
        session.add(source)
        session.add(IndexChange(source_id=source_id, op="delete" if status == SourceStatus.removed.value else "upsert"))
        if status == SourceStatus.active.value:
            # Cross-source links to a removed source were dropped while it was away: re-check.
            await session.flush()
            await detect_links(session, source_id, index=app.index,
                                         limits=CandidateLimits.from_settings(app.settings))
        _audit(session, guild_id=guild_id, actor=actor,
               action="source.remove" if status == SourceStatus.removed.value else "source.restore",
               target=f"source:{source_id}", detail=source.title[:200])
        await session.commit()
        ref = source_ref(source)
    await app.sync.catch_up(app.sessions)
    return ref


async def remove_source(app: Counterpoint, source_id: int, *, guild_id: int, actor) -> SourceRef:
    """Soft delete: hidden from lookups and the index, kept in the database for `restore`."""
    return await _set_status(app, source_id, guild_id=guild_id, actor=actor, status=SourceStatus.removed.value)


async def restore_source(app: Counterpoint, source_id: int, *, guild_id: int, actor) -> SourceRef:
    return await _set_status(app, source_id, guild_id=guild_id, actor=actor, status=SourceStatus.active.value)


async def _linkable_passages(session, guild_id: int, claim_id: int, evidence_id: int) -> tuple[Passage, Passage]:
    check_id(claim_id, "claim passage")
    check_id(evidence_id, "evidence passage")
    rows = (await session.exec(select(Passage, Source).join(Source, Source.id == Passage.source_id)
                               .where(Passage.id.in_([claim_id, evidence_id]), visible(guild_id)))).all()
    found = {p.id: (p, s) for p, s in rows}
    for pid, role in ((claim_id, "claim"), (evidence_id, "evidence")):
        if pid not in found:
            raise NotFound(f"No {role} passage #{pid} on file here.")
    if claim_id == evidence_id:
        raise BadInput("A passage cannot be evidence about itself.")
    if not any(s.scope == scope_key(guild_id) for _, s in found.values()):
        raise NotAllowed("Both passages are in shared seed sources: link them to a source your server added.")
    return found[claim_id][0], found[evidence_id][0]


@db_retry
async def link(app: Counterpoint, *, guild_id: int, actor, claim_passage_id: int, evidence_passage_id: int, stance: str,
               rationale: str | None = None) -> int:
    """Create or confirm a moderator link; it outranks any automatic one."""
    if stance not in {s.value for s in Stance}:
        raise BadInput("Stance must be one of counters, supports, context.")
    async with app.sessions() as session:
        claim, evidence = await _linkable_passages(session, guild_id, claim_passage_id, evidence_passage_id)
        if (await session.exec(select(Claim).where(Claim.passage_id == claim.id))).first() is None:
            session.add(Claim(passage_id=claim.id, speaker=claim.speaker))
        row = (await session.exec(select(Link).where(Link.claim_passage_id == claim.id,
                                                     Link.evidence_passage_id == evidence.id))).first()
        row = row or Link(claim_passage_id=claim.id, evidence_passage_id=evidence.id)
        row.stance, row.origin, row.status = stance, LinkOrigin.moderator.value, LinkStatus.active.value
        row.confidence, row.created_by, row.guild_id, row.updated_at = 1.0, str(actor), guild_id, utcnow()
        row.rationale = (rationale or "").strip()[:300] or "Linked by a moderator"
        session.add(row)
        await session.flush()
        _audit(session, guild_id=guild_id, actor=actor, action="link.set", target=f"link:{row.id}",
               detail=f"#{claim.id} {stance} <- #{evidence.id}")
        await session.commit()
        return row.id


@db_retry
async def unlink(app: Counterpoint, *, guild_id: int, actor, claim_passage_id: int, evidence_passage_id: int) -> str:
    """Remove a moderator link, or reject an automatic one (it stays rejected on re-ingestion)."""
    async with app.sessions() as session:
        await _linkable_passages(session, guild_id, claim_passage_id, evidence_passage_id)
        row = (await session.exec(select(Link).where(Link.claim_passage_id == claim_passage_id,
                                                     Link.evidence_passage_id == evidence_passage_id))).first()
        if row is None or row.status == LinkStatus.rejected.value:
            raise NotFound(f"No link between #{claim_passage_id} and #{evidence_passage_id}.")
        if row.origin == LinkOrigin.moderator.value:
            await session.delete(row)
            outcome = "removed"
        else:
            row.status, row.updated_at, row.created_by = LinkStatus.rejected.value, utcnow(), str(actor)
            session.add(row)
            outcome = "rejected"
        _audit(session, guild_id=guild_id, actor=actor, action=f"link.{outcome}",
               target=f"link:{row.id}", detail=f"#{claim_passage_id} <- #{evidence_passage_id}")
        await session.commit()
        return outcome


@db_retry
async def set_alias(app: Counterpoint, *, guild_id: int, actor, term: str, canonical: str) -> None:
    term, canonical = " ".join((term or "").split()), " ".join((canonical or "").split())
    if not normalize_topic(term) or not normalize_topic(canonical):
        raise BadInput("Both the term and what it stands for need at least one word.")
    if len(term) > 100 or len(canonical) > 200:
        raise BadInput("Alias too long: term up to 100 characters, canonical up to 200.")
    async with app.sessions() as session:
        scope = scope_key(guild_id)
        # Kept as typed: "US" (the country) and "us" (a stopword) normalise differently. One
        # alias per spelling regardless of case, so editing "us" updates "US".
        row = (await session.exec(select(Alias).where(Alias.scope == scope,
                                                      func.lower(Alias.term) == term.lower()))).first()
        row = row or Alias(guild_id=guild_id, scope=scope, term=term, canonical=canonical)
        row.term, row.canonical, row.created_by = term, canonical, str(actor)
        session.add(row)
        _audit(session, guild_id=guild_id, actor=actor, action="alias.set", target=f"alias:{term[:100]}",
               detail=canonical)
        await session.commit()
    app.aliases.invalidate()


@db_retry
async def remove_alias(app: Counterpoint, *, guild_id: int, actor, term: str) -> None:
    async with app.sessions() as session:
        row = (await session.exec(select(Alias).where(Alias.scope == scope_key(guild_id),
                                                      func.lower(Alias.term) == " ".join(term.split()).lower()))).first()
        if row is None:
            raise NotFound(f"No alias `{term[:100]}` on this server.")
        await session.delete(row)
        _audit(session, guild_id=guild_id, actor=actor, action="alias.remove", target=f"alias:{row.term}")
        await session.commit()
    app.aliases.invalidate()


@db_retry
async def audit_entries(app: Counterpoint, *, guild_id: int, limit: int = 10) -> list[AuditEntry]:
    limit = max(1, min(limit, 25))
    async with app.sessions() as session:
        rows = (await session.exec(select(AuditLog).where(AuditLog.guild_id == guild_id)
                                   .order_by(AuditLog.id.desc()).limit(limit))).all()
    return [AuditEntry(actor_id=r.actor_id, action=r.action, target=r.target, detail=r.detail,
                       created_at=r.created_at) for r in rows]
