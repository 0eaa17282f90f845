"""`python -m bot.train speaker-threshold`: choose the tagger's confidence threshold.

On the PolNeAR train articles held out from training (`bot.train.speaker_data.split_articles`,
same seed; polnear-dev is never read), every article is parsed as the bot parses it, with every
proposal of the tagger recorded whatever its confidence. For each candidate threshold the
articles are scored as `python -m bot eval` scores them (right / different name / missing,
`bot.eval_attribution.score_article`). The threshold kept is the lowest one at which the names
the model adds are wrong for at most `--max-added-different` of the scored attributions (the
rules' own different-name share is not the model's to spend); it is written to training.json
with the curve it was read from.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.eval_attribution import AttributionScore, score_article
from bot.ingest.parse import parse_article
from bot.ingest.speaker_model import MODEL_DIR, SpeakerModel
from bot.ingest.tagger import Proposal, SpeakerTagger
from bot.train.speaker import TRAIN_FILE
from bot.train.speaker_data import split_articles
from bot.train.stance import DEFAULT_EVAL_DIR

CANDIDATES = [round(0.30 + 0.025 * k, 3) for k in range(28)]  # 0.30 .. 0.975


class _Recorder(SpeakerTagger):
    """Records every proposal and applies none: the rules' speakers stay, the chooser
    decides afterwards which proposals each threshold would let through."""

    def __init__(self, model: SpeakerModel):
        super().__init__(model, threshold=0.0)
        self.proposals: list[Proposal] = []

    def apply(self, proposals: list[Proposal]) -> dict[int, str]:
        self.proposals = list(proposals)
        return {}


def choose(args: argparse.Namespace) -> int:
    _, held_out = split_articles(Path(args.eval_dir) / TRAIN_FILE, args.seed)
    model = SpeakerModel(Path(args.out) / "speaker-int8.onnx", threshold=0.0)
    recorder = _Recorder(model)
    parsed = []
    for article in held_out:
        result = parse_article(article["text"], filename="article.txt", speaker_tagger=recorder)
        parsed.append((article, result, recorder.proposals))
    curve = []
    for threshold in [None, *CANDIDATES]:
        score = AttributionScore()
        for article, result, proposals in parsed:
            chosen = {p.index: p.speaker for p in proposals if threshold is not None and p.confidence >= threshold}
            rows = [(p.char_start, p.char_end, chosen.get(i, p.speaker), p.text) for i, p in enumerate(result.passages)]
            score.articles += 1
            score_article(article, result.text, rows, score)
        curve.append({"threshold": threshold, **score.as_json()})
    rules_only = curve[0]
    print(f"rules only: right {rules_only['right']} different {rules_only['different_name']}")
    chosen = None
    for point in curve[1:]:
        added = round(point["different_name"] - rules_only["different_name"], 4)
        print(f"threshold {point['threshold']:.3f}: right {point['right']:.3f} different {point['different_name']:.3f} "
              f"missing {point['missing']:.3f} (added different {added:+.4f})")
        if chosen is None and added <= args.max_added_different:
            chosen = point
    if chosen is None:
        chosen = curve[-1]
    training = Path(args.out) / "training.json"
    report = json.loads(training.read_text())
    report.update({"threshold": chosen["threshold"], "threshold_rule": (
        f"lowest threshold whose added different-name share on {len(held_out)} held-out PolNeAR train "
        f"articles is <= {args.max_added_different}"),
        "threshold_held_out": {"rules_only": {k: rules_only[k] for k in ("right", "different_name", "missing", "attributions")},
                               "chosen": {k: chosen[k] for k in ("right", "different_name", "missing", "attributions")},
                               "curve": [{k: p[k] for k in ("threshold", "right", "different_name", "missing")}
                                         for p in curve[1:]]}})
    training.write_text(json.dumps(report, indent=2) + "\n")
    print(f"threshold {chosen['threshold']} written to {training}")
    return 0


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--eval-dir", default=str(DEFAULT_EVAL_DIR), help="the ../shared/eval folder")
    parser.add_argument("--out", default=str(MODEL_DIR), help="the folder holding speaker-int8.onnx and training.json")
    parser.add_argument("--seed", type=int, default=13, help="the training run's seed (it fixes the held-out split)")
    parser.add_argument("--max-added-different", type=float, default=0.002,
                        help="how much the model's names may add to the different-name share")
    return parser
