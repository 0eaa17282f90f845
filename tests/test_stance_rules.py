"""The stance rules on the seed article's sentences and on plain-text claims.

Trust first: every rebuttal the article makes must be found for the claim it rebuts, and no
passage that does not rebut a claim may be labelled `counters`."""
from __future__ import annotations

import pytest

from bot.stance.rules import StanceInput, assess
from tests._stance_helpers import (
    ACCUSATION, AT_ODDS, AXIS, EIGHT_HIJACKERS, FLIMSY, HARD_SHELL, HEADLINE, NEW_AFGHANISTAN, NO_INTELLIGENCE,
    NOT_IMPRESSED, PASSPORTS, POMPEO_CLAIMS, REBUFFED, RELUCTANCE, REPORT_QUOTE, SAUDI_TIES, SMOOTH_TRANSITION,
    SUBTITLE,
)


def _counters(claim, evidence):
    decision = assess(claim, evidence)
    assert decision is not None and decision.stance == "counters", (claim.text[:60], evidence.text[:60], decision)
    assert decision.rationale and len(decision.rationale) < 300
    assert 0 < decision.confidence <= 1
    return decision


def _not_counters(claim, evidence):
    decision = assess(claim, evidence)
    assert decision is None or decision.stance != "counters", (claim.text[:60], evidence.text[:60], decision)
    return decision


@pytest.mark.parametrize("claim", [EIGHT_HIJACKERS, PASSPORTS, AXIS])
def test_inquiry_rebuffed_counters_the_claims_it_calls_these_claims(claim):
    """"Ironically, both of these claims come from ... al-Qaeda rebuffed Iranian offers"."""
    decision = _counters(claim, REBUFFED)
    assert '"rebuffed"' in decision.rationale
    assert '"Ironically"' in decision.rationale
    assert "not Mike Pompeo" in decision.rationale


@pytest.mark.parametrize("claim", [AXIS, NEW_AFGHANISTAN, HARD_SHELL, HEADLINE])
def test_times_no_underlying_intelligence_counters_the_axis_claims(claim):
    decision = _counters(claim, NO_INTELLIGENCE)
    assert '"no underlying intelligence"' in decision.rationale
    assert 'contrast "however"' in decision.rationale
    assert "al-Qaeda" in decision.rationale


def test_times_rationale_names_who_disagrees():
    decision = _counters(AXIS, NO_INTELLIGENCE)
    assert decision.rationale.startswith("The New York Times, not Mike Pompeo")
    assert '"axis"' in decision.rationale


@pytest.mark.parametrize("claim", [AXIS, NEW_AFGHANISTAN, HARD_SHELL])
def test_bitterly_at_odds_counters_the_alliance_claims(claim):
    decision = _counters(claim, AT_ODDS)
    assert '"at odds"' in decision.rationale
    assert "the author, not Mike Pompeo" in decision.rationale


@pytest.mark.parametrize("claim", [EIGHT_HIJACKERS, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL, ACCUSATION])
def test_pompeos_concession_counters_his_other_claims(claim):
    decision = _counters(claim, AXIS)
    assert decision.rationale.startswith("Mike Pompeo concedes")
    assert "no evidence" in decision.rationale


def test_the_concession_is_never_counter_evidence_for_its_own_sentence():
    assert assess(AXIS, AXIS) is None


def test_saudi_ties_counter_the_accusation_as_an_alternative_explanation():
    decision = _counters(ACCUSATION, SAUDI_TIES)
    assert "alternative" in decision.rationale and "Saudi, not Iranian" in decision.rationale


def test_report_quote_on_saudi_assistance_counters_the_accusation():
    decision = _counters(ACCUSATION, REPORT_QUOTE)
    assert "Saudi, not Iranian" in decision.rationale


@pytest.mark.parametrize("claim", [AXIS, NEW_AFGHANISTAN, HARD_SHELL])
def test_the_authors_judgement_flimsy_counters_even_in_a_sentence_about_pompeo(claim):
    decision = _counters(claim, FLIMSY)
    assert '"flimsy"' in decision.rationale


@pytest.mark.parametrize("claim", POMPEO_CLAIMS)
@pytest.mark.parametrize("evidence", [EIGHT_HIJACKERS, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL])
def test_pompeos_supporting_claims_never_counter_each_other(claim, evidence):
    decision = _not_counters(claim, evidence)
    if decision is not None and claim is not evidence:
        assert decision.stance == "supports"
        assert "Mike Pompeo again" in decision.rationale


@pytest.mark.parametrize("evidence", [NO_INTELLIGENCE, AT_ODDS, REBUFFED, FLIMSY])
def test_a_denial_agrees_with_a_claim_that_itself_denies(evidence):
    """The subtitle says Pompeo was "fabricating ties": other denials support it."""
    decision = _not_counters(SUBTITLE, evidence)
    assert decision is not None and decision.stance == "supports"
    assert "both deny" in decision.rationale


def test_subtitle_fabricating_counters_pompeos_claim():
    decision = _counters(NEW_AFGHANISTAN, SUBTITLE)
    assert '"fabricating"' in decision.rationale


def test_at_odds_does_not_counter_a_claim_it_shares_only_one_word_with():
    """"Iran and al-Qaeda ... at odds" says nothing about the hijackers' travel through Iran."""
    _not_counters(EIGHT_HIJACKERS, AT_ODDS)


def test_contrast_alone_is_not_a_rebuttal():
    decision = _not_counters(SMOOTH_TRANSITION, RELUCTANCE)
    assert decision is not None and decision.stance == "context"


def test_a_negation_of_an_unrelated_predicate_is_not_a_rebuttal():
    _not_counters(SMOOTH_TRANSITION, NOT_IMPRESSED)


@pytest.mark.parametrize("evidence", [NO_INTELLIGENCE, AT_ODDS, REBUFFED, SAUDI_TIES])
def test_rebuttals_do_not_counter_an_off_topic_claim(evidence):
    _not_counters(SMOOTH_TRANSITION, evidence)


def test_plain_text_claim_against_a_negated_finding():
    claim = StanceInput("Vitamin D supplementation reduces the risk of fractures in older adults.")
    evidence = StanceInput("In this trial, vitamin D supplementation did not reduce the risk of fractures among adults over 70.")
    decision = _counters(claim, evidence)
    assert 'negates "not reduce' in decision.rationale


def test_plain_text_claim_against_the_opposite_direction():
    claim = StanceInput("Statin therapy increases muscle strength in elderly patients.")
    evidence = StanceInput("Muscle strength decreased in elderly patients after twelve months of statin therapy.")
    decision = _counters(claim, evidence)
    assert '"decreased"' in decision.rationale


def test_plain_text_negated_claim_is_supported_by_a_negated_finding():
    claim = StanceInput("Vitamin D supplementation does not reduce the risk of fractures.")
    evidence = StanceInput("Vitamin D supplementation did not reduce the risk of fractures in the trial.")
    _not_counters(claim, evidence)


def test_plain_text_agreeing_finding_is_not_counters():
    claim = StanceInput("Vitamin D supplementation reduces the risk of fractures in older adults.")
    evidence = StanceInput("Vitamin D supplementation reduced the risk of hip fractures in older adults by 20%.")
    _not_counters(claim, evidence)


def test_plain_text_claim_against_little_effect():
    claim = StanceInput("Charcoal hemoperfusion is an effective treatment for paraquat poisoning.")
    evidence = StanceInput("Charcoal hemoperfusion had little effect on survival after paraquat poisoning.")
    decision = _counters(claim, evidence)
    assert '"had little effect"' in decision.rationale


def test_plain_text_claim_against_a_decline_in_the_same_quantity():
    claim = StanceInput("The soda tax increases sugar consumption.")
    evidence = StanceInput("Sugar consumption showed a decline after the soda tax.")
    decision = _counters(claim, evidence)
    assert 'opposite direction "decline"' in decision.rationale


def test_a_decline_in_something_else_is_not_a_rebuttal():
    claim = StanceInput("The soda tax increases sugar consumption.")
    evidence = StanceInput("Soda tax revenue funded school meals while obesity rates showed a decline.")
    _not_counters(claim, evidence)
