"""Who sees what: the one guild-visibility rule, and the aliased joins that apply it to links.

- A guild sees the seed (global) sources and its own, never another guild's; a DM (no guild)
  sees only the seed sources. Removed sources are hidden unless a caller asks for them.
- A guild sees a stance link when it is automatic (no guild) or made by its own moderators,
  and both ends sit in sources it sees.

Every query that shows a source or a link to someone builds its condition here, so the rule
cannot drift between lookup, check, digest, export and the source pages. `SourceRef` is built
here too, from an ORM row or from labelled columns (`source_columns` / `source_ref_from_row`),
so a query that selects plain rows for speed does not unpack a long positional tuple.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, bindparam, or_
from sqlalchemy.orm import aliased

from bot.models import Link, Passage, Source, SourceStatus, scope_key
from bot.results import SourceRef

SEED_SCOPE = scope_key(None)

# The two ends of a link, for statements that join both (digest, export, counter-evidence).
ClaimPassage = aliased(Passage, name="claim_passage")
ClaimSource = aliased(Source, name="claim_source")
EvidencePassage = aliased(Passage, name="evidence_passage")
EvidenceSource = aliased(Source, name="evidence_source")


def visible_scopes(guild_id: int | None) -> list[str]:
    """The source scopes `guild_id` sees: the seed scope, and its own when it is a guild."""
    return [SEED_SCOPE] if guild_id is None else [SEED_SCOPE, scope_key(guild_id)]


def may_link(scope_a: str, scope_b: str) -> bool:
    """Two sources may be linked when someone sees both: same owner, or one of them a seed."""
    return scope_a == scope_b or SEED_SCOPE in (scope_a, scope_b)


def linkable_scopes(scope: str, all_scopes: list[str]) -> list[str]:
    """The scopes a source in `scope` may be linked with (`may_link`): all of them for a seed
    source, else the seed scope and its own."""
    return list(all_scopes) if scope == SEED_SCOPE else [SEED_SCOPE, scope]


def visible(guild_id: int | None, *, include_removed: bool = False, source=Source) -> ColumnElement[bool]:
    """SQL condition: `source` (the table or an alias of it) is visible to `guild_id`, and
    active unless `include_removed`."""
    cond = source.scope.in_(visible_scopes(guild_id))
    if include_removed:
        return cond
    return cond & (source.status == SourceStatus.active.value)


def link_owner_visible(guild_id: int | None) -> ColumnElement[bool]:
    """SQL condition on `Link` alone: automatic, or made by this guild's moderators."""
    if guild_id is None:
        return Link.guild_id.is_(None)
    return or_(Link.guild_id.is_(None), Link.guild_id == guild_id)


def visible_link(guild_id: int | None, *, claim_source=ClaimSource,
                 evidence_source=EvidenceSource) -> ColumnElement[bool]:
    """SQL condition: the link's owner is visible and both its ends sit in active sources
    `guild_id` sees. Pass the aliases the statement joined (`join_link_ends` by default)."""
    return (link_owner_visible(guild_id) & visible(guild_id, source=claim_source)
            & visible(guild_id, source=evidence_source))


# The same rules with bound parameters, for hot statements built once (a lookup must stay a
# few ms: building statements per call cost more than the database did). Fill the parameters
# with `bound_visibility_params(guild_id)`.

def bound_visible(source=Source) -> ColumnElement[bool]:
    """`visible(guild_id, source=source)` with bound parameters."""
    return (source.scope.in_(bindparam("visible_scopes", expanding=True))
            & (source.status == SourceStatus.active.value))


def bound_visible_link(claim_source=ClaimSource, evidence_source=EvidenceSource) -> ColumnElement[bool]:
    """`visible_link(guild_id, ...)` with bound parameters."""
    return (or_(Link.guild_id.is_(None), Link.guild_id.in_(bindparam("link_guilds", expanding=True)))
            & bound_visible(claim_source) & bound_visible(evidence_source))


def bound_visibility_params(guild_id: int | None) -> dict:
    """The parameters `bound_visible_link` needs for `guild_id`."""
    return {"link_guilds": [] if guild_id is None else [guild_id], "visible_scopes": visible_scopes(guild_id)}


def join_link_ends(statement):
    """Join a statement over `Link` to both its passages and sources (the module's aliases)."""
    return (statement
            .join(ClaimPassage, ClaimPassage.id == Link.claim_passage_id)
            .join(ClaimSource, ClaimSource.id == ClaimPassage.source_id)
            .join(EvidencePassage, EvidencePassage.id == Link.evidence_passage_id)
            .join(EvidenceSource, EvidenceSource.id == EvidencePassage.source_id))


# --- SourceRef ---------------------------------------------------------------------------

_REF_FIELDS = ("id", "title", "outlet", "author", "url", "published", "published_inferred", "subtitle",
               "guild_id", "status")


def source_ref(source: Source) -> SourceRef:
    """The citation values of a stored source."""
    return SourceRef(**{name: getattr(source, name) for name in _REF_FIELDS})


def source_columns(source=Source, prefix: str = "source_") -> list:
    """The columns a `SourceRef` needs, labelled `<prefix><field>`, for a Core select list."""
    return [getattr(source, name).label(prefix + name) for name in _REF_FIELDS]


def source_ref_from_row(row, prefix: str = "source_") -> SourceRef:
    """A `SourceRef` from a row selected with `source_columns(..., prefix)`."""
    values = row._mapping
    return SourceRef(**{name: values[prefix + name] for name in _REF_FIELDS})
