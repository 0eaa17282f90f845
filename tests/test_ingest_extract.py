"""Formats, metadata precedence, decoding and boilerplate removal."""
import json
from datetime import date

import pytest

from bot.errors import BadInput
from bot.ingest.extract import load_sidecar, remove_boilerplate
from bot.ingest.parse import parse_article

BODY = [
    "Council Votes to Close the Old Bridge",
    "The decision ends a decade of debate over the crossing.",
    "The city council voted 7-2 on Monday to close the old bridge to cars.",
    "“The bridge is no longer safe. We cannot wait for another report,” Mayor Ana Ruiz said.",
    "Repairs had been estimated at $40 million.",
]


def article_text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def assert_offsets(article):
    for p in article.passages:
        assert article.text[p.char_start:p.char_end] == p.text


def test_page_furniture_is_removed_anywhere():
    raw = article_text(
        "Skip to main content | Menu | Search",
        "Home | News | World | Politics",
        "World › Europe › Local councils",
        *BODY[:3],
        "Share on Facebook Share on Twitter Email",
        "Related: Council approves new bike lanes",
        BODY[3],
        "We use cookies to improve your browsing experience. By continuing you agree to our privacy policy.",
        BODY[4],
        "Read more: Why the bridge matters",
    )
    article = parse_article(raw, filename="bridge.txt")
    assert article.text == "\n\n".join(BODY)
    assert_offsets(article)


def test_trailing_appeal_block_is_removed_from_the_end_backwards():
    raw = article_text(
        *BODY,
        "Enjoyed this story?",
        "Local news costs money to make and we rely on readers like you. Become a member today "
        "and support independent journalism in our city, or chip in what you can.",
        "Sign up for our free newsletter.",
    )
    article = parse_article(raw, filename="bridge.txt")
    assert article.text == "\n\n".join(BODY)


def test_body_paragraph_that_mentions_donations_is_kept():
    paragraph = ("The campaign said it received a donation of $5,000 from the developer, "
                 "and that the money would be returned after questions from reporters about "
                 "the bridge contract, which is worth far more than any single gift.")
    raw = article_text(*BODY[:3], paragraph, *BODY[3:])
    article = parse_article(raw, filename="bridge.txt")
    assert paragraph in article.text.split("\n\n")


def test_remove_boilerplate_keeps_a_question_that_is_not_before_an_appeal():
    paragraphs = ["Who pays for the bridge?", "Nobody knows yet, officials said."]
    assert remove_boilerplate(paragraphs) == paragraphs


def test_markdown_front_matter_gives_metadata_and_is_not_text():
    raw = (
        "---\ntitle: Council Votes to Close the Old Bridge\noutlet: The Riverside Ledger\n"
        "author: Sam Lee\nurl: https://ledger.example/bridge\npublished: 2024-03-04\n"
        "section: Local\n---\n\n# Council Votes to Close the Old Bridge\n\n"
        + "\n\n".join(BODY[1:3]) + "\n\nRead the [full minutes](https://x.example/m) **online** today.\n"
    )
    article = parse_article(raw, filename="bridge.md")
    assert article.title == "Council Votes to Close the Old Bridge"
    assert (article.outlet, article.author, article.url) == (
        "The Riverside Ledger", "Sam Lee", "https://ledger.example/bridge")
    assert article.published == date(2024, 3, 4) and article.published_inferred is False
    assert article.metadata == {"section": "Local"}
    assert article.text.startswith("Council Votes to Close the Old Bridge\n\n")
    assert "---" not in article.text and "#" not in article.text
    assert article.text.endswith("Read the full minutes online today.")
    assert article.passages[0].kind == "headline"
    assert_offsets(article)


def test_sidecar_and_overrides_take_precedence():
    raw = article_text(*BODY)
    sidecar = {"title": "Bridge closes", "outlet": "Ledger", "published": "March 5, 2024", "extra": 1}
    article = parse_article(raw, filename="b.txt", sidecar=sidecar,
                            overrides={"outlet": "The Ledger", "author": "Kim"})
    assert article.title == "Bridge closes"
    assert (article.outlet, article.author) == ("The Ledger", "Kim")
    assert article.published == date(2024, 3, 5) and not article.published_inferred
    assert article.metadata == {"extra": 1}
    # The headline paragraph is still the headline passage.
    assert article.passages[0].text == BODY[0] and article.passages[0].kind == "headline"


def test_load_sidecar_reads_meta_json_next_to_the_file(tmp_path):
    seed = tmp_path / "story.txt"
    seed.write_text(article_text(*BODY), encoding="utf-8")
    assert load_sidecar(seed) is None
    (tmp_path / "story.txt.meta.json").write_text(json.dumps({"outlet": "Ledger"}), encoding="utf-8")
    assert load_sidecar(seed) == {"outlet": "Ledger"}
    (tmp_path / "story.txt.meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInput, match="story.txt.meta.json"):
        load_sidecar(seed)


def test_html_article_uses_page_metadata():
    html = f"""<html><head><title>Council Votes to Close the Old Bridge | Ledger</title>
    <meta name="author" content="Sam Lee"><meta property="og:site_name" content="The Riverside Ledger">
    <meta property="article:published_time" content="2024-03-04T09:00:00Z">
    <link rel="canonical" href="https://ledger.example/bridge"></head><body>
    <nav><a href="/">Home</a> <a href="/s">Subscribe</a></nav>
    <article><h1>{BODY[0]}</h1>{''.join(f'<p>{p}</p>' for p in BODY[1:])}</article>
    <footer>Copyright 2024 The Riverside Ledger. All rights reserved.</footer></body></html>"""
    article = parse_article(html.encode("utf-8"), filename="bridge.html")
    assert article.title == BODY[0]
    assert article.outlet == "The Riverside Ledger" and article.author == "Sam Lee"
    assert article.url == "https://ledger.example/bridge"
    assert article.published == date(2024, 3, 4) and not article.published_inferred
    assert article.text.split("\n\n") == BODY
    assert "Subscribe" not in article.text and "Copyright" not in article.text
    assert_offsets(article)


def test_bytes_with_bom_decode_and_invisible_characters_are_stripped():
    raw = "\ufeff" + article_text(*BODY).replace("decision", "deci\u200bsion").replace("Repairs", "Rep\x07airs")
    article = parse_article(raw.encode("utf-8"), filename="b.txt")
    assert "The decision ends" in article.text and "Repairs had" in article.text
    assert "\u200b" not in article.text and "\x07" not in article.text


def test_windows_newlines_are_normalised():
    article = parse_article(article_text(*BODY).replace("\n", "\r\n"), filename="b.txt")
    assert article.text == "\n\n".join(BODY)


def test_latin1_and_cp1252_bytes_decode_as_uploads_do():
    """A file on disk gets the upload path's rules: not UTF-8 -> Windows-1252 (smart quotes)."""
    article = parse_article("Café owners said the wall was “finished” in May.".encode("cp1252"), filename="b.txt")
    assert article.text == "Café owners said the wall was “finished” in May."
    assert parse_article("Café au lait is served all day.".encode("latin-1"), filename="b.txt").text == (
        "Café au lait is served all day.")


@pytest.mark.parametrize("raw, message", [
    (b"%PDF-1.4\nThe mayor said the wall is finished.", "This is a PDF, not a text or HTML article."),
    (b"PK\x03\x04\x14\x00\x00\x00", "This is a zip archive, not a text or HTML article."),
    (b"\x7fELF\x02\x01\x01\x00\x00", "This is a program, not a text or HTML article."),
    (b"The wall\x00\x00\x01 is finished.", "This is a binary file, not a text or HTML article."),
])
def test_magic_numbers_and_binary_are_refused_by_content_whatever_the_name(raw, message):
    with pytest.raises(BadInput) as refused:
        parse_article(raw, filename="article.txt")
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("raw", ["Home / News / Sport\n", "Home | News | Sport | Weather | Culture\n",
                                 "Skip to content\n\nHome\n\nNews\n\nSport\n", "Breaking News\n\nSport\n"])
def test_navigation_only_files_are_refused(raw):
    with pytest.raises(BadInput, match="no article text in that file: .*only page navigation"):
        parse_article(raw, filename="nav.txt")


@pytest.mark.parametrize("raw", ["The wall is finished.", "Pompeo said Iran is the new home base of al-Qaeda",
                                 "Home / News\n\nThe mayor said the harbour wall is finished."])
def test_one_real_sentence_is_an_article(raw):
    assert parse_article(raw, filename="a.txt").passages


@pytest.mark.parametrize("raw", ["", "   \n\n\t ", b"", "\u200b\u200b", "Skip to content Skip to footer"])
def test_empty_input_is_bad_input(raw):
    with pytest.raises(BadInput, match="no article text"):
        parse_article(raw, filename="b.txt")


def test_nothing_is_guessed_without_metadata():
    article = parse_article(article_text(*BODY), filename="b.txt")
    assert (article.outlet, article.author, article.url, article.published) == (None, None, None, None)
    assert article.published_inferred is False


def test_text_without_a_headline_gets_its_opening_words_as_title():
    raw = "It was a quiet day in the city until the bridge closed and traffic backed up for miles in every direction. Then rain came."
    article = parse_article(raw, filename="b.txt")
    assert article.title.startswith("It was a quiet day in the city") and article.title.endswith("…")
    assert len(article.title) <= 121
    assert [p.kind for p in article.passages] == ["body", "body"]


def test_a_first_body_paragraph_is_not_taken_for_a_standfirst():
    paragraphs = [f"Paragraph {i} explains that the council voted on the bridge, officials said on Monday."
                  for i in range(4)]
    article = parse_article(article_text("Council Votes to Close Bridge", *paragraphs), filename="b.txt")
    assert [p.kind for p in article.passages] == ["headline"] + ["body"] * 4
    assert article.subtitle is None


def test_html_title_loses_the_site_name_suffix():
    body = "".join(f"<p>Paragraph {i} explains that the council voted on the bridge, officials said on Monday.</p>"
                   for i in range(4))
    html = ("<html><head><title>Council Votes to Close Bridge | The Ledger</title>"
            '<meta property="og:site_name" content="The Ledger"></head><body>'
            '<a href="#main">Skip to content</a><main id="main">' + body + "</main></body></html>")
    article = parse_article(html, filename="bridge.htm")
    assert article.title == "Council Votes to Close Bridge" and article.outlet == "The Ledger"
    assert article.passages[0].text == "Council Votes to Close Bridge"
    assert "Skip to content" not in article.text


def test_html_without_a_date_gets_none_not_today():
    body = "".join(f"<p>Paragraph {i} explains that the council voted on the bridge, officials said on Monday.</p>"
                   for i in range(3))
    html = f"<html><head><title>Bridge</title></head><body><article><h1>Council Votes</h1>{body}</article></body></html>"
    article = parse_article(html, filename="bridge.html")
    assert article.published is None and not article.published_inferred
    assert (article.outlet, article.author, article.url) == (None, None, None)


def test_html_newsletter_box_and_appeal_are_not_text():
    body = "".join(f"<p>Paragraph {i} explains that the council voted on the bridge, officials said on Monday.</p>"
                   for i in range(3))
    html = ("<html><body><article><h1>Council Votes</h1>" + body
            + "<p>Tired of reading the same old news?</p>"
            + "<p>We rely on readers like you. Please consider making a tax-deductible donation today.</p>"
            + "</article></body></html>")
    article = parse_article(html, filename="bridge.html")
    assert article.text.endswith("Paragraph 2 explains that the council voted on the bridge, officials said on Monday.")
    assert "donation" not in article.text and "Tired" not in article.text


FALLBACK_PAGE = """<html><head><title>Harbour plan approved</title></head><body>
<h1>Harbour plan approved</h1>
<p>The council backed the expansion plan on Tuesday after a long debate about jobs and money.</p>
<iframe src="https://video.example/embed"><p>Your browser does not support iframes, so visit our video page
for the whole council debate.</p></iframe>
<noscript><p>Please enable JavaScript to read the comments, which a third-party service provides.</p></noscript>
<template><p>Template text for a related-stories widget that the page fills in with a script.</p></template>
<p>Residents packed the public gallery to hear the vote, which passed by seven votes to two.</p>
</body></html>"""


def test_iframe_noscript_and_template_fallback_text_is_not_article_text():
    article = parse_article(FALLBACK_PAGE, filename="harbour.html")
    text = " ".join(p.text for p in article.passages)
    assert "council backed the expansion plan" in text and "seven votes to two" in text
    for fallback in ("does not support iframes", "enable JavaScript", "related-stories widget"):
        assert fallback not in article.text
