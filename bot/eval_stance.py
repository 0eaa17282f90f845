"""Claim-stance evaluation: does the shipped engine tell which documents dispute a claim?

Format (../shared/eval/README.md): claims JSONL `{"id", "claim", "doc", "label"}` with label
`agree|disagree|discuss|unrelated`, corpus JSONL `{"doc", "title", "text"}` (whole documents).

Every document is ingested through the real pipeline (`bot.services.sources.ingest_document`:
parsing, segmentation, attribution, stored stance links) into a scratch SQLite database and
index, as one source. Every claim is then checked against its document with the claim-check
path (`bot.services.check.check`, restricted to that source): `disputes` = disagree,
`supports` = agree, `discusses` = discuss, nothing related = unrelated.

The baseline is the stance rules alone over the same index candidates (the source's best
BM25 passages): any passage the rules call `counters` -> disagree, else any `supports` -> agree,
else any passage sharing the claim's words -> discuss, else unrelated.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import json
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.stance.pairs import WINDOW_PASSAGES

if TYPE_CHECKING:
    from bot.app import Counterpoint

CLASSES = ("agree", "disagree", "discuss", "unrelated")
VERDICT_LABEL = {"disputes": "disagree", "supports": "agree", "discusses": "discuss", None: "unrelated"}


DEV_SHARE = 5  # one document in five is in the development half


def doc_in_half(doc: str, half: str) -> bool:
    """A fixed split by document (crc32 of its id), so no document is in both halves: "dev" is
    the development half, "heldout" the rest (the half the stance model trains on)."""
    if half == "all":
        return True
    dev = zlib.crc32(doc.encode("utf-8")) % DEV_SHARE == 0
    return dev if half == "dev" else not dev


@dataclass(frozen=True)
class StancePair:
    id: str
    claim: str
    doc: str
    label: str


def _jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def is_stance_file(path: Path) -> bool:
    """True when the first record of `path` is a claim-stance pair (has `doc` and `label`)."""
    for row in _jsonl(path):
        return "doc" in row and "label" in row and "evidence" not in row
    return False


def load_pairs(path: Path, limit: int | None = None, half: str = "all") -> list[StancePair]:
    out = []
    for row in _jsonl(path):
        if row.get("label") in CLASSES and doc_in_half(str(row["doc"]), half):
            out.append(StancePair(str(row["id"]), str(row["claim"]), str(row["doc"]), row["label"]))
            if limit and len(out) >= limit:
                break
    return out


def load_documents(path: Path, wanted: set[str]) -> dict[str, tuple[str, str]]:
    return {str(r["doc"]): (str(r.get("title") or ""), str(r.get("text") or "")) for r in _jsonl(path)
            if str(r["doc"]) in wanted}


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Per-class precision/recall/F1, macro-F1 over the classes present in gold, confusion."""
    out: dict = {}
    present = [c for c in CLASSES if c in gold]
    for c in CLASSES:
        tp = sum(1 for g, p in zip(gold, predicted) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, predicted) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, predicted) if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[c] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
    out["macro_f1"] = round(sum(out[c]["f1"] for c in present) / len(present), 3) if present else 0.0
    confusion = Counter(zip(gold, predicted))
    out["confusion"] = {g: {p: confusion[(g, p)] for p in CLASSES} for g in CLASSES}
    return out


def rules_verdict(claim: str, passages: Sequence[str]) -> str:
    """Today's rules as a document verdict (the baseline)."""
    from bot.stance.rules import StanceInput, assess

    claim_input = StanceInput(text=claim, is_claim=True)
    decisions = [assess(claim_input, StanceInput(text=t)) for t in passages]
    stances = {d.stance for d in decisions if d is not None}
    if "counters" in stances:
        return "disagree"
    if "supports" in stances:
        return "agree"
    return "discuss" if stances else "unrelated"


async def _baseline(app: Counterpoint, pair: StancePair, source_id: int) -> str:
    from sqlmodel import select

    from bot.models import Passage
    from bot.search.normalize import query_tokens

    hits = app.index.search(query_tokens(pair.claim), ["global"], limit=WINDOW_PASSAGES, source_ids=[source_id])
    if not hits:
        return "unrelated"
    async with app.sessions() as session:
        texts = (await session.exec(select(Passage.text).where(Passage.id.in_([h.passage_id for h in hits])))).all()
    return rules_verdict(pair.claim, list(texts))


async def evaluate_stance(pairs: Sequence[StancePair], documents: dict[str, tuple[str, str]], *,
                          progress=None) -> dict:
    """Ingest the documents, check every pair, score engine and baseline."""
    from bot.app import Counterpoint
    from bot.config import Settings
    from bot.errors import BadInput
    from bot.services.check import check
    from bot.services.sources import ingest_document

    started = time.perf_counter()
    gold, engine, baseline = [], [], []
    with tempfile.TemporaryDirectory(prefix="counterpoint-eval-stance-") as tmp:
        settings = Settings.from_env(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}",
                                     index_dir=Path(tmp) / "index", seeds_dir=Path(tmp) / "no-seeds")
        app = await Counterpoint.open(settings, ingest_seeds=False)
        try:
            source_of: dict[str, int] = {}
            refused = 0
            for doc, (title, text) in sorted(documents.items()):
                raw = f"{title}\n\n{text}" if title else text
                try:
                    report = await ingest_document(app, raw, filename=f"{doc}.txt", guild_id=None, actor="eval",
                                                   overrides={"title": title or doc}, origin=f"eval:{doc}")
                except BadInput:
                    refused += 1  # e.g. a three-word argument: not an article, so nothing on file
                    continue
                source_of[doc] = report.source_id
            ingest_seconds = time.perf_counter() - started
            for n, pair in enumerate(pairs, start=1):
                source_id = source_of.get(pair.doc)
                gold.append(pair.label)
                if source_id is None:  # the pipeline refused the document: the bot knows nothing
                    engine.append("unrelated")
                    baseline.append("unrelated")
                    continue
                answer = await check(app, pair.claim, guild_id=None, source_ids=[source_id], explain=False)
                verdict = answer.sources[0].verdict if answer.sources else None
                engine.append(VERDICT_LABEL[verdict])
                baseline.append(await _baseline(app, pair, source_id))
                if progress:
                    progress(n, len(pairs))
        finally:
            await app.close()
    return {"task": "stance", "pairs": len(gold), "documents": len(documents), "documents_refused": refused,
            "seconds": round(time.perf_counter() - started, 1), "ingest_seconds": round(ingest_seconds, 1),
            "engine": scores(gold, engine), "baseline": scores(gold, baseline)}


def format_stance_table(report: dict) -> str:
    lines = [f"{report['pairs']} pairs over {report['documents']} documents in {report['seconds']:.0f} s"
             + (f" ({report['documents_refused']} documents refused by ingestion: their pairs count as unrelated)"
                if report.get("documents_refused") else ""),
             "system    " + "  ".join(f"{c + ' P/R/F1':<24}" for c in CLASSES) + "macro-F1"]
    for name in ("engine", "baseline"):
        s = report[name]
        cells = "  ".join(f"{s[c]['precision']:.3f}/{s[c]['recall']:.3f}/{s[c]['f1']:.3f}".ljust(24) for c in CLASSES)
        lines.append(f"{name:<10}{cells}{s['macro_f1']:.3f}")
    lines.append("engine = /check (index candidates, stance model, rules veto); baseline = stance rules alone")
    return "\n".join(lines)
