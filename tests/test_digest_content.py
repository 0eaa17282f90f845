"""What a guild's digest reports: the last 24 hours, only what the guild may see."""
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest_asyncio

from bot.digest.load import load_digest_content, most_asked, parse_result_ids, rotation_index
from bot.digest.service import build_digest
from bot.models import utcnow
from tests._digest_helpers import DbOnlyApp, add_link, add_query, add_source

UTC = timezone.utc
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
DAY = date(2026, 11, 25)
GUILD, OTHER = 10, 11


@pytest_asyncio.fixture
async def db(engine, database_url):
    app = DbOnlyApp(database_url)
    yield app
    await app.close()


def hours_ago(h: float) -> datetime:
    return NOW - timedelta(hours=h)


async def claim_and_rebuttal(db, *, added=hours_ago(48), guild_id=None, title="Speech"):  # noqa: B008 - a datetime is immutable
    claim = await add_source(db, title=title, added_at=added, guild_id=guild_id, url="https://e.org/speech",
                             passages=[("Iran is the new Afghanistan, the secretary said.", "Mike Pompeo")])
    rebuttal = await add_source(db, title=f"Fact check of {title}", added_at=added, guild_id=guild_id,
                                passages=[("There is no underlying intelligence supporting the claim.", None)])
    return claim.passage_ids[0], rebuttal.passage_ids[0]


async def test_new_sources_are_the_visible_ones_added_in_the_last_24_hours(db):
    await add_source(db, title="Seed story", added_at=hours_ago(2), passages=[
        ("Short.", None),
        ("A long enough body paragraph without any speaker at all.", None),
        ("Officials said the plan will go ahead next spring.", "Officials")])
    await add_source(db, title="Our guild's upload", added_at=hours_ago(23.9), guild_id=GUILD,
                     passages=[("The harbour wall is finished and it holds.", None)])
    await add_source(db, title="Too old", added_at=hours_ago(24.1), passages=[("Old news, nothing else.", None)])
    await add_source(db, title="Another guild's upload", added_at=hours_ago(1), guild_id=OTHER,
                     passages=[("Not for you.", None)])
    await add_source(db, title="Removed", added_at=hours_ago(1), guild_id=GUILD, status="removed",
                     passages=[("Withdrawn.", None)])
    content = await load_digest_content(db, guild_id=GUILD, local_date=DAY, now=NOW)
    assert [n.source.title for n in content.new_sources] == ["Seed story", "Our guild's upload"]
    assert content.new_sources_total == 2
    seed = content.new_sources[0]
    # The key quote is the attributed claim, with its exact place in the source.
    assert seed.key_quote.text == "Officials said the plan will go ahead next spring."
    assert seed.key_quote.speaker == "Officials" and seed.key_quote.location.paragraph == 3
    assert content.new_sources[1].key_quote.text == "The harbour wall is finished and it holds."


async def test_rebuttals_linked_in_the_window_that_the_guild_may_see(db):
    claim, counter = await claim_and_rebuttal(db)
    mine_claim, mine_counter = await claim_and_rebuttal(db, guild_id=GUILD, title="Guild speech")
    await add_link(db, claim, counter, created_at=hours_ago(3))  # auto link on seed material
    await add_link(db, mine_claim, mine_counter, created_at=hours_ago(5), guild_id=GUILD, origin="moderator")
    other_claim, other_counter = await claim_and_rebuttal(db, title="Other")
    await add_link(db, other_claim, other_counter, created_at=hours_ago(1), guild_id=OTHER, origin="moderator")
    await add_link(db, other_counter, other_claim, created_at=hours_ago(1), status="rejected")
    c2, e2 = await claim_and_rebuttal(db, title="Supports only")
    await add_link(db, c2, e2, created_at=hours_ago(1), stance="supports")
    c3, e3 = await claim_and_rebuttal(db, title="Old link")
    await add_link(db, c3, e3, created_at=hours_ago(30))
    content = await load_digest_content(db, guild_id=GUILD, local_date=DAY, now=NOW)
    assert content.counters_total == 2
    assert [(p.claim.source.title, p.counter.source.title, p.origin) for p in content.counters] == [
        ("Speech", "Fact check of Speech", "auto"), ("Guild speech", "Fact check of Guild speech", "moderator")]
    assert content.counters[0].claim.text == "Iran is the new Afghanistan, the secretary said."
    assert content.counters[0].claim.source.url == "https://e.org/speech"


async def test_most_asked_topics_are_this_guilds_in_the_window(db):
    for topic, n in (("iran", 4), ("9/11", 3), ("afghanistan", 2)):
        for _ in range(n):
            await add_query(db, guild_id=GUILD, topic=topic, created_at=hours_ago(2))
    for _ in range(5):
        await add_query(db, guild_id=OTHER, topic="other guild topic", created_at=hours_ago(2))
    for _ in range(3):
        await add_query(db, guild_id=GUILD, topic="yesterday", created_at=hours_ago(25))
    for _ in range(5):  # one member, however often, and private lookups do not make a topic public
        await add_query(db, guild_id=GUILD, topic="one member's", created_at=hours_ago(2), user_id=7)
        await add_query(db, guild_id=GUILD, topic="private", created_at=hours_ago(2), private=True)
    content = await load_digest_content(db, guild_id=GUILD, local_date=DAY, now=NOW)
    # Only topics at least three members asked publicly (afghanistan: two).
    assert [(t.topic, t.count) for t in content.topics] == [("iran", 4), ("9/11", 3)]
    assert not content.is_quiet


async def test_quote_of_the_day_is_the_most_asked_contested_claim(db):
    claim_a, counter_a = await claim_and_rebuttal(db, title="A")
    claim_b, counter_b = await claim_and_rebuttal(db, title="B")
    await add_link(db, claim_a, counter_a, created_at=hours_ago(72))
    await add_link(db, claim_b, counter_b, created_at=hours_ago(72))
    uncontested = await add_source(db, title="C", added_at=hours_ago(72), passages=[("Popular but unrebutted.", "X")])
    for ids in ([claim_b, claim_a], [claim_b], [uncontested.passage_ids[0]] * 5):
        await add_query(db, guild_id=GUILD, topic="q", created_at=hours_ago(1), result_ids=ids)
    await add_query(db, guild_id=OTHER, topic="q", created_at=hours_ago(1), result_ids=[claim_a] * 9)
    pick = (await load_digest_content(db, guild_id=GUILD, local_date=DAY, now=NOW)).quote_of_the_day
    assert pick.claim.passage_id == claim_b and pick.asked == 2
    assert [c.text for c in pick.counters] == ["There is no underlying intelligence supporting the claim."]
    assert pick.counters[0].source.title == "Fact check of B"


async def test_without_lookups_the_quote_of_the_day_rotates_by_date(db):
    claims = []
    for title in "ABC":
        claim, counter = await claim_and_rebuttal(db, title=title)
        await add_link(db, claim, counter, created_at=hours_ago(72))
        claims.append(claim)
    picks = []
    for offset in range(3):
        day = DAY + timedelta(days=offset)
        now = NOW + timedelta(days=offset)
        first = (await load_digest_content(db, guild_id=GUILD, local_date=day, now=now)).quote_of_the_day
        again = (await load_digest_content(db, guild_id=GUILD, local_date=day, now=now)).quote_of_the_day
        assert first.claim.passage_id == again.claim.passage_id and first.asked == 0  # stable all day
        picks.append(first.claim.passage_id)
    assert sorted(picks) == sorted(claims)  # three days, three different claims


async def test_no_contested_claims_means_no_quote_of_the_day(db):
    await add_source(db, title="Lonely", added_at=hours_ago(1), passages=[("Nobody disputes this sentence.", "Y")])
    content = await load_digest_content(db, guild_id=GUILD, local_date=DAY, now=NOW)
    assert content.quote_of_the_day is None and content.new_sources_total == 1


def test_selection_helpers_are_deterministic():
    assert most_asked(Counter({5: 2, 3: 2, 9: 7}), {3, 5}) == (3, 2)  # tie -> lower id; 9 is not contested
    assert most_asked(Counter({9: 7}), {3}) is None
    picks = [rotation_index(date(2026, 1, d), 3) for d in (1, 2, 3, 4)]
    assert sorted(picks[:3]) == [0, 1, 2] and picks[3] == picks[0]  # each in turn, then again
    assert parse_result_ids("4,x,,17, 2") == [4, 17, 2]


async def test_the_seed_article_digest_quotes_it_verbatim(app, seed_text):
    """End to end on real ingested data: the seed shows up as a new source with a real quote."""
    _, messages = await build_digest(app, guild_id=GUILD, now=utcnow() + timedelta(minutes=1))
    content = await load_digest_content(app, guild_id=GUILD, local_date=DAY, now=utcnow() + timedelta(minutes=1))
    [seed] = content.new_sources
    assert "Pompeo" in seed.source.title
    assert seed.key_quote.text in seed_text  # verbatim
    embeds = [e for m in messages for e in m.embeds]
    assert any(seed.source.title.split("“")[0].strip() in (e.description or "") for e in embeds)
