"""Whatever text arrives, parsing either fails with a friendly BadInput or gives passages
that slice back exactly to the stored text."""
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.errors import BadInput
from bot.ingest.parse import parse_article

# Text built from the characters that drive the rules (punctuation, quotes, newlines,
# invisible characters) plus arbitrary unicode.
PIECES = st.sampled_from([
    ". ", "? ", "! ", "...", "… ", "“", "”", '"', "\n", "\n\n", " ", "\t", "U.S. ", "Mr. ", "Jan. 12, 2021",
    "He said", ", he claimed.", "The Times", "\u200b", "\x00", "\ufeff", "\r\n", "Skip to content", "#", "---\n",
    "Donate today.", "A", "a", "1", "(", ")", ":",
])
TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=60).map("".join),
)


def check(article) -> None:
    assert article.title
    paragraphs = article.text.count("\n\n") + 1
    for p in article.passages:
        assert p.text and p.text.strip()
        assert article.text[p.char_start:p.char_end] == p.text
        assert len(p.text) <= 1000
        assert 1 <= p.paragraph <= paragraphs
        assert p.kind in {"headline", "subtitle", "caption", "body"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from(["a.txt", "a.md", "a.html"]))
def test_any_text_parses_or_raises_bad_input(text, filename):
    try:
        article = parse_article(text, filename=filename)
    except BadInput:
        return
    check(article)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_bad_input(raw):
    try:
        article = parse_article(raw, filename="upload.txt")
    except BadInput as error:
        assert any(why in str(error) for why in ("not a text or HTML article", "no article text", "UTF-8")), error
        return
    check(article)


WORDS = st.sampled_from([
    "Mike Pompeo", "Secretary of State Ann Ito", "he", "she", "said", "claimed", "the report", "“", "”",
    ",", ".", "\n\n", "The New York Times", "the Times", "noted", "part of the 2002 report reads",
    "which stated", "A diplomatic source told", "was alleged", "U.S.", "Jan. 5, 2020", "according to",
    "Ito,", "the mayor,", '"', "’s", "Mr.", "J.", "…",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=80).map(" ".join))
def test_reported_speech_soup_parses_the_same_way_twice(text):
    try:
        article = parse_article(text, filename="soup.txt")
    except BadInput:
        return
    check(article)
    assert parse_article(text, filename="soup.txt") == article


def test_a_huge_run_on_paragraph_becomes_capped_passages():
    paragraph = " ".join(f"word{i % 50}" for i in range(1700))  # ~10,000 chars, no punctuation
    article = parse_article("Headline Here\n\n" + paragraph, filename="long.txt")
    body = [p for p in article.passages if p.kind == "body"]
    assert len(body) >= 10 and all(len(p.text) <= 1000 for p in body)
    assert " ".join(p.text for p in body) == paragraph
    check(article)


def test_a_large_paragraph_full_of_quotes_parses():
    """Guards the linear-time rules: thousands of quotes and abbreviations in one paragraph."""
    sentence = "“It is over. We won,” Mr. Ito said in the U.S. on Jan. 5, 2020. "
    article = parse_article("Big Day\n\n" + sentence * 3000, filename="big.txt")
    body = [p for p in article.passages if p.kind == "body"]
    assert len(body) == 3000 and body[0].text == sentence.strip()
    check(article)
