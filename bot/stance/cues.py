"""Linguistic cues of disagreement, each found with the exact words that triggered it.

General English, not fitted to one article: contrast markers, refutation and denial, a
speaker conceding a weakness, an alternative explanation, negated predicates and reversed
direction words. Every finder returns the matched text so a rationale can quote it and a
reader can check it. None of these decides a stance alone; `bot.stance.rules` combines them
with topical overlap and attribution.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Cue:
    kind: str  # contrast | refutation | evaluative | concession | alternative | negation | direction
    text: str  # the words as written
    start: int  # char offset in the passage


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


CONTRAST = _rx(
    r"however", r"but", r"ironically", r"despite", r"in spite of", r"although", r"though",
    r"nevertheless", r"nonetheless", r"yet(?=,)", r"in contrast", r"by contrast", r"contrary to",
    r"on the contrary", r"whereas", r"instead", r"in fact", r"in reality", r"actually",
)

# Words a critic uses about a claim: they judge it wrong, so even inside a sentence attributed
# to the claimant ("Pompeo cited ... but those too were flimsy") they are the author's voice.
EVALUATIVE = _rx(
    r"flimsy", r"baseless", r"groundless", r"unfounded", r"unsubstantiated", r"unsupported",
    r"fabricat(?:e|ed|es|ing|ion|ions)", r"bogus", r"dubious", r"spurious", r"debunked",
    r"discredited", r"misleading(?:ly)?", r"falsely", r"false(?! positive| negative)", r"untrue",
    r"myth", r"hoax", r"conspiracy theor(?:y|ies)", r"misrepresent(?:ed|s|ing)?", r"erroneous(?:ly)?",
    r"inaccurate(?:ly)?", r"no basis in fact",
)

# Reported disagreement and absence of support: strong only with topical overlap.
REFUTATION = _rx(
    r"no (?:\w+ ){0,2}(?:evidence|proof|intelligence|basis|indication|sign|support|link|links|"
    r"connection|association|relationship|correlation|effect|difference|benefit|role)",
    r"(?:offered|provided|presented|produced|gave|showed|shown|found|finds|cited|has|had|have) no",
    r"(?:without|lack(?:s|ed|ing)? (?:of )?|absence of )(?:any )?(?:\w+ )?(?:evidence|proof|basis)",
    r"reject(?:ed|s|ing)? (?:the |this |that |those |these |such )?(?:claim|claims|"
    r"allegation|allegations|idea|notion|theory|assertion|hypothesis)", r"den(?:y|ied|ies|ying)",
    r"refut(?:e|ed|es|ing)", r"disprov(?:e|ed|es|ing|en)", r"contradict(?:s|ed|ing|ory)?",
    r"disput(?:e|ed|es|ing)", r"not (?:true|the case|supported|borne out)",
    r"fail(?:s|ed|ing)? to (?:show|find|support|demonstrate|replicate|confirm|prove|detect)",
    r"(?:did|does|do|could|can) not (?:find|show|support|confirm|demonstrate|detect|replicate)",
    r"no (?:statistically )?significant", r"not (?:statistically )?significant(?:ly)?",
    r"(?:was|were|is|are) not associated", r"(?:is|are|was|were) unrelated",
    r"never (?:happened|existed|occurred)",
    r"evidence (?:was|is|remains|has been) (?:lacking|insufficient|inconclusive|weak)",
    r"(?:had|has|have|showed|shows|with) (?:little|minimal|negligible) (?:\w+ )?(?:effect|impact|benefit|influence)",
    r"no (?:\w+ ){0,2}(?:impact|improvement|influence)",
)

# The two parties are in conflict: this rebuts a claim that they cooperate, nothing else
# ("Iran and al-Qaeda remain bitterly at odds" says nothing about a prisoner exchange).
CONFLICT = _rx(
    r"at odds", r"rebuff(?:ed|s|ing)?", r"(?:bitter |sworn )?(?:rivals|enemies|adversaries)", r"hostil(?:e|ity)",
    r"feud(?:ing|s)?", r"antagonis(?:m|tic)", r"distrust(?:ed|s)?", r"mistrust", r"estranged", r"cut ties",
)
# What such a conflict rebuts: a claim of cooperation between parties.
COOPERATION = _rx(
    r"ax[ie]s", r"allian(?:ce|ces)", r"all(?:y|ies|ied)", r"ties", r"collaborat\w*", r"cooperat\w*", r"partner\w*",
    r"protect\w*", r"harbou?r\w*", r"shelter\w*", r"(?:home )?base", r"safe haven", r"haven", r"sponsor\w*",
    r"back(?:ed|ing|s)", r"coordinat\w*", r"in league", r"working with", r"aid(?:ed|ing|s)?",
)

# The speaker admits a weakness: "conceded that there's no evidence of ...".
CONCESSION = re.compile(
    r"(?<![\w-])(?:conced(?:e|ed|es|ing)|admit(?:s|ted|ting)?|acknowledg(?:e|ed|es|ing)|grant(?:ed|s)?)"
    r"(?![\w-])(?P<scope>[^.;:,]{0,80})", re.IGNORECASE)
NEGATOR = _rx(r"no", r"not", r"never", r"none", r"neither", r"nor", r"nothing", r"without", r"cannot",
              r"\w+n[’']t", r"lack(?:s|ed|ing)?", r"fail(?:s|ed)? to")
# Negators of a main predicate ("did not reduce"). "without" is left out: it usually opens a
# side clause ("leave Afghanistan without having their passports stamped").
PREDICATE_NEGATOR = _rx(r"not", r"never", r"cannot", r"\w+n[’']t", r"fail(?:s|ed)? to", r"neither", r"nor")

# "tying the Saudi government directly to the attacks": an actor the claim does not name is
# connected to what the claim is about.
ALTERNATIVE = _rx(
    r"t(?:ying|ies|ied|ie) (?:the |a |an )?(?P<tie_actor>(?:[\w’'-]+ ){1,4})(?:directly |closely )?to",
    r"(?:connect(?:ed|ion|ions)?|link(?:ed|s)?|ties|tied) (?:with|to) (?:the |a |an )?(?P<link_actor>(?:[A-Z][\w’'-]+ ?){1,4})",
    r"(?:assistance|support|help|funding) from",
    r"(?:caused|explained|driven) (?:instead |rather |mainly |largely )?by",
    r"rather than", r"instead of", r"not [\w’'-]+ but",
)

# Words whose opposite reverses a claim about a direction or an amount.
DIRECTION_PAIRS = (
    ({"increase", "increases", "increased", "increasing", "raise", "raises", "raised", "elevated",
      "higher", "more", "greater", "enhance", "enhances", "enhanced", "promote", "promotes", "promoted",
      "improve", "improves", "improved", "gain", "up-regulated", "upregulated", "activate", "activates",
      "activated", "induce", "induces", "induced", "stimulate", "stimulates", "stimulated", "rise", "rose",
      "rises", "elevation"},
     {"decrease", "decreases", "decreased", "decreasing", "reduce", "reduces", "reduced", "reducing",
      "lower", "lowers", "lowered", "less", "fewer", "diminish", "diminished", "impair", "impairs",
      "impaired", "inhibit", "inhibits", "inhibited", "suppress", "suppresses", "suppressed", "worsen",
      "worsens", "worsened", "loss", "down-regulated", "downregulated", "attenuate", "attenuates",
      "attenuated", "prevent", "prevents", "prevented", "block", "blocks", "blocked", "reduction",
      "decline", "declined", "declines", "fell", "fall", "falls", "drop", "dropped"}),
    ({"positive", "positively"}, {"negative", "negatively", "inverse", "inversely"}),
    ({"benefit", "beneficial", "protective", "protects", "safe", "effective"},
     {"harm", "harmful", "detrimental", "toxic", "unsafe", "ineffective", "risk"}),
)
_LOWER_WORD = re.compile(r"[a-z][a-z-]*")
# Words that may sit between a negator and the verb it negates ("did not significantly reduce").
_FILLERS = frozenset("be been being is are was were do does did have has had appear appears appeared seem "
                     "seems seemed significantly substantially markedly statistically necessarily always "
                     "directly further also any the a an to".split())


def _matches(pattern: re.Pattern[str], text: str, kind: str) -> list[Cue]:
    return [Cue(kind, m.group(0), m.start()) for m in pattern.finditer(text)]


# Finders below are cached (a passage is compared with many claims): callers must not
# mutate the lists they get back.


@lru_cache(maxsize=2048)
def contrast_cues(text: str) -> list[Cue]:
    return _matches(CONTRAST, text, "contrast")


@lru_cache(maxsize=2048)
def evaluative_cues(text: str) -> list[Cue]:
    return _matches(EVALUATIVE, text, "evaluative")


@lru_cache(maxsize=2048)
def refutation_cues(text: str) -> list[Cue]:
    return _matches(REFUTATION, text, "refutation")


@lru_cache(maxsize=2048)
def conflict_cues(text: str) -> list[Cue]:
    return _matches(CONFLICT, text, "conflict")


@lru_cache(maxsize=2048)
def cooperation_words(text: str) -> list[Cue]:
    return _matches(COOPERATION, text, "cooperation")


@lru_cache(maxsize=2048)
def concession_cues(text: str) -> list[Cue]:
    """A concession verb whose clause carries a negation: "conceded that there's no evidence"."""
    found = []
    for m in CONCESSION.finditer(text):
        negator = NEGATOR.search(m.group("scope"))
        if negator:
            # Show the verb through the negated phrase: "conceded that there’s no evidence".
            tail = m.group("scope")[negator.end():]
            shown_end = m.start("scope") + negator.end() + len(" ".join(tail.split()[:2])) + 1
            found.append(Cue("concession", text[m.start():shown_end].strip(), m.start()))
    return found


@lru_cache(maxsize=2048)
def concession_spans(text: str) -> list[tuple[int, int]]:
    """Where the concession clauses are (verb to the end of its clause): cues inside them are
    the speaker's admission, not the polarity of the speaker's main claim."""
    return [(m.start(), m.end()) for m in CONCESSION.finditer(text) if NEGATOR.search(m.group("scope"))]


@lru_cache(maxsize=2048)
def alternative_cues(text: str) -> list[Cue]:
    return _matches(ALTERNATIVE, text, "alternative")


@lru_cache(maxsize=2048)
def negated_words(text: str) -> list[tuple[str, int]]:
    """Each negator with the first content word it negates: [("reduce", offset of "not")]."""
    lowered = text.lower()
    found = []
    for m in PREDICATE_NEGATOR.finditer(lowered):
        for word in _LOWER_WORD.findall(lowered[m.end():m.end() + 60]):
            if word not in _FILLERS:
                found.append((word, m.start()))
                break
    return found


@lru_cache(maxsize=2048)
def direction_words(text: str) -> dict[int, set[str]]:
    """Direction words in `text` by pair index and side: {pair*2 + side: {words}}."""
    words = set(_LOWER_WORD.findall(text.lower()))
    out: dict[int, set[str]] = {}
    for i, (up, down) in enumerate(DIRECTION_PAIRS):
        if words & up:
            out[i * 2] = words & up
        if words & down:
            out[i * 2 + 1] = words & down
    return out
