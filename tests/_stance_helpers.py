"""Sentences of the seed article (seeds/000_8fb6bfb397d84a2e.txt) as the stance rules see
them, with the speakers the attribution step assigns. Copied verbatim, so the rule tests do
not depend on the parser; tests/test_stance_seed.py checks the same decisions on the parser's
real output."""
from __future__ import annotations

from bot.stance.rules import StanceInput

POMPEO = "Mike Pompeo"
REPORT = "the 2002 congressional 9/11 inquiry report"
TIMES = "The New York Times"


def _p(seq: int, text: str, speaker: str | None = None, is_claim: bool = False, kind: str = "body") -> StanceInput:
    return StanceInput(text=text, speaker=speaker, kind=kind, is_claim=is_claim, source_id=1, paragraph=seq, seq=seq)


HEADLINE = _p(0, "Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”", None, True, "headline")
SUBTITLE = _p(1, "Secretary of State Mike Pompeo called Iran “the new Afghanistan,” fabricating ties between Iran, "
                 "al-Qaeda and 9/11.", None, True, "subtitle")
ACCUSATION = _p(3, "Secretary of State Mike Pompeo made his first appearance before the public since the January 6 "
                   "Capitol breach to accuse the Iranian government of playing a role in the 9/11 attacks.", POMPEO, True)
AXIS = _p(4, "While Pompeo conceded that there’s no evidence of direct Iranian involvement or “foreknowledge” of the "
             "plot, he claimed on Tuesday that the 9/11 hijackers’ travel pattern bolstered evidence of an "
             "“Iran-al-Qaeda axis.”", POMPEO, True)
EIGHT_HIJACKERS = _p(5, "The secretary of state pointed to reporting which he claimed had found that “at least eight of "
                        "the 9/11 hijackers traveled through Iran between October of 2000 and February of 2001.”",
                     POMPEO, True)
PASSPORTS = _p(6, "He also cited allegations of Iranian officials permitting al-Qaeda members to leave Afghanistan in "
                  "the months before 9/11 without having their passports stamped by guards at the Iranian border.",
               POMPEO, True)
REBUFFED = _p(7, "Ironically, both of these claims come from a section of the congressional 9/11 inquiry which stated "
                 "that al-Qaeda rebuffed Iranian offers of closer collaboration in 2000, after the U.S.S. Cole bombing, "
                 "“because [Osama] Bin Laden did not want to alienate his supporters in Saudi Arabia,” a close ally of "
                 "the United States.", REPORT, True)
SAUDI_TIES = _p(9, "Another section of the same inquiry painted a web of connections tying the Saudi government "
                   "directly to the attacks.")
REPORT_QUOTE = _p(10, "“While in the United States, some of the September 11th hijackers were in contact with or "
                      "received assistance from, individuals who may be connected with the Saudi government,” part of "
                      "the 2002 report reads.", REPORT, True)
# The author's verdict on Pompeo's claims ("but those too were flimsy"), not Pompeo's words.
FLIMSY = _p(12, "Pompeo also cited more recent claims of ties between Iran and al-Qaeda, but those too were flimsy.")
NEW_AFGHANISTAN = _p(16, "He then described Iran as “a new home base for al-Qaeda,” likening the country to “the new "
                         "Afghanistan.”", POMPEO, True)
HARD_SHELL = _p(17, "“Unlike in Afghanistan, when al-Qaeda was hiding in the mountains, al-Qaeda today is operating "
                    "underneath the hard shell of the Iranian regime’s protection,” he claimed.", POMPEO, True)
NO_INTELLIGENCE = _p(18, "The New York Times said this week, however, that Pompeo offered “no underlying intelligence "
                         "as evidence” for his “Iran-al-Qaeda axis” theory.", TIMES, True)
AT_ODDS = _p(20, "But, as the mere act of a prisoner exchange would imply, Iran and al-Qaeda remain bitterly at odds on "
                 "sectarian and ideological grounds.")
SMOOTH_TRANSITION = _p(25, "In a November 10 press conference, after major news networks called the election for Biden, "
                           "the secretary of state said: “There will be a smooth transition to a second Trump "
                           "administration.”", POMPEO, True)
RELUCTANCE = _p(26, "Despite a clear reluctance to publicly acknowledge Biden’s victory, the Trump administration has "
                    "acted since mid-November like it only has a limited amount of time to damage U.S.-Iranian "
                    "relations before the next inauguration.")
NOT_IMPRESSED = _p(30, "Meanwhile, reliable partners of the U.S. government outside of the Middle East have not been "
                       "impressed by the Trump administration’s recent antics.")

POMPEO_CLAIMS = [ACCUSATION, AXIS, EIGHT_HIJACKERS, PASSPORTS, NEW_AFGHANISTAN, HARD_SHELL]


async def store_passages(session, passages: list[StanceInput], *, title: str, origin: str,
                         guild_id: int | None = None) -> tuple[int, dict[str, int]]:
    """Store hand-built passages as one source (text = passages joined by blank lines, so
    offsets are exact). Returns (source id, passage id by the first 40 chars of its text)."""
    from bot.models import Claim, Passage, Source, scope_key

    text = "\n\n".join(p.text for p in passages)
    source = Source(guild_id=guild_id, scope=scope_key(guild_id), origin=origin, title=title, text=text,
                    content_hash=f"h-{origin}")
    session.add(source)
    await session.flush()
    rows, start = [], 0
    for seq, p in enumerate(passages):
        rows.append(Passage(source_id=source.id, seq=seq, text=p.text, char_start=start, char_end=start + len(p.text),
                            paragraph=seq + 1, kind=p.kind, speaker=p.speaker))
        start += len(p.text) + 2
    session.add_all(rows)
    await session.flush()
    session.add_all(Claim(passage_id=r.id, speaker=p.speaker) for r, p in zip(rows, passages) if p.is_claim)
    await session.flush()
    return source.id, {r.text[:40]: r.id for r in rows}


SEED_PASSAGES = [HEADLINE, SUBTITLE, ACCUSATION, AXIS, EIGHT_HIJACKERS, PASSPORTS, REBUFFED, SAUDI_TIES, REPORT_QUOTE,
                 FLIMSY, NEW_AFGHANISTAN, HARD_SHELL, NO_INTELLIGENCE, AT_ODDS, SMOOTH_TRANSITION, RELUCTANCE,
                 NOT_IMPRESSED]


def pid(ids: dict[str, int], passage: StanceInput) -> int:
    return ids[passage.text[:40]]
