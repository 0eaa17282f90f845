"""The one visibility rule (bot/scope.py): which sources and links a guild sees, on both backends."""
from sqlalchemy import bindparam, select

from bot.models import Link, LinkOrigin, Passage, Source, SourceStatus, Stance, scope_key
from bot.scope import (bound_visibility_params, bound_visible, join_link_ends, linkable_scopes, may_link,
                       source_columns, source_ref, source_ref_from_row, visible, visible_link, visible_scopes)

GUILD, OTHER = 111, 222


async def _library(session_factory) -> dict[str, int]:
    """A seed source, one of each guild's, and a removed one of GUILD's, one passage each."""
    ids = {}
    async with session_factory() as session:
        for name, guild, status in (("seed", None, "active"), ("mine", GUILD, "active"),
                                    ("theirs", OTHER, "active"), ("removed", GUILD, "removed")):
            source = Source(guild_id=guild, scope=scope_key(guild), origin=f"test:{name}", title=name,
                            outlet=f"{name} outlet", content_hash=name, text=f"{name} text", status=status)
            session.add(source)
            await session.flush()
            passage = Passage(source_id=source.id, seq=0, text=f"{name} text", char_start=0, char_end=len(name) + 5,
                              paragraph=1)
            session.add(passage)
            await session.flush()
            ids[name] = source.id
            ids[f"{name}_passage"] = passage.id
        await session.commit()
    return ids


async def _titles(session_factory, condition) -> set[str]:
    async with session_factory() as session:
        return set((await session.exec(select(Source.title).where(condition))).scalars().all())


async def test_a_guild_sees_the_seed_and_its_own_sources_not_another_guilds(session_factory):
    await _library(session_factory)
    assert await _titles(session_factory, visible(GUILD)) == {"seed", "mine"}
    assert await _titles(session_factory, visible(OTHER)) == {"seed", "theirs"}
    assert await _titles(session_factory, visible(None)) == {"seed"}  # a DM: the shared library only
    assert await _titles(session_factory, visible(GUILD, include_removed=True)) == {"seed", "mine", "removed"}


async def test_the_bound_form_of_the_rule_gives_the_same_sources(session_factory):
    await _library(session_factory)
    statement = select(Source.title).where(bound_visible())
    for guild in (GUILD, OTHER, None):
        async with session_factory() as session:
            bound = set((await session.exec(statement, params=bound_visibility_params(guild))).scalars().all())
        assert bound == await _titles(session_factory, visible(guild))


async def test_a_guild_sees_automatic_links_and_its_own_moderators_not_another_guilds(session_factory):
    ids = await _library(session_factory)
    async with session_factory() as session:
        for claim, evidence, guild in (("seed", "seed", None), ("seed", "mine", GUILD), ("seed", "theirs", OTHER),
                                       ("mine", "seed", OTHER), ("seed", "removed", GUILD)):
            session.add(Link(claim_passage_id=ids[f"{claim}_passage"], evidence_passage_id=ids[f"{evidence}_passage"],
                             stance=Stance.counters.value, guild_id=guild,
                             origin=LinkOrigin.auto.value if guild is None else LinkOrigin.moderator.value,
                             rationale=f"{claim}->{evidence}"))
        await session.commit()

    async def seen(guild):
        async with session_factory() as session:
            statement = join_link_ends(select(Link.rationale).select_from(Link)).where(visible_link(guild))
            return set((await session.exec(statement)).scalars().all())

    assert await seen(GUILD) == {"seed->seed", "seed->mine"}  # not OTHER's link, not into a removed source
    assert await seen(OTHER) == {"seed->seed", "seed->theirs"}  # OTHER's link on GUILD's claim: not visible
    assert await seen(None) == {"seed->seed"}


async def test_source_ref_is_the_same_from_a_stored_row_and_from_labelled_columns(session_factory):
    ids = await _library(session_factory)
    async with session_factory() as session:
        stored = await session.get(Source, ids["mine"])
        row = (await session.exec(select(Passage.id, *source_columns(), Passage.text)
                                  .join(Source, Source.id == Passage.source_id)
                                  .where(Passage.id == bindparam("pid")), params={"pid": ids["mine_passage"]})).one()
    assert source_ref_from_row(row) == source_ref(stored)
    assert source_ref(stored).outlet == "mine outlet" and source_ref(stored).guild_id == GUILD
    assert source_ref(stored).status == SourceStatus.active.value


def test_linking_follows_who_sees_both_sources():
    seed, mine, theirs = scope_key(None), scope_key(GUILD), scope_key(OTHER)
    assert may_link(seed, mine) and may_link(mine, mine) and may_link(theirs, seed)
    assert not may_link(mine, theirs)
    assert linkable_scopes(mine, [seed, mine, theirs]) == [seed, mine]
    assert linkable_scopes(seed, [seed, mine, theirs]) == [seed, mine, theirs]
    assert visible_scopes(GUILD) == [seed, mine] and visible_scopes(None) == [seed]
