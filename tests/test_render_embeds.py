"""Embeds and text built from hand-made `bot.results` values: content, escaping, limits."""
from __future__ import annotations

from datetime import date, datetime, timezone

from hypothesis import given, settings as hsettings, strategies as st

from bot.render import embeds
from bot.render.text import block_quote, citation_line, escape, safe_url, truncate
from bot.results import (AuditEntry, ClaimSummary, CounterItem, IngestReport, LinkSummary, Location, LookupAnswer,
                         LookupResult, SourceDetail, SourcePage, SourceRef, VoteTally)

SEED = SourceRef(id=1, title="Pompeo Urges US to “Confront” What He Calls the “Iran-al-Qaeda Axis”",
                 outlet="Truthout", author="Sharon Zhang", url="https://truthout.org/articles/pompeo-iran/",
                 published=date(2021, 1, 13), published_inferred=True)
QUOTE = ("Iran is indeed the new Afghanistan — as the key geographic hub for al-Qaeda. "
         "It is in fact worse.")


def counter(n: int = 1, text: str = "U.S. officials have found no evidence of such ties.",
            source: SourceRef = SEED) -> CounterItem:
    return CounterItem(passage_id=100 + n, text=text, stance="counters", origin="auto",
                       rationale="Denies the claimed link between Iran and al-Qaeda.", confidence=0.81,
                       source=source, location=Location(paragraph=9, char_start=2000, char_end=2050),
                       speaker="U.S. officials")


def answer(text: str = QUOTE, counters: list[CounterItem] | None = None, source: SourceRef = SEED,
           speaker: str | None = "Mike Pompeo", query: str = "Iran al-Qaeda 9/11") -> LookupAnswer:
    result = LookupResult(passage_id=42, text=text, speaker=speaker, score=3.2, source=source,
                          location=Location(paragraph=12, char_start=3012, char_end=3110),
                          counter_evidence=[counter()] if counters is None else counters)
    return LookupAnswer(query=query, normalized=query.lower(), results=[result, result], query_log_id=7)


def test_lookup_embed_shows_quote_speaker_full_citation_and_counter_evidence():
    embed = embeds.lookup_embed(answer())
    assert embed.title == escape(SEED.title)
    assert embed.url == SEED.url
    assert embed.description.startswith("> Iran is indeed the new Afghanistan")
    assert "— **Mike Pompeo**" in embed.description
    assert "*Truthout*" in embed.description and "Sharon Zhang" in embed.description
    assert "2021-01-13 (inferred)" in embed.description
    assert "paragraph 12 (chars 3012–3110)" in embed.description
    counter_field = embed.fields[0]
    assert counter_field.name.startswith("Counter-evidence 1/1")
    assert "no evidence of such ties" in counter_field.value
    assert "Denies the claimed link" in counter_field.value
    assert "paragraph 9" in counter_field.value
    assert embed.footer.text.startswith("Result 1 of 2")
    assert embeds.limit_violations(embed) == []


def test_no_counter_evidence_says_none_on_file():
    embed = embeds.lookup_embed(answer(counters=[]))
    assert [(f.name, f.value) for f in embed.fields] == [("Counter-evidence", "None on file.")]


def test_date_not_marked_inferred_when_given():
    source = SourceRef(id=2, title="T", published=date(2020, 5, 1), published_inferred=False)
    embed = embeds.lookup_embed(answer(source=source))
    assert "2020-05-01" in embed.description and "(inferred)" not in embed.description


def test_long_quote_is_cut_at_a_word_with_ellipsis_and_citation_stays_complete():
    long_quote = " ".join(f"word{i}" for i in range(3000))
    embed = embeds.lookup_embed(answer(text=long_quote))
    quote_line = embed.description.split("\n")[0]
    assert quote_line.endswith("…")
    last_word = quote_line[2:-1].split()[-1]
    assert last_word in long_quote.split()  # cut between words, never inside one
    assert embed.description.endswith(citation_line(SEED, answer().results[0].location))
    assert embeds.limit_violations(embed) == []


def test_markdown_and_mentions_in_source_text_are_escaped():
    embed = embeds.lookup_embed(answer(text="@everyone look at **this** and <@123>", speaker="@here"))
    assert "@everyone" not in embed.description and "@\u200beveryone" in embed.description
    assert "\\*\\*this\\*\\*" in embed.description
    assert "@here" not in embed.description


def test_many_counter_items_are_summarised_and_all_shown_in_the_counter_embed():
    items = [counter(n) for n in range(1, 8)]
    embed = embeds.lookup_embed(answer(counters=items))
    names = [f.name for f in embed.fields]
    assert names[:3] == ["Counter-evidence 1/7 (automatic)", "Counter-evidence 2/7 (automatic)",
                         "Counter-evidence 3/7 (automatic)"]
    assert "4 more on file" in embed.fields[3].value
    full = embeds.counter_evidence_embed(answer(counters=items).results[0])
    assert len([f for f in full.fields if f.name.startswith("Counter-evidence")]) == 7
    assert embeds.limit_violations(full) == []


def test_non_http_urls_are_never_linked():
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://example.org/a b") is None
    assert safe_url("https://example.org/a") == "https://example.org/a"


def test_truncate_keeps_short_text_and_never_ends_on_a_lone_backslash():
    assert truncate("short", 10) == "short"
    cut = truncate("a" * 8 + "\\" + "b" * 20, 10)
    assert len(cut) <= 10 and not cut[:-1].endswith("\\")


def test_block_quote_prefixes_every_line():
    assert block_quote("a\nb") == "> a\n> b"


def test_no_match_text_is_explicit_and_escaped():
    text = embeds.no_match_text("@everyone *zebra*")
    assert text.startswith("Nothing on file matches")
    assert "@everyone" not in text and "\\*zebra\\*" in text


def test_source_sources_audit_ingest_and_vote_renderings():
    detail = SourceDetail(source=SEED, passages=30,
                          claims=[ClaimSummary(passage_id=42, text=QUOTE, speaker="Mike Pompeo", paragraph=12, counters=2)],
                          links=[LinkSummary(link_id=1, claim_passage_id=42, evidence_passage_id=101, stance="counters",
                                             origin="auto", status="active", confidence=0.8, rationale="r",
                                             evidence_text="The New York Times said Pompeo offered *no* evidence.",
                                             evidence_speaker="The New York Times", evidence_source_id=1,
                                             evidence_paragraph=12)],
                          added_at=datetime(2026, 1, 1, tzinfo=timezone.utc), added_by="seed")
    embed = embeds.source_embed(detail)
    assert embed.title == escape(SEED.title)
    assert "30 passages, 1 claim, 1 link." in embed.description  # never "1 claims, 1 links"
    assert embed.fields[0].name == "Claim #42 — Mike Pompeo"
    assert embed.fields[1].value == (
        "#42 ← counters: “The New York Times said Pompeo offered \\*no\\* evidence.” — The New York Times (#101, auto)")

    page = embeds.sources_embed(SourcePage(items=[SEED], page=1, pages=3, total=25))
    assert "`#1`" in page.description and page.footer.text == "Page 1 of 3 · 25 sources"

    audit = embeds.audit_embed([AuditEntry(actor_id="77", action="source.remove", target="source:3", detail="x",
                                           created_at=datetime(2026, 1, 1))])
    assert "`source.remove` source:3 by 77" in audit.description
    assert "Nothing in the audit log" in embeds.audit_embed([]).description

    ingest = embeds.ingest_embed(IngestReport(source_id=5, status="created", title="New article", passages=12, links=3))
    assert ingest.title == "Added: New article" and "Source #5: 12 passages" in ingest.description

    assert "**not helpful**" in embeds.vote_text(VoteTally(helpful=1, not_helpful=2), helpful=False)
    assert "1 helpful, 2 not helpful" in embeds.vote_text(VoteTally(helpful=1, not_helpful=2), helpful=False)


text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6000)
meta_st = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=256)


@hsettings(max_examples=60, deadline=None)
@given(quote=text_st, title=st.text(min_size=1, max_size=512), outlet=st.none() | meta_st,
       author=st.none() | meta_st, speaker=st.none() | meta_st, rationale=text_st,
       n_counters=st.integers(0, 30))
def test_any_text_gives_embeds_within_every_limit(quote, title, outlet, author, speaker, rationale, n_counters):
    source = SourceRef(id=9, title=title, outlet=outlet, author=author, url="https://example.org/" + "x" * 100,
                       published=date(2020, 1, 1))
    items = [CounterItem(passage_id=i, text=quote, stance="counters", origin="moderator", rationale=rationale,
                         confidence=1.0, source=source, location=Location(1, 0, 1), speaker=speaker)
             for i in range(n_counters)]
    ans = answer(text=quote, counters=items, source=source, speaker=speaker, query=quote[:300] or "q")
    for embed in (embeds.lookup_embed(ans), embeds.counter_evidence_embed(ans.results[0])):
        assert embeds.limit_violations(embed) == []
        assert isinstance(embed.to_dict(), dict)
    assert len(embeds.no_match_text(quote)) <= embeds.LIMITS["content"]


@hsettings(max_examples=60, deadline=None)
@given(quote=text_st)
def test_citation_is_never_cut_for_realistic_metadata(quote):
    embed = embeds.lookup_embed(answer(text=quote))
    assert embed.description.endswith(citation_line(SEED, answer().results[0].location))
    assert embeds.limit_violations(embed) == []


# -- one kit: the policies the digest and the lookup used to differ on ---------------------------

def test_one_url_policy_refuses_what_could_bend_a_link_rather_than_re_encoding_it():
    # The digest used to percent-encode such URLs and link them; refusing is the safer policy
    # (a link never points anywhere but the URL on file), so every front end now refuses.
    for bad in ("https://example.org/a_(b)", "https://example.org/a]b", "https://example.org/<x>",
                'https://example.org/"x"', "https://example.org/a\\b", "https://example.org/a\x07",
                "http://", "https:///path-without-host", "ftp://example.org/a", "https://example.org/" + "p" * 2001):
        assert safe_url(bad) is None, bad
    assert safe_url("HTTPS://Example.org/a?b=1&c=%20#frag") == "HTTPS://Example.org/a?b=1&c=%20#frag"


def test_one_escape_defuses_mentions_of_any_length_and_channel_mentions():
    shown = escape("<@123> <@!45> <@&55> <#678> @everyone @here <@876543210987654321>")
    assert "<@123>" not in shown and "<@!45>" not in shown and "<@&55>" not in shown and "<#678>" not in shown
    assert "<@\u200b123>" in shown and "<\u200b#678>" in shown and "@\u200beveryone" in shown


def test_a_title_cannot_close_its_link_early():
    from bot.render.text import title_link

    assert title_link("A [bracketed] *title*", "https://example.org/a", 100) == \
        "[A [bracketed\\] \\*title\\*](https://example.org/a)"
    assert title_link("Unsafe", "javascript:alert(1)", 100) == "Unsafe"
