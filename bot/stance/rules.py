"""Does this passage rebut that claim? Pure, explainable rules.

Trust comes first: showing a passage as counter-evidence when it does not rebut the claim
costs more than leaving a rebuttal out. So a cue word is never enough. A passage `counters`
a claim only when all three hold:

1. **Topic**: it shares content words with the claim (at least two, not counting the claim
   speaker's name), or it points back at the claim right after it ("both of these claims").
2. **Voice**: it is not just the same speaker saying more of the same. A named speaker's
   other sentences can only rebut their own claim by conceding ("conceded that there's no
   evidence") or when the words are the author's judgement about them ("flimsy", "fabricating").
   A verdict that names another speaker is about that speaker's claims, not this one.
3. **Opposition**: refutation or denial ("no underlying intelligence", "disputed"), a conflict
   between parties the claim says cooperate ("at odds", "rebuffed" against "axis"),
   an evaluative word, a concession, an alternative explanation (a different actor tied to the
   same events), a negated predicate the claim asserts, or a reversed direction word.
   A claim that itself denies something is agreed with, not rebutted, by another denial.

The rationale names the words that fired, so a reader can check the decision.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from bot.stance import cues as C
from bot.stance.lexicon import Overlap, content_keys, keys_match, name_keys, overlap, shared_keys

COUNTERS, SUPPORTS, CONTEXT = "counters", "supports", "context"
MAX_RATIONALE = 299
# How far after a claim a passage may refer back to it with "these claims" (passages).
ANAPHORA_WINDOW = 3
_ANAPHORA = re.compile(r"^\W*(?:\w+\W+){0,3}?(?:both of )?(?:these|those|this|that|the) (?:claims?|allegations?|assertions?)\b",
                       re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:[-’'][^\W_]+)*")
# Names of people, places, organisations ("Saudi", "Iran"), not symbols ("DNA", "BLM").
_TITLECASE = re.compile(r"^[A-Z][a-z’'-]+$")
_CALENDAR = re.compile(r"^(?:January|February|March|April|May|June|July|August|September|October|November|"
                       r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$")
_FUNCTION_CAPS = re.compile(r"^(?:The|A|An|This|That|These|Those|It|He|She|They|We|I|In|On|At|Of|For|But|And|Or)$")

DIRECTION_WINDOW = 3
# Words next to both direction words that must agree: what moves, and what moves it.
DIRECTION_MIN_ANCHORS = 2
# Weights: how much each kind of opposition says on its own (before topic and voice bonuses).
WEIGHTS = {"concession": 0.55, "evaluative": 0.5, "refutation": 0.5, "conflict": 0.5, "alternative": 0.4,
           "negation": 0.35, "direction": 0.3}


@dataclass(frozen=True)
class StanceInput:
    """One passage as the rules see it (built from a Passage row, a ParsedPassage or a query)."""

    text: str
    speaker: str | None = None
    kind: str = "body"
    is_claim: bool = False
    source_id: int | None = None
    paragraph: int = 0
    seq: int = 0


@dataclass(frozen=True)
class StanceDecision:
    stance: str  # "counters" | "supports" | "context"
    confidence: float  # 0..1
    rationale: str  # non-empty, < 300 chars, names the words that decided it


def _same_passage(a: StanceInput, b: StanceInput) -> bool:
    if a.source_id is not None and a.source_id == b.source_id and a.seq == b.seq:
        return True
    return a.text.strip() == b.text.strip()


def _same_speaker(a: str | None, b: str | None) -> bool:
    """"Pompeo" and "Mike Pompeo" are one speaker: one name's words contain the other's."""
    if not a or not b:
        return False
    wa, wb = set(a.casefold().split()), set(b.casefold().split())
    return wa <= wb or wb <= wa


def _mentions(text: str, name: str | None) -> bool:
    """Does `text` name this speaker? Only proper names count (their last word capitalised:
    "Mike Pompeo" -> "Pompeo", "The New York Times" -> "Times"); "the 2002 report" does not."""
    if not name:
        return False
    surname = name.split()[-1]
    if not surname[:1].isupper():
        return False
    return _name_pattern(surname).search(text) is not None


@lru_cache(maxsize=16_384)
def _name_pattern(surname: str) -> re.Pattern:
    """The compiled pattern of a name as a whole word. Cached here: a folder ingest asks about
    thousands of speakers, far more than `re`'s own cache holds (it recompiled them: 3% of the
    ingest's time)."""
    return re.compile(rf"(?<![\w-]){re.escape(surname)}(?![\w-])")


def _addresses_someone_else(claim: StanceInput, evidence: StanceInput, speakers: Collection[str]) -> str | None:
    """The evidence names a speaker, and not the claim's: its verdict is about that speaker's
    claims ("Pompeo also cited ... but those too were flimsy" is not about the Times)."""
    if not claim.speaker or _mentions(evidence.text, claim.speaker):
        return None
    for name in {*speakers, evidence.speaker or ""}:
        if name and not _same_speaker(name, claim.speaker) and _mentions(evidence.text, name):
            return name
    return None


def _refers_back(claim: StanceInput, evidence: StanceInput) -> bool:
    """The evidence comes right after the claim and opens by pointing at it ("these claims")."""
    if claim.source_id is None or claim.source_id != evidence.source_id:
        return False
    return 0 < evidence.seq - claim.seq <= ANAPHORA_WINDOW and bool(_ANAPHORA.search(evidence.text))


def _outside(cues: list[C.Cue], spans: list[tuple[int, int]]) -> list[C.Cue]:
    return [c for c in cues if not any(s <= c.start < e for s, e in spans)]


@lru_cache(maxsize=2048)
def _claim_denies(text: str) -> bool:
    """The claim's main assertion is itself a denial (ignoring a conceded side clause)."""
    spans = C.concession_spans(text)
    found = C.refutation_cues(text) + C.evaluative_cues(text) + C.conflict_cues(text)
    if _outside(found, spans):
        return True
    return any(not any(s <= pos < e for s, e in spans) for _, pos in C.negated_words(text))


@lru_cache(maxsize=2048)
def _role_actors(text: str) -> dict[str, str]:
    """Actor named right before a role word: {"govern": "Saudi"} for "the Saudi government"."""
    out: dict[str, str] = {}
    words = _WORDS.findall(text)
    for prev, word in zip(words, words[1:]):
        if prev[:1].isupper() and not _FUNCTION_CAPS.match(prev):
            for key in content_keys(word):
                out.setdefault(key, prev)
    return out


def _alternative(claim: StanceInput, evidence: StanceInput) -> tuple[str, str, str] | None:
    """An alternative explanation: the evidence ties a different actor in the same role to the
    same events ("tying the Saudi government directly to the attacks" against "the Iranian
    government ... the 9/11 attacks"). Returns (cue words, evidence actor, claim actor)."""
    found = C.alternative_cues(evidence.text)
    if not found:
        return None
    claim_keys, evidence_keys = content_keys(claim.text), content_keys(evidence.text)

    def new_to(word: str, keys: frozenset[str]) -> bool:
        own = content_keys(word)
        return bool(own) and not any(keys_match(a, k) for a in own for k in keys)

    claim_roles = _role_actors(claim.text)
    for key, actor in _role_actors(evidence.text).items():
        other = claim_roles.get(key)
        if other and new_to(actor, claim_keys) and new_to(other, evidence_keys):
            return found[0].text, actor, other
    # No parallel role: the first name after the cue that the claim lacks, against a name in
    # the claim that the evidence lacks ("assistance from ... the Saudi government" vs "Iran").
    cue = found[0]
    after = [w for w in _WORDS.findall(evidence.text[cue.start:cue.start + len(cue.text) + 80])
             if _TITLECASE.match(w) and not _FUNCTION_CAPS.match(w) and not _CALENDAR.match(w)]
    actor = next((w for w in after if new_to(w, claim_keys)), None)
    words = _WORDS.findall(claim.text)
    other = next((w for i, w in enumerate(words) if i and _TITLECASE.match(w) and not _FUNCTION_CAPS.match(w)
                  and not _CALENDAR.match(w) and not _mentions(w, claim.speaker) and new_to(w, evidence_keys)
                  and not (claim.speaker and w in claim.speaker)), None)
    if actor and other:
        return cue.text, actor, other
    return None


def _negated_claim_word(claim_text: str, evidence_text: str) -> str | None:
    """A word the claim asserts and the evidence negates: "reduces" vs "did not reduce"."""
    claim_keys = content_keys(claim_text)
    for word, pos in C.negated_words(evidence_text):
        keys = content_keys(word)
        if keys and any(keys_match(k, c) for k in keys for c in claim_keys):
            return evidence_text[pos:pos + 40].split(",")[0].strip()
        # Direction words are generic (not content keys) but still carry the claim.
        if any(word in side for pair in C.DIRECTION_PAIRS for side in pair) and \
                word in claim_text.lower():
            return evidence_text[pos:pos + 40].split(",")[0].strip()
    return None


def _direction_anchors(text: str, words: set[str]) -> set[str]:
    """Content keys within `DIRECTION_WINDOW` words of any of `words`: what the direction is about."""
    tokens = _WORDS.findall(text.lower())
    anchors: set[str] = set()
    for i, token in enumerate(tokens):
        if token in words:
            for near in tokens[max(0, i - DIRECTION_WINDOW):i + DIRECTION_WINDOW + 1]:
                anchors |= content_keys(near)
    return anchors


def _reversed_direction(claim_text: str, evidence_text: str) -> str | None:
    """The evidence moves the same thing the other way: "increases homocysteine" against
    "decrease homocysteine levels". The opposite word must sit next to a word that also sits
    next to the claim's direction word, so "higher mortality" elsewhere does not count."""
    claim_dirs = C.direction_words(claim_text)
    evidence_dirs = C.direction_words(evidence_text)
    for slot, claim_words in claim_dirs.items():
        opposite = slot ^ 1
        if opposite not in evidence_dirs or slot in evidence_dirs:
            continue
        claim_anchor = _direction_anchors(claim_text, claim_words)
        evidence_anchor = _direction_anchors(evidence_text, evidence_dirs[opposite])
        shared = {a for a in claim_anchor if any(keys_match(a, b) for b in evidence_anchor)}
        if len(shared) >= DIRECTION_MIN_ANCHORS:
            return sorted(evidence_dirs[opposite])[0]
    return None


_CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:but|while|whereas|although|though|and|as)\b|\b(?:but|whereas)\b")


def _in_scope(cue: C.Cue, text: str, claim_keys: frozenset[str]) -> bool:
    """The clause a refutation sits in (its subject before it, its object after it) includes
    something the claim is about: "no association ... between bariatric surgery and cancer",
    "the description of Iran as a home base ... is not supported"."""
    start, end = 0, len(text)
    for m in _CLAUSE_BREAK.finditer(text):
        if m.end() <= cue.start:
            start = m.end()
        elif m.start() >= cue.start + len(cue.text):
            end = m.start()
            break
    return any(keys_match(k, c) for k in content_keys(text[start:end]) for c in claim_keys)


def _quote(words: tuple[str, ...] | list[str], n: int = 3) -> str:
    return ", ".join(f'"{w}"' for w in list(words)[:n])


def _voice(claim: StanceInput, evidence: StanceInput, same: bool, conceded: bool) -> str | None:
    if same and conceded:
        return f"{claim.speaker} concedes"
    if same:
        return f"the author's words about {claim.speaker}"
    if claim.speaker and evidence.speaker:
        return f"{evidence.speaker}, not {claim.speaker}"
    if claim.speaker:
        return f"the author, not {claim.speaker}"
    return None


@lru_cache(maxsize=65536)
def _reads_as_a_side(text: str) -> bool:
    """Does the passage hold any word a stance rule reads: a concession, a judgement, a
    refutation, a conflict, an alternative, a negation or a direction word?"""
    return bool(C.concession_cues(text) or C.evaluative_cues(text) or C.refutation_cues(text)
                or C.conflict_cues(text) or C.alternative_cues(text) or C.negated_words(text)
                or C.direction_words(text))


def may_take_a_side(claim: StanceInput, evidence: StanceInput) -> bool:
    """False only where `assess` cannot answer counters or supports, whatever the overlap.

    Every counters signal and the "both deny" support need one of the evidence's own cue
    words; the one stance without a cue is the claim's speaker saying more. So a passage
    without any cue, from another speaker, is at most context. Ingestion stores only
    counters and supports, and most candidate passages hold no cue: this test, cached per
    passage, spares the overlap and cue work of most pairs (docs/ingest.md)."""
    return _same_speaker(claim.speaker, evidence.speaker) or _reads_as_a_side(evidence.text)


def _rationale(parts: list[str]) -> str:
    text = " · ".join(p for p in parts if p)
    return text if len(text) <= MAX_RATIONALE else text[:MAX_RATIONALE - 1].rstrip() + "…"


def assess(claim: StanceInput, evidence: StanceInput, *, speakers: Collection[str] = ()) -> StanceDecision | None:
    """How `evidence` bears on `claim`: counters / supports / context, or None if unrelated.

    `speakers`: names of the speakers known around these passages (e.g. every speaker in the
    source), so a verdict that names another speaker is not pinned on this claim."""
    if _same_passage(claim, evidence):
        return None
    ignore = name_keys(claim.speaker)
    shared = len(shared_keys(claim.text, evidence.text, ignore=ignore))  # cheap gate first
    refers_back = _refers_back(claim, evidence)
    if shared < 2 and not (refers_back and shared >= 1):
        return None
    ov: Overlap = overlap(claim.text, evidence.text, ignore=ignore)

    same = _same_speaker(claim.speaker, evidence.speaker)
    spans = C.concession_spans(evidence.text)
    concessions = C.concession_cues(evidence.text)
    evaluative = C.evaluative_cues(evidence.text)
    claim_keys = content_keys(claim.text) - ignore
    refutations = [] if same else [c for c in _outside(C.refutation_cues(evidence.text), spans)
                                   if _in_scope(c, evidence.text, claim_keys)]
    contrast = C.contrast_cues(evidence.text)
    claim_denies = _claim_denies(claim.text)
    claim_spans = C.concession_spans(claim.text)
    cooperation = _outside(C.cooperation_words(claim.text), claim_spans)
    conflicts = C.conflict_cues(evidence.text) if (cooperation or refers_back) else []
    someone_else = _addresses_someone_else(claim, evidence, speakers)

    signals: list[tuple[str, str]] = []  # (kind, what the rationale shows)
    if not claim_denies and not someone_else:
        # A concession rebuts only its own speaker's other claims (an admission against interest).
        if same:
            signals += [("concession", f'concession "{c.text}"') for c in concessions[:1]]
        signals += [("evaluative", f'judged "{c.text}"') for c in evaluative[:1]]
        signals += [("refutation", f'negation "{c.text}"') for c in refutations[:2]]
        if not same:
            signals += [("conflict", f'conflict "{c.text}"' + (f' vs "{cooperation[0].text}"' if cooperation else ""))
                        for c in conflicts[:1]]
            alt = _alternative(claim, evidence)
            if alt:
                signals.append(("alternative", f'alternative "{alt[0]}" names {alt[1]}, not {alt[2]}'))
            if not refutations:
                negated = _negated_claim_word(claim.text, evidence.text)
                if negated:
                    signals.append(("negation", f'negates "{negated}"'))
                direction = _reversed_direction(claim.text, evidence.text)
                if direction:
                    signals.append(("direction", f'opposite direction "{direction}"'))

    shares = f"shares {_quote(ov.surface)}" if ov.surface else ""
    if signals:
        weights = sorted((WEIGHTS[k] for k, _ in signals), reverse=True)
        confidence = weights[0] + 0.5 * sum(weights[1:3])
        confidence += 0.1 if contrast else 0.0
        confidence += 0.05 if (claim.speaker and not same) else 0.0
        confidence += min(0.2, 0.05 * ov.count) + (0.05 if refers_back else 0.0)
        voice = _voice(claim, evidence, same, conceded=bool(concessions))
        parts = [voice]
        if contrast:
            parts.append(f'contrast "{contrast[0].text}"')
        parts += [shown for _, shown in signals[:3]]
        if refers_back:
            parts.append("refers back to this claim")
        parts.append(shares)
        return StanceDecision(COUNTERS, round(min(0.95, confidence), 3), _rationale(parts))

    if someone_else:
        return StanceDecision(CONTEXT, round(min(0.4, 0.1 + 0.05 * ov.count), 3),
                              _rationale([f"about {someone_else}, not {claim.speaker}", shares]))
    agreeing = refutations or evaluative or concessions or C.conflict_cues(evidence.text)
    if claim_denies and agreeing:
        words = agreeing[0].text
        return StanceDecision(SUPPORTS, round(min(0.8, 0.4 + 0.05 * ov.count), 3),
                              _rationale([f'both deny: "{words}"', shares]))
    if same:
        return StanceDecision(SUPPORTS, round(min(0.7, 0.3 + 0.05 * ov.count), 3),
                              _rationale([f"{claim.speaker} again", shares]))
    if contrast:
        return StanceDecision(CONTEXT, round(min(0.5, 0.2 + 0.05 * ov.count), 3),
                              _rationale([f'contrast "{contrast[0].text}" without a rebuttal', shares]))
    return StanceDecision(CONTEXT, round(min(0.4, 0.1 + 0.05 * ov.count), 3), _rationale(["same topic", shares]))


def voice_veto(claim: StanceInput, evidence: StanceInput, *, speakers: Collection[str] = ()) -> str | None:
    """Why `evidence` cannot rebut `claim` whatever its words, or None.

    Facts about who speaks that a (claim, passage) text pair does not carry, so a learned model
    cannot see them: the claim's own speaker saying more (a rebuttal only by conceding), and a
    verdict that names another speaker (it is about that speaker's claims)."""
    if _same_passage(claim, evidence):
        return "the same passage"
    if _same_speaker(claim.speaker, evidence.speaker) and not C.concession_cues(evidence.text):
        return f"{claim.speaker} again"
    other = _addresses_someone_else(claim, evidence, speakers)
    if other:
        return f"about {other}, not {claim.speaker}"
    return None
