"""The stance rules on the parser's real output for the seed article: the article's own
rebuttals are found for Pompeo's claims, and his claims never rebut each other."""
from __future__ import annotations

import pytest

from bot.ingest.parse import parse_article
from bot.stance.rules import StanceInput, assess
from tests.conftest import SEED_PATH


@pytest.fixture(scope="module")
def passages() -> list[StanceInput]:
    article = parse_article(SEED_PATH.read_text(encoding="utf-8"), filename=SEED_PATH.name)
    return [StanceInput(p.text, p.speaker, p.kind, p.is_claim, 1, p.paragraph, seq)
            for seq, p in enumerate(article.passages)]


@pytest.fixture(scope="module")
def counters(passages) -> dict[tuple[int, int], str]:
    """(claim seq, evidence seq) -> rationale, for every `counters` decision in the article."""
    speakers = {p.speaker for p in passages if p.speaker}
    out = {}
    for c in passages:
        if not c.is_claim:
            continue
        for e in passages:
            d = assess(c, e, speakers=speakers)
            if d is not None and d.stance == "counters":
                out[(c.seq, e.seq)] = d.rationale
    return out


def _seq(passages, start: str) -> int:
    matches = [p.seq for p in passages if p.text.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


AXIS = "While Pompeo conceded"
EIGHT = "The secretary of state pointed to reporting"
PASSPORTS = "He also cited allegations"
NEW_AFGHANISTAN = "He then described Iran"
HARD_SHELL = "“Unlike in Afghanistan"
REBUFFED = "Ironically, both of these claims"
NO_INTELLIGENCE = "The New York Times said this week"
AT_ODDS = "But, as the mere act"
SAUDI_REPORT = "“While in the United States"
POMPEO_SUPPORTING = [EIGHT, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL]


@pytest.mark.parametrize("claim,evidence,words", [
    (EIGHT, REBUFFED, '"rebuffed"'), (PASSPORTS, REBUFFED, '"rebuffed"'), (AXIS, REBUFFED, '"rebuffed"'),
    (AXIS, NO_INTELLIGENCE, '"no underlying intelligence"'),
    (NEW_AFGHANISTAN, NO_INTELLIGENCE, '"no underlying intelligence"'),
    (HARD_SHELL, NO_INTELLIGENCE, '"no underlying intelligence"'),
    (AXIS, AT_ODDS, '"at odds"'), (NEW_AFGHANISTAN, AT_ODDS, '"at odds"'), (HARD_SHELL, AT_ODDS, '"at odds"'),
    (EIGHT, AXIS, "no evidence"), (PASSPORTS, AXIS, "no evidence"), (NEW_AFGHANISTAN, AXIS, "no evidence"),
    (HARD_SHELL, AXIS, "no evidence"),
    (EIGHT, SAUDI_REPORT, "Saudi"),
])
def test_the_articles_rebuttals_are_found(passages, counters, claim, evidence, words):
    pair = (_seq(passages, claim), _seq(passages, evidence))
    assert pair in counters, f"{evidence!r} should counter {claim!r}"
    assert words in counters[pair]


def test_the_concession_never_counters_its_own_sentence(passages, counters):
    axis = _seq(passages, AXIS)
    assert (axis, axis) not in counters


@pytest.mark.parametrize("claim", POMPEO_SUPPORTING)
@pytest.mark.parametrize("evidence", POMPEO_SUPPORTING)
def test_pompeos_supporting_claims_are_not_counter_evidence_of_each_other(passages, counters, claim, evidence):
    assert (_seq(passages, claim), _seq(passages, evidence)) not in counters


def test_the_times_reports_on_al_masri_are_not_rebutted_by_verdicts_on_pompeo(passages, counters):
    """"Iran and al-Qaeda remain bitterly at odds" builds on the Times's prisoner-exchange
    report; "those too were flimsy" is about Pompeo's claims, not the Times's."""
    for start in ("Al-Masri had been in detention", "“Terrorism experts have suggested"):
        claim = _seq(passages, start)
        assert not [e for c, e in counters if c == claim]


def test_every_rationale_is_short_and_names_its_trigger(counters):
    for rationale in counters.values():
        assert 0 < len(rationale) < 300
        assert '"' in rationale
