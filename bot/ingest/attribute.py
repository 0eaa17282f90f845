"""Who asserts each sentence: `speaker` and `is_claim` from reported-speech rules.

Why rules and not a model: every decision must be explainable to a moderator ("it says
', the Times noted.' at the end") and cheap enough for bulk ingestion. The steps:

1. Entities (one pass over the whole text, so order of first mention does not matter):
   titled people ("Secretary of State Mike Pompeo" -> person "Mike Pompeo", role
   "secretary of state"), people named right before a speech verb ("Joe Biden said"),
   organisations written "The New York Times" (aliases "New York Times", "Times").
2. Person mentions in text order (full name, surname, "the <role>"), so "he" resolves to the
   most recent person mentioned before it.
3. Per sentence, in order of precedence:
   0. the author's verdict on what the sentence reports, in a closing contrast clause about
      that content (`Pompeo also cited ..., but those too were flimsy.`): no speaker.
   a. trailing attribution: `...," he claimed.` / `..., the Times noted.` / `," part of the
      2002 report reads.` / `," said Pompeo.`
   b. the first speech verb whose subject resolves: a pronoun, a role, a person or
      organisation, a description the article links to one person ("the Indiana governor",
      `bot.ingest.descriptions`), a document ("part of the 2002 report"), or a generic source
      ("A diplomatic source", "Terrorism experts"); passive voice ("was alleged") is skipped.
      A verb followed by "that" whose subject names nobody ends the search: the verbs in its
      clause are not ours ("The Times on Saturday wrote that Trump had claimed").
   c. "according to <speaker>".
4. Documents referred to several ways ("the congressional 9/11 inquiry", then "the 2002
   report") are merged when a definite reference points back to the only document so far,
   and named once from all their modifiers: "the 2002 congressional 9/11 inquiry report".

A sentence with no resolvable speaker is the author's own voice: speaker None, not a claim.
Given a `tagger` (`bot.ingest.tagger`, as `parse_article` does), a learned model may name the
speaker of such a sentence when it reports speech; the rules' answers are never overridden.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from bot.ingest import descriptions
from bot.ingest.segment import quote_spans

if TYPE_CHECKING:
    from bot.ingest.tagger import SpeakerTagger

SPEECH_VERBS = (
    "said", "says", "say", "claimed", "claims", "claim", "told", "tells", "noted", "notes",
    "remarked", "remarks", "argued", "argues", "alleged", "alleges", "stated", "states",
    "wrote", "writes", "added", "adds", "conceded", "concedes", "cited", "cites",
    "pointed to", "points to", "pointed out", "points out", "described", "describes",
    "accused", "accuses", "urged", "urges", "reads", "insisted", "insists", "warned", "warns",
    "asserted", "asserts", "denied", "denies", "called", "calls", "confirmed", "confirms",
    "announced", "announces", "explained", "explains", "suggested", "suggests",
    "acknowledged", "acknowledges", "admitted", "admits", "declared", "declares",
    "maintained", "maintains", "contended", "contends", "testified", "testifies",
    "tweeted", "tweets", "reported", "reports", "concluded", "concludes", "found", "finds",
    "stressed", "stresses", "emphasized", "emphasizes", "predicted", "predicts",
    "promised", "promises", "vowed", "vows", "asked", "asks", "replied", "replies",
    # Reporting verbs PolNeAR's annotators mark as attribution cues, beyond "said".
    "agreed", "agrees", "responded", "responds", "recalled", "recalls", "pledged", "pledges",
    "condemned", "condemns", "questioned", "questions", "criticized", "criticizes", "criticised",
    "demanded", "demands", "mentioned", "mentions", "showed", "shows", "estimated", "estimates",
    "complained", "complains",
    "boasted", "boasts", "joked", "jokes", "believes", "believed", "predicted", "touted", "touts",
    "blasted", "slammed", "praised", "praises", "observed", "recounted", "acknowledged",
    "projected", "projects", "forecast", "revealed", "reveals", "disclosed", "indicated", "indicates",
    "has learned", "learned", "charged", "charges", "contended", "lamented", "laments",
    "continued", "continues", "echoed", "echoes", "bragged", "brags", "rated", "rates", "ruled", "rules",
    "hinted", "hints", "scoffed", "mocked", "argued", "wondered", "conceded", "pledged",
)
# Subject-to-verb fillers: "he also claimed", "the Times has since reported".
_FILLERS = frozenset("""also then later has have had previously repeatedly reportedly once again
publicly recently falsely further first initially even never often since subsequently
separately privately openly flatly baselessly wrongly correctly rightly""".split())
_PASSIVE = frozenset("was were is are been being be get got gets".split())
# Words that end a subject phrase when walking back from the verb.
_CLAUSE_STOPS = frozenset("""that which who whom whose and but or nor while when whereas as if
because although though since after before where so than unless until whether yet
however ironically meanwhile moreover also said""".split())
_RELATIVE = frozenset({"which", "that", "who"})
PRONOUNS = frozenset({"he", "she"})
# Subjects that name nobody: "Nobody said", "It said", "Many argued".
_NOBODY = frozenset("""nobody none someone somebody everyone everybody anyone anybody it this that
these those there what which who many some others few most all we i you they one""".split())
SOURCE_NOUNS = (
    "source", "sources", "official", "officials", "expert", "experts", "analyst", "analysts",
    "spokesperson", "spokesman", "spokeswoman", "spokespeople", "diplomat", "diplomats",
    "critic", "critics", "researcher", "researchers", "scientist", "scientists", "lawyer",
    "lawyers", "attorney", "attorneys", "aide", "aides", "observer", "observers", "witness",
    "witnesses", "administration", "government", "ministry", "department", "agency",
    "police", "prosecutor", "prosecutors", "investigator", "investigators", "economist",
    "economists", "historian", "historians", "activist", "activists", "lawmaker", "lawmakers",
    "authorities", "military", "army", "court", "judge", "committee", "panel", "campaign",
    "statement", "person", "people", "company", "companies", "firm", "group", "bank", "trust",
    "union", "unions", "bureau", "board", "council", "commission", "chairman", "chairwoman",
    "president", "executive", "executives", "director", "manager", "managers", "trader", "traders",
    "dealer", "dealers", "industry", "leader", "leaders", "newspaper", "association", "residents",
    "engineer", "engineers", "doctor", "doctors", "scientists", "forecasters", "inspectors", "auditors",
    "team", "staff", "allies", "supporters", "commissioner", "democrat", "democrats", "republican",
    "republicans", "conservatives", "liberals", "pollster", "pollsters", "spokesmen", "spokeswomen", "strategist", "strategists", "adviser",
    "advisers", "advisor", "advisors", "pollster", "pollsters", "operative", "operatives",
)
# Verb forms that are also plural nouns ("his baseless claims", "calls for reform"): after
# these, only a subject we already know (a person, role, organisation, document) counts.
AMBIGUOUS_VERBS = frozenset({
    "claims", "calls", "reports", "notes", "remarks", "states", "tweets", "finds", "promises",
    "vows", "reads", "points to", "points out", "cites", "urges",
    "questions", "demands", "shows", "estimates", "jokes", "boasts", "projects",
    "charges", "mentions", "laments", "touts", "indicates", "forecast", "learned", "praises",
    "continues", "echoes", "rates", "rules", "hints",
})
DOCUMENT_NOUNS = (
    "report", "reports", "inquiry", "study", "memo", "memorandum", "document", "documents",
    "letter", "review", "investigation", "assessment", "audit", "paper", "filing", "complaint",
    "indictment", "lawsuit", "ruling", "transcript", "cable", "dossier", "survey", "analysis",
    "commission report", "white paper", "book", "resolution", "bill", "order",
    "poll", "polls", "ad", "video", "average", "averages", "estimate", "forecast",
)
_DOC_PARTS = r"(?:(?:part|parts|a part|a section|another section|one section|sections|a passage|a page|a chapter|a footnote|the text|the conclusion|the summary|an excerpt|a portion)\s+of\s+)?"
_DOC_DROP_MODIFIERS = frozenset({"same", "this", "that", "these", "those", "said", "aforementioned", "above", "new", "full"})

TITLES = (
    r"Secretary of State|Secretary of Defense|Secretary of the Treasury|Treasury Secretary|"
    r"Secretary of Homeland Security|Defense Secretary|Secretary-General|Secretary General|"
    r"Vice President|President-elect|President|Prime Minister|Deputy Prime Minister|"
    r"Foreign Minister|Defense Minister|Trade Minister|Minister|Chancellor|Senator|Sen\.|"
    r"Trade Representative|Representative|Rep\.|Secretary|Commissioner|Chief Executive|"
    r"Congressman|Congresswoman|Governor|Gov\.|Mayor|Chief Justice|Justice|Judge|"
    r"Attorney General|General|Gen\.|Admiral|Adm\.|Colonel|Col\.|Crown Prince|King|Queen|"
    r"Prince|Princess|Ambassador|Director|Chairman|Chairwoman|Speaker|Pope|Sheikh|Ayatollah|"
    r"Supreme Leader|spokesperson|spokesman|spokeswoman|House Speaker|Sens\.|Reps\.|Lt\. Gov\.|"
    r"Lord|Lady|Baroness|Baron|Sir|Dame|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Prof\.|Professor|Rev\."
)
_HONORIFICS = frozenset({"dr.", "mr.", "mrs.", "ms.", "dr", "mr", "mrs", "ms", "prof.", "professor", "rev.",
                         "lord", "lady", "baroness", "baron", "sir", "dame"})
# Titles that tell "he" from "she"; any other title leaves the person compatible with both.
_TITLE_GENDER = {
    "mr.": "he", "mr": "he", "mrs": "she", "ms": "she", "lord": "he", "sir": "he", "baron": "he",
    "lady": "she", "baroness": "she", "dame": "she", "king": "he", "prince": "he", "crown prince": "he", "congressman": "he", "chairman": "he",
    "spokesman": "he", "pope": "he", "sheikh": "he", "ayatollah": "he",
    "mrs.": "she", "ms.": "she", "queen": "she", "princess": "she", "congresswoman": "she",
    "chairwoman": "she", "spokeswoman": "she",
}
# "Pompeo", "O’Brien", "McDonald", "Jean-Luc", "al-Masri", "bin Salman", a middle initial "F.";
# not a contraction like "I’ve".
_NAME_TOKEN = (
    r"(?:(?:al|el|bin|ibn|abu|de|da|van|von|du|le|la|di|del|der)[- ])?"
    r"(?:[A-Z][’'])?[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)*(?:-[A-Z]?[a-zà-ÿ]+)*(?![’'](?:ve|re|ll|d|m|t)\b)|[A-Z]\."
)
_NAME = rf"(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{0,3}}"
_NOT_NAME_TOKENS = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
March April May June July August September October November December The He She It They We I
His Her Its Their On In At But And Or So If When While After Before Since As A An This That These
Those There Here What Where Why How Who Then Now Also Yet For From To By With Despite During Under
Over Meanwhile However Still Last Next Some Many Most All Both Each Every Our My Your Mr Mrs Ms Dr
Although Though Because Unlike Like Even Only Just According""".split())
_ORG_WORDS = frozenset("""Times Post News Press Journal Herald Tribune Guardian Telegraph Reuters
Institute Department Ministry Agency Council Committee Commission Party Organization Organisation
Association Foundation Club Bank University Group Corporation Company Watch Network Service
Office Court Congress Senate House Pentagon Administration Government Army Navy Inc Corp Co Ltd
LLC Plc PLC Trust Holdings Industries Systems Technologies Technology Properties Investment Fund
Partners Airlines Bancorp Capital International Energy Motors Group""".split())

_VERB_ALT = "|".join(sorted((v.replace(" ", r"\s+") for v in SPEECH_VERBS), key=len, reverse=True))
_VERB = re.compile(rf"\b(?:{_VERB_ALT})\b")
_VERB_WORDS = frozenset(v for v in SPEECH_VERBS if " " not in v)
_SOURCE_NOUN_SET = frozenset(SOURCE_NOUNS)
_TITLED_NAME = re.compile(rf"(?<![\w-])(?P<title>(?i:{TITLES}))\s+(?P<name>{_NAME})")
_OFFICE_THEN_NAME = re.compile(rf"(?<![\w-])(?:{'|'.join(descriptions.OFFICE_WORDS)})\s+(?P<name>{_NAME})")
_NAME_BEFORE_VERB = re.compile(
    rf"(?<![\w’'-])(?P<name>{_NAME})(?:,[^,.;“”\"]{{1,60}},)?\s+(?:(?:also|then|later|has|had)\s+)?(?:{_VERB_ALT})\b"
    rf"|[,”\"]\s*(?:said|says|added|wrote|asked|noted)\s+(?P<inverted>{_NAME})"
)
_ORG_TOKEN = r"[A-Z](?:[\w’'&-]|\.(?=\w))*"
_TITLE_WORD = re.compile(rf"^(?i:{TITLES})$")
_ORG = re.compile(rf"\b[Tt]he\s+(?P<name>{_ORG_TOKEN}(?:\s+(?:of\s+(?:the\s+)?|for\s+|and\s+|&\s+)?{_ORG_TOKEN}){{0,4}})")
_WORD_TOKEN = re.compile(r"[\w’'/.&-]+|[^\w\s]")
_POSSESSIVE = re.compile(r"[’']s$")
_TRAILING = re.compile(
    rf"(?:[,”\"]|[.?!][”\"])\s*(?P<np>[^,“”\"]{{1,80}}?)\s+(?:(?:also|then|later|further)\s+)?(?P<verb>{_VERB_ALT})"
    rf"(?:\s+[^,“”\"]{{0,40}}?)?[.!?]?[”\"]?\s*$"
)
_TRAILING_INVERTED = re.compile(
    r"[,”\"]\s*(?:said|says|added|wrote|asked|noted|claimed)\s+(?P<np>[^,“”\"]{1,80}?)"
    r"(?:,(?P<appos>[^“”\"]{1,80}?))?[.!?]?\s*$"  # optional appositive: ", said Ann Ito, the mayor."
)
# "... ,” said Kevin Barrett, a lawyer at Bailey & Glasser, who represents ...": the name right
# after an inverted verb, whatever follows it.
_INVERTED_NAME = re.compile(
    rf"(?:[,”\"]|[.?!][”\"])\s*(?:said|says|added|wrote|asked|noted|claimed|explained|argued|recalled|"
    rf"continued|insisted|warned|responded|countered|tweeted|writes|adds|argues|explains)\s+"
    rf"(?!of\b|to\b|about\b|with\b|by\b|for\b|from\b|on\b|in\b|at\b)"
    rf"(?P<np>(?:[a-z0-9][\w/’'-]*\s+){{0,3}}?(?P<name>(?:(?i:{TITLES})\s+)?(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{0,5}}))"
    rf"(?=\s*[,.;:!?]|\s+(?:in|on|at|of|for|from|with|during|after|who|told)\b|\s*$)"
)
# A participle or a second verb whose subject is the sentence's: "Trump defended the tweets,
# saying ...", "Cruz exhorted Republicans ... and said he was ...".
_PARTICIPLES = (r"saying|arguing|claiming|adding|noting|insisting|warning|explaining|asserting|telling|"
                r"accusing|suggesting|stressing|declaring|promising|vowing|predicting|contending|charging|"
                r"complaining|boasting|acknowledging|tweeting|comparing|calling for|calling on|demanding|"
                r"touting|denying|dismissing|blaming|praising|criticizing|questioning|urging")
_SECOND_VERBS = (r"said|says|added|argued|claimed|told|tells|warned|noted|insisted|wrote|tweeted|vowed|promised|"
                 r"denied|denies|acknowledged|admitted|called|accused|predicted|continued|echoed")
_SECOND_VERB = re.compile(
    rf"\b(?:{_PARTICIPLES})\b"
    rf"|,\s*(?:then\s+|also\s+|later\s+)?(?:{_SECOND_VERBS})\b(?!\s+(?:a|an|the|one|two|several|[A-Z]))"  # not ", said a spokesman"
    rf"|\b(?:and|but)\s+(?:then\s+|also\s+|later\s+)?(?:{_SECOND_VERBS})\b"
)
# A stance verb right after a named subject: "Trump openly admires Putin", "Clinton wants ...".
_ATTITUDE_AFTER_SUBJECT = re.compile(
    rf"^[“\"]?\s*(?:(?:[a-z]+\s+){{0,2}}?(?:(?i:{TITLES})\s+)?{_NAME})(?:\s+(?:also|now|still|has|have|had|[a-z]{{3,}}ly))*\s+"
    r"(?:wants?|wanted|admires?|admired|believes?|believed|thinks?|thought|supports?|supported|opposes?|opposed|"
    r"hopes?|hoped|expects?|expected|blamed|blames|proposed|proposes|plans|planned|favou?rs|favou?red|"
    r"backs|backed|endorsed|endorses|rejected|dismissed|defended|defends|attacked|attacks|"
    r"championed|pushed|pushes|seeks|sought|intends|intended|vowed|pledged|insists|threatened|threatens|"
    r"worries|worried|fears|feared|doubts|doubted|welcomed|welcomes|applauded|lauded)\b"
)
# "Clinton is stressing that ...": a progressive form, its subject before the auxiliary.
_PROGRESSIVE = re.compile(rf"\b(?:is|are|was|were|has been|have been|had been)\s+(?:also\s+|now\s+|still\s+)?(?:{_PARTICIPLES}|pushing|defending|endorsing|casting|pressing|attacking|slamming)\b")
_INITIAL_SUBJECT = re.compile(
    rf"^(?:(?:In|On|At|After|During|Before|Asked about|Speaking)\b[^,“”\"]{{1,60}},\s+)?"  # "In a brief interview, Ms. Conway ..."
    rf"[“\"‘']?\s*(?P<np>(?:He|She|(?:(?!(?:after|before|when|while|if|as|since|because|although|though|until|in|on|at|by|for|with|from)\s)[a-z]+\s+){{0,2}}?(?:(?i:{TITLES})\s+)?{_NAME}))(?=\s+[a-z(])"
)
# Headlines: "Pence: Flowers Won't Be at Debate", "Tax Plan Would Hurt Families, Say Tories".
_HEADLINE_LABEL = re.compile(
    rf"^(?P<np>{_NAME}):\s|^(?P<np3>{_NAME})\s+(?:Says|Claims|Warns|Vows|Insists|Tells|Admits|Denies|Argues)\s")
_HEADLINE_TRAILING = re.compile(
    rf",\s+(?:(?i:says?|claims?|warns?|insists?|argues?|tells?)\s+(?P<np>(?:[Tt]he\s+)?{_NAME})"
    rf"|(?P<np2>(?:[Tt]he\s+)?{_NAME})\s+(?:Says?|Claims?|Warns?|Insists?|Argues?))[.!?]?\s*$")
# A transcript line: "PENCE: Well, look, ..." (the label is a surname in capitals).
_TRANSCRIPT_LABEL = re.compile(r"^[“\"]?(?P<label>[A-Z][A-Z’'-]{2,}(?: [A-Z][A-Z’'-]+)?):\s")
_ACCORDING_CUT = re.compile(
    r"\s+(?:released|published|filed|conducted|issued|obtained|which|that|who|last|this|on|in|at)\b.*$")
_ACCORDING = re.compile(r"\b(?i:according) to (?P<np>[^,.;:“”\"]{1,80})")
_GENERIC = re.compile(
    r"^(?P<np>(?:(?:a|an|the|some|two|three|four|several|many|other|senior|one|one of the)\s+)?"
    r"(?:[\w’'-]+\s+){0,3}?(?:" + "|".join(SOURCE_NOUNS) + r")(?:\s+familiar with [^,;:]{1,40})?)"
    r"(?:\s+(?:in|at|from|with|for|close to|of|on)\s+[^,;:]{1,40})?$",
    re.I,
)
_GENERIC_AFTER_PREPOSITION = re.compile(r"\s(?:at|of|from|in|for|with)\s+(?P<rest>(?:the|a|an)\s.*)$")
_DOCUMENT = re.compile(
    rf"(?:^|\s){_DOC_PARTS}(?P<det>the|a|an|this|that|its|their)\s+(?P<mods>(?:[\w/’'-]+\s+){{0,3}}?)"
    rf"(?P<head>{'|'.join(sorted(DOCUMENT_NOUNS, key=len, reverse=True))})$",
    re.I,
)
_YEAR = re.compile(r"^(?:1[6-9]|2\d)\d\d$")

# The narrator's verdict on what was just reported: "Pompeo also cited more recent claims ...,
# but those too were flimsy." A contrast clause whose subject points back at the reported
# content (a demonstrative or "it"/"they", not a person) and whose predicate judges it makes
# the whole sentence the author's. "..., but he said they were preliminary" does not match:
# its subject is a person and it reports more speech.
_VERDICT_WORDS = (
    r"flimsy|baseless|groundless|unfounded|unsubstantiated|unsupported|unproven|untrue|false|"
    r"fabricated|bogus|dubious|spurious|specious|debunked|discredited|disproven|refuted|"
    r"misleading|erroneous|inaccurate|incorrect|wrong|tenuous|shaky|questionable|"
    r"doubtful|implausible|unconvincing|exaggerated|overblown|not true|not credible|"
    r"without (?:any )?(?:basis|evidence|merit|foundation)|no more (?:credible|convincing|solid)"
)
_VERDICT_SUBJECT = (
    r"(?:it|they|those|these|this|that|both|neither|"
    r"(?:that|this|those|these|such|the|his|her|their|both)\s+(?:\w+\s+)?"
    r"(?:claims?|allegations?|assertions?|charges?|accusations?|arguments?|reports?|stor(?:y|ies)|"
    r"theor(?:y|ies)|links?|ties|connections?|figures?|numbers?|statistics|evidence|examples?|"
    r"ones|sources?|suggestions?|statements?|remarks?|comments?|accounts?))"
)
_VERDICT_ADVERBS = (
    r"(?:,?\s*(?:too|also|likewise|similarly|equally|just as|as|all|both|largely|mostly|"
    r"entirely|wholly|simply|clearly|ultimately|themselves|itself|at best|at least|even|"
    r"again|in turn|once more),?)*"
)
_VERDICT_COPULA = (
    r"(?:was|were|is|are|has been|have been|had been|remains?|remained|seems?|seemed|"
    r"appears?|appeared|looks?|looked|proved|proves|proved to be|turned out to be|"
    r"turn out to be|turns out to be)"
)
_NARRATOR_VERDICT = re.compile(
    rf"(?:[,;]\s*|\s+)(?i:but|yet|though|although|however,)\s+"
    rf"(?i:{_VERDICT_SUBJECT}){_VERDICT_ADVERBS}\s+(?i:{_VERDICT_COPULA}){_VERDICT_ADVERBS}\s+"
    rf"(?:(?:very|so|rather|quite|equally|just as|also|too|even more|more|highly|deeply|similarly)\s+)?"
    rf"(?i:{_VERDICT_WORDS})(?:,?\s+(?:too|as well|at best|either))?[.!?]?\s*$"
)


# ---------------------------------------------------------------- entities

@dataclass
class Entities:
    """People, roles and organisations of one article, and where people are mentioned."""

    persons: dict[str, str] = field(default_factory=dict)  # full name or unique surname -> full name
    roles: dict[str, str] = field(default_factory=dict)  # "secretary of state" -> full name
    orgs: dict[str, str] = field(default_factory=dict)  # "Times" / "New York Times" -> "The New York Times"
    mentions: list[tuple[int, str]] = field(default_factory=list)  # (position, full name), in order
    genders: dict[str, str] = field(default_factory=dict)  # full name -> "he"/"she", from a title
    text: str = ""  # the article, for descriptions ("the Indiana governor") read against it
    description_links: dict = field(default_factory=dict)  # office -> links, see bot.ingest.descriptions

    def person_before(self, position: int, pronoun: str | None = None) -> str | None:
        """The most recent person mentioned before `position` (for "he"/"she"), skipping
        people whose title says the pronoun cannot be theirs."""
        index = bisect.bisect_left(self.mentions, (position, ""))
        for i in range(index - 1, -1, -1):
            name = self.mentions[i][1]
            if pronoun is None or self.genders.get(name, pronoun) == pronoun:
                return name
        return None


def _clean_name(name: str) -> str:
    tokens = name.split()
    while tokens and (tokens[-1] in _NOT_NAME_TOKENS or _POSSESSIVE.search(tokens[-1])):
        if _POSSESSIVE.search(tokens[-1]) and tokens[-1] not in _NOT_NAME_TOKENS:
            tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
            break
        tokens.pop()
    while tokens and tokens[0] in _NOT_NAME_TOKENS:
        tokens.pop(0)
    return " ".join(tokens)


def _looks_like_org(name: str) -> bool:
    return any(token in _ORG_WORDS for token in name.split())


def find_entities(text: str, skip_until: int = 0, extra_names: Iterable[str] = ()) -> Entities:
    """Register people, roles and organisations named in `text[skip_until:]` (the headline is
    skipped: Title Case Headlines Look Like Names), then index person mentions in all of it."""
    body = text[skip_until:]
    entities = Entities(text=text)
    surnames: dict[str, set[str]] = {}

    def add_person(full: str) -> None:
        full = _clean_name(full)
        if not full or full in entities.orgs:
            return
        entities.persons[full] = full
        surnames.setdefault(full.split()[-1], set()).add(full)

    for m in _TITLED_NAME.finditer(body):
        name = _clean_name(m.group("name"))
        if not name:
            continue
        add_person(name)
        title = m.group("title").lower()
        if title in _TITLE_GENDER:
            entities.genders.setdefault(name, _TITLE_GENDER[title])
        if title not in _HONORIFICS:
            entities.roles.setdefault(title, name)
    for m in _OFFICE_THEN_NAME.finditer(body):  # "Republican presidential nominee Donald Trump"
        name = _clean_name(m.group("name"))
        if len(name.split()) > 1 and not _looks_like_org(name) and name not in entities.orgs:
            add_person(name)
    for m in _ORG.finditer(body):
        following = re.match(r"\s+([a-z]+)", body[m.end():m.end() + 30])
        if len(m.group("name").split()) == 1 and following and (
                re.search(r"(?:ic|an|ese|ish|ist)$", m.group("name")) or following.group(1) in _SOURCE_NOUN_SET):
            continue  # "The Democratic senator": an adjective, not an organisation
        name = _clean_name(m.group("name"))
        if not name or len(name) < 2 or name in entities.persons or name.split()[0] in _NOT_NAME_TOKENS:
            continue
        canonical = f"The {name}"
        entities.orgs.setdefault(name, canonical)
        if len(name.split()) > 1:
            entities.orgs.setdefault(name.split()[-1], canonical)
    titled = [full for full in entities.persons if len(full.split()) > 1]
    honorific_only = [full for full in entities.persons if len(full.split()) == 1]
    for m in _NAME_BEFORE_VERB.finditer(body):
        name = _clean_name(m.group("name") or m.group("inverted"))
        if len(name.split()) < 2 or _looks_like_org(name) or name in entities.orgs:
            continue
        if name.split()[0].lower() in _VERB_WORDS:
            continue  # "Say Mexico demanded ...": an imperative opens the sentence, not a first name
        known = next((full for full in titled if name.endswith(full)), None)
        if known is None:  # "Secretary of State Mike Pompeo said" is Mike Pompeo, not "State Mike Pompeo"
            add_person(name)
    for name in extra_names:  # speakers resolved on a first pass ("..., said Kevin Barrett, a lawyer")
        if len(name.split()) == 1:
            honorific_only.append(name)  # "Clinton said": look for the full name below
        elif name not in entities.orgs and not any(name.endswith(" " + full) for full in titled):
            add_person(name)
    for surname in honorific_only:
        if _written_as_place(surname, body):
            continue  # "in Mexico": "Mexico said" is the country, never a "Poor Mexico" quoted somewhere
        # "Mr Sands" and, anywhere, "Philippe Sands": the full name, written once.
        fulls = {f"{m.group(1)} {surname}" for m in re.finditer(
            rf"(?<![\w.-])([A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?(?:\s+[A-Z]\.)?)\s+{re.escape(surname)}(?![\w-])", body)
            if m.group(1).split()[0] not in _NOT_NAME_TOKENS and not _TITLE_WORD.match(m.group(1))
            and m.group(1).split()[0].lower() not in _VERB_WORDS}  # "Said Ellis:" is Ellis
        if len(fulls) == 1:
            add_person(next(iter(fulls)))
    for surname, fulls in surnames.items():
        longer = [f for f in fulls if len(f.split()) > 1]
        if len(fulls) == 1 and surname not in entities.persons:
            entities.persons[surname] = next(iter(fulls))
        elif surname in fulls and len(longer) == 1:
            # "Mr Howard" and "Michael Howard": one person, named in full.
            entities.persons[surname] = longer[0]
            if surname in entities.genders:
                entities.genders.setdefault(longer[0], entities.genders[surname])
    for alias in list(entities.orgs):
        if alias in entities.persons:
            del entities.orgs[alias]  # a person's surname wins over an org's last word
    entities.mentions = _person_mentions(text, entities)
    return entities


def _written_as_place(word: str, text: str) -> bool:
    """"in Mexico", "in Ohio": a word written after "in" on its own (not "in Clinton's
    campaign", not "in Trump Tower") is a place, not a person's surname."""
    return re.search(rf"(?<![\w-])in\s+{re.escape(word)}(?![\w’'-])(?!\s+[A-Z])", text) is not None


def _person_mentions(text: str, entities: Entities) -> list[tuple[int, str]]:
    """Non-possessive mentions of known people and "the <role>" phrases, in text order.

    Possessives ("Trump's claims") are left out: they rarely are what "he" points back to."""
    found: list[tuple[int, str]] = []
    if entities.persons:
        aliases = "|".join(re.escape(a) for a in sorted(entities.persons, key=len, reverse=True))
        for m in re.finditer(rf"(?<![\w-])(?:{aliases})(?![\w-])(?![’']s\b)", text):
            found.append((m.start(), entities.persons[m.group(0)]))
    if entities.roles:
        roles = "|".join(re.escape(r) for r in sorted(entities.roles, key=len, reverse=True))
        for m in re.finditer(rf"\b(?i:the)\s+(?i:({roles}))\b(?![’']s\b)", text):
            found.append((m.start(), entities.roles[m.group(1).lower()]))
    found.sort()
    deduped: list[tuple[int, str]] = []
    for pos, name in found:
        if deduped and deduped[-1][0] == pos:
            continue
        deduped.append((pos, name))
    return deduped


# ---------------------------------------------------------------- speakers

@dataclass(frozen=True)
class DocumentMention:
    determiner: str
    modifiers: tuple[str, ...]
    head: str


@dataclass(frozen=True)
class SpeakerRef:
    """A resolved speaker; documents get their final name after all mentions are seen."""

    name: str | None = None
    document: DocumentMention | None = None


def _phrase_back(sentence: str, tokens: list[tuple[str, int]], end_index: int,
                 stops: frozenset[str] = _CLAUSE_STOPS) -> tuple[str, int, bool] | None:
    """The phrase ending at token `end_index`, walking back to a clause boundary (at most 10
    words). Returns (phrase, start, stopped): `stopped` is True when a boundary word or mark
    ended the walk (the phrase is a clause's head), False when the sentence start or a comma
    did."""
    i = end_index
    stopped = False
    while i >= 0 and end_index - i < 10:
        word = tokens[i][0]
        if word == ",":
            break
        if not (word[0].isalnum() or word[0] in "’'") or word.lower() in stops:
            stopped = True
            break
        i -= 1
    if i == end_index:
        return None
    begin = tokens[i + 1][1]
    finish = tokens[end_index][1] + len(tokens[end_index][0])
    return sentence[begin:finish], begin, stopped


MAX_APPOSITIVE_CHUNKS = 5
_ADVERB = re.compile(r"^(?!(?:family|ally|rally|assembly|supply|monopoly|anomaly|bully|daily|weekly|monthly|quarterly)$)[a-z]{3,}ly$")  # "sharply criticized"
_CHAIN_STOPS = _CLAUSE_STOPS - {"and", "or"}  # "Pyongyang's only ally and its lifeline," is one appositive
_APPOSITIVE_OPENERS = frozenset({"who", "whom", "whose", "which", "where", "after", "before", "during", "when",
                                 "in", "on", "at", "with", "without", "speaking", "according", "citing",
                                 "noting", "referring", "calling", "adding", "asked", "like"})  # ", after a long pause,"


_ASIDE_PARTICIPLE = re.compile(r"^(?!including$)[a-z]{3,}ing$")  # lower case: a participle opening an aside ("including Mr. Goldberg" names one of the speakers)


def _relative_before(sentence: str, position: int) -> bool:
    """The phrase was cut at "who"/"which"/"that": ", a former aide who accompanied her, said"
    is still an appositive, its head lies before it."""
    before = sentence[:position].rstrip().rsplit(None, 1)
    return bool(before) and before[-1].lower() in {"who", "which", "that", "whom", "whose"}


def _subjects_before(sentence: str, verb_start: int) -> list[tuple[str, int]]:
    """Candidate subjects of a verb, best first; empty for passive voice.

    Right before the verb: "Ito said". Before an appositive chain ("David Kamin, an adviser
    to the campaign and a professor at New York University, said"; "the state's campaign
    chairman, Phil Lovas, said") every comma-separated phrase back to the clause's head is a
    candidate, nearest first: a person's name among them is preferred by the caller."""
    tokens = [(m.group(0), m.start()) for m in _WORD_TOKEN.finditer(sentence, 0, verb_start)]
    i = len(tokens) - 1
    while i >= 0 and (tokens[i][0].lower() in _FILLERS or _ADVERB.match(tokens[i][0])):
        i -= 1
    if i < 0 or tokens[i][0].lower() in _PASSIVE:
        return []
    if tokens[i][0] in ("”", '"') and i > 0 and tokens[i - 1][0] == ",":
        opened = max(sentence.rfind("“", 0, tokens[i][1]), sentence.rfind(' "', 0, tokens[i][1]))
        before_quote = sentence[:opened].rstrip(' "“')
        if opened <= 0 or not before_quote or not before_quote[-1:].isalpha() or not before_quote.split()[-1].islower():
            return []  # '“Meh,” wrote a supporter': the quotation is what was said, not an aside in the subject
        i -= 1  # 'Mr. Manafort, citing “the unique magic of Trump,” said': the aside is a quotation
    if tokens[i][0] != ",":
        if tokens[i][0].lower() in _RELATIVE:  # "the inquiry which stated": the antecedent speaks
            i -= 1
        found = _phrase_back(sentence, tokens, i) if i >= 0 else None
        return [found[:2]] if found else []
    candidates: list[tuple[str, int]] = []
    i -= 1
    for _ in range(MAX_APPOSITIVE_CHUNKS):
        if i < 0:
            break
        j = i
        while j >= 0 and tokens[j][0] != ",":
            j -= 1
        opener = tokens[j + 1][0]
        # ", who represents ...,", ", dedicating the National Museum ...,": asides, skip them
        if opener.lower() not in _APPOSITIVE_OPENERS and not _ASIDE_PARTICIPLE.match(opener):
            found = _phrase_back(sentence, tokens, i, _CHAIN_STOPS)
            if found:
                candidates.append(found[:2])
            relative = found is not None and found[2] and found[1] > 0 and _relative_before(sentence, found[1])
            if (found is None or found[2]) and not relative:
                break  # a boundary inside this phrase: it is the clause's head
        if j < 0:
            break
        i = j - 1
    return candidates


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A time between a subject and its verb ("The White House on Monday said"): not part of who speaks.
_TIME_ADJUNCT = re.compile(
    rf"(?:,?\s+(?:on\s+(?:{_DAYS})|(?:last|this|early|late|earlier|later)\s+(?:{_DAYS}|week|month|year|night|"
    rf"morning|afternoon|evening|weekend)|in\s+(?:{_MONTHS}|(?:19|20)\d\d)|yesterday|today|tonight|(?:{_DAYS})),?)+$")
# What follows a document's head noun in a subject and is not part of its name: "A Quinnipiac
# University poll released in late August found", "a USA TODAY analysis of newly filed reports
# shows". The document is named up to its head ("the Quinnipiac University poll"). Not "by":
# "a new report by Politico" names its author, and "the report" would say less than that. And
# only a named one: "A study released on Monday found" stays unattributed, as before.
_DOCUMENT_TAIL = re.compile(
    rf"(?<![\w-])(?P<head>{'|'.join(sorted(DOCUMENT_NOUNS, key=len, reverse=True))})"
    r",?\s+(?:(?:released|published|issued|conducted|taken|commissioned|compiled|prepared|produced|"
    r"obtained|filed|unveiled|made\s+public|out|due)\b|of\s|from\s|on\s).*$", re.I)
_NAME_OF_PLACE = re.compile(rf"^(?P<name>(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{1,3}})\s+(?:of|from)\s+[A-Z][^,]*$")


def resolve_phrase(phrase: str, position: int, entities: Entities, *, known_only: bool = False) -> SpeakerRef | None:
    """Turn a subject phrase into a speaker, or None when it names nobody we can stand behind.

    `known_only` accepts only people, roles, organisations and documents (not a new proper
    name or a generic "officials"), for verbs that may really be nouns."""
    phrase = phrase.strip().rstrip(".")
    phrase = _TIME_ADJUNCT.sub("", phrase) or phrase  # "The Times on Saturday wrote": the Times
    if not phrase:
        return None
    words = phrase.split()
    if len(words) > 1 and words[0][:1].isupper() and words[0].lower() in _VERB_WORDS:
        words = words[1:]  # "Say Mexico demanded ...": an imperative opens the sentence; Mexico demands
        phrase = " ".join(words)
    last = words[-1]
    lower = phrase.lower()
    of_place = _NAME_OF_PLACE.match(phrase)
    if of_place and len(of_place.group("name").split()) >= 2 and not known_only:
        phrase, words = of_place.group("name"), of_place.group("name").split()  # "David Woodard of Clemson University"
        last, lower = words[-1], phrase.lower()
    if last.lower() in PRONOUNS and len(words) <= 2:
        name = entities.person_before(position, last.lower())
        return SpeakerRef(name=name) if name else None
    if lower in _NOBODY:
        return None
    for role, name in entities.roles.items():
        if lower == f"the {role}" or lower.endswith(f" the {role}"):
            return SpeakerRef(name=name)
    described = descriptions.referent(phrase, entities.text, entities.persons, entities.description_links)
    if described:
        return SpeakerRef(name=described)  # "The Indiana governor said": Mike Pence, as the article links them
    doc = _DOCUMENT.search(phrase)
    tail = None if doc else _DOCUMENT_TAIL.search(phrase)
    if tail:  # only a document with a name: "A study released on Monday" is too vague to cite
        doc = _DOCUMENT.search(phrase[:tail.end("head")])
        if doc and not any(w[:1].isupper() for w in doc.group("mods").split()):
            doc = None
    if doc:
        modifiers = tuple(m for m in doc.group("mods").split() if m.lower() not in _DOC_DROP_MODIFIERS)
        return SpeakerRef(document=DocumentMention(doc.group("det").lower(), modifiers, doc.group("head").lower()))
    if _POSSESSIVE.search(last):
        return None
    proper = _proper_tail(words)
    if proper is None and _POSSESSOR_DESCRIPTION.match(phrase) and not known_only and last.lower() in _SOURCE_NOUN_SET:
        return SpeakerRef(name=phrase)  # "Donald Trump’s campaign is defending ...", "Mr. Sanders's aides"
    if proper:
        bare = proper[4:] if proper.lower().startswith("the ") else proper
        known = _known_person(bare, entities)
        if known:
            return SpeakerRef(name=known)
        if bare in entities.orgs:
            return SpeakerRef(name=entities.orgs[bare])
        if known_only:
            return None
        if proper.lower().startswith("the ") and bare[:1].isupper():
            return SpeakerRef(name=f"The {bare}")
        if bare.split()[0] not in _NOT_NAME_TOKENS and (_only_descriptors_before(words, proper)
                                                         or _described_full_name(words, bare)):
            # "Reuters reported", "lead manager Hambros Bank said", "de Keersmaeker said":
            # a named speaker we have not seen before.
            particle = words[-len(proper.split()) - 1] if len(words) > len(proper.split()) else ""
            return SpeakerRef(name=f"{particle} {bare}" if particle in _NAME_PARTICLES else bare)
    if known_only:
        return None
    # "Two senior officials said"; "Engineers at the state flood agency said": the organisation
    # after the preposition (a capitalised first word may be a sentence's, not a name's).
    inner = _GENERIC_AFTER_PREPOSITION.search(phrase)
    for candidate in (phrase, inner.group("rest") if inner else None):
        generic = _GENERIC.search(candidate) if candidate else None
        tail = generic.group("np").split()[-1] if generic else ""
        if (generic and (not _proper_tail([tail]) or (tail.lower() in _SOURCE_NOUN_SET and len(generic.group("np").split()) > 2))  # "one senior Democrat"
                and _plain_description(generic.group("np"), entities)):
            return SpeakerRef(name=_capitalize(generic.group("np")))
    return None


def _plain_description(phrase: str, entities: Entities) -> bool:
    """"Two senior officials", "A diplomatic source", not a fragment such as "Kaine defended
    people" or "had a well-connected source": no name inside, no clause word."""
    words = phrase.split()
    if (words[0] in entities.persons and len(words) > 2) or words[0].lower() in _FRAGMENT_WORDS:
        return False  # "Clinton aides" is a description; "Kaine defended people" is not
    if (len(words) > 2 and words[0][:1].isupper() and words[0].lower() not in _DETERMINERS
            and words[1].endswith("ed")):
        return False  # "Kaine defended people": a clause, not a description
    if any(w.lower() in _FRAGMENT_WORDS for w in words[1:]):
        return False
    if _POSSESSOR_DESCRIPTION.match(phrase):
        return True  # "Donald Trump’s campaign", "Clinton’s team"
    # A name inside only after a determiner: "The Clinton campaign", "A Democratic source".
    return words[0].lower() in _DETERMINERS or not any(w[:1].isupper() for w in words[1:])


_POSSESSOR_DESCRIPTION = re.compile(
    rf"^(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?(?:{_NAME_TOKEN})(?:\s+(?:{_NAME_TOKEN})){{0,2}}(?:[’']s|s[’'])(?:\s+[a-z][\w-]*){{1,3}}$")
_DETERMINERS = frozenset("a an the some two three four five several many other one senior".split())
_FRAGMENT_WORDS = frozenset("""had has have having was were is are be been with what how why where which who
whom engaging including like than did does do not no""".split())


def _known_person(phrase: str, entities: Entities) -> str | None:
    """A known person named by the phrase or its end: "Mayor Ann Ito", "Ann Ito", "Ito"."""
    tokens = phrase.split()
    for i in range(len(tokens)):
        candidate = " ".join(tokens[i:])
        if candidate in entities.persons:
            return entities.persons[candidate]
    return None


_NAME_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "de", "da", "van", "von", "du", "le", "la", "di", "del", "der"})
_NOT_DESCRIPTORS = _NOBODY | PRONOUNS | frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "my", "your", "of", "to", "in", "on", "for", "with", "by", "from"})


def _only_descriptors_before(words: list[str], proper: str) -> bool:
    """True if the words before the proper name are at most three lower-case descriptors
    ("lead manager", "French technology company") or a name particle ("de")."""
    before = words[: len(words) - len(proper.split())]
    # The first may be capitalised: "Conservative economist Aparna Mathur", "Trump ally Roger Stone".
    return len(before) <= 3 and all(w.replace("-", "").isalpha() and (w.islower() or k == 0) and w.lower() not in _NOT_DESCRIPTORS
                                    for k, w in enumerate(before))


def _described_full_name(words: list[str], name: str) -> bool:
    """A full name (two or more capitalised words, not an organisation) after a description of
    up to six words: "White House press secretary Josh Earnest", "the former presidential
    candidate Mitt Romney"."""
    parts = name.split()
    if len(parts) < 2 or _looks_like_org(name) or not all(p[:1].isupper() for p in parts):
        return False
    before = words[: len(words) - len(parts)]
    return len(before) <= 6 and all(w.replace("-", "").replace("’", "").replace("'", "").isalpha()
                                    and w.lower() not in _NOT_DESCRIPTORS - {"the", "a", "an", "of"}
                                    for w in before)


def _proper_tail(words: list[str]) -> str | None:
    """The trailing run of capitalised words ("The New York Times", "Pompeo"), with "the"."""
    run: list[str] = []
    for word in reversed(words):
        if word[:1].isupper() and word not in ("He", "She", "It", "They", "We", "I"):
            run.append(word)
        else:
            break
    if not run:
        return None
    run.reverse()
    index = len(words) - len(run)
    if index > 0 and words[index - 1].lower() == "the":
        run.insert(0, "the")
    return " ".join(run)


def speaker_of(sentence: str, start: int, entities: Entities) -> SpeakerRef | None:
    """Apply the precedence rules of the module docstring to one sentence at `start`."""
    if _narrator_verdict(sentence):
        return None
    quoted = _quoted(sentence)

    def outside(position: int) -> bool:
        return not any(a <= position < b for a, b in quoted)

    m = _SIGNATURE.search(sentence)
    if m:  # “We matter.” ― Krystal Correa
        ref = resolve_phrase(m.group("np"), start + m.start("np"), entities)
        if ref:
            return ref
    for pattern in (_TRAILING_INVERTED, _TRAILING):
        m = pattern.search(sentence)
        words = m.group("np").split() if m else []
        if (m and words and outside(m.start("np")) and len(words) <= MAX_TRAILING_WORDS
                and words[0].lower() not in _PREPOSITIONS):  # "said of Cruz": Cruz is not the speaker
            ref = resolve_phrase(m.group("np"), start + m.start("np"), entities)
            appos = m.groupdict().get("appos")
            if ref and appos and not _is_person(ref, entities):
                # ", said a former spokesman for the ministry, Oleg Voloshyn.": the person named
                named = resolve_phrase(appos, start + m.start("appos"), entities)
                if named and _is_person(named, entities):
                    return named
            if ref:
                return ref
    m = _SAID_FIRST.match(sentence)
    if m:  # "Said Ellis: “I don’t get the sense ...”"
        ref = resolve_phrase(m.group("np"), start + m.start("np"), entities)
        if ref:
            return ref
    m = _ACCORDING.match(sentence.lstrip("“\"‘' "))
    if m:  # "According to Mr Sands, Lord Goldsmith had warned ...": Mr Sands says so
        offset = len(sentence) - len(sentence.lstrip("“\"‘' "))
        ref = resolve_phrase(m.group("np"), start + offset + m.start("np"), entities) or _according_name(m.group("np"))
        if ref:
            return ref
    m = _INVERTED_NAME.search(sentence)
    if m and outside(m.start("np")):
        ref = resolve_phrase(m.group("name"), start + m.start("name"), entities)
        if ref and (_is_person(ref, entities) or (ref.name and _single_name(ref.name, entities))):
            return ref
    verbs = sorted([*_VERB.finditer(sentence), *_PROGRESSIVE.finditer(sentence)], key=lambda v: v.start())
    for m in verbs:
        if not outside(m.start()):
            continue  # a verb inside a quotation is the quoted speaker's reporting, not ours
        # "claims" may be a noun ("his claims"), but not before "that": "Trump claims that ..."
        ambiguous = (re.sub(r"\s+", " ", m.group(0)) in AMBIGUOUS_VERBS
                     and not sentence.startswith(" that ", m.end()))
        refs = [resolve_phrase(phrase, start + at, entities, known_only=ambiguous)
                for phrase, at in _subjects_before(sentence, m.start())]
        named = next((r for r in refs if r and _is_person(r, entities)), None)
        if named:
            return named
        if refs and refs[-1]:  # no name among them: the head of the chain ("Ito, the mayor,")
            return refs[-1]
        ref = next((r for r in refs if r), None)
        if ref:
            return ref
        if refs and _THAT_AFTER.match(sentence, m.end()):
            break  # "The Times on Saturday wrote that Trump had claimed": the verbs after are inside its clause
    m = _ACCORDING.search(sentence)
    if m and outside(m.start()):
        return resolve_phrase(m.group("np"), start + m.start("np"), entities) or _according_name(m.group("np"))
    if any(outside(v.start()) for v in _SECOND_VERB.finditer(sentence)) or _ATTITUDE_AFTER_SUBJECT.match(sentence):
        m = _INITIAL_SUBJECT.match(sentence)
        if m and outside(m.start("np")):  # "“He had ...,” Blunt said of Cruz": that "he" is quoted
            ref = resolve_phrase(m.group("np"), start + m.start("np"), entities)
            if ref and ref.name and (_is_person(ref, entities) or ref.name in entities.orgs.values()):
                return ref
    return None


_THAT_AFTER = re.compile(r"(?:\s+[a-z]+ly)?\s+that\s")  # "wrote that", "said repeatedly that"
_PREPOSITIONS = frozenset("of to about with by for from on in at into over after before during".split())
MAX_TRAILING_WORDS = 8  # ", said the suing states were exaggerating ..." is a clause, not a speaker


def _quoted(sentence: str) -> list[tuple[int, int]]:
    """Quotation spans of a sentence; one left open runs to the sentence's end."""
    spans = quote_spans(sentence)
    opened = sentence.rfind("“")
    if opened >= 0 and sentence.find("”", opened) < 0 and not any(a <= opened <= b for a, b in spans):
        straight = sentence.find('"', opened)  # “Immunity deals ... FBI," Chaffetz said: closed by a straight mark
        spans.append((opened, straight + 1 if straight > 0 else len(sentence)))
    return spans


def _is_person(ref: SpeakerRef, entities: Entities) -> bool:
    """A person's name: one we know, or a new name of two or more capitalised words."""
    if not ref.name or ref.document:
        return False
    if ref.name in entities.persons.values():
        return True
    words = ref.name.split()
    return (len(words) >= 2 and not _looks_like_org(ref.name) and words[0] not in _NOT_NAME_TOKENS
            and all(w[:1].isupper() or w in _NAME_PARTICLES for w in words))


def narrator_verdict(sentence: str) -> bool:
    """Public for the learned tagger (`bot.ingest.tagger`): the rules' step 0."""
    return _narrator_verdict(sentence)


def is_person(ref: SpeakerRef, entities: Entities) -> bool:
    """Public for the learned tagger (`bot.ingest.tagger`): the same test as the rules'."""
    return _is_person(ref, entities)


def single_name(name: str, entities: Entities) -> bool:
    """Public for the learned tagger (`bot.ingest.tagger`): the same test as the rules'."""
    return _single_name(name, entities)


def _single_name(name: str, entities: Entities) -> bool:
    """"Clinton", "Blunt": one capitalised word that is not an organisation's."""
    return (" " not in name and name[:1].isupper() and name not in entities.orgs and not _looks_like_org(name)
            and name not in _NOT_NAME_TOKENS)


def _according_name(phrase: str) -> SpeakerRef | None:
    """"according to the Roper Center for Public Opinion Research": an organisation named as
    written, when the phrase holds a capitalised word after its determiner."""
    phrase = _ACCORDING_CUT.sub("", phrase.strip())
    words = phrase.split()
    if not words or len(words) > 8:
        return None
    body = words[1:] if words[0].lower() in ("the", "a", "an") else words
    if not body or not any(w[:1].isupper() for w in body) or body[0].lower() in _NOBODY | PRONOUNS:
        return None
    return SpeakerRef(name=" ".join(words))


def _narrator_verdict(sentence: str) -> bool:
    """The sentence ends in the author's verdict on the content it reports ("..., but those
    too were flimsy."), outside any quotation."""
    m = _NARRATOR_VERDICT.search(sentence)
    if not m:
        return False
    before = sentence[: m.start()]
    return before.count("“") <= before.count("”") and before.count('"') % 2 == 0


# ---------------------------------------------------------------- documents

# Head nouns that can name the same document: an inquiry or a study publishes a report.
_SAME_DOCUMENT_HEADS = {
    "report": {"inquiry", "investigation", "review", "commission report", "study", "audit",
               "assessment", "survey", "analysis"},
}


def _compatible_heads(a: str, b: str) -> bool:
    return a == b or b in _SAME_DOCUMENT_HEADS.get(a, ()) or a in _SAME_DOCUMENT_HEADS.get(b, ())


@dataclass
class _DocumentCluster:
    definite: bool = True  # introduced as "the ..." (already known to the reader)
    years: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)

    def add(self, mention: DocumentMention) -> None:
        for modifier in mention.modifiers:
            if modifier.lower() in _DOC_DROP_MODIFIERS:
                continue  # "the same inquiry", "a new study": not part of the name
            target = self.years if _YEAR.match(modifier) else self.modifiers
            if modifier not in target:
                target.append(modifier)
        if mention.head not in self.heads:
            self.heads.append(mention.head)

    def accepts(self, mention: DocumentMention) -> bool:
        """Not another year's, and not another name's: "The Senate report" after "A Government
        Accountability Office report" is a second report; "the report" is the same one."""
        years = [m for m in mention.modifiers if _YEAR.match(m)]
        if years and self.years and years[0] not in self.years:
            return False
        names = [m for m in mention.modifiers if m[:1].isupper()]
        return not names or any(m[:1].isupper() for m in self.modifiers) and all(m in self.modifiers for m in names)

    @property
    def name(self) -> str:
        return " ".join(["the", *self.years, *self.modifiers, *self.heads])


def name_documents(mentions: list[DocumentMention]) -> list[str]:
    """A name per mention; mentions of the same document get the same, fullest name.

    A definite mention ("the 2002 report") joins the latest document with the same head
    noun; failing that, the only document so far if that one was itself introduced as
    known ("the congressional inquiry") and its head can name the same thing (an inquiry
    publishes a report). An indefinite mention ("a new study") always starts a new one."""
    clusters: list[_DocumentCluster] = []
    assignment: list[_DocumentCluster] = []
    for mention in mentions:
        chosen = None
        definite = mention.determiner not in ("a", "an")
        if definite:
            same_head = [c for c in clusters if mention.head in c.heads and c.accepts(mention)]
            if same_head:
                chosen = same_head[-1]
            elif len(clusters) == 1:
                only = clusters[0]
                if only.definite and only.accepts(mention) and any(_compatible_heads(h, mention.head) for h in only.heads):
                    chosen = only
        if chosen is None:
            chosen = _DocumentCluster(definite=definite)
            clusters.append(chosen)
        chosen.add(mention)
        assignment.append(chosen)
    return [cluster.name for cluster in assignment]


# ---------------------------------------------------------------- entry point

def _is_whole_quotation(sentence: str) -> bool:
    sentence = sentence.strip()
    return len(sentence) > 2 and sentence[0] in "“\"" and sentence.rstrip(".")[-1] in "”\""


def _opens_with_quotation(sentence: str) -> bool:
    return sentence.lstrip()[:1] in ("“", '"')


def _continue_quotations(text: str, spans: list[tuple[int, int, str]], refs: list) -> None:
    """Quotations that run over several sentences or paragraphs belong to the speaker named
    once for them:

    * a sentence that is nothing but a quotation, right after an attributed sentence in the
      same paragraph: “We won,” she said. “It was hard.”
    * one right before an attributed sentence that opens with a quotation, in the same
      paragraph: “It was hard.” “We won,” she said.
    * paragraphs of nothing but quotations after a paragraph that ends in an attributed
      sentence introducing them: Mr Howard said: / “Taxes will fall. ...”"""
    def same_paragraph(i: int, j: int) -> bool:
        return "\n\n" not in text[spans[i][1]:spans[j][0]]

    for i in range(1, len(spans)):
        start, end, kind = spans[i]
        if refs[i] is None and refs[i - 1] is not None and kind == "body" and _is_whole_quotation(text[start:end]):
            previous = text[spans[i - 1][0]:spans[i - 1][1]].rstrip()
            if same_paragraph(i - 1, i) or previous.endswith(":"):
                refs[i] = refs[i - 1]
    for i in range(len(spans) - 2, -1, -1):
        start, end, kind = spans[i]
        following = text[spans[i + 1][0]:spans[i + 1][1]]
        if (refs[i] is None and refs[i + 1] is not None and kind == "body" and same_paragraph(i, i + 1)
                and _is_whole_quotation(text[start:end])
                and (_opens_with_quotation(following) or _SHORT_ATTRIBUTION.match(following.strip()))):
            refs[i] = refs[i + 1]  # “How many times ...?” Clinton said.
    # A quotation paragraph right after "The New York Times reports:" is the Times's, to its end.
    # A paragraph that is only "Limbaugh added:" introduces the next one, quotation marks or
    # not (a block quote often loses them on the way from the page).
    speaker = None
    for i, (start, end, kind) in enumerate(spans):
        new_paragraph = i == 0 or not same_paragraph(i - 1, i)
        if new_paragraph:
            previous = text[spans[i - 1][0]:spans[i - 1][1]].rstrip() if i else ""
            speaker = (refs[i - 1] if i and refs[i - 1] is not None and previous.endswith(":") and kind == "body"
                       and (_opens_with_quotation(text[start:end]) or _introduces_alone(text, spans, i - 1))
                       else None)
        if speaker is not None and refs[i] is None and kind == "body":
            refs[i] = speaker


def _introduces_alone(text: str, spans: list[tuple[int, int, str]], i: int) -> bool:
    """Whether span `i` is a paragraph of its own that only names who speaks next:
    "Limbaugh added:", "Trump tweeted on Tuesday:"."""
    alone = (i == 0 or "\n\n" in text[spans[i - 1][1]:spans[i][0]]) and (
        i + 1 < len(spans) and "\n\n" in text[spans[i][1]:spans[i + 1][0]])
    return alone and _BARE_INTRODUCTION.match(text[spans[i][0]:spans[i][1]].strip()) is not None


# "Clinton said." / "Vitter demanded." / "Graham asked." alone after a quotation.
_SHORT_ATTRIBUTION = re.compile(
    rf"^(?:[A-Z][\w.’'-]*\s+){{1,4}}(?:{_VERB_ALT})(?:\s+[a-z]+){{0,3}}(?:,\s[^“”\"]{{1,120}})?\.$")
_BARE_INTRODUCTION = re.compile(rf"^(?:[A-Z][\w.’'-]*\s+){{1,4}}(?:{_VERB_ALT})(?:\s+[\w’'-]+){{0,4}}:$")
_SAID_FIRST = re.compile(rf"^(?:Said|Says|Added|Asked)\s+(?P<np>(?:(?i:{TITLES})\s+)?{_NAME})\s*[:,]")
_SIGNATURE = re.compile(rf"[”\"]\s*[―—]\s*(?P<np>{_NAME})\.?\s*$")
_PARENTHETICAL = re.compile(r"\([^()\n]{1,40}\)")


def prepare(text: str) -> str:
    """A copy of `text` the rules read, of the same length (offsets are unchanged): no-break
    spaces as spaces, two apostrophes ('' as some outlets write quotation marks) as a quotation
    mark, and short parentheticals ("Sen. David Perdue (R-Ga.) said") blanked out."""
    text = text.replace("\xa0", " ").replace("\u2009", " ").replace("\u202f", " ")
    text = _TWO_APOSTROPHES.sub(lambda m: ' "' if m.group(1) else '" ', text)  # opening / closing
    return _PARENTHETICAL.sub(lambda m: " " * len(m.group(0)), text)


_TWO_APOSTROPHES = re.compile(r"''(?:(?=(\w))|(?!\w))")


def _headline_speaker(headline: str, entities: Entities) -> str | None:
    """"Pence: Flowers Won't Be at Debate" and "Cuts Would Hurt Families, Say Tories" name
    who says it; any other headline is the outlet's own assertion."""
    m = _HEADLINE_LABEL.match(headline) or _HEADLINE_TRAILING.search(headline)
    if not m:
        return None
    phrase = next(m.group(g) for g in ("np", "np2", "np3") if g in m.re.groupindex and m.group(g))
    known = _known_person(phrase, entities)
    if known:
        return known
    bare = phrase[4:] if phrase.lower().startswith("the ") else phrase
    if bare.lower() in entities.roles:  # "..., Mayor Says": the mayor named in the article
        return entities.roles[bare.lower()]
    if _TITLE_WORD.match(bare) or bare.lower() in SOURCE_NOUNS:
        return None  # a role word is never a speaker's name
    words = phrase.split()
    if len(words) > 4 or words[0] in _NOT_NAME_TOKENS - {"The"}:
        return None
    if words[0] == "The" and len(words) > 1 and phrase[4:] in entities.orgs:
        return entities.orgs[phrase[4:]]
    return phrase


def _transcript_speakers(text: str, spans: list[tuple[int, int, str]], entities: Entities, refs: list) -> None:
    """"PENCE: Well, look, ..." starts a paragraph of a transcript: the whole paragraph is the
    person with that surname (a label naming nobody we know is left alone)."""
    by_surname = {}
    for full in set(entities.persons.values()):
        by_surname.setdefault(full.split()[-1].upper(), set()).add(full)
    starts = [i for i, (start, _, kind) in enumerate(spans)
              if kind == "body" and (i == 0 or "\n\n" in text[spans[i - 1][1]:start])]
    labels = {i: m.group("label") for i in starts if (m := _TRANSCRIPT_LABEL.match(text[spans[i][0]:spans[i][1]]))}
    uses: dict[str, int] = {}
    for value in labels.values():
        uses[value] = uses.get(value, 0) + 1
    label = None
    for i, (_start, _end, kind) in enumerate(spans):
        if i in starts:
            value = labels.get(i)
            names = by_surname.get(value.split()[-1], set()) if value else set()
            if len(names) == 1:
                label = next(iter(names))
            elif value and uses[value] >= 2 and not _TITLE_WORD.match(value.title()):
                label = value.title()  # a transcript's own speaker label, used more than once
            else:
                label = None
        if label and kind == "body":
            refs[i] = SpeakerRef(name=label)


def attribute(text: str, spans: list[tuple[int, int, str]], headline_end: int = 0,
              tagger: SpeakerTagger | None = None) -> list[tuple[str | None, bool]]:
    """(speaker, is_claim) for each (char_start, char_end, kind) span of `text`.

    Headline and subtitle are the outlet's own assertions (claims without a speaker) unless
    the headline names who says it. Captions describe a photo: never claims. With a `tagger`
    (`bot.ingest.tagger`), body sentences the rules left without a speaker may get the one
    the learned tagger names there (its rule is in that module)."""
    text = prepare(text)
    entities = find_entities(text, skip_until=headline_end)
    refs = [speaker_of(text[start:end], start, entities) if kind == "body" else None for start, end, kind in spans]
    found = {r.name for r in refs if r and r.name and not r.document and r.name not in entities.persons
             and (_is_person(r, entities) or _single_name(r.name, entities))}
    if found:  # people first seen as speakers: a second pass lets "he" and "Mr X" point to them
        entities = find_entities(text, skip_until=headline_end, extra_names=sorted(found))
        refs = [speaker_of(text[start:end], start, entities) if kind == "body" else None for start, end, kind in spans]
    _continue_quotations(text, spans, refs)
    _transcript_speakers(text, spans, entities, refs)
    documents = [r.document for r in refs if r and r.document]
    document_names = iter(name_documents(documents))
    results: list[tuple[str | None, bool]] = []
    introductions = set()  # "Limbaugh added:" paragraphs: no claim of their own, for the tagger too
    for i, ((start, end, kind), ref) in enumerate(zip(spans, refs)):
        if kind == "headline":
            results.append((_headline_speaker(text[start:end], entities), True))
        elif i == 0 and ref is None and kind == "body" and (titled := _headline_speaker(text[start:end], entities)):
            results.append((titled, True))  # a title ending in a full stop: "..., Lindsey Graham Says."
        elif kind == "subtitle":
            results.append((None, True))
        elif ref is None:
            results.append((None, False))
        elif _introduces_alone(text, spans, i) and refs[i + 1] is ref:
            introductions.add(i)
            results.append((None, False))  # "Limbaugh added:" says nothing: the paragraph after it is his
        else:
            results.append((next(document_names) if ref.document else ref.name, True))
    if tagger is not None:
        proposals = tagger.propose(text, spans, [speaker for speaker, _ in results], entities)
        for i, name in tagger.apply(proposals).items():
            if i not in introductions:
                results[i] = (name, True)
    return results
