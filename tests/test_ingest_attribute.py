"""Who says what: speakers and claims on small articles written for these tests."""
import pytest

from bot.ingest.attribute import DocumentMention, name_documents
from bot.ingest.parse import parse_article

ARTICLE = """Senator Wants Bridge Reopened

Congresswoman Jane Doe visited the river crossing on Tuesday with Mr. Tom Bell, the state engineer.

“The bridge is safe. Engineers told us so,” she said. Doe also argued that closing it hurt local shops.

The Daily Planet reported in March that cracks had been found in two supports. The engineers disagreed, the Planet noted.

Two senior officials told reporters that the inspection would take weeks. It was alleged that the contractor had cut corners.

A new study found that traffic doubled on the other bridge. According to the study, commutes grew by 20 minutes.

The 2019 report said the bridge needed repairs. The 2021 report said it did not.

“We are ready to act,” said Bell. He added that money was set aside.

Traffic moved slowly all week. Reuters reported that the river was rising.
"""


@pytest.fixture(scope="module")
def speakers():
    article = parse_article(ARTICLE, filename="bridge.txt")
    for p in article.passages:
        assert article.text[p.char_start:p.char_end] == p.text
    return {p.text: (p.speaker, p.is_claim) for p in article.passages}


@pytest.mark.parametrize("sentence, speaker", [
    ("“The bridge is safe. Engineers told us so,” she said.", "Jane Doe"),
    ("Doe also argued that closing it hurt local shops.", "Jane Doe"),
    ("The Daily Planet reported in March that cracks had been found in two supports.", "The Daily Planet"),
    ("The engineers disagreed, the Planet noted.", "The Daily Planet"),
    ("Two senior officials told reporters that the inspection would take weeks.", "Two senior officials"),
    ("A new study found that traffic doubled on the other bridge.", "the study"),
    ("According to the study, commutes grew by 20 minutes.", "the study"),
    ("The 2019 report said the bridge needed repairs.", "the 2019 report"),
    ("The 2021 report said it did not.", "the 2021 report"),
    ("“We are ready to act,” said Bell.", "Tom Bell"),
    ("He added that money was set aside.", "Tom Bell"),
    ("Reuters reported that the river was rising.", "Reuters"),
])
def test_reported_speech_has_its_speaker(speakers, sentence, speaker):
    assert speakers[sentence] == (speaker, True)


@pytest.mark.parametrize("sentence", [
    "It was alleged that the contractor had cut corners.",  # passive: nobody named
    "Traffic moved slowly all week.",  # the author's own voice
])
def test_sentences_without_a_named_speaker_are_not_claims(speakers, sentence):
    assert speakers[sentence] == (None, False)


def test_he_means_the_most_recent_person():
    text = ("Storm Hits Coast\n\nResidents left early on Monday as the storm came in from the sea.\n\n"
            "Mayor Ann Ito met Governor Raj Patel at noon. Patel later spoke to reporters.\n\n"
            "He said the shelters were full.")
    article = parse_article(text, filename="storm.txt")
    last = article.passages[-1]
    assert last.text == "He said the shelters were full." and last.speaker == "Raj Patel"


def test_role_resolves_to_the_person_who_holds_it():
    text = ("Minister Visits Port\n\nTrade ties were on the agenda at the harbour this week.\n\n"
            "Foreign Minister Lena Berg toured the port on Friday.\n\n"
            "The foreign minister said exports would double. Berg did not give a date.")
    article = parse_article(text, filename="port.txt")
    by_text = {p.text: p.speaker for p in article.passages}
    assert by_text["The foreign minister said exports would double."] == "Lena Berg"


def test_document_mentions_merge_only_when_they_point_back():
    inquiry = DocumentMention("the", ("congressional", "9/11"), "inquiry")
    report = DocumentMention("the", ("2002",), "report")
    assert name_documents([inquiry, report]) == ["the 2002 congressional 9/11 inquiry report"] * 2
    study = DocumentMention("a", ("new",), "study")
    assert name_documents([study, report]) == ["the study", "the 2002 report"]
    older = DocumentMention("the", ("2019",), "report")
    assert name_documents([older, report]) == ["the 2019 report", "the 2002 report"]


def test_headline_and_subtitle_are_claims_without_speaker_and_captions_are_not():
    text = ("Mayor Pledges New Bridge\n\nThe city will replace its oldest crossing, the mayor says.\n\n"
            "Mayor Ann Ito speaks at City Hall in Springfield on March 3, 2024.\n\n"
            "Work on the new crossing will start next year, once the river has been surveyed and "
            "the old piers have been taken down by the contractor. Ito said the budget was approved "
            "by the council last week, with money set aside for delays.")
    article = parse_article(text, filename="x.txt")
    kinds = [(p.kind, p.speaker, p.is_claim) for p in article.passages]
    assert kinds == [
        ("headline", None, True), ("subtitle", None, True), ("caption", None, False),
        ("body", None, False), ("body", "Ann Ito", True),
    ]


CONTINUED = """Port Deal Signed

The port authority signed the deal on Friday after months of talks.

“We won. It was hard,” Mayor Ann Ito said. “Nobody expected it.”

“This is a great day,” said Raj Patel, the port’s director.

Lena Berg, the authority’s chief executive, said the deal would create jobs.

Nobody said the deal was perfect. It said prices would rise.

Berg, who spoke on Tuesday, argued that the port needed money.
"""


@pytest.mark.parametrize("sentence, speaker", [
    ("“We won. It was hard,” Mayor Ann Ito said.", "Ann Ito"),  # the title is not part of the name
    ("“Nobody expected it.”", "Ann Ito"),  # a quotation continuing the previous speaker's
    ("“This is a great day,” said Raj Patel, the port’s director.", "Raj Patel"),
    ("Lena Berg, the authority’s chief executive, said the deal would create jobs.", "Lena Berg"),
    ("Berg, who spoke on Tuesday, argued that the port needed money.", "Lena Berg"),
    ("Nobody said the deal was perfect.", None),
    ("It said prices would rise.", None),
])
def test_appositives_titles_and_continued_quotations(sentence, speaker):
    article = parse_article(CONTINUED, filename="port.txt")
    found = {p.text: (p.speaker, p.is_claim) for p in article.passages}
    assert found[sentence] == (speaker, speaker is not None)


WIRE = """Trade Talks Stall

Talks between the two governments broke down on Friday without a date for another round.

“I think there is room for negotiations,” de Keersmaeker said. The eurobond is priced at par, lead manager Hambros Bank Ltd said.

The company said sales rose. Announcing the plans, Mr Redwood said: “Taxes will fall.”

As I’ve said before, nothing is settled. “I deny this allegation,” he said in a statement.
"""


@pytest.mark.parametrize("sentence, speaker", [
    ("“I think there is room for negotiations,” de Keersmaeker said.", "de Keersmaeker"),
    ("The eurobond is priced at par, lead manager Hambros Bank Ltd said.", "Hambros Bank Ltd"),
    ("The company said sales rose.", "The company"),
    ("Announcing the plans, Mr Redwood said: “Taxes will fall.”", "Redwood"),
    # "As I’ve" is not a person's name, so "he" is the last person actually named.
    ("“I deny this allegation,” he said in a statement.", "Redwood"),
])
def test_wire_style_attributions(sentence, speaker):
    article = parse_article(WIRE, filename="wire.txt")
    found = {p.text: p.speaker for p in article.passages}
    assert found[sentence] == speaker


def test_the_authors_verdict_on_a_reported_claim_in_the_seed_is_the_authors():
    """"Pompeo also cited ..., but those too were flimsy": the sentence's point is the author's
    judgement of Pompeo's claims, so it is not Pompeo's claim (and cannot rebut him as his own)."""
    from bot.config import PROJECT_ROOT

    seed = PROJECT_ROOT / "seeds" / "000_8fb6bfb397d84a2e.txt"
    article = parse_article(seed.read_bytes(), filename=seed.name)
    found = {p.text: (p.speaker, p.is_claim) for p in article.passages}
    flimsy = "Pompeo also cited more recent claims of ties between Iran and al-Qaeda, but those too were flimsy."
    assert found[flimsy] == (None, False)
    # The neighbouring reported speech keeps its speaker.
    assert found["The secretary of state pointed to the assassination last year of Abu Mohammed al-Masri, "
                 "who was alleged to have been behind the 1998 attacks on U.S. embassies in Africa."] == ("Mike Pompeo", True)


VERDICTS = """Mayor Defends Budget

The city council met on Monday to debate the new budget.

Mayor Ann Ito spoke first. Ito also cited a drop in crime, but those figures too were unfounded.

Senator Tom Bell answered her. Bell also alleged waste in the parks budget, yet it was false.

Ito then pointed to a state audit; however, that claim is baseless.

Bell also described two new contracts, but they were, at best, dubious.

Ito also cited new figures, but she said they were preliminary.

Bell argued the plan was unfair, but he admitted it was legal.
"""


@pytest.mark.parametrize("sentence, speaker", [
    # A contrast clause about the reported content ("those", "it", "that claim", "they") judging it.
    ("Ito also cited a drop in crime, but those figures too were unfounded.", None),
    ("Bell also alleged waste in the parks budget, yet it was false.", None),
    ("Ito then pointed to a state audit; however, that claim is baseless.", None),
    ("Bell also described two new contracts, but they were, at best, dubious.", None),
    # Controls: the contrast clause is still the speaker's reported speech.
    ("Ito also cited new figures, but she said they were preliminary.", "Ann Ito"),
    ("Bell argued the plan was unfair, but he admitted it was legal.", "Tom Bell"),
])
def test_a_narrators_verdict_in_a_contrast_clause_makes_the_sentence_the_authors(sentence, speaker):
    article = parse_article(VERDICTS, filename="budget.txt")
    found = {p.text: (p.speaker, p.is_claim) for p in article.passages}
    assert found[sentence] == (speaker, speaker is not None)


def test_the_brief_control_smith_keeps_his_reported_speech():
    text = ("Figures Released\n\nThe ministry published its quarterly numbers on Monday.\n\n"
            "Professor John Smith spoke to reporters. Smith also cited new figures, but he said they were preliminary.")
    article = parse_article(text, filename="figures.txt")
    found = {p.text: (p.speaker, p.is_claim) for p in article.passages}
    assert found["Smith also cited new figures, but he said they were preliminary."] == ("John Smith", True)


def test_a_verdict_inside_a_quotation_stays_the_speakers():
    text = ("Figures Released\n\nThe ministry published its quarterly numbers on Monday.\n\n"
            "Professor John Smith spoke to reporters. “We checked the old figures, but those were flimsy,” Smith said.")
    article = parse_article(text, filename="figures.txt")
    found = {p.text: p.speaker for p in article.passages}
    assert found["“We checked the old figures, but those were flimsy,” Smith said."] == "John Smith"
