"""Topical overlap between a claim and a candidate piece of evidence.

A cue word ("however", "no evidence") only matters when the sentence is about the same thing
as the claim, so every stance decision starts here: which content words do the two passages
share? Words go through the search normaliser (`bot.search.normalize.index_tokens`) so that
"al-Qaeda"/"Qaeda" or "9/11"/"September 11th" agree exactly as they do in search, then lose
the words that carry no topic (reporting verbs, hedges). Two words also match when one is a
prefix of the other and the shorter has 4+ letters ("Iran" / "Iranian", "Saudi" / "Saudis"),
which catches demonyms and plurals the stemmer leaves apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.search.normalize import index_tokens

# Stems (as the normaliser emits them) that say nothing about the topic: reporting verbs,
# hedges, generic nouns. Sharing "said" or "claim" does not make two sentences comparable.
GENERIC_KEYS = frozenset(index_tokens(" ".join([
    "say said says saying tell told note noted remark remarked claim claimed claims claiming",
    "cite cited allege alleged allegation allegations state stated statement report reported",
    "reporting reports argue argued point pointed describe described call called also one two",
    "new week year month day time first last even still may might would could whether",
    "part section according suggest suggested show shown showed find found finding study",
    "result results evidence data effect effects associated association patient patients",
    "increase increased decrease decreased level levels",
    # Function words a plain stopword list may keep, and titles (they name a role, not a topic).
    "between before after while during since until among within without about against across",
    "secretary president minister prime chief spokesman spokeswoman spokesperson director mr mrs ms dr",
])))
_WORD = re.compile(r"[^\W_]+(?:[-'’./][^\W_]+)*")
_MIN_PREFIX = 4


@lru_cache(maxsize=4096)
def content_keys(text: str) -> frozenset[str]:
    """Normalised content words of `text` (search tokens minus generic words)."""
    return frozenset(k for k in index_tokens(text) if k not in GENERIC_KEYS and (not k.isdigit() or len(k) >= 4))


def keys_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= _MIN_PREFIX and long_.startswith(short)


@dataclass(frozen=True)
class Overlap:
    """Content words shared by claim and evidence, as evidence-side surface words."""

    keys: tuple[str, ...]  # normalised keys from the claim side
    surface: tuple[str, ...]  # how those words are written in the evidence (for the rationale)
    claim_size: int  # number of content keys in the claim

    @property
    def count(self) -> int:
        return len(self.keys)

    @property
    def share(self) -> float:
        """Share of the claim's content words the evidence repeats (0..1)."""
        return self.count / self.claim_size if self.claim_size else 0.0


@lru_cache(maxsize=1024)
def _surface_words(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Words and 2-3 word phrases with their keys, so "United States" shows instead of "usa"."""
    words = [m.group(0) for m in _WORD.finditer(text)]
    out = []
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i:i + n])
            out.append((phrase, frozenset(index_tokens(phrase))))
    return tuple(out)


@lru_cache(maxsize=4096)
def _prefixes(text: str) -> frozenset[str]:
    """Every prefix (4+ letters) of the text's content keys: a key that is a prefix of one of
    them matches in O(1) instead of a scan."""
    return frozenset(k[:n] for k in content_keys(text) for n in range(_MIN_PREFIX, len(k) + 1))


def _matches_any(key: str, keys: frozenset[str], prefixes: frozenset[str]) -> bool:
    if key in keys or (len(key) >= _MIN_PREFIX and key in prefixes):
        return True
    return any(key[:n] in keys for n in range(_MIN_PREFIX, len(key)))


def shared_keys(claim_text: str, evidence_text: str, *, ignore: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The claim's content keys the evidence also has (exactly or by a 4+ letter prefix)."""
    keys, prefixes = content_keys(evidence_text), _prefixes(evidence_text)
    return tuple(k for k in sorted(content_keys(claim_text) - ignore)
                 if _matches_any(k, keys, prefixes) and k not in ignore)


def overlap(claim_text: str, evidence_text: str, *, ignore: frozenset[str] = frozenset()) -> Overlap:
    """Which of the claim's content words the evidence shares (`ignore`: keys not to count,
    e.g. the claim speaker's own name, which says who talks, not what about)."""
    shared = shared_keys(claim_text, evidence_text, ignore=ignore)
    surface: list[str] = []
    if shared:
        words = _surface_words(evidence_text)
        for key in shared:
            word = next((w for w, ks in words if any(keys_match(key, k) for k in ks)), key)
            if word not in surface:
                surface.append(word)
    return Overlap(shared, tuple(surface), len(content_keys(claim_text) - ignore))


def name_keys(name: str | None) -> frozenset[str]:
    """Normalised words of a speaker name ("Mike Pompeo" -> {"mike", "pompeo"})."""
    return frozenset(index_tokens(name)) if name else frozenset()
