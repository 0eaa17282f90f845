"""Sentence segmentation: where a quoted passage starts and ends."""
import pytest

from bot.ingest.segment import MAX_PASSAGE_CHARS, sentence_spans


def sentences(text: str) -> list[str]:
    spans = sentence_spans(text)
    for start, end in spans:
        assert text[start:end].strip() == text[start:end] != ""
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize("text", [
    "The attack on the U.S.S. Cole killed 17 sailors.",
    "He spoke in Washington, D.C., on Tuesday.",
    "It happened after Sept. 11, 2001, in New York.",
    "Sanctions hurt U.S.-Iranian relations.",
    "The U.S. government denied it.",
    "Mr. Smith met Dr. Jones at St. Mary's.",
    "The vote is set for Jan. 12 in the capital.",
    "He wore jersey No. 5 all season.",
    "Growth was 3.5 percent, up from 2.1 percent.",
    "Then he paused ... and walked away.",
    "John F. Kennedy was elected in 1960.",
    "The meeting ended at 5 p.m. Eastern time.",
])
def test_abbreviations_do_not_end_sentences(text):
    assert sentences(text) == [text]


@pytest.mark.parametrize("text, expected", [
    ("First sentence. Second one.", ["First sentence.", "Second one."]),
    ("Is it true? Nobody knows! Really.", ["Is it true?", "Nobody knows!", "Really."]),
    ("He moved to the U.S. The next year he left.", ["He moved to the U.S.", "The next year he left."]),
    ("It was late... Everyone went home.", ["It was late...", "Everyone went home."]),
    ("It ended. (Nobody was hurt.) Then it rained.", ["It ended.", "(Nobody was hurt.)", "Then it rained."]),
    ("“Why?” she asked. He shrugged.", ["“Why?” she asked.", "He shrugged."]),
    ("Born in 1990. 2020 was his year.", ["Born in 1990.", "2020 was his year."]),
])
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


def test_multi_sentence_quotation_is_one_passage():
    text = ("“We will not back down. We will win. Nobody can stop us,” he said. "
            "The crowd cheered.")
    assert sentences(text) == [
        "“We will not back down. We will win. Nobody can stop us,” he said.",
        "The crowd cheered.",
    ]


def test_straight_quotes_also_hold_a_quotation_together():
    text = '"First point. Second point," the minister said. Reporters left.'
    assert sentences(text) == ['"First point. Second point," the minister said.', "Reporters left."]


def test_unclosed_quotation_does_not_swallow_the_paragraph():
    text = "He said “this is odd. Then he left. Nothing else happened."
    assert len(sentences(text)) == 3


def test_sentence_ending_in_a_quote_is_split_after_the_closing_mark():
    text = "He called it “a disaster.” She disagreed."
    assert sentences(text) == ["He called it “a disaster.”", "She disagreed."]


def test_long_run_on_text_is_capped_at_word_boundaries():
    words = ["word{}".format(i % 97) for i in range(2000)]
    text = " ".join(words)  # ~12,000 chars, no punctuation
    pieces = sentences(text)
    assert len(pieces) > 1
    assert all(len(p) <= MAX_PASSAGE_CHARS for p in pieces)
    assert " ".join(pieces) == text  # cut only at spaces: nothing lost, no word split


def test_a_single_huge_word_is_cut_hard():
    text = "x" * 2500
    pieces = sentences(text)
    assert "".join(pieces) == text and all(len(p) <= MAX_PASSAGE_CHARS for p in pieces)


def test_newlines_inside_a_paragraph_are_kept_verbatim():
    text = "A line that wraps\nonto the next. And a second\tsentence."
    assert sentences(text) == ["A line that wraps\nonto the next.", "And a second\tsentence."]


def test_straight_quotes_inside_a_curly_quotation_do_not_end_it():
    text = "“He called it \"a plan\". Then he left. We stayed,” she said. Rain fell."
    assert sentences(text) == ["“He called it \"a plan\". Then he left. We stayed,” she said.", "Rain fell."]
