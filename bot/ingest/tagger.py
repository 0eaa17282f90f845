"""Speakers the rules missed, from the learned tagger, under one documented rule.

`bot.ingest.attribute.attribute` runs the rules first; `SpeakerTagger.propose` then looks
only at the body sentences the rules left without a speaker, and proposes the person the model
tags there. The rule, in order:

0. Only sentences that report speech are asked about (`reports_speech`): they pass the model's
   gate (`could_attribute`) with a quotation of at least QUOTED_WORDS words (or one running
   across sentences) or a cue that is not only a noun ("his bombastic “Iran-al-Qaeda axis”
   claims" alone is the author's narration), or hold a speech act the gate does not list
   (`SPEECH_ACT`: "likened", "thanked", "spoke of"), and are not a sentence the rules read as
   the author's verdict ("..., but those too were flimsy.").
1. The rules' speaker always stands: where they name someone, the model is not asked (on
   polnear-dev the rules' names are right 98% of the time; the model's measured precision is
   lower, and a wrong name is worse than none).
2. The model's span is used only at or above the confidence threshold chosen on held-out
   PolNeAR train articles (`threshold` in bot/ingest/model/training.json).
3. The span must resolve, through the rules' entity registry, to a name: a known person ("Mr
   Howard" -> "Michael Howard"), a new full name, one surname the article never writes in
   lower case, a known organisation, or a
   known person's office or campaign ("Powell’s office", as the rules store it); a pronoun
   goes to the rules' nearest compatible person before it, a relative "who" to the person
   named just before it; a description to the one person the article links it to ("the
   Indiana governor" after "Indiana Gov. Mike Pence", `bot.ingest.descriptions`). Role
   words, other descriptions ("the New York businessman", "some Democrats") and fragments
   are dropped: no speaker.

Deterministic: the same article always gets the same speakers.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from bot.ingest import attribute as rules
from bot.ingest.segment import quote_spans
from bot.ingest.speaker_model import GATE, SpeakerModel, could_attribute, shared_model

QUOTED_WORDS = 4  # a quotation this long is someone's words; “Iran-al-Qaeda axis” is a label
# Cue words that are also nouns ("his baseless claims", "in a statement"): alone, they do not
# make a sentence reported speech ("Pompeo made his bombastic claims in Washington" is the
# author's), unless followed by "that" ("Trump claims that ...").
NOUN_CUES = rules.AMBIGUOUS_VERBS | frozenset("""claim call report remark statement interview speech argument
question demand estimate promise vow charge praise show attack attacks thought fear fears hope hopes""".split())


# Speech acts the model's gate (`could_attribute`, which also chose its training sentences) does
# not list: verbs of communication, praise and blame, comparison and depiction ("Trump likened
# the refugees to ...", "Mr. Obama spoke emotionally of ...", "Cruz thanked Trump"). Verb forms
# only, where the word is also a noun ("a recount", "trade talks", "thanks to", "protests"). Narration verbs
# ("hired", "flew", "unveiled", "introduced") are not here: asking the model about every
# sentence named the subject of 25 more narration sentences on polnear-dev ("Mr. Clarke hired an
# investment banker" as Tom Clarke's claim), a claim nobody made.
_SPEECH_ACT_WORDS = (
    r"spoke|speaks?|speaking|talked|talking|talks?\s+(?:to|about|with)|shout(?:s|ed|ing)?|yell(?:s|ed|ing)?|scream(?:s|ed|ing)?|"
    r"whisper(?:s|ed|ing)?|mutter(?:s|ed|ing)?|exclaim(?:s|ed|ing)?|proclaim(?:s|ed|ing)?|"
    r"assert(?:s|ed|ing)?|alleg(?:e|es|ed|ing)|reiterat(?:e|es|ed|ing)|recounted|recounting|"
    r"mentioned|mentioning|commented|commenting|remarked|quip(?:s|ped|ping)?|scoff(?:s|ed|ing)?|"
    r"retort(?:s|ed|ing)?|countered|rebut(?:s|ted|ting)?|refut(?:e|es|ed|ing)|disputed|disputing|"
    r"dismiss(?:es|ed|ing)|derid(?:e|es|ed|ing)|ridicul(?:es|ed|ing)|condemn(?:s|ed|ing)?|"
    r"denounc(?:e|es|ed|ing)|blam(?:es|ed|ing)|applaud(?:s|ed|ing)?|hailed|commend(?:s|ed|ing)?|"
    r"complimented|complimenting|congratulat(?:e|es|ed|ing)|thank(?:ed|ing)?|thanks(?!\s+to\b)|apologi[sz](?:e|es|ed|ing)|"
    r"lambast(?:e|es|ed|ing)|berat(?:e|es|ed|ing)|chid(?:e|es|ed|ing)|scold(?:s|ed|ing)?|"
    r"rebuk(?:e|es|ed|ing)|assail(?:s|ed|ing)?|excoriat(?:e|es|ed|ing)|castigat(?:e|es|ed|ing)|"
    r"rail(?:s|ed|ing)?\s+against|lash(?:es|ed|ing)?\s+out|liken(?:s|ed|ing)?|compar(?:es|ed|ing)|"
    r"characteri[sz](?:e|es|ed|ing)|portray(?:s|ed|ing)?|label(?:l?ed|l?ing)|dubbed|branded|"
    r"highlighted|highlighting|underscor(?:e|es|ed|ing)|outlin(?:es|ed|ing)|(?:lay|lays|laid|laying)\s+out|"
    r"propos(?:e|es|ed|ing)|recommend(?:s|ed|ing)?|advocated|advocating|endors(?:e|es|ed|ing)|"
    r"threaten(?:s|ed|ing)?|retweet(?:s|ed|ing)?|ruled|plead(?:s|ed|ing)?|implor(?:e|es|ed|ing)|"
    r"advis(?:es|ed|ing)|cautioned|cautioning|hinted|hinting|swear(?:s|ing)?|swore|disagree(?:s|d|ing)?|"
    r"objected|protested|protesting"
)
SPEECH_ACT = re.compile(rf"\b(?i:{_SPEECH_ACT_WORDS})\b")


@dataclass(frozen=True)
class Proposal:
    index: int  # the span's position in the article's spans
    speaker: str
    confidence: float
    tagged: str  # the words the model tagged, for explanations and error analysis


_NAME_RUN = re.compile(r"(?:\s+[A-Z][\w.’'-]*)+")
_OF_PLACE = re.compile(r"\s+(?:of|from)\s+[A-Z][^,]*$")  # "Sen. Bernie Sanders of Vermont"
_TITLE = re.compile(rf"^(?:(?i:{rules.TITLES})\s+)+")
RELATIVE_REACH = 60  # "Mr. Trump, who ...": the name right before "who", at most this long


# Words after which a noun phrase is an object, never the subject that speaks: "leaders in the
# U.S. share", "Hillary Clinton, like Obama, has said". "according to X" and "by X" do name a source.
_OBJECT_OF = re.compile(r"(?<![\w-])(?i:in|of|from|at|with|for|on|into|like|unlike|than|about|against|"
                        r"among|between|over|under|toward|towards)(?:\s+(?i:the|a|an))?\s*$")
_TITLES_AT_END = re.compile(rf"(?:(?i:{rules.TITLES})\.?\s+)+$")
_ACCORDING_TO = re.compile(r"(?i:according\s+to)\s*$")


def could_speak(phrase: str, before: str) -> bool:
    """Whether a tagged phrase can be a sentence's speaker at all, whatever the model's score:
    not the object of a preposition ("in the U.S.", "like Obama"), and not a heading in capitals
    ("CONGRESS HAS INVESTIGATED HIM — Oz's ..."), which is a fragment, not a name."""
    words = phrase.split()
    if len(words) > 1 and all(w.isupper() or not w[:1].isalpha() for w in words):
        return False
    if _ACCORDING_TO.search(before):
        return True
    return _OBJECT_OF.search(before) is None


def _named_as_object(phrase: str, name: str) -> bool:
    """Whether the name a tagged phrase resolved to is written in it as a preposition's object:
    the phrase's head is someone else ("leaders ... in the U.S.", "a spokesman for Mr. Trump"
    is not Mr. Trump)."""
    last = name.split()[-1]
    at = phrase.rfind(last)
    if at <= 0:
        return False
    before = phrase[:at].removesuffix(name[:-len(last)].removeprefix("The "))
    before = _TITLES_AT_END.sub("", before)  # "a spokesman for Mr. Trump"
    return _OBJECT_OF.search(before) is not None


def name_of(phrase: str, position: int, entities: rules.Entities, text: str = "") -> str | None:
    """The canonical name a tagged phrase stands for, or None when it is not a name.

    A tagged appositive chain ("Michael J. Petrilli, president of the Fordham Institute,")
    is read chunk by chunk: the first chunk that is a person's name wins ("One early
    supporter, Representative Lee Zeldin," is Lee Zeldin). A relative "who" is the person
    named right before it. A one-word name must be written capitalised in the phrase and
    never in lower case in the article's `text` ("Critics", "Police" are not names)."""
    phrase = phrase.strip(" ,.:;“”\"‘’'()—-")
    if not phrase:
        return None
    if phrase.lower() == "who":
        index = bisect.bisect_left(entities.mentions, (position, ""))
        if not index or position - entities.mentions[index - 1][0] > RELATIVE_REACH:
            return None
        at, name = entities.mentions[index - 1]
        between = text[at:position] if text else ""
        # The name must be what "who" follows: "Barack Obama, who", not "say some Democrats, who".
        return name if re.fullmatch(r"[\w.’' -]+,?\s*", between) and between[:1].isupper() else None
    chunks = [c.strip() for c in re.split(r",|\s[—–]\s", phrase) if c.strip()]
    if len(chunks) > 1:
        for chunk in chunks:
            name = _person(chunk, position + phrase.find(chunk), entities)
            if name:
                return name
    return _person(phrase, position, entities) or _speaker_name(phrase, position, entities, text)


def _person(phrase: str, position: int, entities: rules.Entities) -> str | None:
    """A person's name in the phrase, titles and "of <place>" set aside."""
    for candidate in dict.fromkeys([phrase, _OF_PLACE.sub("", phrase), _TITLE.sub("", _OF_PLACE.sub("", phrase))]):
        ref = rules.resolve_phrase(candidate, position, entities) if candidate else None
        if ref and ref.name and not ref.document and rules.is_person(ref, entities):
            return ref.name
    return None


def _speaker_name(phrase: str, position: int, entities: rules.Entities, text: str) -> str | None:
    """What the rules would store for the phrase as a speech verb's subject, if it is a name:
    one surname, a known organisation, or a known person's office ("Powell’s office")."""
    ref = rules.resolve_phrase(phrase, position, entities)
    if ref is None or ref.document or not ref.name:
        return None
    if rules.is_person(ref, entities) or ref.name in entities.orgs.values():
        return ref.name
    if rules.single_name(ref.name, entities) and _one_word_name(ref.name, phrase, text):
        return ref.name
    possessor = re.match(r"^(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?(.+?)(?:[’']s|s[’'])\s", ref.name)
    if possessor and possessor.group(1) in entities.persons:
        return ref.name
    return None


def reports_speech(sentence: str) -> bool:
    """Whether the model is asked about a sentence the rules left without a speaker: it passes
    the model's gate with a cue that is not only a noun, or holds a `SPEECH_ACT`, and the
    rules have not read it as the author's verdict on what it reports ("..., but those too
    were flimsy.")."""
    if rules.narrator_verdict(sentence):
        return False
    if not could_attribute(sentence):
        return SPEECH_ACT.search(sentence) is not None
    closed = quote_spans(sentence)
    if any(len(sentence[a + 1:b].split()) >= QUOTED_WORDS for a, b in closed):
        return True
    if sentence.count("“") != sentence.count("”") or sentence.count('"') % 2:
        return True  # a quotation opened or closed here, running across sentences
    for m in GATE.finditer(sentence):
        word = m.group(0).lower()
        if len(word) > 1 and (word not in NOUN_CUES or sentence.startswith(" that", m.end())):
            return True
    return SPEECH_ACT.search(sentence) is not None


def _one_word_name(word: str, phrase: str, text: str) -> bool:
    """"Clinton", "Reuters": capitalised as tagged, not a source noun ("Officials"), and never
    written in lower case in the article."""
    return (re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", phrase) is not None
            and word.lower() not in rules.SOURCE_NOUNS
            and re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", text) is None)


class SpeakerTagger:
    """The model plus its threshold; `propose` lists every candidate, `apply` keeps those
    at or above the threshold (the threshold chooser reads the full list)."""

    def __init__(self, model: SpeakerModel | None = None, threshold: float | None = None):
        self._model = model
        self._threshold = threshold

    @property
    def model(self) -> SpeakerModel:
        if self._model is None:
            self._model = shared_model()
        return self._model

    @property
    def threshold(self) -> float:
        return self.model.threshold if self._threshold is None else self._threshold

    def propose(self, text: str, spans: list[tuple[int, int, str]], speakers: list[str | None],
                entities: rules.Entities) -> list[Proposal]:
        asked = []  # (span index, previous sentence's bounds): the windows the model reads
        for i, ((start, end, kind), speaker) in enumerate(zip(spans, speakers)):
            if kind != "body" or speaker is not None or not reports_speech(text[start:end]):
                continue
            asked.append((i, (spans[i - 1][0], spans[i - 1][1]) if i > 0 else (start, start)))
        answers = self.model.tag_many([(text[a:b], text[spans[i][0]:spans[i][1]]) for i, (a, b) in asked])
        found = []
        for (i, (previous_start, previous_end)), tagged in zip(asked, answers):
            start, end = spans[i][0], spans[i][1]
            if tagged is None:
                continue
            offset = previous_start if tagged.part == 0 else start
            part_end = previous_end if tagged.part == 0 else end
            # A name cut short ("Mike" of "Mike Pompeo") is read whole.
            whole = _NAME_RUN.match(text, offset + tagged.end, part_end)
            phrase = text[offset + tagged.start:whole.end() if whole else offset + tagged.end]
            if not could_speak(phrase, text[max(0, offset + tagged.start - 40):offset + tagged.start]):
                continue
            name = name_of(phrase, offset + tagged.start, entities, text)
            if name and _named_as_object(phrase, name):
                continue  # "Many leaders of ethnic communities in the U.S.": not the U.S.
            if name:
                found.append(Proposal(i, name, tagged.confidence, phrase))
        return found

    def apply(self, proposals: list[Proposal]) -> dict[int, str]:
        """Span index -> speaker, for the proposals the threshold lets through."""
        return {p.index: p.speaker for p in proposals if p.confidence >= self.threshold}
