"""Who said it, on the shapes real news takes (issue 12's examples, on an article written for
this test): full names behind "Mr X", roles and pronouns; indirect speech; quotations that run
on after "said:"; headlines that name who says it; and no name where nobody is named."""
import pytest

from bot.ingest.parse import parse_article
from bot.ingest.tagger import _named_as_object, could_speak

ARTICLE = """Blair Misled Parliament Over War Advice, Say Tories

The row over the attorney general's advice on the Iraq war deepened on Thursday.

Michael Howard, the Conservative leader, said the prime minister had questions to answer. Mr Howard added that the advice had changed in the final days before the vote.

Harriet Harman, the solicitor general, said the government had nothing to hide.

In a statement on Thursday, Lord Goldsmith said:

“As I have always made clear, I set out in the answer my own genuinely held, independent view that military action was lawful.”

Philippe Sands, a law professor at University College London, has written a book on the war. According to Mr Sands, Lord Goldsmith had warned that the war could be illegal.

Michael Mates, a member of the intelligence committee, asked to see the full text. Mr Sands claimed the summary left out the warnings.

Mr Blair derided Tory claims that he had misled the country.

The club's general manager, David Feder, said tickets for the debate sold out in an hour. He said a second room would be opened.

Sen. David Perdue (R-Ga.) said he did not believe the warnings, arguing that the vote had been fair.

''It has the important virtue of being fiscally responsible,'' Leonard E. Burman, director of the centrist Tax Policy Center and a professor at the Maxwell School of Syracuse University, said of the plan.

"These are strange days," said Peter Morgan, a lawyer for the Sierra Club, who has been challenging the coal industry for years.

Donald Trump is defending his early-morning tweets, saying it shows he would be awake for a 3 a.m. call.

“What I would also say is that since the very first day the president signed this bill, he acknowledged an openness to working with Congress,” White House press secretary Josh Earnest said.

The Indiana governor said voters were tired of hearing “he said this, he tweeted that.”
"""


@pytest.fixture(scope="module")
def found():
    article = parse_article(ARTICLE, filename="war-advice.txt")
    return {p.text: p.speaker for p in article.passages}


def _speaker(found, start):
    matches = [speaker for text, speaker in found.items() if text.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


@pytest.mark.parametrize("start, speaker", [
    ("Blair Misled Parliament", "Tories"),  # "..., say Tories"
    ("Michael Howard, the Conservative leader, said", "Michael Howard"),
    ("Mr Howard added", "Michael Howard"),  # "Mr Howard" is the Michael Howard named in full
    ("Harriet Harman, the solicitor general, said", "Harriet Harman"),
    # The quotation after "said:" is Goldsmith's, not Harman's (named in the sentence before).
    ("“As I have always made clear", "Lord Goldsmith"),
    ("According to Mr Sands", "Philippe Sands"),  # not Lord Goldsmith, the subject of the clause
    ("Mr Sands claimed", "Philippe Sands"),  # not Michael Mates, named in the sentence before
    ("The club's general manager, David Feder, said", "David Feder"),  # the person, not the role
    ("He said a second room", "David Feder"),
    ("Sen. David Perdue (R-Ga.) said", "David Perdue"),
    ("''It has the important virtue", "Leonard E. Burman"),  # two apostrophes as quotation marks
    ("\"These are strange days,\" said Peter Morgan", "Peter Morgan"),
    ("Donald Trump is defending", "Donald Trump"),  # ", saying": the subject's words
    ("“What I would also say", "Josh Earnest"),  # not "he" inside the quotation
    # Never "The Tory" (no reporting verb has that subject): the learned tagger names the one
    # who derides, the rules alone leave it empty (tests/test_speaker_model.py).
    ("Mr Blair derided Tory claims", "Blair"),
])
def test_speakers_on_news_shapes(found, start, speaker):
    assert _speaker(found, start) == speaker


@pytest.mark.parametrize("start", [
    "The Indiana governor said",  # "he said this" inside the quotation names nobody; the role is unresolved
    "The row over the attorney general's advice",
])
def test_no_speaker_rather_than_a_wrong_one(found, start):
    assert _speaker(found, start) is None


TRANSCRIPT = """Energy Plan Could Win Votes, Lindsey Graham Says.

Senator Lindsey Graham spoke in Charleston on Monday. Hillary Clinton and Roy Blunt were in Washington.

“How many times do we have to see this in our country?” Clinton said. She called for calm.

The Daily Ledger reports:

"In an illustration of the mood, just a quarter of donors gave more than once. Most gave in the spring."

“The rationales to veto the bill don’t hold weight,” said 9/11 widow Terry Strada.

“He had a lot of Missouri supporters,” Blunt, after a long pause, said of Cruz.

He also had a voice in decisions about investments in Ukraine, said a former spokesman for the ministry, Oleg Voloshyn.

The Democratic senator also forced the chief executive to admit the bank had failed.

WALLACE: Let’s start with the debate.

PENCE: Well, look, the debate went well.

WALLACE: If I may, sir, we have limited time.
"""


@pytest.fixture(scope="module")
def transcript():
    article = parse_article(TRANSCRIPT, filename="energy.txt")
    return {p.text: p.speaker for p in article.passages}


@pytest.mark.parametrize("start, speaker", [
    ("Energy Plan Could Win Votes", "Lindsey Graham"),  # a title ending in a full stop
    ("“How many times", "Hillary Clinton"),  # the quotation before "Clinton said."
    ("\"In an illustration of the mood", "The Daily Ledger"),  # the paragraph after "reports:"
    ("“The rationales to veto", "Terry Strada"),  # "said 9/11 widow Terry Strada"
    ("“He had a lot of Missouri supporters,”", "Roy Blunt"),  # "said of Cruz": Cruz is spoken of
    ("He also had a voice", "Oleg Voloshyn"),  # ", said a former spokesman ..., Oleg Voloshyn"
    ("WALLACE: Let’s start", "Wallace"),  # a transcript label used twice
    ("WALLACE: If I may", "Wallace"),
])
def test_speakers_on_more_news_shapes(transcript, start, speaker):
    assert _speaker(transcript, start) == speaker


def test_an_adjective_after_the_is_not_an_organisation(transcript):
    assert _speaker(transcript, "The Democratic senator also forced") is None


VOICES = """Readers Answer the Candidate

Senator Jason Chaffetz and Hillary Clinton spoke on Friday; Donald Trump and Erin Murphy were in Ohio.

“He does not speak for us. He never did.” ― Krystal Correa
“We work, we pay taxes, we vote.” ― Esther Tapia

“Immunity deals should not be a requirement," Oversight Chairman Jason Chaffetz (R-Utah) said in a statement, adding that the deals were handed out freely.

Erin Murphy, a former Clinton aide who accompanied her to Burma in 2011, said the trip was important.

Said Ellis: “I don’t get the sense she is interested in tax reform.”

“The exact cause has not been determined,” said O'Neill, on his first full day on the job.

“Who would have believed it?” Trump said, looking out on the crowd.

A Democratic source said the questions came too late.

The Clinton campaign says the ad will air on cable.

Connecticut’s tax commissioner says no one released the returns.

Donald Trump’s campaign is defending his early-morning tweets.

But Trump claims that he should be the exception.
"""


@pytest.fixture(scope="module")
def voices():
    article = parse_article(VOICES, filename="voices.txt")
    for p in article.passages:
        assert article.text[p.char_start:p.char_end] == p.text
    return {p.text: p.speaker for p in article.passages}


@pytest.mark.parametrize("start, speaker", [
    ("“He does not speak for us.", "Krystal Correa"),  # a quotation signed on its own line
    ("“We work, we pay taxes", "Esther Tapia"),
    ("“Immunity deals", "Jason Chaffetz"),  # opened “ and closed " : Chaffetz is outside it
    ("Erin Murphy, a former Clinton aide who", "Erin Murphy"),
    ("Said Ellis:", "Ellis"),
    ("“The exact cause", "O'Neill"),
    ("“Who would have believed it?”", "Donald Trump"),  # before "Trump said, looking out ..."
    ("A Democratic source said", "A Democratic source"),
    ("The Clinton campaign says", "The Clinton campaign"),
    ("Connecticut’s tax commissioner says", "Connecticut’s tax commissioner"),
    ("Donald Trump’s campaign is defending", "Donald Trump’s campaign"),
    ("But Trump claims that", "Donald Trump"),
])
def test_speakers_of_signed_quotes_descriptions_and_asides(voices, start, speaker):
    assert _speaker(voices, start) == speaker


CAMPAIGN = """Bernie Sanders Says He Has Started Writing His Address

Hillary Clinton and Bernie Sanders campaigned in Iowa; Kellyanne Conway and Paul Manafort met donors.

“The campaign has been really reluctant to jump in,” one senior Democrat said.

Clinton aides said details of her tax plan would come within weeks.

Mr. Sanders's aides said he intended to spend his time in California.

In a brief interview, Ms. Conway rejected the idea of a shake-up and said that Mr. Manafort was staying.

Mr. Manafort, citing “the unique magic of Trump,” said the race was competitive.

Another pollster, David Woodard of Clemson University, said support was holding steady.
"""


@pytest.fixture(scope="module")
def campaign():
    article = parse_article(CAMPAIGN, filename="campaign.txt")
    return {p.text: p.speaker for p in article.passages}


@pytest.mark.parametrize("start, speaker", [
    ("Bernie Sanders Says", "Bernie Sanders"),  # a headline "NAME Says ..."
    ("“The campaign has been", "One senior Democrat"),
    ("Clinton aides said", "Clinton aides"),
    ("Mr. Sanders's aides said", "Mr. Sanders's aides"),
    ("In a brief interview, Ms. Conway", "Kellyanne Conway"),  # "... and said that": the subject's words
    ("Mr. Manafort, citing", "Paul Manafort"),  # never Trump, named inside the aside
    ("Another pollster, David Woodard", "David Woodard"),
])
def test_speakers_behind_asides_descriptions_and_headline_verbs(campaign, start, speaker):
    assert _speaker(campaign, start) == speaker


@pytest.mark.parametrize("tail", [
    "“We won,” said (R-Ga.)", "“We won,” said", ", said ,", "According to ,", "Said :", "WALLACE:",
    "“It is over.” ―", "“It is over.” ― (AP)", "He said: “", "The (R-Ga.) said.", "'' said ''", "Mr. said.",
])
def test_odd_attribution_shapes_never_break_parsing(tail):
    text = f"Budget Passes\n\nThe council voted on Monday after a long debate about the plan.\n\n{tail}"
    article = parse_article(text, filename="odd.txt")
    assert all(article.text[p.char_start:p.char_end] == p.text for p in article.passages)


ASIDES = """Trade Talks Resume as Mexico Weighs Its Options

When Ildefonso Guajardo Villarreal, the Mexican secretary of the economy, came to Washington last month, the talks had stalled.

The minister of the economy, Mr. Guajardo Villarreal, argues there is little point for Mexico to respond now to the threats.

If this argument fails, there are other tools. Say Mexico demanded that the United States prove every claim it makes.

President Obama, dedicating the National Museum of African American History and Culture on Saturday, said it would tell an American story.

Many leaders of business groups in the U.S. share these worries, but the Chamber of Commerce wants a deal by the spring.

Hillary Clinton, like Obama, has encouraged closer ties but has said she will hold firm to the treaty.

CONGRESS HAS INVESTIGATED HIM — Oz’s advice earned him the attention of Congress, where he was criticized for saying the pills were a “magic weight loss cure for every body type.”

Fred Goldberg, a former tax commissioner, has studied the plan. As many tax experts, including Mr. Goldberg, have pointed out, the plan can still change.
"""


@pytest.fixture(scope="module")
def asides():
    article = parse_article(ASIDES, filename="trade.txt")
    return {p.text: p.speaker for p in article.passages}


@pytest.mark.parametrize("start, speaker", [
    ("The minister of the economy, Mr. Guajardo Villarreal, argues", "Guajardo Villarreal"),
    # The participle's object is not the subject: "President Obama, dedicating the National Museum ..., said"
    ("President Obama, dedicating", "Obama"),
    ("As many tax experts, including Mr. Goldberg,", "Fred Goldberg"),  # "including" names one of them
    ("Say Mexico demanded", "Mexico"),  # an imperative opening the sentence, not a first name ("Say Mexico")
])
def test_speakers_behind_participle_asides(asides, start, speaker):
    assert _speaker(asides, start) == speaker


@pytest.mark.parametrize("start", [
    "Hillary Clinton, like Obama,",  # never Obama: the object of "like" is not the one who speaks
    "CONGRESS HAS INVESTIGATED HIM",  # a heading in capitals is not a name
])
def test_no_fragment_or_object_as_speaker(asides, start):
    assert _speaker(asides, start) in (None, "Hillary Clinton")


def test_the_tagger_never_names_an_object_or_a_heading():
    """What the learned tagger's span must be before it can be a speaker, whatever its score:
    not the object of a preposition ("leaders ... in the U.S. share", "Clinton, like Obama, has
    said"), not a heading in capitals; "according to" and "by" do introduce a source."""
    assert not could_speak("the U.S.", "Many leaders of ethnic communities in ")
    assert not could_speak("U.S.", "leaders of ethnic communities in the ")
    assert not could_speak("Obama", "Democratic candidate Hillary Clinton, like ")
    assert not could_speak("CONGRESS HAS INVESTIGATED HIM", "")
    assert could_speak("Mr. Sands", "According to ")
    assert could_speak("Mitt Romney", "a statement released by ")
    assert could_speak("FBI", "Later that day the ")
    assert could_speak("Hillary Clinton", "")
    # A tagged phrase whose name is a preposition's object has someone else as its head.
    assert _named_as_object("Many leaders of ethnic communities in the U.S.", "The U.S")
    assert _named_as_object("a spokesman for Mr. Trump", "Donald Trump")
    assert not _named_as_object("The club's general manager, David Feder,", "David Feder")
    assert not _named_as_object("Mr Howard", "Michael Howard")


DESCRIPTIONS = """Running Mates Take the Stage in Ohio

Indiana Gov. Mike Pence and Democratic vice presidential nominee Tim Kaine spoke in Ohio on Friday, hours after Republican presidential nominee Donald Trump held a rally in Florida.

Sen. Bernie Sanders, the Vermont senator, campaigned in Michigan, and Sen. Lindsey Graham stayed in Washington.

The Indiana governor said the media were to blame for the focus on gossip.

The GOP nominee said his campaign had barely started spending on television.

Later, the Vermont senator said the race was closer than the polls showed.

The Republican nominee said he would win Ohio. The Democratic nominee said she would win it.

The senator said the vote would be close.

The vice presidential nominee said he had read the transcript.
"""


@pytest.fixture(scope="module")
def described():
    article = parse_article(DESCRIPTIONS, filename="mates.txt")
    return {p.text: p.speaker for p in article.passages}


@pytest.mark.parametrize("start, speaker", [
    ("The Indiana governor said", "Mike Pence"),  # "Indiana Gov. Mike Pence"
    ("The GOP nominee said", "Donald Trump"),  # "Republican presidential nominee Donald Trump": GOP is the party
    ("Later, the Vermont senator said", "Bernie Sanders"),  # "Bernie Sanders, the Vermont senator"
    ("The Republican nominee said", "Donald Trump"),  # not Tim Kaine: a vice presidential nominee is another office
])
def test_a_description_the_article_links_to_one_person_is_that_person(described, start, speaker):
    assert _speaker(described, start) == speaker


@pytest.mark.parametrize("start", [
    "The Democratic nominee said",  # the article links no Democratic (presidential) nominee to a name
    "The senator said",  # two senators in the article: no way to tell which
])
def test_a_description_with_no_single_link_gets_no_speaker(described, start):
    assert _speaker(described, start) is None


def test_a_vice_presidential_description_is_the_running_mate(described):
    # "Democratic vice presidential nominee Tim Kaine" is the only vice presidential nominee linked.
    assert _speaker(described, "The vice presidential nominee said") == "Tim Kaine"


BLOCK_QUOTES = """Limbaugh Mocks Debate Plan

Rush Limbaugh said on Tuesday that the debate rules were rigged against Donald Trump.

Limbaugh added:

And from a supposed front-runner, this reeks of some of the greatest fear that I have ever seen. She can't beat this guy without rigging it with the referee?

Trump tweeted on Wednesday:

The media is totally rigged and the polls are fake news.

Mook told CBS that they were focused on the voters. The campaign spent the week in Ohio.

The schedule for the rest of the week:

Rallies in Ohio, Florida and Pennsylvania.
"""


def test_a_paragraph_that_only_introduces_a_block_quote_gives_it_its_speaker():
    article = parse_article(BLOCK_QUOTES, filename="limbaugh.txt")
    found = {p.text: (p.speaker, p.is_claim) for p in article.passages}
    assert found["She can't beat this guy without rigging it with the referee?"] == ("Rush Limbaugh", True)
    assert _speaker({t: s for t, (s, _) in found.items()}, "And from a supposed front-runner") == "Rush Limbaugh"
    assert found["The media is totally rigged and the polls are fake news."] == ("Donald Trump", True)
    # The introductions say nothing themselves: no claim to quote back.
    assert found["Limbaugh added:"] == (None, False)
    assert found["Trump tweeted on Wednesday:"] == (None, False)
    # Only a paragraph introduction passes its speaker on; the author's own list stays the author's.
    assert found["The campaign spent the week in Ohio."] == (None, False)
    assert found["Rallies in Ohio, Florida and Pennsylvania."] == (None, False)


TIMES = """Trump Tax Story

The New York Times published a report on Donald Trump's taxes on Saturday.

The Times on Saturday wrote that Trump had claimed a loss of $916 million in 1995, which could have allowed him to avoid paying taxes.

Senator John Smith last week argued that the report was fair.
"""


@pytest.mark.parametrize("start, speaker", [
    # The outer verb's subject speaks, a day between it and its verb or not; never the person inside its clause.
    ("The Times on Saturday wrote", "The New York Times"),
    ("Senator John Smith last week argued", "John Smith"),
])
def test_a_time_between_subject_and_verb_is_not_part_of_the_speaker(start, speaker):
    article = parse_article(TIMES, filename="times.txt")
    assert _speaker({p.text: p.speaker for p in article.passages}, start) == speaker


SPEECH_ACTS = """Refugee Row Follows the Candidates to Ohio

Donald Trump and President Barack Obama both campaigned in Ohio on Monday.

At a rally in Dayton, Trump likened the refugees to a “vicious snake” from an old song.

Senator Ted Cruz thanked Trump on Twitter for backing his bill to delay the handover.

Mr. Obama spoke emotionally of the families he had met in Cleveland the week before.

Trump hired a new campaign manager in August and moved his offices to Columbus.

Mr. Obama flew to Toledo after the event and met local officials there.
"""


@pytest.mark.parametrize("start, speaker", [
    # Speech acts beyond "said": comparing, thanking, speaking of something are someone's words.
    ("At a rally in Dayton, Trump likened", "Trump"),
    ("Senator Ted Cruz thanked", "Ted Cruz"),
    ("Mr. Obama spoke emotionally", "Barack Obama"),
    # What someone did is the author's narration, not a claim of theirs.
    ("Trump hired a new campaign manager", None),
    ("Mr. Obama flew to Toledo", None),
])
def test_speech_acts_name_their_speaker_and_narration_names_nobody(start, speaker):
    article = parse_article(SPEECH_ACTS, filename="acts.txt")
    passage = next(p for p in article.passages if p.text.startswith(start))
    assert (passage.speaker, passage.is_claim) == (speaker, speaker is not None)


REPORTS = """Polls and Reports Weigh on the Race

Voters remain split as the campaign enters its final weeks.

A Quinnipiac University poll released in late August found that 74 percent of likely voters wanted the returns released.

A Government Accountability Office report released last year found that the agency could not trace the money.

The latest Reuters/Ipsos opinion poll released Friday shows that Clinton leads Trump by 43 percent to 38 percent.

Donations hit $1.1 billion through the end of August, a USA TODAY analysis of newly filed campaign-finance reports shows.

The Senate report concluded that the program had failed.

The report also found that nobody had checked the accounts.
"""


@pytest.mark.parametrize("start, speaker", [
    # A document is named up to its head noun, whatever describes it after ("released ...", "of ...").
    ("A Quinnipiac University poll", "the Quinnipiac University poll"),
    ("A Government Accountability Office report", "the Government Accountability Office report"),
    ("Donations hit", "the USA TODAY analysis"),
    # A definite mention with another name is another document, never merged into the last one.
    ("The latest Reuters/Ipsos opinion poll", "the latest Reuters/Ipsos opinion poll"),
    ("The Senate report", "the Senate report"),
    # Without a name it is the latest document with that head.
    ("The report also found", "the Senate report"),
])
def test_documents_are_named_up_to_their_head_and_never_merged_across_names(start, speaker):
    article = parse_article(REPORTS, filename="reports.txt")
    assert _speaker({p.text: p.speaker for p in article.passages}, start) == speaker


def test_an_unnamed_document_described_after_its_head_is_nobody():
    text = REPORTS.replace("The Senate report concluded", "A study released on Monday concluded")
    article = parse_article(text, filename="reports.txt")
    assert _speaker({p.text: p.speaker for p in article.passages}, "A study released on Monday") is None
