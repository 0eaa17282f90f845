"""Training and development pairs for the stance model, built from `../shared/eval` only.

Every example is (claim, evidence text, label) with label one of `bot.stance.pairs.LABELS`:

* **FNC-1** (news headline against article body): the body is segmented with the ingest
  segmenter and the evidence is the window of its best-matching sentences (`pick_window`), as
  `/check` sees a source. agree -> supports, disagree -> counters, discuss -> discusses,
  unrelated -> unrelated. Split by body (crc32 of the doc id): no body is in both halves.
* **Perspectrum** (debate claim against a one-sentence argument): agree -> supports,
  disagree -> counters, plus arguments of *other* claims as unrelated pairs. The dev file is the
  dev split.
* **SciFact** (scientific claim against abstract sentences): gold rationale sentences as a
  window and one by one (SUPPORTS -> supports, REFUTES -> counters), other sentences of the cited
  abstract as discusses, a sentence of an unrelated abstract as unrelated. Only claims of the
  eval's *held-out* half train; the *dev* half (`bot.eval.in_half`) is kept for reporting.

Everything is deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.eval_stance import doc_in_half
from bot.ingest.segment import sentence_spans
from bot.stance.pairs import join_window, pick_window



@dataclass(frozen=True)
class Example:
    claim: str
    evidence: str
    label: str
    origin: str  # "fnc1" / "perspectrum" / "scifact": for per-set figures


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def fnc_dev_body(doc: str) -> bool:
    """The fixed body-disjoint split of FNC-1 (the eval's own): True for the dev half."""
    return doc_in_half(doc, "dev")


def segment_document(text: str) -> list[str]:
    """Sentences of a whole document, paragraph by paragraph, as ingestion cuts them."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(paragraph[s:e] for s, e in sentence_spans(paragraph) if e > s)
    return out


FNC_LABELS = {"agree": "supports", "disagree": "counters", "discuss": "discusses", "unrelated": "unrelated"}


def fnc_examples(eval_dir: Path, *, dev: bool, rng: random.Random,
                 caps: dict[str, int] | None = None, repeat: dict[str, int] | None = None) -> list[Example]:
    """FNC-1 pairs of one half, each capped per label (None = all) and repeated per label."""
    bodies = {row["doc"]: segment_document(row["text"]) for row in _jsonl(eval_dir / "fnc1-train-corpus.jsonl")}
    by_label: dict[str, list[dict]] = defaultdict(list)
    for row in _jsonl(eval_dir / "fnc1-train-claims.jsonl"):
        if fnc_dev_body(row["doc"]) == dev:
            by_label[row["label"]].append(row)
    out: list[Example] = []
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        if caps and caps.get(label) is not None:
            rows = rows[:caps[label]]
        for row in rows:
            sentences = bodies[row["doc"]]
            window = join_window([sentences[i] for i in pick_window(row["claim"], sentences)])
            example = Example(row["claim"], window, FNC_LABELS[label], "fnc1")
            out.extend([example] * (repeat or {}).get(label, 1))
    return out


def perspectrum_examples(eval_dir: Path, split: str, *, rng: random.Random, unrelated_share: float = 0.15) -> list[Example]:
    corpus = {row["doc"]: row["text"].strip() for row in _jsonl(eval_dir / f"perspectrum-{split}-corpus.jsonl")}
    rows = list(_jsonl(eval_dir / f"perspectrum-{split}-claims.jsonl"))
    out = [Example(r["claim"], corpus[r["doc"]], {"agree": "supports", "disagree": "counters"}[r["label"]], "perspectrum")
           for r in rows if r["label"] in ("agree", "disagree") and corpus.get(r["doc"])]
    docs = sorted(corpus)
    claims = sorted({r["claim"] for r in rows})
    own = defaultdict(set)
    for r in rows:
        own[r["claim"]].add(r["doc"])
    for _ in range(int(len(out) * unrelated_share)):
        claim = rng.choice(claims)
        doc = rng.choice(docs)
        if doc not in own[claim]:
            out.append(Example(claim, corpus[doc], "unrelated", "perspectrum"))
    return out


def scifact_examples(eval_dir: Path, *, half: str, rng: random.Random) -> list[Example]:
    """SciFact claims of one half (`bot.eval.in_half`: "dev" or "heldout")."""
    from bot.eval import in_half, load_claims  # the eval's own split, so training never sees the dev half

    sentences: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _jsonl(eval_dir / "scifact-corpus.jsonl"):
        sentences[row["doc"]].append((row["passage_id"], row["text"]))
    docs = sorted(sentences)
    out: list[Example] = []
    for claim in load_claims(eval_dir / "scifact-train.jsonl"):
        if not claim.gold or not in_half(claim, half):
            continue
        cited: dict[str, list[str]] = defaultdict(list)
        for pid in sorted(claim.gold):
            cited[pid.split(":")[0]].append(pid)
        for doc, pids in sorted(cited.items()):
            label = "counters" if any(p in claim.refutes for p in pids) else "supports"
            texts = dict(sentences[doc])
            gold = [texts[p] for p in pids if p in texts]
            if not gold:
                continue
            out.append(Example(claim.text, join_window(gold[:3]), label, "scifact"))
            for text in gold:
                out.append(Example(claim.text, text, label, "scifact"))
            others = [t for p, t in sentences[doc] if p not in claim.gold]
            if others:
                out.append(Example(claim.text, rng.choice(others), "discusses", "scifact"))
        far = rng.choice(docs)
        if far not in cited and sentences[far]:
            out.append(Example(claim.text, rng.choice(sentences[far])[1], "unrelated", "scifact"))
    return out


def training_set(eval_dir: Path, seed: int) -> list[Example]:
    rng = random.Random(seed)
    examples = fnc_examples(eval_dir, dev=False, rng=rng,
                            caps={"unrelated": 2500, "discuss": 3200, "agree": None, "disagree": None},
                            repeat={"disagree": 2})
    examples += perspectrum_examples(eval_dir, "train", rng=rng)
    examples += scifact_examples(eval_dir, half="heldout", rng=rng)
    rng.shuffle(examples)
    return examples


def dev_sets(eval_dir: Path, seed: int, fnc_limit: int = 3000) -> dict[str, list[Example]]:
    """Small dev samples for a quick figure at the end of training (the real figures come
    from `python -m bot eval` through the shipped engine)."""
    rng = random.Random(seed + 1)
    fnc = fnc_examples(eval_dir, dev=True, rng=rng)
    rng.shuffle(fnc)
    return {"fnc1": fnc[:fnc_limit],
            "perspectrum": perspectrum_examples(eval_dir, "dev", rng=rng, unrelated_share=0.0),
            "scifact": scifact_examples(eval_dir, half="dev", rng=rng)}


def label_counts(examples: Iterable[Example]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for e in examples:
        counts[f"{e.origin}:{e.label}"] += 1
    return dict(sorted(counts.items()))
