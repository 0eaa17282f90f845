"""Property-based tests (hypothesis) for what hostile input must never break.

Complements, without repeating, tests/test_ingest_properties.py (parse_article on text and
bytes), tests/test_search_normalize.py (query_tokens on plain text) and
tests/test_render_embeds.py (one lookup answer within the embed limits). Added here:

* ingestion the way an upload really arrives (bytes -> `sniff_text` -> `parse_article`, any
  extension, HTML-ish and huge unpunctuated input), with the full offset contract: exact
  slices, W3C quote-selector context, paragraph numbers, order, no overlap, bounded size;
* option and topic cleaning (`clean_option`, the lookup service's `clean_topic`), and query
  tokens under arbitrary moderator aliases: bounded, plain, never query syntax;
* rendering: any lookup answer (several results, every page, hostile URLs and metadata at
  the column limits) and every other embed the bot sends stays within Discord's limits, and
  nothing in it can ping (`@everyone`, role and user mentions are always defused).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone

from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

from bot.errors import BadInput
from bot.ingest.parse import CONTEXT_CHARS, parse_article
from bot.render import embeds
from bot.render.text import escape
from bot.results import (AuditEntry, ClaimSummary, CounterItem, IngestReport, LinkSummary, Location, LookupAnswer,
                         LookupResult, SourceDetail, SourcePage, SourceRef)
from bot.search.normalize import MAX_QUERY_TOKENS, MAX_TOKEN_CHARS, query_tokens
from bot.services.lookup import MAX_TOPIC_CHARS, clean_topic
from bot.validate import clean_option, sniff_text

MAX_PASSAGE_CHARS = 1000
# What Discord turns into a ping (or a mention that notifies): @everyone, @here, <@id>, <@!id>, <@&id>.
PINGABLE = re.compile(r"@(?:everyone|here)|<@[!&]?\d{17,20}>")

NO_SURROGATES = st.characters(blacklist_categories=("Cs",))
ANY_TEXT = st.text(NO_SURROGATES, max_size=600)


# -- ingestion: the upload path, and the whole offset contract -----------------------------------

HTMLISH = st.sampled_from([
    "<p>", "</p>", "<br>", "<h1>", "</h1>", "<script>alert(1)</script>", "<style>p{}</style>", "<!--", "-->",
    "&amp;", "&nbsp;", "&#0;", "&#x110000;", "&#128512;", "<title>", "</title>", "<meta charset=utf-8>",
    "<article>", "</article>", "<nav>Home</nav>", "<figcaption>", "“", "”", '"', ". ", "said the minister",
    "\n", "\n\n", " ", "\u200b", "\x00", "<", ">", "&", "<a href='javascript:x'>", "</a>",
])
HTMLISH_TEXT = st.lists(st.one_of(HTMLISH, st.text(NO_SURROGATES, max_size=10)), max_size=80).map("".join)
UPLOAD_BYTES = st.one_of(
    st.binary(max_size=400),
    ANY_TEXT.map(lambda t: t.encode("utf-8")),
    HTMLISH_TEXT.map(lambda t: t.encode("utf-8")),
    st.text(st.characters(max_codepoint=255, blacklist_categories=("Cs",)), max_size=300).map(
        lambda t: t.encode("latin-1")),
    ANY_TEXT.map(lambda t: t.encode("utf-16")),
)
UPLOAD_NAMES = st.sampled_from(["a.txt", "a.text", "a.md", "a.markdown", "a.html", "a.htm", "a.xhtml"])


def assert_offsets_round_trip(article) -> None:
    """Every passage is an exact slice of the stored text, with its quote-selector context,
    its paragraph number, in order and not overlapping, and at most 1000 characters."""
    text = article.text
    previous_end = 0
    for p in article.passages:
        assert 0 <= p.char_start < p.char_end <= len(text)
        assert text[p.char_start:p.char_end] == p.text
        assert p.char_start >= previous_end
        previous_end = p.char_end
        assert p.prefix == text[max(0, p.char_start - CONTEXT_CHARS):p.char_start]
        assert p.suffix == text[p.char_end:p.char_end + CONTEXT_CHARS]
        assert p.paragraph == text[:p.char_start].count("\n\n") + 1
        assert "\n\n" not in p.text  # a passage never spans paragraphs
        assert len(p.text) <= MAX_PASSAGE_CHARS


def upload(raw: bytes, filename: str):
    """What `/curate add file:` does with the bytes: refuse binary, then parse."""
    html = filename.endswith(("html", "htm"))
    return parse_article(sniff_text(raw, html=html), filename=filename)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(UPLOAD_BYTES, UPLOAD_NAMES)
def test_any_upload_is_refused_with_bad_input_or_parsed_with_exact_offsets(raw, filename):
    try:
        article = upload(raw, filename)
    except BadInput as refusal:
        event("refused")
        assert str(refusal) and "Traceback" not in str(refusal)
        return
    event("parsed")
    assert article.title
    assert_offsets_round_trip(article)


WORDS = st.sampled_from(["harbour", "beacon", "flickered", "over", "the", "grey", "water", "gulls", "circled",
                         "minister", "said", "“", "”", "@everyone", "<@&123456789012345678>", "**bold**", "#"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, min_size=1, max_size=40), st.sampled_from(["a.txt", "a.md"]))
def test_a_huge_unpunctuated_paragraph_becomes_bounded_passages_that_cover_it(words, filename):
    paragraph = " ".join(words)
    paragraph = " ".join([paragraph] * (10_000 // (len(paragraph) + 1) + 1))  # over 10,000 characters
    text = "Harbour Beacon Report\n\n" + paragraph + "\n"
    try:
        article = parse_article(text, filename=filename)
    except BadInput:
        return
    assert_offsets_round_trip(article)
    body = [p for p in article.passages if p.paragraph == 2]
    if body:  # the passages of the long paragraph leave no word out
        joined = " ".join(p.text for p in body).split()
        paragraph = article.text.split("\n\n")[1].split()
        assert joined == paragraph


# -- cleaning options, topics, and query tokens ---------------------------------------------------

INVISIBLE = set("\u200b\u200c\u200d\u2060\ufeff\u202e\u2066\u00ad")
HOSTILE_OPTION = st.lists(st.one_of(st.sampled_from(sorted(INVISIBLE) + ["\x00", "\x07", "\x1b", "\t", "\n", "\r",
                                                                        "\u2028", " ", "  "]),
                                    st.text(NO_SURROGATES, max_size=8)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(HOSTILE_OPTION, st.integers(1, 120), st.booleans())
def test_a_cleaned_option_is_visible_single_spaced_bounded_and_stable(value, max_len, required):
    try:
        cleaned = clean_option(value, name="title", max_len=max_len, required=required)
    except BadInput as refusal:
        assert str(refusal).startswith("title is ")
        return
    if cleaned is None:
        assert not required
        return
    assert 0 < len(cleaned) <= max_len
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs"} for ch in cleaned)
    assert not any(ch.isspace() and ch != " " for ch in cleaned)
    assert clean_option(cleaned, name="title", max_len=max_len) == cleaned


@settings(max_examples=200, deadline=None)
@given(st.one_of(HOSTILE_OPTION, st.text(NO_SURROGATES, min_size=400, max_size=3000)))
def test_a_lookup_topic_is_cleaned_and_capped_before_any_work(topic):
    cleaned = clean_topic(topic)
    assert len(cleaned) <= MAX_TOPIC_CHARS
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in cleaned)
    assert clean_topic(cleaned) == cleaned


PLAIN_TOKEN = re.compile(r"\w+")
ALIASES = st.dictionaries(st.text(NO_SURROGATES, max_size=30),
                          st.lists(st.text(NO_SURROGATES, max_size=60), min_size=1, max_size=3), max_size=6)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT, ALIASES)
def test_query_tokens_under_any_aliases_are_few_plain_words(topic, aliases):
    tokens = query_tokens(topic, aliases)
    assert len(tokens) <= MAX_QUERY_TOKENS
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert PLAIN_TOKEN.fullmatch(token) and "_" not in token, token
        assert len(token) <= MAX_TOKEN_CHARS
    # A topic's own words come first: aliases only ever add to them.
    own = query_tokens(topic)
    assert tokens[:len(own)] == own[:len(tokens)]


# -- rendering: every embed within Discord's limits, nothing can ping ----------------------------

MENTIONY = st.lists(st.one_of(st.sampled_from(["@everyone", "@here", "<@&123456789012345678>",
                                               "<@!123456789012345678>", "<@123456789012345678>", "@", "<", ">",
                                               "&", "!", "**", "__", "`", "\\", "[x](https://e.xample)", "\n",
                                               " ", "#", "> "]),
                              st.text(NO_SURROGATES, max_size=20)), max_size=40).map("".join)
TEXT = st.one_of(st.text(NO_SURROGATES, max_size=3000), MENTIONY)


def meta(max_size: int):
    return st.one_of(st.none(), MENTIONY.map(lambda t: t[:max_size] or "x"),
                     st.text(NO_SURROGATES, min_size=1, max_size=max_size))


URLS = st.one_of(st.none(), st.sampled_from(["javascript:alert(1)", "https://example.org/a)b", "http://[::1]/",
                                             "https://example.org/" + "x" * 2100, "ftp://x/y"]),
                 st.text(NO_SURROGATES, max_size=60).map(lambda t: "https://example.org/" + t))


@st.composite
def sources(draw, source_id: int = 1) -> SourceRef:
    return SourceRef(id=source_id, title=draw(st.text(NO_SURROGATES, min_size=1, max_size=512) | MENTIONY.map(
        lambda t: t or "t")), outlet=draw(meta(256)), author=draw(meta(256)), url=draw(URLS),
        published=draw(st.none() | st.dates(date(1900, 1, 1), date(2100, 1, 1))),
        published_inferred=draw(st.booleans()), subtitle=draw(meta(1024)),
        status=draw(st.sampled_from(["active", "removed"])))


LOCATIONS = st.builds(Location, paragraph=st.integers(1, 10_000), char_start=st.integers(0, 10_000_000),
                      char_end=st.integers(0, 10_000_000), kind=st.sampled_from(["headline", "body", "caption"]))


@st.composite
def counter_items(draw) -> CounterItem:
    return CounterItem(passage_id=draw(st.integers(1, 2**31)), text=draw(TEXT), stance="counters",
                       origin=draw(st.sampled_from(["moderator", "auto"])), rationale=draw(TEXT),
                       confidence=draw(st.floats(0, 1)), source=draw(sources(draw(st.integers(1, 2**31)))),
                       location=draw(LOCATIONS), speaker=draw(meta(256)), cross_source=draw(st.booleans()))


@st.composite
def lookup_answers(draw) -> LookupAnswer:
    results = []
    for n in range(draw(st.integers(1, 5))):
        results.append(LookupResult(
            passage_id=draw(st.integers(1, 2**31)), text=draw(TEXT), speaker=draw(meta(256)),
            score=draw(st.floats(0, 100)), source=draw(sources(n + 1)), location=draw(LOCATIONS),
            counter_evidence=draw(st.lists(counter_items(), max_size=30)),
            matched_passage_id=draw(st.none() | st.integers(1, 2**31))))
    query = draw(TEXT)[:MAX_TOPIC_CHARS]
    return LookupAnswer(query=query, normalized=query.lower(), results=results, query_log_id=draw(st.integers(1, 10**9)))


def shown_text(embed) -> str:
    data = embed.to_dict()
    parts = [data.get("title", ""), data.get("description", ""), data.get("footer", {}).get("text", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in data.get("fields", [])]
    return "\n".join(parts)


def assert_sendable(embed) -> None:
    assert embeds.limit_violations(embed) == []
    assert not PINGABLE.search(shown_text(embed)), shown_text(embed)
    url = embed.to_dict().get("url")
    assert url is None or (url.startswith(("http://", "https://")) and len(url) <= 2000 and " " not in url)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lookup_answers())
def test_every_page_of_any_lookup_answer_is_sendable(answer):
    for index, result in enumerate(answer.results):
        assert_sendable(embeds.lookup_embed(answer, index))
        assert_sendable(embeds.counter_evidence_embed(result))
    text = embeds.no_match_text(answer.query)
    assert len(text) <= embeds.LIMITS["content"] and not PINGABLE.search(text)


@st.composite
def source_details(draw) -> SourceDetail:
    claims = [ClaimSummary(passage_id=draw(st.integers(1, 2**31)), text=draw(TEXT), speaker=draw(meta(256)),
                           paragraph=draw(st.integers(1, 10_000)), counters=draw(st.integers(0, 1000)))
              for _ in range(draw(st.integers(0, 14)))]
    links = [LinkSummary(link_id=i, claim_passage_id=draw(st.integers(1, 2**31)),
                         evidence_passage_id=draw(st.integers(1, 2**31)), stance="counters",
                         origin=draw(st.sampled_from(["auto", "moderator"])),
                         status=draw(st.sampled_from(["active", "rejected"])), confidence=0.5, rationale=draw(TEXT))
             for i in range(draw(st.integers(0, 40)))]
    return SourceDetail(source=draw(sources(draw(st.integers(1, 2**31)))), passages=draw(st.integers(0, 10**6)),
                        claims=claims, links=links, added_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                        added_by=draw(meta(64)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source_details(), st.lists(sources(), min_size=0, max_size=25), TEXT, st.integers(1, 2**31))
def test_source_listing_audit_and_ingest_embeds_are_sendable(detail, refs, text, number):
    assert_sendable(embeds.source_embed(detail))
    refs = [SourceRef(**{**ref.__dict__, "id": i + 1}) for i, ref in enumerate(refs)]
    assert_sendable(embeds.sources_embed(SourcePage(items=refs, page=1, pages=9, total=len(refs) * 9)))
    entries = [AuditEntry(actor_id=text[:64] or "1", action=text[:32] or "a", target=text[:128], detail=text,
                          created_at=datetime(2026, 1, 1)) for _ in range(25)]
    assert_sendable(embeds.audit_embed(entries))
    for status in ("created", "updated", "unchanged", "duplicate"):
        assert_sendable(embeds.ingest_embed(IngestReport(source_id=number, status=status, title=text or "t")))
    for verb in ("Removed", "Restored", "Updated"):
        line = embeds.source_ref_text(detail.source, verb)
        assert len(line) <= embeds.LIMITS["content"] and not PINGABLE.search(line)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_escaped_text_can_never_ping(text):
    assume(text)
    assert not PINGABLE.search(escape(text))
