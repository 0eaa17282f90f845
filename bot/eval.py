"""`python -m bot eval CLAIMS.jsonl --corpus CORPUS.jsonl`: measure retrieval and counter-evidence.

Format and scoring: /work/shared/eval/README.md. Every corpus document becomes one source
(its text = its sentences joined by spaces, so every passage's offsets are exact) in a
scratch SQLite database migrated like production, and every sentence a passage in a scratch
search index. Each claim is then run as a query, twice:

* **engine**: what `/check` does (`bot.services.check.rank_for_claim`): BM25 candidates
  re-ranked by the stance model, top k kept, each labelled by the shipped stance decision
  (`bot.stance.judge`: model, rules, voice vetoes; the claim as plain text with no speaker);
* **rules** (the previous engine, kept as a baseline): BM25 top-50 re-ranked by title and
  source (`bot.rerank`), each labelled by the stance rules alone;
* **bm25**: plain BM25 top k on the same tokens, no re-ranking, labelled by a naive
  negation labeller: a passage `counters` the claim when it contains any negation word
  ("not", "no", "never", "without", "n't", ...). It is what cue words alone would do.

Reported for both: recall@k and hit@k of the gold evidence (SUPPORTS + REFUTES), and micro
precision / recall / F1 of `counters` against gold REFUTES, plus how many gold SUPPORTS
passages were called `counters` (the error that costs most trust).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from bot.db import make_engine, upgrade
from bot.eval_attribution import evaluate_attribution, is_attribution_file, load_articles
from bot.models import GLOBAL_SCOPE, Passage, Source
from bot.rerank import Candidate, rerank
from bot.search.index import IndexDoc, SearchIndex
from bot.search.normalize import query_tokens
from bot.stance.rules import StanceInput, assess

CANDIDATES = 50  # BM25 hits the engine re-ranks
INSERT_BATCH = 5_000
NAIVE_NEGATION = re.compile(r"(?<![\w-])(?:not|no|never|none|neither|nor|without|cannot|\w+n[’']t)(?![\w-])",
                            re.IGNORECASE)


@dataclass(frozen=True)
class CorpusDoc:
    doc: str
    title: str
    sentences: list[tuple[str, str]]  # (corpus passage_id, text)


@dataclass(frozen=True)
class EvalClaim:
    id: str
    text: str
    supports: frozenset[str]
    refutes: frozenset[str]

    @property
    def gold(self) -> frozenset[str]:
        return self.supports | self.refutes


@dataclass
class Score:
    """Accumulates one system's figures over the scored claims."""

    k: int
    claims: int = 0
    recall_sum: float = 0.0
    hits: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    supports_called_counters: int = 0

    def add(self, claim: EvalClaim, ranked: Sequence[str], counters: set[str]) -> None:
        top = set(ranked[:self.k])
        found = len(top & claim.gold)
        self.claims += 1
        self.recall_sum += found / len(claim.gold)
        self.hits += found > 0
        self.tp += len(counters & claim.refutes)
        self.fp += len(counters - claim.refutes)
        self.fn += len(claim.refutes - counters)
        self.supports_called_counters += len(counters & claim.supports)

    def as_json(self) -> dict:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        n = self.claims or 1
        return {
            f"recall@{self.k}": round(self.recall_sum / n, 4), f"hit@{self.k}": round(self.hits / n, 4),
            "counters": {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                         "supports_called_counters": self.supports_called_counters},
        }


@dataclass
class Report:
    engine: Score
    bm25: Score
    rules: Score | None = None
    seconds: float = 0.0
    details: list[dict] = field(default_factory=list)

    def systems(self) -> list[tuple[str, Score]]:
        return [("engine", self.engine)] + ([("rules", self.rules)] if self.rules else []) + [("bm25", self.bm25)]

    def as_json(self) -> dict:
        return {**{name: score.as_json() for name, score in self.systems()}, "claims": self.engine.claims}


# -- loading -------------------------------------------------------------------------------

def _jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path) -> list[CorpusDoc]:
    """Documents in file order; sentences ordered by their index in `passage_id`."""
    docs: dict[str, dict] = {}
    for row in _jsonl(path):
        entry = docs.setdefault(str(row["doc"]), {"title": row.get("title") or "", "sentences": []})
        entry["sentences"].append((str(row["passage_id"]), str(row["text"])))
    out = []
    for doc, entry in docs.items():
        sentences = sorted(entry["sentences"], key=lambda s: int(s[0].rsplit(":", 1)[-1]) if s[0].rsplit(":", 1)[-1].isdigit() else 0)
        out.append(CorpusDoc(doc, entry["title"], sentences))
    return out


def load_claims(path: Path, limit: int | None = None) -> list[EvalClaim]:
    claims = []
    for row in _jsonl(path):
        if limit is not None and len(claims) >= limit:
            break
        evidence = row.get("evidence") or []
        claims.append(EvalClaim(
            id=str(row["id"]), text=str(row["claim"]),
            supports=frozenset(str(e["passage_id"]) for e in evidence if e.get("label") == "SUPPORTS"),
            refutes=frozenset(str(e["passage_id"]) for e in evidence if e.get("label") == "REFUTES")))
    return claims


def in_half(claim: EvalClaim, half: str) -> bool:
    """A fixed split by claim id (crc32), so development never sees the held-out half."""
    if half == "all":
        return True
    bucket = zlib.crc32(claim.id.encode("utf-8")) % 2
    return bucket == (0 if half == "dev" else 1)


# -- scratch store -------------------------------------------------------------------------

async def build_store(docs: Sequence[CorpusDoc], database_url: str, index: SearchIndex) -> dict[int, str]:
    """Bulk-insert sources and passages (ids assigned here: the database is fresh) and index
    them. Returns database passage id -> corpus passage id."""
    await upgrade(database_url)
    engine = make_engine(database_url)
    sources, passages, id_map = [], [], {}
    passage_id = 0
    for source_id, doc in enumerate(docs, start=1):
        text = " ".join(t for _, t in doc.sentences)
        sources.append({"id": source_id, "scope": GLOBAL_SCOPE, "origin": f"eval:{doc.doc}",
                        "title": (doc.title or doc.doc)[:512], "content_hash": str(zlib.crc32(text.encode())),
                        "text": text, "status": "active"})
        start = 0
        for seq, (corpus_id, sentence) in enumerate(doc.sentences):
            passage_id += 1
            id_map[passage_id] = corpus_id
            passages.append({"id": passage_id, "source_id": source_id, "seq": seq, "text": sentence,
                             "char_start": start, "char_end": start + len(sentence), "paragraph": 1,
                             "kind": "body", "prefix": "", "suffix": ""})
            start += len(sentence) + 1
    try:
        async with engine.begin() as conn:
            for i in range(0, len(sources), INSERT_BATCH):
                await conn.execute(insert(Source.__table__), sources[i:i + INSERT_BATCH])
            for i in range(0, len(passages), INSERT_BATCH):
                await conn.execute(insert(Passage.__table__), passages[i:i + INSERT_BATCH])
    finally:
        await engine.dispose()

    def fill() -> None:
        index.add(IndexDoc(p["id"], p["source_id"], GLOBAL_SCOPE, p["text"]) for p in passages)
        index.commit()

    await asyncio.to_thread(fill)
    return id_map


# -- one claim -----------------------------------------------------------------------------

def naive_counters(text: str) -> bool:
    """The baseline's labeller: any negation word means `counters`."""
    return NAIVE_NEGATION.search(text) is not None


def engine_counters(claim: str, text: str) -> bool:
    decision = assess(StanceInput(text=claim), StanceInput(text=text))
    return decision is not None and decision.stance == "counters"


async def evaluate(claims: Sequence[EvalClaim], docs: Sequence[CorpusDoc], *, k: int = 5,
                   details: bool = False) -> Report:
    """Index `docs` in a scratch store and score every claim that has gold evidence."""
    from bot.app import Counterpoint
    from bot.config import Settings
    from bot.search.sync import IndexSync

    started = time.perf_counter()
    report = Report(Score(k), Score(k), Score(k))
    with tempfile.TemporaryDirectory(prefix="counterpoint-eval-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}"
        index = SearchIndex(None)
        try:
            id_map = await build_store(docs, url, index)
            settings = Settings.from_env(database_url=url, index_dir=Path(tmp) / "index", seeds_dir=Path(tmp))
            engine = make_engine(url)
            # The service container /check runs on, over the scratch store.
            app = Counterpoint(settings, engine, index, IndexSync(index, Path(tmp) / "sync_state.json"))
            try:
                async with engine.connect() as conn:
                    for claim in claims:
                        if not claim.gold:
                            continue
                        await _score_claim(conn, app, id_map, claim, report, details)
            finally:
                await engine.dispose()
        finally:
            index.close()
    report.seconds = time.perf_counter() - started
    return report


async def _score_claim(conn, app, id_map: dict[int, str], claim: EvalClaim, report: Report,
                       details: bool) -> None:
    from bot.services.check import passage_stances, rank_for_claim

    k = report.engine.k
    index = app.index
    hits = index.search(query_tokens(claim.text), [GLOBAL_SCOPE], limit=max(CANDIDATES, k))
    rows = {}
    if hits:
        result = await conn.execute(
            select(Passage.id, Passage.text, Source.title).join(Source, Source.id == Passage.source_id)
            .where(Passage.id.in_([h.passage_id for h in hits])))
        rows = {pid: (text, title) for pid, text, title in result.all()}
    candidates = [Candidate(h.passage_id, rows[h.passage_id][0], rows[h.passage_id][1], h.score, h.source_id)
                  for h in hits if h.passage_id in rows]

    baseline_top = candidates[:k]
    report.bm25.add(claim, [id_map[c.passage_id] for c in baseline_top],
                    {id_map[c.passage_id] for c in baseline_top if naive_counters(c.text)})

    rules_top = rerank(claim.text, candidates)[:k]
    report.rules.add(claim, [id_map[c.passage_id] for c in rules_top],
                     {id_map[c.passage_id] for c in rules_top if engine_counters(claim.text, c.text)})

    engine_top = (await rank_for_claim(app, claim.text, guild_id=None))[:k]
    stances = await asyncio.to_thread(passage_stances, claim.text, engine_top)
    labelled = {id_map[p.passage_id] for p in stances if p.stance == "counters"}
    report.engine.add(claim, [id_map[p.passage_id] for p in engine_top], labelled)
    if details:
        report.details.append({"id": claim.id, "claim": claim.text, "top": [id_map[c.passage_id] for c in engine_top],
                               "counters": sorted(labelled), "refutes": sorted(claim.refutes),
                               "supports": sorted(claim.supports)})


# -- command line --------------------------------------------------------------------------

def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("claims", metavar="CLAIMS", type=Path,
                        help="claims JSONL (id, claim, evidence), or a PolNeAR attribution file (doc, text, attributions)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="corpus JSONL (doc, passage_id, text, title); not used for attribution files")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="read only the first N claims (articles)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--k", type=int, default=5, help="how many passages count as retrieved (default 5)")
    parser.add_argument("--half", choices=("all", "dev", "heldout"), default="all",
                        help="score only one fixed half of the claims (develop on 'dev', report both)")
    return parser


def format_table(report: Report) -> str:
    k = report.engine.k
    rows = [("system", f"recall@{k}", f"hit@{k}", "ctr P", "ctr R", "ctr F1", "SUPPORTS→counters")]
    for name, score in report.systems():
        j = score.as_json()
        c = j["counters"]
        rows.append((name, f"{j[f'recall@{k}']:.3f}", f"{j[f'hit@{k}']:.3f}", f"{c['precision']:.3f}",
                     f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["supports_called_counters"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"{report.engine.claims} claims scored in {report.seconds:.1f} s "
                 "(engine = /check: model re-ranking + stance decision; rules = title/source re-rank + "
                 "stance rules; bm25 counters = any negation word)")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    def missing(path) -> int:
        print(f"eval: file not found: {path}. The evaluation data is not part of the repository: the SciFact "
              "and PolNeAR files live in the shared folder beside the project (../shared/eval/); see "
              "docs/evaluation.md.", file=sys.stderr)
        return 2

    if not Path(args.claims).is_file():
        return missing(args.claims)
    if is_attribution_file(args.claims):
        score = await evaluate_attribution(load_articles(args.claims, args.limit))
        print(json.dumps(score.as_json()) if args.json else score.table())
        return 0
    if args.corpus is None:
        print("eval: --corpus is required for a claims file (see docs/evaluation.md)", file=sys.stderr)
        return 2
    if not Path(args.corpus).is_file():
        return missing(args.corpus)
    if args.k < 1:
        print("eval: --k must be at least 1", file=sys.stderr)
        return 2
    from bot.eval_stance import evaluate_stance, format_stance_table, is_stance_file, load_documents, load_pairs

    if is_stance_file(args.claims):
        pairs = load_pairs(args.claims, args.limit, getattr(args, "half", "all"))
        documents = load_documents(args.corpus, {p.doc for p in pairs})
        stance_report = await evaluate_stance(pairs, documents)
        print(json.dumps(stance_report) if args.json else format_stance_table(stance_report))
        return 0
    claims = [c for c in load_claims(args.claims, args.limit) if in_half(c, getattr(args, "half", "all"))]
    docs = load_corpus(args.corpus)
    report = await evaluate(claims, docs, k=args.k)
    print(json.dumps(report.as_json()) if args.json else format_table(report))
    return 0
