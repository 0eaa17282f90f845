"""The person behind a definite description: "The Indiana governor said ..." is Mike Pence.

News writing names a person once and then varies: "Indiana Gov. Mike Pence ...", later "the
Indiana governor said". A description is a speaker only when the article itself links it to
exactly one person: it writes the description's office next to that person's name, as a title
("Indiana Gov. Mike Pence", "Republican presidential nominee Donald Trump") or an appositive
("Bernie Sanders, the Vermont senator"), and that link carries the description's capitalised
words ("Indiana"; "GOP" and "Republican" are one party) and its "vice" if any.

Anything else stays unnamed, because a wrong name is worse than none. The person named just
before the description is not enough. On polnear-dev, "the person in view" named the wrong
person 3 times in 8 ("The Democratic nominee" went to Donald Trump, "The GOP candidate" to
Ivanka Trump). No knowledge from outside the article is used.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

# Office word as a description writes it -> the ways an article links it to a name.
_OFFICES: dict[str, tuple[str, ...]] = {
    "senator": ("senator", "sen."), "governor": ("governor", "gov."),
    "congressman": ("congressman", "rep.", "representative"),
    "congresswoman": ("congresswoman", "rep.", "representative"),
    "lawmaker": ("lawmaker", "rep.", "sen.", "senator", "representative", "congressman", "congresswoman"),
    "nominee": ("nominee",), "candidate": ("candidate",), "mayor": ("mayor",),
    "businessman": ("businessman",), "businesswoman": ("businesswoman",), "billionaire": ("billionaire",),
    "mogul": ("mogul",), "secretary of state": ("secretary of state",), "first lady": ("first lady",),
    "president": ("president",),
}
# The offices an article writes in lower case right before a name ("presidential nominee Donald
# Trump", "billionaire Tom Steyer"): the name after one is a person's.
OFFICE_WORDS = tuple(o for o in _OFFICES if o not in ("senator", "governor", "congressman", "congresswoman",
                                                      "mayor", "president", "secretary of state", "first lady"))
_PARTIES = {"gop": "republican", "republican": "republican", "republicans": "republican",
            "democratic": "democratic", "democrat": "democratic", "democrats": "democratic"}
# Lower-case words a description may carry that say nothing about who it is.
_LOOSE = frozenset("current then longtime veteran outgoing incoming sitting embattled presumptive".split())
_DESCRIPTION = re.compile(
    r"^(?i:the)\s+(?P<mods>(?:[\w.’'-]+\s+){0,4}?)(?P<office>"
    + "|".join(sorted((re.escape(o) for o in _OFFICES), key=len, reverse=True)) + r")$")
LINK_REACH = 60  # characters of a title before a name, or of an appositive after it


def _key(word: str) -> str:
    word = word.lower().strip(".,’'")
    return _PARTIES.get(word, word)


def _links(office: str, text: str, persons: Mapping[str, str]) -> dict[str, list[str]]:
    """Full name -> the phrases that write `office` next to that person's name."""
    if not persons:
        return {}
    forms = "|".join(re.escape(f) for f in _OFFICES[office])
    aliases = "|".join(re.escape(a) for a in sorted(persons, key=len, reverse=True))
    found: dict[str, list[str]] = {}
    for m in re.finditer(rf"(?<![\w-])(?:{aliases})(?![\w-])", text):
        before = text[max(0, m.start() - LINK_REACH):m.start()]
        title = re.search(rf"(?P<phrase>[^.;:!?,\n]*?\b(?i:{forms}))\.?\s+$", before)
        after = re.match(rf",\s+(?:(?i:the|a|an)\s+)(?P<phrase>[^,.;:!?()]{{0,{LINK_REACH}}}?\b(?i:{forms}))\b",
                         text[m.end():m.end() + LINK_REACH + 10])
        for link in (title, after):
            if link:
                found.setdefault(persons[m.group(0)], []).append(link.group("phrase"))
    return found


def _carries(phrase: str, mods: list[str]) -> bool:
    """Whether a link phrase carries every word of the description that tells people apart:
    its capitalised words (places, parties), and "vice" and "former" on both sides or neither
    (a vice presidential nominee is not the nominee; "Former Republican presidential
    candidate Jeb Bush" is not "the GOP candidate")."""
    words = {_key(w) for w in phrase.split()}
    wanted = {_key(m) for m in mods}
    if any((word in words) != (word in wanted) for word in ("vice", "former")):
        return False
    return all(_key(m) in words for m in mods if m[:1].isupper())


def referent(phrase: str, text: str, persons: Mapping[str, str], cache: dict | None = None) -> str | None:
    """The full name a description such as "the Indiana governor" stands for, or None.

    `cache` (one per article) keeps each office's links: an article is read once per office,
    however many descriptions it holds."""
    m = _DESCRIPTION.match(phrase.strip())
    if not m or not text:
        return None
    office = m.group("office").lower()
    mods = m.group("mods").split()
    if any(not w[:1].isupper() and w.lower() not in _LOOSE | {"presidential", "vice", "former"} for w in mods):
        return None  # "the campaign's candidate", "the former senator and lawyer": not one office
    mods = [w for w in mods if w.lower() not in _LOOSE]
    if cache is None:
        cache = {}
    if office not in cache:
        cache[office] = _links(office, text, persons)
    links = cache[office]
    linked = [name for name, phrases in links.items() if any(_carries(p, mods) for p in phrases)]
    return linked[0] if len(linked) == 1 else None
