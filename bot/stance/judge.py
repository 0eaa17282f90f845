"""One stance decision for every caller: the learned model decides, the rules explain and veto.

`judge_pairs` is what ingestion (stored links), `/check`, and `eval` all call, so the figures
in the README describe what users see.

* The **model** (`bot.stance.runtime`) gives P(unrelated / discusses / supports / counters) for
  the (claim, evidence) text pair. It generalises across domains where fixed cue lists do not.
* The **rules** (`bot.stance.rules.assess`) know things the text pair does not carry: who said
  each passage. A speaker's own further sentences are not a rebuttal of their claim (unless
  they concede), and a verdict about another speaker's claim is not about this one. Those are
  vetoes. A stance the rules find stands unless the model is sure it is wrong (unrelated, or
  the other side); the model alone adds a stance only when it is sure of it.
* Every counters / supports decision carries a rationale under 300 characters naming words of
  the evidence a reader can check: the rule cues present in the passage ("denied", "no
  evidence"), else the words whose removal lowers the model's score most (occlusion), and the
  words it shares with the claim.

Thresholds favour precision (a wrong rebuttal costs more than a missing one); they were chosen
on the development splits and are stated in the README beside the figures they give.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.stance import cues as C
from bot.stance.lexicon import name_keys, overlap
from bot.stance.pairs import LABELS
from bot.stance.rules import (COUNTERS, MAX_RATIONALE, SUPPORTS, StanceDecision, StanceInput, assess,
                              may_take_a_side, voice_veto)

P_UNRELATED, P_DISCUSSES, P_SUPPORTS, P_COUNTERS = (LABELS.index(n) for n in LABELS)

# Model alone (the rules found no rebuttal, and no veto applies): almost never. On sentence
# pairs (SciFact dev) the three-epoch model's P(counters) is over 0.9 for many passages that
# do not rebut the claim (counters precision 0.148 with the model alone at 0.90, 0.25 at 0.99
# with the rules' stances doing most of the work), and a wrong rebuttal costs more than a
# missing one. Supports likewise: it reads a report of a claim as support for it.
COUNTERS_ALONE = 0.99
SUPPORTS_ALONE = 0.99
# The rules found a stance: it stands unless the model is this sure the pair is unrelated
# (the seed's rebuttals all stand; see tests/test_stance_service.py), or all but certain it
# takes the other side: the model reads a passage reporting what someone said ("Pompeo called
# Iran 'the new Afghanistan,' fabricating ties ...") as support for it, the rules read the
# author's "fabricating".
MODEL_OVERRULES = 0.90
OTHER_SIDE_OVERRULES = 0.99
# A source's verdict in /check: scores of `source_verdict`, swept on the recorded readings of
# FNC-1's dev bodies (9,190 pairs) and Perspectrum dev (docs/stance.md): disputes only at a
# high score (disagree precision 0.31 at 0.65, 0.41 at 0.925, recall 0.76 -> 0.61).
DISPUTES_VERDICT = 0.925
SUPPORTS_VERDICT = 0.40
UNRELATED_VERDICT = 0.30
# A source that reports the claim and rebuts it on file disputes it when the rebuttal, read
# against the claim as typed, scores at least this for counters (one passage, not a window).
REBUTTAL_DISPUTES = 0.65
# A passage the model reads as asserting the claim this strongly is the source reporting it.
REPORTED_SUPPORT = 0.5
OCCLUSION_WORDS = 8  # words of the evidence tried for an explanation when no cue is present
_WORD = re.compile(r"[^\W_]+(?:[-’'][^\W_]+)*")
_SMALL = frozenset("the a an and or of to in on at for by with from as is are was were be been it its this that "
                   "these those he she they we i you his her their our has have had will would can could "
                   "said says say".split())


@dataclass(frozen=True)
class Judgement:
    """What the model and rules concluded about one pair."""

    probabilities: tuple[float, ...]  # by LABELS
    decision: StanceDecision | None  # stored/shown stance, None when neither counters nor supports

    @property
    def relatedness(self) -> float:
        return 1.0 - self.probabilities[P_UNRELATED]


def cut_rationale(text: str) -> str:
    return text if len(text) <= MAX_RATIONALE else text[:MAX_RATIONALE - 1].rstrip() + "…"


def _quote_words(words: Sequence[str], n: int = 3) -> str:
    return ", ".join(f'"{w}"' for w in list(dict.fromkeys(words))[:n])


def passage_cues(text: str) -> list[str]:
    """Rebuttal words the rules recognise in `text`, strongest kinds first."""
    found: list[str] = []
    for finder in (C.refutation_cues, C.concession_cues, C.evaluative_cues, C.conflict_cues, C.alternative_cues,
                   C.contrast_cues):
        found.extend(c.text for c in finder(text))
    return list(dict.fromkeys(found))


def _candidate_words(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text) if w.lower() not in _SMALL and len(w) > 2]
    return list(dict.fromkeys(words))


def occlusion_words(model, claim: str, evidence: str, label: int, n: int = 2) -> list[str]:
    """Words of `evidence` whose removal lowers P(label) most (at most OCCLUSION_WORDS tried)."""
    words = _candidate_words(evidence)[:OCCLUSION_WORDS * 2]
    if not words:
        return []
    # Prefer words the claim does not share: they carry the stance, shared ones the topic.
    claim_lower = claim.lower()
    words = sorted(words, key=lambda w: w.lower() in claim_lower)[:OCCLUSION_WORDS]
    variants = [(claim, re.sub(rf"(?<![\w-]){re.escape(w)}(?![\w-])", " ", evidence)) for w in words]
    base = float(model.probabilities([(claim, evidence)])[0][label])
    probs = model.probabilities(variants)[:, label]
    drops = sorted(((base - float(p), w) for p, w in zip(probs, words)), reverse=True)
    return [w for drop, w in drops[:n] if drop > 0.02]


def explain(model, claim: StanceInput, evidence: StanceInput, stance: str, p: float, *,
            rule_rationale: str | None = None, prefix: str = "") -> str:
    """A rationale naming checkable words of the evidence."""
    parts = [prefix] if prefix else []
    parts.append(f"model {stance} {p:.2f}")
    if rule_rationale:
        parts.append(rule_rationale)
    else:
        cues = passage_cues(evidence.text) if stance == COUNTERS else []
        if cues:
            parts.append(f"cue {_quote_words(cues, 2)}")
        elif model is not None:
            label = P_COUNTERS if stance == COUNTERS else P_SUPPORTS
            decisive = occlusion_words(model, claim.text, evidence.text, label)
            if decisive:
                parts.append(f"decisive words {_quote_words(decisive, 2)}")
        shared = overlap(claim.text, evidence.text, ignore=name_keys(claim.speaker)).surface
        if shared:
            parts.append(f"shares {_quote_words(shared)}")
    return cut_rationale(" · ".join(p for p in parts if p))


def decide(probs: Sequence[float], rules: StanceDecision | None, veto: str | None, claim: StanceInput,
           evidence: StanceInput, model=None, *, explain_decision: bool = True) -> StanceDecision | None:
    """Counters / supports for one pair from the model's probabilities and the rules' view."""
    p_counters, p_supports = float(probs[P_COUNTERS]), float(probs[P_SUPPORTS])
    p_unrelated = float(probs[P_UNRELATED])
    if rules is not None and rules.stance in (COUNTERS, SUPPORTS) and p_unrelated < MODEL_OVERRULES:
        other_side = p_supports if rules.stance == COUNTERS else p_counters
        if other_side < OTHER_SIDE_OVERRULES:
            p_same = p_counters if rules.stance == COUNTERS else p_supports
            rationale = explain(model, claim, evidence, rules.stance, p_same, rule_rationale=rules.rationale) \
                if explain_decision else rules.rationale
            return StanceDecision(rules.stance, rules.confidence, rationale)
    if veto:
        return None
    if p_counters >= COUNTERS_ALONE:
        rationale = explain(model, claim, evidence, COUNTERS, p_counters) if explain_decision else ""
        return StanceDecision(COUNTERS, round(p_counters, 3), rationale)
    if p_supports >= SUPPORTS_ALONE:
        rationale = explain(model, claim, evidence, SUPPORTS, p_supports) if explain_decision else ""
        return StanceDecision(SUPPORTS, round(p_supports, 3), rationale)
    return None


def judge_pairs(model, pairs: Sequence[tuple[StanceInput, StanceInput, Collection[str]]], *,
                explain_decisions: bool = True, model_alone: bool = True) -> list[Judgement | None]:
    """Model + rules over a batch of (claim, evidence, speakers in play) pairs.

    The rules run first and gate the model: a pair that shares fewer than two content words
    with the claim (and does not refer back to it) is unrelated for the rules and is not sent
    to the model (None). With `model_alone=False` only the pairs the rules give a stance are
    sent (the model may overrule them but adds none), which keeps ingestion cheap. CPU only:
    run it in a thread from async code."""
    if not pairs:
        return []
    # Without the model alone, only a rules stance reaches the model: pairs that cannot get
    # one skip the rules' full reading (the same answers, far less work at ingestion).
    rules = [assess(c, e, speakers=sp) if model_alone or may_take_a_side(c, e) else None for c, e, sp in pairs]
    gated = [i for i, r in enumerate(rules)
             if r is not None and (model_alone or r.stance in (COUNTERS, SUPPORTS))]
    probs = model.probabilities([(pairs[i][0].text, pairs[i][1].text) for i in gated]) if gated else []
    out: list[Judgement | None] = [None] * len(pairs)
    for i, row in zip(gated, probs):
        claim, evidence, speakers = pairs[i]
        veto = voice_veto(claim, evidence, speakers=speakers)
        decision = decide(row, rules[i], veto, claim, evidence, model, explain_decision=explain_decisions)
        out[i] = Judgement(tuple(float(x) for x in row), decision)
    return out


def decide_for_storage(pairs: Sequence[tuple[StanceInput, StanceInput, Collection[str]]]) -> list[StanceDecision | None]:
    """The stored link (counters / supports) for each (claim, evidence, speakers) pair, or None:
    what ingestion writes and `/lookup` and the digest read. Uses the process's shared model.

    The model checks every stance the rules find and overrules it when sure; it adds no link
    of its own here: on sentence pairs its precision is far below the rules' (docs/stance.md),
    and reading only the rules' few stances keeps an upload's cost to a few model calls."""
    from bot.stance.runtime import shared_model

    judged = judge_pairs(shared_model(), pairs, model_alone=False)
    return [j.decision if j is not None else None for j in judged]


def source_verdict(window: Sequence[float], passages: Sequence[Sequence[float]]) -> tuple[str | None, float]:
    """A source's verdict on a claim: ("disputes" | "supports" | "discusses", confidence), or
    (None, p) when the source is about something else.

    Two readings must agree: the model on the window of the source's best passages read as
    one text, and the model on its single most disputing (or supporting) passage. Their
    geometric mean is the verdict's score: a window that leans one way because of one
    reported claim, or one stray sentence in an otherwise neutral article, is not enough."""
    if not passages:
        return None, 1.0
    w = np.asarray(window, dtype=float)
    p = np.asarray(passages, dtype=float)
    unrelated = float(min(w[P_UNRELATED], p[:, P_UNRELATED].min()))
    if unrelated >= UNRELATED_VERDICT:
        return None, unrelated
    disputes = float(np.sqrt(w[P_COUNTERS] * p[:, P_COUNTERS].max()))
    supports = float(np.sqrt(w[P_SUPPORTS] * p[:, P_SUPPORTS].max()))
    if disputes >= DISPUTES_VERDICT and disputes >= supports:
        return "disputes", disputes
    if supports >= SUPPORTS_VERDICT:
        return "supports", supports
    if disputes >= DISPUTES_VERDICT:
        return "disputes", disputes
    return "discusses", 1.0 - unrelated
