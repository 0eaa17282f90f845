"""`python -m bot eval` on claim-stance files (FNC-1 and Perspectrum format) through the shipped
engine: documents ingested by the real pipeline, claims checked by `/check`'s code.

The slices are cut at test time from `../shared/eval` (read in place, never copied into the
project); a checkout without it skips (CI fails instead)."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from bot import eval as evaluation
from bot.config import PROJECT_ROOT
from bot.eval_stance import CLASSES, doc_in_half, rules_verdict, scores

SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
FNC_BODIES = 6  # dev-half bodies in the slice, every pair of theirs


def _need(*names: str) -> list[Path]:
    paths = [SHARED_EVAL / n for n in names]
    if not all(p.exists() for p in paths):
        message = f"development data not found at {SHARED_EVAL}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return paths


@pytest.fixture(scope="module")
def fnc_slice(tmp_path_factory) -> tuple[Path, Path]:
    claims_src, corpus_src = _need("fnc1-train-claims.jsonl", "fnc1-train-corpus.jsonl")
    rows = [json.loads(line) for line in claims_src.read_text(encoding="utf-8").splitlines()]
    # Dev bodies that have a disagree pair, so every class is in the slice.
    bodies = sorted({r["doc"] for r in rows if r["label"] == "disagree" and doc_in_half(r["doc"], "dev")})[:FNC_BODIES]
    folder = tmp_path_factory.mktemp("fnc")
    claims, corpus = folder / "claims.jsonl", folder / "corpus.jsonl"
    claims.write_text("".join(json.dumps(r) + "\n" for r in rows if r["doc"] in bodies), encoding="utf-8")
    corpus.write_text("".join(line + "\n" for line in corpus_src.read_text(encoding="utf-8").splitlines()
                              if json.loads(line)["doc"] in bodies), encoding="utf-8")
    return claims, corpus


def _args(claims: Path, corpus: Path, *extra: str) -> argparse.Namespace:
    return evaluation.configure_parser(argparse.ArgumentParser()).parse_args([str(claims), "--corpus", str(corpus), *extra])


async def test_fnc_slice_json_has_the_documented_shape(fnc_slice, capsys):
    claims, corpus = fnc_slice
    assert await evaluation.main(_args(claims, corpus, "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["task"] == "stance"
    assert out["pairs"] == len(claims.read_text().splitlines())
    assert out["seconds"] > 0
    for system in ("engine", "baseline"):
        figures = out[system]
        assert set(CLASSES) <= set(figures) and "macro_f1" in figures and "confusion" in figures
        assert sum(sum(row.values()) for row in figures["confusion"].values()) == out["pairs"]
        for c in CLASSES:
            assert set(figures[c]) == {"precision", "recall", "f1"}
    # Headlines about other stories must mostly come out unrelated: the engine reads words.
    assert out["engine"]["unrelated"]["recall"] >= 0.8


async def test_perspectrum_slice_table(tmp_path, capsys):
    claims_src, corpus_src = _need("perspectrum-dev-claims.jsonl", "perspectrum-dev-corpus.jsonl")
    rows = [json.loads(line) for line in claims_src.read_text(encoding="utf-8").splitlines()][:40]
    docs = {r["doc"] for r in rows}
    claims, corpus = tmp_path / "c.jsonl", tmp_path / "d.jsonl"
    claims.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus.write_text("".join(line + "\n" for line in corpus_src.read_text(encoding="utf-8").splitlines()
                              if json.loads(line)["doc"] in docs), encoding="utf-8")
    assert await evaluation.main(_args(claims, corpus)) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith("40 pairs over")
    assert any(line.startswith("engine") for line in table.splitlines())
    assert any(line.startswith("baseline") for line in table.splitlines())


def test_scores_by_hand():
    gold = ["agree", "disagree", "disagree", "unrelated"]
    predicted = ["agree", "disagree", "discuss", "disagree"]
    s = scores(gold, predicted)
    assert s["agree"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert s["disagree"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert s["unrelated"]["recall"] == 0.0
    assert s["macro_f1"] == round((1.0 + 0.5 + 0.0) / 3, 3)  # classes present in gold only
    assert s["confusion"]["disagree"]["discuss"] == 1


def test_halves_never_share_a_document():
    docs = [f"fnc1-body-{i}" for i in range(200)]
    dev = {d for d in docs if doc_in_half(d, "dev")}
    held = {d for d in docs if doc_in_half(d, "heldout")}
    assert dev and held and not dev & held and dev | held == set(docs)


def test_baseline_is_the_rules_verdict():
    assert rules_verdict("The vaccine causes autism", ["Studies found the vaccine does not cause autism."]) == "disagree"
    assert rules_verdict("The vaccine causes autism", ["The weather was sunny in Paris."]) == "unrelated"
