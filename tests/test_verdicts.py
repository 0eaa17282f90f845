"""Moderator verdicts: set, edit, remove (audited), shown in lookups and source details, one
server's never seen by another; exported as ClaimReview (validated against Google's
ClaimReview guidelines, round-tripped through a JSON-LD processor) and stance links as W3C
Web Annotations."""
from __future__ import annotations

import asyncio
import copy
import json
from urllib.parse import urlsplit

import pytest
from pyld import jsonld
from sqlmodel import select

from bot.__main__ import main
from bot.errors import BadInput, NotFound
from bot.models import VERDICT_RATINGS, AuditLog, Claim, Passage, Verdict
from bot.services import export, lookup as lookup_service, sources, verdicts

GUILD_A, GUILD_B = 1001, 2002
TOPIC = "Iran al-Qaeda 9/11"


async def pompeo_claim(app, guild_id=GUILD_A):
    result = (await lookup_service.lookup(app, TOPIC, guild_id=guild_id, log_query=False)).results[0]
    assert result.speaker == "Mike Pompeo" and result.counter_evidence
    return result


async def test_a_verdict_is_recorded_shown_edited_and_removed_with_an_audit_trail(app):
    claim = await pompeo_claim(app)
    made, created = await verdicts.set_verdict(app, guild_id=GUILD_A, actor=13, claim_passage_id=claim.passage_id,
                                               rating="misleading", note="No intelligence backs the axis claim.")
    assert created and made.rating == "Misleading"

    shown = (await lookup_service.lookup(app, TOPIC, guild_id=GUILD_A, log_query=False)).results[0]
    assert shown.verdict.rating == "Misleading" and shown.verdict.note == "No intelligence backs the axis claim."
    detail = await sources.get_source(app, claim.source.id, guild_id=GUILD_A)
    assert {c.passage_id: c.verdict.rating for c in detail.claims if c.verdict} == {claim.passage_id: "Misleading"}

    edited, created = await verdicts.set_verdict(app, guild_id=GUILD_A, actor=14, claim_passage_id=claim.passage_id,
                                                 rating="False", note="")
    assert not created and edited.rating == "False" and edited.updated_by == "14"
    await verdicts.remove_verdict(app, guild_id=GUILD_A, actor=13, claim_passage_id=claim.passage_id)
    assert (await lookup_service.lookup(app, TOPIC, guild_id=GUILD_A, log_query=False)).results[0].verdict is None
    async with app.sessions() as session:
        assert (await session.exec(select(Verdict))).all() == []
        audit = (await session.exec(select(AuditLog).where(AuditLog.action.startswith("verdict."))
                                    .order_by(AuditLog.id))).all()
    assert [(a.action, a.actor_id, a.target) for a in audit] == [
        ("verdict.set", "13", f"passage:{claim.passage_id}"),
        ("verdict.edit", "14", f"passage:{claim.passage_id}"),
        ("verdict.remove", "13", f"passage:{claim.passage_id}")]
    assert "(was Misleading: No intelligence backs the axis claim.)" in audit[1].detail


async def test_one_servers_verdict_is_not_shown_in_another(app):
    claim = await pompeo_claim(app)
    await verdicts.set_verdict(app, guild_id=GUILD_A, actor=13, claim_passage_id=claim.passage_id, rating="False")
    other = (await lookup_service.lookup(app, TOPIC, guild_id=GUILD_B, log_query=False)).results[0]
    assert other.passage_id == claim.passage_id and other.verdict is None
    assert (await lookup_service.lookup(app, TOPIC, guild_id=None, log_query=False)).results[0].verdict is None
    with pytest.raises(NotFound, match="No verdict on claim"):
        await verdicts.remove_verdict(app, guild_id=GUILD_B, actor=1, claim_passage_id=claim.passage_id)


async def test_bad_verdicts_are_refused_clearly_and_store_nothing(app):
    claim = await pompeo_claim(app)
    with pytest.raises(BadInput, match="must be one of False, Misleading, Unsupported, Mixed, Accurate"):
        await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=claim.passage_id, rating="Pants on fire")
    with pytest.raises(BadInput, match="too long"):
        await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=claim.passage_id, rating="False",
                                   note="x" * 1001)
    with pytest.raises(NotFound, match="No claim passage #999999"):
        await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=999999, rating="False")
    async with app.sessions() as session:
        not_claim = (await session.exec(select(Passage.id).outerjoin(Claim, Claim.passage_id == Passage.id)
                                        .where(Claim.id.is_(None)).limit(1))).first()
    with pytest.raises(BadInput, match=f"Passage #{not_claim} is not a claim"):
        await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=not_claim, rating="False")
    async with app.sessions() as session:
        assert (await session.exec(select(Verdict))).all() == []
        assert (await session.exec(select(AuditLog).where(AuditLog.action.startswith("verdict.")))).all() == []


# -- ClaimReview ----------------------------------------------------------------------------------

def google_claimreview_problems(obj: dict) -> list[str]:
    """What Google's ClaimReview structured-data guidelines require (and the recommended
    fields the issue asks for), checked on one exported object."""
    problems = []
    if obj.get("@context") != "https://schema.org":
        problems.append("@context must be https://schema.org")
    if obj.get("@type") != "ClaimReview":
        problems.append("@type must be ClaimReview")
    for required in ("claimReviewed", "reviewRating", "url"):
        if not obj.get(required):
            problems.append(f"missing required {required}")
    url = urlsplit(obj.get("url") or "")
    if url.scheme not in {"http", "https"} or not url.netloc:
        problems.append("url must be an absolute http(s) URL of the fact check")
    rating = obj.get("reviewRating") or {}
    if rating.get("@type") != "Rating" or not isinstance(rating.get("alternateName"), str) or not rating["alternateName"]:
        problems.append("reviewRating must be a Rating with a textual alternateName")
    numbers = [rating.get(k) for k in ("ratingValue", "bestRating", "worstRating")]
    if not all(isinstance(n, int) for n in numbers) or not numbers[2] <= numbers[0] <= numbers[1]:
        problems.append("a numeric rating needs worstRating <= ratingValue <= bestRating")
    author = obj.get("author") or {}
    if author.get("@type") not in {"Organization", "Person"} or not author.get("name"):
        problems.append("author must be an Organization or Person with a name")
    if not str(obj.get("datePublished") or "")[:10].count("-") == 2:
        problems.append("datePublished must be an ISO date")
    item = obj.get("itemReviewed") or {}
    if item.get("@type") != "Claim":
        problems.append("itemReviewed must be a Claim")
    appearance = item.get("appearance") or {}
    if appearance.get("@type") != "CreativeWork" or not appearance.get("headline"):
        problems.append("itemReviewed.appearance must be a CreativeWork with a headline")
    if (item.get("author") or {}).get("@type") not in {"Person", "Organization"}:
        problems.append("itemReviewed.author must say who made the claim")
    return problems


# Local stand-ins for the remote contexts (tests never touch the network): the term -> IRI
# mappings the exports rely on.
SCHEMA_CONTEXT = {"@context": {"@vocab": "http://schema.org/", "url": {"@id": "http://schema.org/url", "@type": "@id"}}}
OA, DC = "http://www.w3.org/ns/oa#", "http://purl.org/dc/terms/"
ANNO_CONTEXT = {"@context": {
    "oa": OA, "dcterms": DC, "xsd": "http://www.w3.org/2001/XMLSchema#", "as": "https://www.w3.org/ns/activitystreams#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "foaf": "http://xmlns.com/foaf/0.1/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "id": "@id", "type": "@type", "Annotation": "oa:Annotation", "SpecificResource": "oa:SpecificResource",
    "TextualBody": "oa:TextualBody", "TextQuoteSelector": "oa:TextQuoteSelector",
    "TextPositionSelector": "oa:TextPositionSelector", "Software": "as:Application",
    "assessing": "oa:assessing", "commenting": "oa:commenting", "linking": "oa:linking",
    "motivation": {"@id": "oa:motivatedBy", "@type": "@vocab"}, "purpose": {"@id": "oa:hasPurpose", "@type": "@vocab"},
    "body": {"@id": "oa:hasBody", "@type": "@id"}, "target": {"@id": "oa:hasTarget", "@type": "@id"},
    "source": {"@id": "oa:hasSource", "@type": "@id"}, "selector": {"@id": "oa:hasSelector", "@type": "@id"},
    "value": {"@id": "rdf:value"}, "format": {"@id": "dc:format"}, "name": "foaf:name",
    "exact": "oa:exact", "prefix": "oa:prefix", "suffix": "oa:suffix",
    "start": {"@id": "oa:start", "@type": "xsd:nonNegativeInteger"},
    "end": {"@id": "oa:end", "@type": "xsd:nonNegativeInteger"},
    "created": {"@id": "dcterms:created", "@type": "xsd:dateTime"},
    "creator": {"@id": "dcterms:creator", "@type": "@id"},
}}
CONTEXTS = {"https://schema.org": SCHEMA_CONTEXT, "http://www.w3.org/ns/anno.jsonld": ANNO_CONTEXT}


def local_loader(url, options=None):
    if url.rstrip("/") not in CONTEXTS:
        raise AssertionError(f"unexpected remote document {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": CONTEXTS[url.rstrip("/")]}


def round_trip(obj: dict) -> tuple[list, dict]:
    expanded = jsonld.expand(copy.deepcopy(obj), {"documentLoader": local_loader})
    compacted = jsonld.compact(expanded, obj["@context"], {"documentLoader": local_loader})
    return expanded, compacted


async def test_claimreview_export_meets_googles_guidelines_and_round_trips_as_json_ld(app):
    claim = await pompeo_claim(app)
    await verdicts.set_verdict(app, guild_id=GUILD_A, actor=13, claim_passage_id=claim.passage_id,
                               rating="Misleading", note="The cited intelligence does not exist.")
    objects = await export.claimreview_export(app, guild_id=GUILD_A, organization="Harbour Fact-Checkers")
    assert len(objects) == 1
    review = objects[0]
    assert google_claimreview_problems(review) == []
    assert review["claimReviewed"] == claim.text  # verbatim
    assert review["url"] == f"https://discord.com/channels/{GUILD_A}#claim-{claim.passage_id}"
    assert review["reviewRating"] == {"@type": "Rating", "ratingValue": 2, "bestRating": 5, "worstRating": 1,
                                      "alternateName": "Misleading"}
    assert review["author"] == {"@type": "Organization", "name": "Harbour Fact-Checkers"}
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": "Mike Pompeo"}
    appearance = review["itemReviewed"]["appearance"]
    assert appearance["headline"] == claim.source.title and appearance["@type"] == "CreativeWork"
    if claim.source.published:
        assert appearance["datePublished"] == claim.source.published.isoformat()
    assert review["reviewBody"] == "The cited intelligence does not exist."
    assert claim.counter_evidence[0].text in [c["text"] for c in review["citation"]]

    expanded, compacted = round_trip(review)
    node = expanded[0]
    assert node["@type"] == ["http://schema.org/ClaimReview"]
    assert node["http://schema.org/claimReviewed"] == [{"@value": claim.text}]
    assert node["http://schema.org/url"] == [{"@id": review["url"]}]
    rating = node["http://schema.org/reviewRating"][0]
    assert rating["http://schema.org/alternateName"] == [{"@value": "Misleading"}]
    assert compacted == review

    # Every rating maps to its place on the 1-5 scale, and still passes.
    for value, name in enumerate(VERDICT_RATINGS, 1):
        await verdicts.set_verdict(app, guild_id=GUILD_A, actor=13, claim_passage_id=claim.passage_id, rating=name)
        (obj,) = await export.claimreview_export(app, guild_id=GUILD_A)
        assert obj["reviewRating"]["ratingValue"] == value and google_claimreview_problems(obj) == []


async def test_claimreview_export_holds_only_the_servers_own_verdicts(app):
    claim = await pompeo_claim(app)
    await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=claim.passage_id, rating="False")
    await verdicts.set_verdict(app, guild_id=GUILD_B, actor=2, claim_passage_id=claim.passage_id, rating="Mixed")
    assert [o["reviewRating"]["alternateName"] for o in await export.claimreview_export(app, guild_id=GUILD_B)] == ["Mixed"]
    everything = await export.claimreview_export(app, guild_id=export.ALL)
    assert sorted(o["reviewRating"]["alternateName"] for o in everything) == ["False", "Mixed"]
    # The shared library's verdicts need the page they are published on.
    await verdicts.set_verdict(app, guild_id=None, actor="console", claim_passage_id=claim.passage_id, rating="False")
    with pytest.raises(BadInput, match="CLAIMREVIEW_URL"):
        await export.claimreview_export(app, guild_id=None)
    (shared,) = await export.claimreview_export(app, guild_id=None, base_url="https://checks.example.org/verdicts")
    assert shared["url"] == f"https://checks.example.org/verdicts#claim-{claim.passage_id}"


async def test_annotation_export_has_one_assessing_annotation_per_link_with_both_selectors(app):
    claim = await pompeo_claim(app)
    objects = await export.annotation_export(app, guild_id=GUILD_A)
    async with app.sessions() as session:
        passages = {p.id: p for p in (await session.exec(select(Passage))).all()}
    assert objects
    mine = [o for o in objects if o["target"]["selector"][0]["exact"] == claim.text]
    assert len(mine) >= len(claim.counter_evidence)
    for obj in objects:
        assert obj["type"] == "Annotation" and obj["motivation"] == "assessing"
        assert obj["@context"] == "http://www.w3.org/ns/anno.jsonld"
        quote, position = obj["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        stored = next(p for p in passages.values() if p.text == quote["exact"] and p.char_start == position["start"])
        assert (quote["prefix"], quote["suffix"], position["end"]) == (stored.prefix, stored.suffix, stored.char_end)
        stance, comment, evidence = obj["body"]
        assert stance["purpose"] == "assessing" and stance["value"] in {"counters", "supports", "context"}
        assert comment["purpose"] == "commenting" and evidence["purpose"] == "linking"
        assert evidence["selector"][0]["exact"] in comment["value"]
    expanded, compacted = round_trip(mine[0])
    node = expanded[0]
    assert node["@type"] == [OA + "Annotation"]
    assert node[OA + "motivatedBy"] == [{"@id": OA + "assessing"}]
    target = node[OA + "hasTarget"][0]
    assert target[OA + "hasSelector"][0][OA + "exact"] == [{"@value": claim.text}]
    assert compacted == mine[0]


async def test_cli_exports_write_json_ld_files(app, tmp_path, monkeypatch, capsys):
    claim = await pompeo_claim(app)
    await verdicts.set_verdict(app, guild_id=GUILD_A, actor=1, claim_passage_id=claim.passage_id, rating="False")
    for name, value in (("DATABASE_URL", app.settings.database_url), ("INDEX_DIR", str(tmp_path / "cli-index"))):
        monkeypatch.setenv(name, value)
    out = tmp_path / "reviews.jsonld"
    # main() runs its own event loop: give it a thread, as a shell would give it a process.
    assert await asyncio.to_thread(main, ["export", "claimreview", "--guild", str(GUILD_A), "--out", str(out),
                                          "--org", "Harbour"]) == 0
    assert "Wrote 1 verdict to" in capsys.readouterr().out
    (review,) = json.loads(out.read_text(encoding="utf-8"))
    assert review["claimReviewed"] == claim.text and review["author"]["name"] == "Harbour"
    assert google_claimreview_problems(review) == []
    assert await asyncio.to_thread(main, ["export", "annotations"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed and all(o["motivation"] == "assessing" for o in printed)
