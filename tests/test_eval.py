"""`python -m bot eval` end to end on a small slice of the development data (20 SciFact
claims, the abstracts they cite plus distractors), and the scoring arithmetic by hand.

The slice is cut at test time from `../shared/eval` (the development data is read in place,
never copied into the project): only the ids below are ours. CI has `shared/` beside the
checkout; a local checkout without it skips these tests (under CI they fail instead)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import eval as evaluation
from bot.config import PROJECT_ROOT

SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
SLICE_CLAIMS = ("train-1106", "train-1109", "train-112", "train-121", "train-1258", "train-1355", "train-156",
                "train-160", "train-186", "train-196", "train-221", "train-330", "train-482", "train-494", "train-647",
                "train-772", "train-825", "train-85", "train-941", "train-965")
# The abstracts those claims cite, plus distractors on neighbouring topics.
SLICE_DOCS = ("10991183", "12040627", "12258338", "12513042", "12662435", "13116880", "13277118", "13770184",
              "15041758", "15319019", "15832146", "16167746", "16732790", "16855829", "17447653", "19205437",
              "19313533", "21932297", "22049489", "22406695", "24922825", "25453683", "26199970", "31460499",
              "34873974", "35495268", "37549932", "3770750", "3835423", "40817021", "5256564", "52874170",
              "6157837", "6173523", "6580081", "6710713", "6853699", "7011850", "719812", "7421677", "7521113",
              "7647224", "7944381", "8037453", "8582337", "9505448", "9878167")


def _cut_slice(folder: Path) -> tuple[Path, Path]:
    claims_src, corpus_src = SHARED_EVAL / "scifact-train.jsonl", SHARED_EVAL / "scifact-corpus.jsonl"
    if not claims_src.exists() or not corpus_src.exists():
        message = f"development data not found at {SHARED_EVAL}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    wanted_claims, wanted_docs = set(SLICE_CLAIMS), set(SLICE_DOCS)
    by_id = {}
    for line in claims_src.read_text(encoding="utf-8").splitlines():
        if json.loads(line)["id"] in wanted_claims:
            by_id[json.loads(line)["id"]] = line
    corpus = [line for line in corpus_src.read_text(encoding="utf-8").splitlines()
              if json.loads(line)["doc"] in wanted_docs]
    claims_path, corpus_path = folder / "eval_claims.jsonl", folder / "eval_corpus.jsonl"
    claims_path.write_text("\n".join(by_id[c] for c in SLICE_CLAIMS) + "\n", encoding="utf-8")
    corpus_path.write_text("\n".join(corpus) + "\n", encoding="utf-8")
    return claims_path, corpus_path


@pytest.fixture(scope="module", autouse=True)
def _eval_slice(tmp_path_factory):
    global CLAIMS, CORPUS
    CLAIMS, CORPUS = _cut_slice(tmp_path_factory.mktemp("eval"))


def _args(*extra: str) -> argparse.Namespace:
    parser = evaluation.configure_parser(argparse.ArgumentParser())
    return parser.parse_args([str(CLAIMS), "--corpus", str(CORPUS), *extra])


def _with_gold() -> int:
    return sum(1 for line in CLAIMS.read_text(encoding="utf-8").splitlines() if json.loads(line)["evidence"])


async def test_json_has_the_documented_shape_and_sane_figures(capsys):
    assert await evaluation.main(_args("--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"engine", "rules", "bm25", "claims"}
    assert out["claims"] == _with_gold() == 18  # claims without gold evidence are not scored
    for system in ("engine", "rules", "bm25"):
        figures = out[system]
        assert set(figures) == {"recall@5", "hit@5", "counters"}
        assert set(figures["counters"]) == {"precision", "recall", "f1", "supports_called_counters"}
        assert 0.3 <= figures["recall@5"] <= figures["hit@5"] <= 1.0
        assert all(0.0 <= figures["counters"][m] <= 1.0 for m in ("precision", "recall", "f1"))
    # The stance rules exist to call fewer supporting passages "counters" than cue words do.
    assert out["engine"]["counters"]["supports_called_counters"] <= out["bm25"]["counters"]["supports_called_counters"]
    assert out["engine"]["recall@5"] >= out["bm25"]["recall@5"]


async def test_table_shows_both_systems_and_limit_counts_claims(capsys):
    assert await evaluation.main(_args("--limit", "5", "--k", "3")) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["system", "recall@3", "hit@3"]
    assert lines[2].startswith("engine") and lines[3].startswith("rules") and lines[4].startswith("bm25")
    scored = sum(1 for line in CLAIMS.read_text(encoding="utf-8").splitlines()[:5] if json.loads(line)["evidence"])
    assert f"{scored} claims scored" in table


async def test_missing_file_is_a_clear_error(capsys, tmp_path):
    parser = evaluation.configure_parser(argparse.ArgumentParser())
    args = parser.parse_args([str(tmp_path / "nope.jsonl"), "--corpus", str(CORPUS)])
    assert await evaluation.main(args) == 2
    assert "file not found" in capsys.readouterr().err


def test_micro_scores_by_hand():
    claim = evaluation.EvalClaim("c1", "x", supports=frozenset({"d:0"}), refutes=frozenset({"d:1", "d:2"}))
    score = evaluation.Score(k=2)
    score.add(claim, ["d:1", "d:0", "d:2"], counters={"d:1", "d:0"})
    figures = score.as_json()
    assert figures["recall@2"] == round(2 / 3, 4) and figures["hit@2"] == 1.0
    assert figures["counters"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "supports_called_counters": 1}


def test_halves_split_the_claims_without_overlap():
    claims = evaluation.load_claims(CLAIMS)
    dev = {c.id for c in claims if evaluation.in_half(c, "dev")}
    held = {c.id for c in claims if evaluation.in_half(c, "heldout")}
    assert dev and held and not dev & held and dev | held == {c.id for c in claims}


def test_naive_baseline_labels_any_negation():
    assert evaluation.naive_counters("The drug did not reduce mortality.")
    assert evaluation.naive_counters("No association was found.")
    assert not evaluation.naive_counters("The drug reduced mortality by 20%.")


def test_cli_wiring_runs_the_same_evaluation():
    result = subprocess.run([sys.executable, "-m", "bot", "eval", str(CLAIMS), "--corpus", str(CORPUS), "--json"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["claims"] == 18
