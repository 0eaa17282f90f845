"""One text normaliser for both sides of the search index.

Passages are tokenised here before they go into tantivy, and `/lookup` topics are tokenised
here before we build the query, so "al-Qaeda" in an article and "Al Qaida" typed by a user
become the same token. Steps, in order (the order matters):

1. Unicode NFKC, curly quotes and hyphen-like dashes made ASCII, accents folded ("Qaïda" -> "Qaida").
2. Possessives dropped ("Times’s" -> "Times"), in-word apostrophes removed ("don't" -> "dont"),
   dotted acronyms joined ("U.S." -> "US") so acronym spellings meet.
3. Built-in equivalences from data/equivalences.json ("9/11", "Sept. 11" ... -> `sept11`):
   case-sensitive groups first (the acronym "US" but not the pronoun "us"), then case-fold,
   then the rest. Each match becomes one protected token (never stemmed, never a stopword).
4. Words (letters/digits) and hyphenated compounds: "anti-war" gives "anti", "war" and
   "antiwar", so any of the three spellings match.
5. English stopwords and one-letter tokens dropped (they cost time and carry no topic), then
   Snowball English stemming (PyStemmer) so "hijackers" meets "hijacker".

Nothing here is query syntax: user text only ever becomes a list of plain tokens.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import Stemmer

EQUIVALENCES_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "equivalences.json"

MAX_QUERY_TOKENS = 32
MAX_TOPIC_CHARS = 200
# A /lookup topic is short; anything longer is cut before we spend CPU on it.
MAX_QUERY_CHARS = 2000
# Longer "words" are URLs, hashes or junk: they would only bloat the term dictionary.
MAX_TOKEN_CHARS = 40

# Common English function words (NLTK's list plus apostrophe-free contractions, which is how
# step 2 leaves them). Dropped on both sides: they match almost everything. Contractions that
# are also content words ("she'll" -> shell, "we'll" -> well, "I'd" -> id, "haven", "won",
# "don") are deliberately kept: "the hard shell of the regime" must stay findable.
STOPWORDS = frozenset("""
a about above after again against ain all am an and any are aren arent as at be because been
before being below between both but by can cant could couldn couldnt did didn didnt do does
doesn doesnt doing dont down during each few for from further had hadn hadnt has hasn hasnt
have havent having he hed hes her here heres hers herself him himself his how hows
i if im in into is isn isnt it its itself ive just ll lets me more most mustn mustnt my
myself needn no nor not now of off on once only or other our ours ourselves out over own re
same shan shant she shes should shouldn shouldnt so some such than that thats the
their theirs them themselves then there theres these they theyd theyll theyre theyve this
those through to too under until up us ve very was wasn wasnt we were weren werent
weve what whats when whens where wheres which while who whos whom why whys will with wont
would wouldn wouldnt you youd youll your youre yours yourself yourselves youve
""".split())

_QUOTES_AND_DASHES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u02bc": "'", "\u02bb": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    # Hyphen-like dashes join words ("9–11", "Al‑Qaeda"); the em dash and bar separate them
    # ("the attack—which" is two words, not the compound "attackwhich").
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
    "\u2014": " ", "\u2015": " ", "\ufe58": " ", "\u00ad": "",
}
# A regex scan finds the few characters to map far faster than str.translate walks a long
# non-ASCII string character by character in Python.
_QUOTE_OR_DASH = re.compile("[" + "".join(_QUOTES_AND_DASHES) + "]")
# Combining diacritics (Latin and friends) left by NFKD: "ï" -> "i". Vowel signs of other
# scripts are parts of letters, not accents, so they are kept.
_COMBINING_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Possessive "'s" goes; any other apostrophe is deleted so "don't" -> "dont", "O'Brien" -> "OBrien".
_APOSTROPHE = re.compile(r"'(?:s(?!\w))?")
# The dots after the first letter of "U.S." / "U.S.A.": a literal "." starts the pattern, so
# the engine jumps from dot to dot instead of trying every letter (ten times faster).
_ACRONYM_DOTS = re.compile(r"\.(?:[A-Za-z]\.)+")
# Words and hyphenated compounds in one pass ("_" is turned into a space beforehand, so \w
# means letters and digits). Possessive quantifiers: no backtracking inside long words.
_WORDS = re.compile(r"\w++(?:-\w++)*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _ascii_punctuation(text: str) -> str:
    return _QUOTE_OR_DASH.sub(lambda m: _QUOTES_AND_DASHES[m.group(0)], text)


def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFC", _COMBINING_MARK.sub("", unicodedata.normalize("NFKD", char)))


@lru_cache(maxsize=1)
def _accent_folding() -> tuple[re.Pattern, dict[str, str]]:
    """Every character that carries a diacritic (or is one) and its folded form, built once:
    folding is then one regex scan that only stops on such characters."""
    table = {}
    for code in range(0x80, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if _COMBINING_MARK.search(unicodedata.normalize("NFKD", char)):
            table[char] = _fold_char(char)
    return re.compile("[" + "".join(re.escape(c) for c in table) + "]"), table


def _fold_accents(text: str) -> str:
    pattern, table = _accent_folding()
    return pattern.sub(lambda m: table[m.group(0)], text)


def _join_acronym(match: re.Match) -> str:
    """"U.S." -> "US" when the letter before the dots stands alone ("Mr.A.B." is left)."""
    text, start = match.string, match.start()
    if start and text[start - 1].isascii() and text[start - 1].isalpha() and (start < 2 or not text[start - 2].isalnum()):
        return match.group(0).replace(".", "")
    return match.group(0)


def _surface(text: str) -> str:
    """Steps 1-2: the cased, cleaned text that equivalence phrases are matched against."""
    if not text.isascii():  # ASCII is already NFKC, and every character we map is non-ASCII
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = _ascii_punctuation(text)
        text = _fold_accents(text)
    if "_" in text:
        text = text.replace("_", " ")
    if "'" in text:
        text = _APOSTROPHE.sub("", text)
    if "." in text:
        text = _ACRONYM_DOTS.sub(_join_acronym, text)
    return text


def _trie_pattern(keys: Iterable[str]) -> str:
    """One regex for many phrases, factored by common prefix: Python's regex engine tries
    alternatives one by one, so a flat "a|b|c..." list costs a test per phrase per position,
    while the trie rejects most positions on the first character. A space in a phrase
    matches any run of whitespace; longer phrases win (the optional tail is greedy)."""
    trie: dict = {}
    for key in keys:
        node = trie
        for atom in key:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if atom == " " else re.escape(atom)) + emit(child)
                    for atom, child in sorted(node.items()) if atom]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return emit(trie)


class _Equivalences:
    """Compiled data/equivalences.json: one trie regex per case mode, phrase -> token."""

    def __init__(self, groups: Iterable[Mapping]):
        cased: dict[str, str] = {}
        folded: dict[str, str] = {}
        for group in groups:
            token = str(group["token"]).casefold()
            if not re.fullmatch(r"[a-z0-9]+", token):
                raise ValueError(f"equivalence token {token!r} must be lowercase letters/digits")
            table = cased if group.get("case_sensitive") else folded
            for phrase in group["phrases"]:
                key = _SPACES.sub(" ", _surface(phrase).strip())
                if not group.get("case_sensitive"):
                    key = key.casefold()
                if key:
                    table[key] = token
        self.tokens = frozenset(cased.values()) | frozenset(folded.values())
        self._cased, self._folded = cased, folded
        # No look-behind in the pattern (it defeats the engine's first-character skip): the
        # word boundary on the left is checked in `_replace`, which only runs on a match.
        self._cased_re = re.compile(_trie_pattern(cased) + r"(?!\w)") if cased else None
        self._folded_re = re.compile(_trie_pattern(folded) + r"(?!\w)") if folded else None

    @staticmethod
    def _replacer(table: Mapping[str, str]):
        def replace(match: re.Match) -> str:
            start = match.start()
            if start and match.string[start - 1].isalnum():
                return match.group(0)
            return f" {table[_SPACES.sub(' ', match.group(0))]} "
        return replace

    def apply_cased(self, text: str) -> str:
        return self._cased_re.sub(self._replacer(self._cased), text) if self._cased_re else text

    def apply_folded(self, text: str) -> str:
        return self._folded_re.sub(self._replacer(self._folded), text) if self._folded_re else text


@lru_cache(maxsize=1)
def _equivalences() -> _Equivalences:
    data = json.loads(EQUIVALENCES_PATH.read_text(encoding="utf-8"))
    return _Equivalences(data["groups"])


_stemmer = Stemmer.Stemmer("english")
# Word -> stem, or "" for a word we drop. A dict lookup is several times cheaper than a call
# into the stemmer, and a corpus reuses a small vocabulary; the cap bounds memory.
_stem_cache: dict[str, str] = {}
_STEM_CACHE_MAX = 500_000


def _stem(word: str) -> str:
    """Tokens for one word, space-separated: its stem, "" when dropped (stopword, one letter,
    too long), and for a compound "anti-war" the parts and the joined form ("anti war antiwar")."""
    if "-" in word:
        parts = word.split("-")
        out = [_stem(part) for part in parts]
        joined = "".join(parts)
        if _HAS_LETTER.search(joined):
            out.append(_stem(joined))
        stem = " ".join(filter(None, out))
    elif word in _equivalences().tokens:
        stem = word
    elif len(word) < 2 or len(word) > MAX_TOKEN_CHARS or word in STOPWORDS:
        stem = ""
    else:
        stem = _stemmer.stemWord(word)
    if len(_stem_cache) >= _STEM_CACHE_MAX:
        _stem_cache.clear()
    _stem_cache[word] = stem
    return stem


def _prepare(text: str) -> str:
    """Steps 1-3: cleaned, case-folded text with equivalences replaced by their tokens."""
    equivalences = _equivalences()
    return equivalences.apply_folded(equivalences.apply_cased(_surface(text)).casefold())


def _token_string(prepared: str) -> str:
    words = _WORDS.findall(prepared)
    stems = list(map(_stem_cache.get, words))  # the hot path: one C-level pass
    if None in stems:  # words never seen before
        stems = [stem if stem is not None else _stem(word) for stem, word in zip(stems, words)]
    return " ".join(filter(None, stems))


@lru_cache(maxsize=16_384)
def index_text(text: str) -> str:
    """The tokens of `text` joined by single spaces: what the index stores for a passage.

    Cached (a few MB at most): ingestion normalises each new passage three times, to index it,
    to search other sources with it and to compare it with claims."""
    return _token_string(_prepare(text)) if text else ""


def index_tokens(text: str) -> list[str]:
    """Tokens of `text` in order, with repeats (term frequency matters to BM25); a hyphenated
    compound gives its parts then the joined form."""
    return index_text(text).split()


def _dedupe(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _contains_run(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return any(list(haystack[i:i + n]) == list(needle) for i in range(len(haystack) - n + 1))


def query_tokens(text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Distinct tokens for a /lookup topic, its own words first, then alias expansions.

    `aliases` maps a moderator's term to the canonical phrases it should also search for (the
    `Alias` table, loaded by the caller). A term matches when its tokens appear as a run in
    the topic's tokens; a term made only of stopwords matches when the whole topic equals it.
    """
    text = (text or "")[:MAX_QUERY_CHARS]
    tokens = index_tokens(text)
    expanded = list(tokens)
    if aliases:
        topic = normalize_topic(text)
        for term, phrases in aliases.items():
            term_tokens = index_tokens(term)
            if term_tokens:
                hit = _contains_run(tokens, term_tokens)
            else:
                hit = bool(topic) and normalize_topic(term) == topic
            if hit:
                for phrase in ([phrases] if isinstance(phrases, str) else phrases):
                    expanded.extend(index_tokens(phrase))
    return _dedupe(expanded)[:MAX_QUERY_TOKENS]


def query_terms(text: str, aliases: Mapping[str, Sequence[str]] | None = None) -> list[frozenset[str]]:
    """What a topic asks about, one entry per word of its own: the word's token and, for a
    moderator's alias that contains the word, the tokens the alias expands to ("POTUS" is
    matched by "president"). Ranking uses it to tell how much of the topic a passage holds."""
    text = (text or "")[:MAX_QUERY_CHARS]
    all_tokens = index_tokens(text)
    tokens = _dedupe(all_tokens)[:MAX_QUERY_TOKENS]
    terms = {token: {token} for token in tokens}
    if aliases:
        topic = normalize_topic(text)
        for term, phrases in aliases.items():
            term_tokens = index_tokens(term)
            hit = _contains_run(all_tokens, term_tokens) if term_tokens else bool(topic) and normalize_topic(term) == topic
            if not hit:
                continue
            expansion = {t for phrase in ([phrases] if isinstance(phrases, str) else phrases) for t in index_tokens(phrase)}
            for token in term_tokens or tokens:
                if token in terms:
                    terms[token] |= expansion
    return [frozenset(group) for group in terms.values()]


def normalize_topic(text: str) -> str:
    """Canonical display/log form of a topic: NFKC, ASCII quotes/dashes, case-folded, single
    spaces, at most 200 characters. Used for the query log, so "Al-Qaeda " and "al-qaeda"
    count as one topic in the digest."""
    text = _ascii_punctuation(unicodedata.normalize("NFKC", (text or "")[:MAX_QUERY_CHARS]))
    text = _CONTROL.sub(" ", text).casefold()
    return _SPACES.sub(" ", text).strip()[:MAX_TOPIC_CHARS].rstrip()
