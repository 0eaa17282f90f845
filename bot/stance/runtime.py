"""The stance model at run time: onnxruntime + tokenizers, on the CPU, no torch, no network.

`StanceModel.probabilities(pairs)` gives, for each (claim, evidence) pair, the probability of
each of `bot.stance.pairs.LABELS`. The ONNX file and its tokenizer are committed in
`bot/stance/model/` (see its MODEL_CARD.md); `MODEL_SHA256` pins the file and a test checks it.
The model is loaded once per process, lazily, on first use (`shared_model()`).
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bot.stance.pairs import LABELS, MAX_CLAIM_TOKENS, MAX_PAIR_TOKENS

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = MODEL_DIR / "stance-int8.onnx"
TOKENIZER_FILE = MODEL_DIR / "tokenizer.json"
# One pair per onnxruntime call (`_run_one`). The int8 model quantises activations with a scale computed
# over the whole input tensor, so a pair batched with others (and their padding) gets slightly
# different probabilities: one at a time, a pair always gets the same answer, whatever else is
# being decided (measured: no slower, 252 against 262 pairs/s at 32 a batch).
# Pairs of one call are shared among this many threads, each running one pair at a time on
# one core (onnxruntime releases the GIL): a /check reads ~40 pairs, so on two idle cores it
# answers in about half the time. The answers are the same, whichever thread runs a pair.
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Answers for recent pairs, kept because they recur: re-ingesting an edited article re-judges
# its unchanged pairs, and a claim is checked again against the same passages. ~100 bytes each.
CACHE_PAIRS = 50_000


def encode_pairs(tokenizer, pairs: Sequence[tuple[str, str]]) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """[CLS] claim [SEP] evidence [SEP] word-piece ids, attention mask and token types, padded
    to the longest pair. The claim keeps at most MAX_CLAIM_TOKENS pieces and the evidence fills
    the rest of MAX_PAIR_TOKENS, so a long window never pushes the claim out."""
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    pad = tokenizer.token_to_id("[PAD]") or 0
    claims = tokenizer.encode_batch([c for c, _ in pairs], add_special_tokens=False)
    evidence = tokenizer.encode_batch([e for _, e in pairs], add_special_tokens=False)
    rows = []
    for c, e in zip(claims, evidence):
        c_ids = c.ids[:MAX_CLAIM_TOKENS]
        e_ids = e.ids[:MAX_PAIR_TOKENS - 3 - len(c_ids)]
        ids = [cls, *c_ids, sep, *e_ids, sep]
        types = [0] * (len(c_ids) + 2) + [1] * (len(e_ids) + 1)
        rows.append((ids, types))
    width = max((len(ids) for ids, _ in rows), default=0)
    input_ids = [ids + [pad] * (width - len(ids)) for ids, _ in rows]
    mask = [[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in rows]
    token_types = [types + [0] * (width - len(types)) for _, types in rows]
    return input_ids, mask, token_types


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def file_sha256(path: Path = MODEL_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class StanceModel:
    """One onnxruntime session over the committed model; thread-safe for concurrent calls."""

    def __init__(self, model_file: Path = MODEL_FILE, tokenizer_file: Path = TOKENIZER_FILE, *, threads: int = 1):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        # One thread per call: the bot serves many small calls, and the event loop's process
        # shares two cores with the database; parallel calls run in their own threads.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._lock = threading.Lock()  # the Rust tokenizer's settings are mutated per call
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._pool = ThreadPoolExecutor(WORKERS - 1, thread_name_prefix="stance") if WORKERS > 1 else None
        self.labels = LABELS

    def probabilities(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Array of shape (len(pairs), len(LABELS)); rows sum to 1."""
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        todo: list[int] = []
        with self._lock:
            for i, (claim, evidence) in enumerate(pairs):
                hit = self._cache.get((claim, evidence))
                if hit is None:
                    todo.append(i)
                else:
                    self._cache.move_to_end((claim, evidence))
                    out[i] = hit
        if todo:
            fresh = self._run([pairs[i] for i in todo])
            out[todo] = fresh
            with self._lock:
                for i, row in zip(todo, fresh):
                    self._cache[(pairs[i][0], pairs[i][1])] = row
                while len(self._cache) > CACHE_PAIRS:
                    self._cache.popitem(last=False)
        return out

    def _run(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities of `pairs`, one pair per onnxruntime call; with WORKERS > 1 the
        calling thread and the pool's threads each take every WORKERS-th pair."""
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        shares = WORKERS if self._pool is not None and len(pairs) > 1 else 1

        def run_share(first: int) -> None:
            for i in range(first, len(pairs), shares):
                out[i] = self._run_one(pairs[i])

        helpers = [self._pool.submit(run_share, k) for k in range(1, shares)]
        run_share(0)
        for done in helpers:
            done.result()
        return out

    def _run_one(self, pair: tuple[str, str]) -> np.ndarray:
        with self._lock:
            ids, mask, types = encode_pairs(self._tokenizer, [pair])
        logits = self._session.run(["logits"], {
            "input_ids": np.asarray(ids, dtype=np.int64),
            "attention_mask": np.asarray(mask, dtype=np.int64),
            "token_type_ids": np.asarray(types, dtype=np.int64)})[0]
        return _softmax(logits.astype(np.float32))[0]


_shared: StanceModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> StanceModel:
    """The process's one StanceModel, loaded on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = StanceModel()
        return _shared
