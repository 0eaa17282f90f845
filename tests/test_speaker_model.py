"""The committed speaker tagger: the file is the one its model card and training.json describe,
it loads without torch, the gate keeps sentences without a reporting cue off it, and what it
tags becomes a stored speaker only as a name the article supports."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from bot.config import PROJECT_ROOT
from bot.ingest.attribute import attribute, find_entities
from bot.ingest.speaker_model import MODEL_DIR, MODEL_FILE, SpeakerModel, could_attribute, file_sha256
from bot.ingest.parse import parse_article
from bot.ingest.tagger import SpeakerTagger, name_of, reports_speech

CARD = MODEL_DIR / "MODEL_CARD.md"


def test_model_file_matches_its_model_card_and_training_record():
    card = CARD.read_text(encoding="utf-8")
    stated = re.search(r"sha256[^0-9a-f]*([0-9a-f]{64})", card)
    assert stated, "the model card states the file's sha256"
    digest = file_sha256(MODEL_FILE)
    assert digest == stated.group(1)
    training = json.loads((MODEL_DIR / "training.json").read_text())
    assert training["sha256"] == digest
    assert 0.0 < training["threshold"] < 1.0
    assert MODEL_FILE.stat().st_size <= 30 * 2**20
    for needed in ("all-MiniLM-L6-v2", "Apache-2.0", "PolNeAR", "python -m bot.train speaker",
                   "python -m bot.train speaker-threshold"):
        assert needed in card


def test_runtime_needs_neither_torch_nor_transformers():
    code = ("import sys; from bot.ingest.speaker_model import SpeakerModel; m = SpeakerModel(); "
            "m.tag('', 'The senator said the bill was dead.'); "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


ARTICLE = """Senate Deal Falters Over Border Money

WASHINGTON — A bipartisan spending deal stalled on Tuesday as senators argued over money for the border.

Senator Maria Alvarez, a Democrat from New Mexico, has spent weeks courting Republicans. Alvarez believes a compromise is still possible before the recess.

Tom Reyes, the majority whip, wants the border money removed from the bill entirely. Late on Tuesday Mr Reyes warned colleagues that the votes were not there.

Critics think the deal will collapse.

The bill runs to 400 pages and covers eleven agencies.

“We are closer than people think,” Alvarez told reporters after the vote.
"""


def test_stored_speakers_of_an_article_with_the_tagger():
    """What an upload stores: the tagger names Tom Reyes where the rules found no reporting
    verb ("wants"), keeps every speaker the rules found, and names nobody for "Critics" (not
    a name) or a sentence with no cue at all."""
    with_tagger = {p.text: (p.speaker, p.is_claim) for p in parse_article(ARTICLE, filename="deal.txt").passages}
    rules_only = {p.text: (p.speaker, p.is_claim)
                  for p in parse_article(ARTICLE, filename="deal.txt", speaker_tagger=None).passages}

    def said(start, found):
        return next(v for text, v in found.items() if text.startswith(start))

    assert said("Tom Reyes, the majority whip, wants", rules_only) == (None, False)
    assert said("Tom Reyes, the majority whip, wants", with_tagger) == ("Tom Reyes", True)
    assert said("Late on Tuesday Mr Reyes warned", with_tagger) == ("Tom Reyes", True)  # the rules', unchanged
    assert said("Alvarez believes", with_tagger) == ("Maria Alvarez", True)
    assert said("“We are closer", with_tagger) == ("Maria Alvarez", True)
    assert said("Critics think", with_tagger) == (None, False)
    assert said("The bill runs to 400 pages", with_tagger) == (None, False)
    assert said("Senate Deal Falters", with_tagger) == (None, True)  # the headline: the outlet's
    changed = [text for text in rules_only if rules_only[text] != with_tagger[text]]
    assert changed == [next(t for t in rules_only if t.startswith("Tom Reyes"))]


class _Counting(SpeakerModel):
    """The real model, counting the sentences it is asked about."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def tag(self, previous, sentence):
        self.asked.append(sentence)
        return super().tag(previous, sentence)


def test_the_gate_keeps_sentences_without_a_cue_off_the_model():
    sentences = ["The bridge opened in 1932 and carries four lanes.",
                 "Traffic doubled over the next decade.",
                 "His bombastic “bridge to nowhere” claims were repeated for years.",
                 "Tom Reyes, the county engineer, wants the bridge closed for repairs."]
    text = "\n\n".join(sentences)
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence), "body"))
        at += len(sentence) + 2
    assert not could_attribute(sentences[0]) and not could_attribute(sentences[1])
    assert could_attribute(sentences[2]) and not reports_speech(sentences[2])  # a label and a noun: narration
    model = _Counting()
    speakers = attribute(text, spans, tagger=SpeakerTagger(model))
    assert model.asked == [sentences[3]]
    assert speakers[:3] == [(None, False)] * 3


def test_a_tagged_phrase_becomes_a_speaker_only_as_a_name():
    text = ("Michael Howard, the Conservative leader, spoke first. The New York Times reported it. "
            "Mr Howard wants a vote.")
    entities = find_entities(text)
    assert name_of("Mr Howard", text.index("Mr Howard"), entities) == "Michael Howard"
    assert name_of("he", len(text), entities) == "Michael Howard"  # the nearest person before
    assert name_of("the New York businessman", 10, entities) is None  # a description
    assert name_of("critics", 10, entities) is None
    assert name_of("", 10, entities) is None
