"""`python -m bot eval` end to end on a committed slice of the development data (20 SciFact
claims, the abstracts they cite plus distractors), and the scoring arithmetic by hand."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bot import eval as evaluation
from bot.config import PROJECT_ROOT

DATA = Path(__file__).parent / "data"
CLAIMS, CORPUS = DATA / "eval_claims.jsonl", DATA / "eval_corpus.jsonl"


def _args(*extra: str) -> argparse.Namespace:
    parser = evaluation.configure_parser(argparse.ArgumentParser())
    return parser.parse_args([str(CLAIMS), "--corpus", str(CORPUS), *extra])


def _with_gold() -> int:
    return sum(1 for line in CLAIMS.read_text(encoding="utf-8").splitlines() if json.loads(line)["evidence"])


async def test_json_has_the_documented_shape_and_sane_figures(capsys):
    assert await evaluation.main(_args("--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"engine", "bm25", "claims"}
    assert out["claims"] == _with_gold() == 18  # claims without gold evidence are not scored
    for system in ("engine", "bm25"):
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
    assert lines[2].startswith("engine") and lines[3].startswith("bm25")
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
