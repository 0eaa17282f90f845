"""Moderator verdicts on claims: set (or edit), remove, and read them back for answers.

A verdict belongs to the server that gave it (the shared library's, given from the console
or CLI, has guild None): one server's fact checks are never shown in another. It may rate a
claim in a shared seed source (the rating is the server's own view, unlike a link, it changes
nothing the others see). Every change is audited in the same transaction. The counter-evidence
a verdict rests on is the claim's links (`/curate link`); the export cites them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import replace

from sqlalchemy import and_, bindparam, select as sa_select
from sqlmodel import select

from bot.errors import BadInput, NotFound
from bot.audit import audit_row
from bot.models import VERDICT_RATINGS, Claim, Passage, PassageDrift, Source, Verdict, scope_key, utcnow
from bot.results import DriftInfo, VerdictInfo
from bot.scope import visible
from bot.services._common import check_id

if TYPE_CHECKING:
    from bot.app import Counterpoint

MAX_NOTE = 1000
RATING_HELP = ", ".join(VERDICT_RATINGS)


def parse_rating(value: str | None) -> str:
    """One of the five ratings, whatever its case ("false" -> "False")."""
    wanted = " ".join((value or "").split()).lower()
    for rating in VERDICT_RATINGS:
        if rating.lower() == wanted:
            return rating
    raise BadInput(f"The rating must be one of {RATING_HELP}.")


def rating_value(rating: str) -> int:
    """1 (False) to 5 (Accurate): ClaimReview's ratingValue."""
    return VERDICT_RATINGS.index(rating) + 1


def info(row: Verdict) -> VerdictInfo:
    return VerdictInfo(claim_passage_id=row.claim_passage_id, rating=row.rating, note=row.note,
                       updated_at=row.updated_at, updated_by=row.updated_by)


async def _claim_passage(session, guild_id: int | None, passage_id: int) -> Passage:
    check_id(passage_id, "claim passage")
    row = (await session.exec(select(Passage, Claim.id).join(Source, Source.id == Passage.source_id)
                              .outerjoin(Claim, Claim.passage_id == Passage.id)
                              .where(Passage.id == passage_id, visible(guild_id)))).first()
    if row is None:
        raise NotFound(f"No claim passage #{passage_id} on file here.")
    passage, claim_id = row
    if claim_id is None:
        raise BadInput(f"Passage #{passage_id} is not a claim (a quote attributed to a speaker, or a headline): "
                       "a verdict rates a claim. `/source` lists a source's claims.")
    return passage


async def set_verdict(app: Counterpoint, *, guild_id: int | None, actor, claim_passage_id: int, rating: str,
                      note: str | None = None) -> tuple[VerdictInfo, bool]:
    """Record (or change) this owner's verdict on a claim. Returns (verdict, created)."""
    rating = parse_rating(rating)
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise BadInput(f"The note is too long (max {MAX_NOTE} characters).")
    scope = scope_key(guild_id)
    async with app.sessions() as session:
        await _claim_passage(session, guild_id, claim_passage_id)
        row = (await session.exec(select(Verdict).where(Verdict.scope == scope,
                                                        Verdict.claim_passage_id == claim_passage_id))).first()
        created = row is None
        before = None if created else f"{row.rating}: {row.note}"
        if created:
            row = Verdict(guild_id=guild_id, scope=scope, claim_passage_id=claim_passage_id, rating=rating,
                          note=note, created_by=str(actor), updated_by=str(actor))
        else:
            row.rating, row.note, row.updated_by, row.updated_at = rating, note, str(actor), utcnow()
        session.add(row)
        session.add(audit_row(guild_id=guild_id, actor=actor, action="verdict.set" if created else "verdict.edit",
                              target=f"passage:{claim_passage_id}",
                              detail=f"{rating}: {note}" + (f" (was {before})" if before else "")))
        await session.commit()
        await session.refresh(row)
        return info(row), created


async def remove_verdict(app: Counterpoint, *, guild_id: int | None, actor, claim_passage_id: int) -> VerdictInfo:
    check_id(claim_passage_id, "claim passage")
    async with app.sessions() as session:
        row = (await session.exec(select(Verdict).where(Verdict.scope == scope_key(guild_id),
                                                        Verdict.claim_passage_id == claim_passage_id))).first()
        if row is None:
            raise NotFound(f"No verdict on claim #{claim_passage_id} on this server.")
        removed = info(row)
        await session.delete(row)
        session.add(audit_row(guild_id=guild_id, actor=actor, action="verdict.remove",
                              target=f"passage:{claim_passage_id}", detail=f"{row.rating}: {row.note}"))
        await session.commit()
        return removed


async def get_verdict(app: Counterpoint, *, guild_id: int | None, claim_passage_id: int) -> VerdictInfo | None:
    async with app.sessions() as session:
        found = await verdicts_and_drift(session, [claim_passage_id], guild_id=guild_id)
    return found[0].get(claim_passage_id)


# Built once (Core, expanding parameters), like the other statements a lookup sends.
_VERDICTS_AND_DRIFT = (
    sa_select(Passage.id, Verdict.rating, Verdict.note, Verdict.updated_at, Verdict.updated_by,
              PassageDrift.status, PassageDrift.since, PassageDrift.checked_at, PassageDrift.current_text)
    .select_from(Passage)
    .outerjoin(Verdict, and_(Verdict.claim_passage_id == Passage.id, Verdict.scope == bindparam("scope")))
    .outerjoin(PassageDrift, PassageDrift.passage_id == Passage.id)
    .where(Passage.id.in_(bindparam("ids", expanding=True)))
)


async def verdicts_and_drift(session, passage_ids, *, guild_id: int | None
                             ) -> tuple[dict[int, VerdictInfo], dict[int, DriftInfo]]:
    """This owner's verdicts and the drift findings for these passages, in one statement
    (a lookup calls it for its results and their counter-evidence: primary-key lookups)."""
    ids = sorted(set(passage_ids))
    if not ids:
        return {}, {}
    rows = (await session.exec(_VERDICTS_AND_DRIFT, params={"ids": ids, "scope": scope_key(guild_id)})).all()
    verdicts: dict[int, VerdictInfo] = {}
    drift: dict[int, DriftInfo] = {}
    for pid, rating, note, updated_at, updated_by, status, since, checked_at, current in rows:
        if rating is not None:
            verdicts[pid] = VerdictInfo(pid, rating, note or "", updated_at, updated_by)
        if status is not None:
            drift[pid] = DriftInfo(status=status, since=since, checked_at=checked_at, current_text=current)
    return verdicts, drift


async def annotate_results(session, results: list, *, guild_id: int | None) -> list:
    """Results with their verdicts and drift marks filled in (one statement for all)."""
    if not results:
        return results
    ids = [r.passage_id for r in results] + [c.passage_id for r in results for c in r.counter_evidence]
    verdicts, drift = await verdicts_and_drift(session, ids, guild_id=guild_id)
    if not verdicts and not drift:
        return results
    return [replace(r, verdict=verdicts.get(r.passage_id), drift=drift.get(r.passage_id),
                    counter_evidence=[replace(c, drift=drift.get(c.passage_id)) for c in r.counter_evidence])
            for r in results]
