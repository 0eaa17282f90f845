"""Extraction on news page fixtures (tests/data/news, our own text in real pages' structure,
CC0): no page furniture in passages, authors as written and never the outlet, metadata-only
authors and dates found, and one article in three formats is one source."""
from pathlib import Path

import pytest

from bot.ingest.parse import parse_article
from bot.services.sources import ingest_file

NEWS = Path(__file__).parent / "data" / "news"
FURNITURE = ("iReport", "#ATL24", "healthy eating tips", "newsletter", "#travel", "Share this", "Comments are closed")


def _parse(name: str):
    path = NEWS / name
    from bot.ingest.extract import load_sidecar

    return parse_article(path.read_bytes(), filename=path.name, sidecar=load_sidecar(path))


@pytest.mark.parametrize("name", ["cnn_holiday_travel.html", "cnn_holiday_travel.txt", "nypost_media.html"])
def test_no_page_furniture_in_passages(name):
    article = _parse(name)
    assert article.passages
    for passage in article.passages:
        assert not any(bit.lower() in passage.text.lower() for bit in FURNITURE), passage.text


def test_html_metadata_authors_keep_their_punctuation_and_never_the_outlet():
    article = _parse("cnn_holiday_travel.html")
    assert article.author == "Keith J. Kelly"
    assert article.outlet == "CNN"
    assert str(article.published) == "2014-11-25"


def test_an_author_given_only_in_parsely_metadata_is_found_as_written():
    article = _parse("nypost_media.html")
    assert article.author == "Keith J. Kelly"
    assert article.outlet == "New York Post"
    assert str(article.published) == "2016-03-02"
    assert article.title == "Magazine publisher cuts print run as ad pages fall"


def test_speakers_on_the_page():
    found = {p.text[:30]: p.speaker for p in _parse("cnn_holiday_travel.html").passages}
    assert found['"It will be one of the busiest'] == "Ann Ito"
    assert found["The National Weather Service s"] == "The National Weather Service"


async def test_the_same_article_in_another_format_is_already_on_file(bare_app):
    first = await ingest_file(bare_app, NEWS / "cnn_holiday_travel.html", guild_id=3, actor="1")
    assert first.status == "created"
    for name in ("cnn_holiday_travel.md", "cnn_holiday_travel.txt"):
        again = await ingest_file(bare_app, NEWS / name, guild_id=3, actor="1")
        assert (again.status, again.source_id) == ("duplicate", first.source_id), name
