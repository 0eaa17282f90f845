"""SearchIndex: BM25 ranking, scope isolation, deletes, persistence and the folder lock."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bot.search.index import Hit, IndexDoc, IndexLocked, SearchIndex
from bot.search.normalize import query_tokens
from tests.test_search_normalize import HOSTILE

GUILD_A, GUILD_B = "111", "222"


@pytest.fixture
def index():
    idx = SearchIndex(None)
    yield idx
    idx.close()


def _ids(hits: list[Hit]) -> list[int]:
    return [h.passage_id for h in hits]


def _search(index: SearchIndex, topic: str, scopes=("global",), limit=5) -> list[Hit]:
    return index.search(query_tokens(topic), list(scopes), limit)


def test_found_through_any_spelling_with_its_ids(index):
    index.add([
        IndexDoc(1, 10, "global", "Pompeo accused Iran of ties to al-Qaeda and the 9/11 attacks."),
        IndexDoc(2, 10, "global", "The weather in Washington was cold on Tuesday."),
    ])
    index.commit()
    for topic in ("Al Qaida September 11th", "alQaeda", "sept. 11 attack"):
        hits = _search(index, topic)
        assert _ids(hits) == [1]
        assert hits[0].source_id == 10 and hits[0].score > 0


def test_rare_words_outrank_common_ones(index):
    filler = [IndexDoc(100 + i, 20, "global", f"The government said on day {i} that the report was released.")
              for i in range(40)]
    index.add(filler + [
        IndexDoc(1, 21, "global", "The government report was released."),
        IndexDoc(2, 22, "global", "Hijackers travelled through Iran."),
    ])
    index.commit()
    hits = _search(index, "government report hijackers Iran", limit=3)
    assert hits[0].passage_id == 2
    assert hits[0].score > hits[1].score


def test_more_matching_words_rank_higher(index):
    index.add([
        IndexDoc(1, 1, "global", "Iran was mentioned."),
        IndexDoc(2, 1, "global", "Iran and al-Qaeda were mentioned after 9/11."),
        IndexDoc(3, 1, "global", "Nothing relevant here at all."),
    ])
    index.commit()
    assert _ids(_search(index, "Iran al-Qaeda 9/11")) == [2, 1]


def test_scope_isolation_between_guilds_and_global(index):
    index.add([
        IndexDoc(1, 1, "global", "Sanctions on Iran were discussed."),
        IndexDoc(2, 2, GUILD_A, "Guild A notes on Iran sanctions."),
        IndexDoc(3, 3, GUILD_B, "Guild B notes on Iran sanctions."),
    ])
    index.commit()
    assert sorted(_ids(_search(index, "Iran sanctions", ["global", GUILD_A]))) == [1, 2]
    assert sorted(_ids(_search(index, "Iran sanctions", ["global", GUILD_B]))) == [1, 3]
    assert _ids(_search(index, "Iran sanctions", ["global"])) == [1]
    assert _search(index, "Iran sanctions", ["333"]) == []
    assert _search(index, "Iran sanctions", []) == []


def test_scope_isolation_with_many_guilds(index):
    # More guilds than the exclusion path handles: the intersection path must isolate too.
    index.add([IndexDoc(1000 + g, 1000 + g, str(g), f"Guild {g} notes on Iran sanctions.") for g in range(100)]
              + [IndexDoc(1, 1, "global", "Sanctions on Iran were discussed.")])
    index.commit()
    assert sorted(_ids(_search(index, "Iran sanctions", ["global", "7"], limit=10))) == [1, 1007]
    assert _ids(_search(index, "Iran sanctions", ["55"], limit=10)) == [1055]
    assert _ids(_search(index, "Iran sanctions", ["global"], limit=10)) == [1]


def test_scope_does_not_change_scores(index):
    # Same text in two scopes of very different sizes: the scope filter must not add score.
    index.add([IndexDoc(1, 1, "global", "Oil prices rose."), IndexDoc(2, 2, GUILD_A, "Oil prices rose.")]
              + [IndexDoc(10 + i, 3, "global", f"Unrelated filler sentence {i}.") for i in range(20)])
    index.commit()
    hits = _search(index, "oil prices", ["global", GUILD_A])
    assert len(hits) == 2 and hits[0].score == pytest.approx(hits[1].score)
    # Same on the intersection path (many other guilds present).
    index.add([IndexDoc(100 + g, 100 + g, str(1000 + g), "Filler text.") for g in range(80)])
    index.commit()
    hits = _search(index, "oil prices", ["global", GUILD_A])
    assert len(hits) == 2 and hits[0].score == pytest.approx(hits[1].score)


def test_delete_source_removes_only_its_passages(index):
    index.add([IndexDoc(1, 7, "global", "Iran deal collapsed."), IndexDoc(2, 7, "global", "Iran talks resumed."),
               IndexDoc(3, 8, "global", "Iran elections were held.")])
    index.commit()
    index.delete_source(7)
    assert len(_search(index, "Iran")) == 3, "a staged delete is invisible until commit"
    index.commit()
    assert _ids(_search(index, "Iran")) == [3]
    assert index.doc_count() == 1


def test_clear_is_staged_then_empties(index):
    index.add([IndexDoc(1, 1, "global", "Iran deal collapsed.")])
    index.commit()
    index.clear()
    assert index.doc_count() == 1
    index.commit()
    assert index.doc_count() == 0 and _search(index, "Iran") == []


def test_empty_query_or_limit_finds_nothing(index):
    index.add([IndexDoc(1, 1, "global", "Iran deal collapsed.")])
    index.commit()
    assert index.search([], ["global"]) == []
    assert index.search(["iran"], ["global"], limit=0) == []
    assert _search(index, "the of and") == []


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_topics_never_raise(index, text):
    index.add([IndexDoc(1, 1, "global", text), IndexDoc(2, 1, "global", "title foo near quoted words")])
    index.commit()
    hits = _search(index, text)
    assert isinstance(hits, list) and all(isinstance(h, Hit) for h in hits)
    # Raw tokens that look like syntax are plain terms too.
    assert isinstance(index.search([text or "x", "*", "title:foo", "("], ["global", '"'], 5), list)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_search_never_raises_on_any_text(text):
    index = SearchIndex(None)
    try:
        index.add([IndexDoc(1, 1, "global", text)])
        index.commit()
        hits = index.search(query_tokens(text), ["global"], 5)
        assert _ids(hits) == ([1] if query_tokens(text) else [])
    finally:
        index.close()


def test_folder_index_persists_and_refuses_a_second_writer(tmp_path):
    folder = tmp_path / "index"
    first = SearchIndex(folder)
    first.add([IndexDoc(5, 9, "global", "Pompeo cited the 9/11 inquiry.")])
    first.commit()
    with pytest.raises(IndexLocked, match="in use by another process"):
        SearchIndex(folder)
    first.close()
    reopened = SearchIndex(folder)
    try:
        assert reopened.doc_count() == 1
        assert _ids(_search(reopened, "9-11 inquiry")) == [5]
    finally:
        reopened.close()


def test_closed_index_refuses_writes(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.close()
    index.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        index.add([IndexDoc(1, 1, "global", "x y")])
