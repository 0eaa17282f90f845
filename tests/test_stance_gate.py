"""The rules' cheap gate (`may_take_a_side`): a pair it turns away could never have been a
counters or supports link, so ingestion, which stores only those, may skip the full reading.

Checked on every (claim, passage) pair of the seed and of the real news fixtures: if the gate
were too eager, a rebuttal would be lost from ingestion without any other test noticing."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.parse import parse_article
from bot.stance.rules import COUNTERS, SUPPORTS, StanceInput, assess, may_take_a_side

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted([*ROOT.joinpath("seeds").glob("*.txt"), *ROOT.joinpath("tests/data/news").glob("*.txt"),
                   *ROOT.joinpath("tests/data").glob("stance_*.txt")])


def _inputs(path: Path, source_id: int) -> list[StanceInput]:
    article = parse_article(path.read_text(encoding="utf-8"), filename=path.name, sidecar=None, overrides={})
    return [StanceInput(text=p.text, speaker=p.speaker, kind=p.kind, is_claim=p.is_claim, source_id=source_id,
                        paragraph=p.paragraph, seq=seq) for seq, p in enumerate(article.passages)]


@pytest.fixture(scope="module")
def passages() -> list[StanceInput]:
    assert ARTICLES, "the seed and news fixtures are missing"
    return [x for n, path in enumerate(ARTICLES, start=1) for x in _inputs(path, n)]


def test_a_pair_the_gate_turns_away_is_never_counters_or_supports(passages):
    claims = [p for p in passages if p.is_claim]
    turned_away = stances = 0
    for claim in claims:
        for evidence in passages:
            decision = assess(claim, evidence)
            if decision is not None and decision.stance in (COUNTERS, SUPPORTS):
                stances += 1
                assert may_take_a_side(claim, evidence), (claim.text[:80], evidence.text[:80], decision)
            elif not may_take_a_side(claim, evidence):
                turned_away += 1
    # The pairs hold both kinds: the gate is tested against real stances and really skips work.
    assert stances >= 20 and turned_away >= 500, (stances, turned_away)


def test_the_gate_reads_the_evidence_cues_and_the_speaker():
    claim = StanceInput(text="Iran helped al-Qaeda plan the 9/11 attacks.", speaker="Mike Pompeo")
    plain = StanceInput(text="The report about Iran and al-Qaeda was published in 2002.", speaker=None)
    rebuttal = StanceInput(text="The report said al-Qaeda rebuffed Iran's offers.", speaker=None)
    again = StanceInput(text="The report about Iran and al-Qaeda was published in 2002.", speaker="Pompeo")
    assert not may_take_a_side(claim, plain)
    assert may_take_a_side(claim, rebuttal)
    assert may_take_a_side(claim, again)  # the claim's own speaker saying more may support it
