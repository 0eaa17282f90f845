"""Lookups on the seed: the right quote, attributed, cited, with its counter-evidence."""
import pytest
from sqlmodel import select

from bot.models import QueryLog
from bot.services.lookup import autocomplete, lookup


async def test_iran_al_qaeda_9_11_finds_pompeos_claim_with_its_citation(app):
    answer = await lookup(app, "Iran al-Qaeda 9/11", guild_id=None)
    assert answer.results
    first = answer.results[0]
    assert first.speaker == "Mike Pompeo"
    assert ("traveled through Iran" in first.text) or ("Iran-al-Qaeda axis" in first.text)
    assert first.source.title.startswith("Pompeo Urges US to “Confront”")
    async with app.sessions() as session:
        from bot.models import Source

        source = await session.get(Source, first.source.id)
    for r in answer.results:
        assert source.text[r.location.char_start:r.location.char_end] == r.text


async def test_first_result_counter_evidence_holds_the_rebuttals_and_not_pompeo(app):
    first = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=None)).results[0]
    texts = [c.text for c in first.counter_evidence]
    assert any("rebuffed Iranian offers" in t for t in texts)
    assert any("no underlying intelligence" in t for t in texts)
    assert all(c.rationale.strip() for c in first.counter_evidence)
    pompeo_support = ("at least eight of the 9/11 hijackers", "passports stamped", "new home base",
                      "Unlike in Afghanistan")
    assert not any(s in t for s in pompeo_support for t in texts)
    # Only his own concession may carry his name: nothing else he said is "counter-evidence".
    assert all(c.speaker != "Mike Pompeo" or "conceded" in c.text for c in first.counter_evidence)


async def test_a_rebuttal_topic_shows_the_claim_it_rebuts_when_the_claim_holds_the_topic(app):
    # A claim sharing none of the topic's words is not shown (tests/test_lookup_ranking.py).
    first = (await lookup(app, "Iran al-Qaeda axis no underlying intelligence", guild_id=None)).results
    pompeo = next(r for r in first if r.speaker == "Mike Pompeo")
    assert any("no underlying intelligence" in c.text for c in pompeo.counter_evidence)


@pytest.mark.parametrize("topic", ["9/11 hijackers Iran", "September 11 hijackers Iran", "Sept. 11 hijackers Iran"])
async def test_9_11_spellings_find_the_same_quote(app, topic):
    first = (await lookup(app, topic, guild_id=None)).results[0]
    assert "at least eight of the 9/11 hijackers" in first.text


@pytest.mark.parametrize("topic", ["al Qaeda Iran axis", "al-Qaeda Iran axis", "Qaeda Iran axis"])
async def test_al_qaeda_spellings_agree(app, topic):
    ids = [r.passage_id for r in (await lookup(app, topic, guild_id=None)).results]
    reference = [r.passage_id for r in (await lookup(app, "al-Qaeda Iran axis", guild_id=None)).results]
    assert ids == reference and ids


@pytest.mark.parametrize("topic", [
    "", "   ", '"', "*", "title:Iran", "(Iran OR Qaeda) AND NEAR(axis)", "Iran\\", "NOT", "x" * 600,
    "\u200b\u0000Iran\u202e", "🙂🙂", "-Iran", "Iran*",
])
async def test_hostile_topics_never_raise(app, topic):
    answer = await lookup(app, topic, guild_id=None)
    assert isinstance(answer.results, list)
    assert len(answer.query) <= 500


async def test_no_match_is_empty_not_invented(app):
    answer = await lookup(app, "quantum chromodynamics gluon", guild_id=None)
    assert answer.results == []


async def test_each_lookup_is_logged_without_user_names(app):
    await lookup(app, "Iran al-Qaeda 9/11", guild_id=77)
    async with app.sessions() as session:
        row = (await session.exec(select(QueryLog))).one()
    assert row.guild_id == 77 and row.topic and row.result_ids


async def test_autocomplete_offers_titles_and_claims(app):
    choices = await autocomplete(app, "Pompeo", guild_id=1)
    assert 0 < len(choices) <= 25
    assert any(c.startswith("Pompeo Urges US") for c in choices)
    assert all(len(c) <= 100 for c in choices)


async def test_a_replayed_lookup_gives_the_same_results_as_the_original(app):
    """Buttons re-run a logged lookup after a restart: case-sensitive acronyms must survive."""
    from bot.services.replay import replay_lookup

    for topic in ("U.S. embassies Africa", "U.S.-Iranian relations", "Iran al-Qaeda 9/11"):
        answer = await lookup(app, topic, guild_id=4)
        again = await replay_lookup(app, answer.query_log_id, guild_id=4)
        assert [r.passage_id for r in again.results] == [r.passage_id for r in answer.results]
