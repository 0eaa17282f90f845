"""The seed article, parsed: what a user will see quoted and cited from it."""
from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.ingest.parse import parse_article

SEED = PROJECT_ROOT / "seeds" / "000_8fb6bfb397d84a2e.txt"


@pytest.fixture(scope="module")
def article():
    return parse_article(SEED.read_bytes(), filename=SEED.name)


def passage_starting(article, start: str):
    matches = [p for p in article.passages if p.text.startswith(start)]
    assert len(matches) == 1, f"expected one passage starting {start!r}, got {[p.text for p in matches]}"
    return matches[0]


def test_every_passage_slices_back_to_the_cleaned_text(article):
    assert article.passages
    for p in article.passages:
        assert article.text[p.char_start:p.char_end] == p.text
        assert p.text.strip() == p.text and p.text
        assert p.prefix == article.text[max(0, p.char_start - 32):p.char_start]
        assert p.suffix == article.text[p.char_end:p.char_end + 32]
        paragraphs = article.text.split("\n\n")
        assert p.text in paragraphs[p.paragraph - 1]


def test_boilerplate_is_gone_from_text_and_passages(article):
    for junk in ("Skip to content", "Skip to footer", "Tired of reading", "So are we!",
                 "tax-deductible donation", "reader support"):
        assert junk not in article.text
    assert article.text.startswith("Pompeo Urges US to “Confront”")
    assert article.text.endswith("after the events at the Capitol on January 6.")


def test_paragraphs_are_verbatim_and_joined_by_blank_lines(article):
    raw_paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n")]
    for paragraph in article.text.split("\n\n"):
        assert paragraph in raw_paragraphs


def test_headline_subtitle_caption_and_metadata(article):
    assert article.title == "Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”"
    assert article.subtitle.startswith("Secretary of State Mike Pompeo called Iran “the new Afghanistan,”")
    kinds = [(p.kind, p.paragraph) for p in article.passages]
    assert kinds[0] == ("headline", 1) and kinds[1] == ("subtitle", 2) and kinds[2] == ("caption", 3)
    assert {k for k, _ in kinds[3:]} == {"body"}
    caption = article.passages[2]
    assert caption.text == ("Secretary of State Mike Pompeo speaks at the National Press Club in "
                            "Washington, D.C., on January 12, 2021.")
    assert article.published == date(2021, 1, 12) and article.published_inferred is True
    assert (article.outlet, article.author, article.url) == (None, None, None)


def test_headline_and_subtitle_are_the_outlets_claims(article):
    for p in article.passages[:2]:
        assert p.speaker is None and p.is_claim is True
    assert article.passages[2].is_claim is False


@pytest.mark.parametrize("start", [
    "While Pompeo conceded that there’s no evidence",
    "The secretary of state pointed to reporting which he claimed",
    "He also cited allegations of Iranian officials",
    "He then described Iran as “a new home base for al-Qaeda,”",
    "“Unlike in Afghanistan, when al-Qaeda was hiding",
])
def test_pompeo_claims(article, start):
    p = passage_starting(article, start)
    assert (p.speaker, p.is_claim) == ("Mike Pompeo", True)


@pytest.mark.parametrize("start", [
    "The New York Times said this week, however,",
    "Al-Masri had been in detention in Iran",
    "“Terrorism experts have suggested",
])
def test_new_york_times_statements(article, start):
    p = passage_starting(article, start)
    assert (p.speaker, p.is_claim) == ("The New York Times", True)


def test_report_and_inquiry_are_one_document(article):
    quote = passage_starting(article, "“While in the United States, some of the September 11th hijackers")
    inquiry = passage_starting(article, "Ironically, both of these claims come from a section")
    assert quote.speaker == "the 2002 congressional 9/11 inquiry report"
    assert inquiry.speaker == quote.speaker
    assert quote.is_claim


def test_diplomatic_source(article):
    p = passage_starting(article, "A diplomatic source told Reuters")
    assert (p.speaker, p.is_claim) == ("A diplomatic source", True)


def test_authors_own_voice_is_not_a_claim(article):
    p = passage_starting(article, "But, as the mere act of a prisoner exchange would imply")
    assert (p.speaker, p.is_claim) == (None, False)


def test_sentences_are_split_correctly_around_abbreviations(article):
    texts = [p.text for p in article.passages]
    assert any(t.startswith("Ironically,") and "U.S.S. Cole bombing" in t and t.endswith("United States.")
               for t in texts)
    assert any("Sept. 11, 2001, as insurance" in t for t in texts)
    assert any("damage U.S.-Iranian relations" in t for t in texts)
    assert any(t.startswith("The section was so damaging to U.S. government interests") for t in texts)
    assert "(Saudi Arabia’s current ruler, Crown Prince Mohammed Bin Salman, is an especially close ally of President Trump.)" in texts
    # A quotation that ends a sentence is still one passage with its attribution.
    assert any(t.startswith("“Unlike in Afghanistan") and t.endswith("he claimed.") for t in texts)


def test_parsing_is_deterministic():
    raw = SEED.read_bytes()
    assert parse_article(raw, filename=SEED.name) == parse_article(raw, filename=SEED.name)
    assert parse_article(raw.decode("utf-8"), filename=SEED.name) == parse_article(raw, filename=SEED.name)
