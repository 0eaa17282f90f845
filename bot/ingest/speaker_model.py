"""The learned speaker tagger at run time: onnxruntime + tokenizers, on the CPU, no torch.

A token classifier (all-MiniLM-L6-v2 fine-tuned on PolNeAR train, `python -m bot.train speaker`)
reads one sentence with the sentence before it as context,
`[CLS] previous [SEP] sentence [SEP]`, and tags the words of whoever is the source of what the
sentence reports (B/I/O). `tagged_source` returns the best tagged span with its confidence;
`bot.ingest.attribute` decides whether to use it (only where the rules found nobody, only
above `THRESHOLD`, only when the span names a person or organisation).

Cost is bounded twice: `could_attribute` (a regex: a quotation mark, a reporting verb, "according
to") keeps sentences that cannot carry an attribution off the model, and answers are cached per
(previous, sentence) window, so re-ingesting an article costs nothing. The ONNX file is committed
in `bot/ingest/model/` (MODEL_CARD.md there states its sha256; tests/test_speaker_model.py
checks it).
"""
from __future__ import annotations

import hashlib
import json
import re
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = MODEL_DIR / "speaker-int8.onnx"
# The same word pieces as the stance model's (both are all-MiniLM-L6-v2's tokenizer).
TOKENIZER_FILE = Path(__file__).resolve().parent.parent / "stance" / "model" / "tokenizer.json"
LABELS = ("O", "B", "I")
MAX_TOKENS = 128
MAX_SENTENCE_TOKENS = 96  # the sentence keeps this many pieces; the previous one fills the rest from its end
CACHE_WINDOWS = 20_000
# An article's windows are shared among this many threads (onnxruntime releases the GIL), each
# running one window per call: the answers are the ones one thread gives, in about half the time.
WORKERS = max(1, min(2, os.cpu_count() or 1))

# Could this sentence report what someone says? A quotation mark, a reporting verb or noun
# (the rules' verbs and the cue words PolNeAR's annotators mark most), "according to".
# Everything else is left to the rules without a model call.
_GATE_WORDS = (
    r"said|says|say|saying|told|tells|telling|claim(?:s|ed|ing)?|argu(?:e|es|ed|ing)|insist(?:s|ed|ing)?|"
    r"warn(?:s|ed|ing)?|add(?:s|ed|ing)|not(?:e|es|ed|ing)|wr(?:ote|ites|iting)|tweet(?:s|ed|ing)?|"
    r"den(?:y|ies|ied|ying)|accus(?:e|es|ed|ing)|call(?:s|ed|ing)|asked|asks|repl(?:y|ies|ied)|"
    r"stat(?:e|es|ed|ing)|explain(?:s|ed|ing)?|suggest(?:s|ed|ing)?|acknowledg(?:e|es|ed|ing)|"
    r"admi(?:t|ts|tted|tting)|declar(?:e|es|ed|ing)|announc(?:e|es|ed|ing)|confirm(?:s|ed|ing)?|"
    r"report(?:s|ed|ing)?|believ(?:e|es|ed|ing)|think(?:s|ing)?|thought|want(?:s|ed)?|"
    r"promis(?:e|es|ed|ing)|vow(?:s|ed|ing)?|pledg(?:e|es|ed|ing)|predict(?:s|ed|ing)?|"
    r"criticiz(?:e|es|ed|ing)|criticis(?:e|es|ed|ing)|attack(?:s|ed|ing)?|prais(?:e|es|ed|ing)|"
    r"blast(?:s|ed|ing)?|slam(?:s|med|ming)|defend(?:s|ed|ing)?|urg(?:e|es|ed|ing)|"
    r"according|statement|interview|remarks?|speech|cit(?:e|es|ed|ing)|describ(?:e|es|ed|ing)|"
    r"contend(?:s|ed|ing)?|maintain(?:s|ed|ing)?|respond(?:s|ed|ing)?|recall(?:s|ed|ing)?|"
    r"agree(?:s|d|ing)?|argument|pointed|points|stress(?:es|ed|ing)?|emphasiz(?:e|es|ed|ing)|"
    r"testif(?:y|ies|ied|ying)|conced(?:e|es|ed|ing)|complain(?:s|ed|ing)?|join(?:ed|ing)?|"
    r"boast(?:s|ed|ing)?|jok(?:e|es|ed|ing)|mock(?:s|ed|ing)?|question(?:s|ed|ing)?|demand(?:s|ed|ing)?|"
    r"know(?:s|n)?|knew|hop(?:e|es|ed|ing)|fear(?:s|ed|ing)?|expect(?:s|ed|ing)?|show(?:s|ed|ing)?|"
    r"found|finds|concluded|estimat(?:e|es|ed)|decried|charg(?:e|es|ed)|touted|lament(?:s|ed)?"
)
GATE = re.compile(rf"[“”\"]|\b(?i:{_GATE_WORDS})\b")


def could_attribute(sentence: str) -> bool:
    """True when the sentence has a quotation mark or a reporting word: only those are tagged."""
    return GATE.search(sentence) is not None


@dataclass(frozen=True)
class Window:
    """One encoded window: word-piece ids, token types, and for each position the part it
    comes from (0 previous, 1 sentence, -1 special) and its character span in that part."""

    ids: list[int]
    types: list[int]
    parts: list[int]
    offsets: list[tuple[int, int]]


def encode_window(tokenizer, previous: str, sentence: str) -> Window:
    """[CLS] previous [SEP] sentence [SEP], at most MAX_TOKENS pieces: the sentence keeps its
    first MAX_SENTENCE_TOKENS, the previous sentence its last pieces (nearest the sentence)."""
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    prev, cur = tokenizer.encode_batch([previous, sentence], add_special_tokens=False)
    s_ids, s_off = cur.ids[:MAX_SENTENCE_TOKENS], cur.offsets[:MAX_SENTENCE_TOKENS]
    room = MAX_TOKENS - 3 - len(s_ids)
    p_ids = prev.ids[len(prev.ids) - room:] if 0 < room < len(prev.ids) else (prev.ids if room > 0 else [])
    p_off = prev.offsets[len(prev.offsets) - len(p_ids):] if p_ids else []
    ids = [cls, *p_ids, sep, *s_ids, sep]
    types = [0] * (len(p_ids) + 2) + [1] * (len(s_ids) + 1)
    parts = [-1, *[0] * len(p_ids), -1, *[1] * len(s_ids), -1]
    offsets = [(0, 0), *p_off, (0, 0), *s_off, (0, 0)]
    return Window(ids, types, parts, [tuple(o) for o in offsets])


@dataclass(frozen=True)
class Tagged:
    """The best source span: which part (0 previous, 1 sentence), character span there, the
    text, and its confidence (the lowest probability of "not O" over its word pieces)."""

    part: int
    start: int
    end: int
    text: str
    confidence: float


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def decode(window: Window, probs: np.ndarray, previous: str, sentence: str) -> Tagged | None:
    """The tagged span with the highest confidence: a run of B/I pieces (arg-max) in one part,
    started by B (an I after O starts one too), widened to whole words."""
    best: Tagged | None = None
    labels = probs.argmax(-1)
    i = 0
    n = len(window.ids)
    while i < n:
        if window.parts[i] < 0 or labels[i] == 0:
            i += 1
            continue
        part = window.parts[i]
        j = i + 1
        while j < n and window.parts[j] == part and labels[j] == 2:
            j += 1
        confidence = float(min(1.0 - probs[k, 0] for k in range(i, j)))
        text = previous if part == 0 else sentence
        start, end = window.offsets[i][0], window.offsets[j - 1][1]
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".-’'"):
            start -= 1
        while end < len(text) and (text[end].isalnum() or text[end] in "-"):
            end += 1
        if best is None or confidence > best.confidence:
            best = Tagged(part, start, end, text[start:end], confidence)
        i = j
    return best


def file_sha256(path: Path = MODEL_FILE) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_threshold(model_file: Path = MODEL_FILE) -> float:
    """The confidence below which a tagged span is not used: chosen on held-out PolNeAR train
    articles when the model was trained (`python -m bot.train speaker-threshold`), stored
    beside it in training.json."""
    return float(json.loads((model_file.parent / "training.json").read_text())["threshold"])


class SpeakerModel:
    """One onnxruntime session over the committed tagger, with a per-window answer cache."""

    def __init__(self, model_file: Path = MODEL_FILE, tokenizer_file: Path = TOKENIZER_FILE,
                 threshold: float | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # many small calls; the process shares two cores
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], Tagged | None] = OrderedDict()
        self.threshold = stored_threshold(model_file) if threshold is None else threshold
        self.calls = 0  # model runs (cache misses), for the cost figures
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="speaker") if WORKERS > 1 else None

    def tag_many(self, windows: Sequence[tuple[str, str]]) -> list[Tagged | None]:
        """`tag` for each (previous, sentence) window, in order; one window per model call, so
        a window's answer never depends on the others."""
        if self._pool is None or len(windows) < 2:
            return [self.tag(previous, sentence) for previous, sentence in windows]
        return list(self._pool.map(lambda window: self.tag(*window), windows))

    def tag(self, previous: str, sentence: str) -> Tagged | None:
        """The best source span of `sentence` (or of `previous`, its context), or None."""
        key = (previous, sentence)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            window = encode_window(self._tokenizer, previous, sentence)
        logits = self._session.run(["logits"], {
            "input_ids": np.asarray([window.ids], dtype=np.int64),
            "attention_mask": np.ones((1, len(window.ids)), dtype=np.int64),
            "token_type_ids": np.asarray([window.types], dtype=np.int64)})[0][0]
        found = decode(window, _softmax(logits.astype(np.float32)), previous, sentence)
        with self._lock:
            self.calls += 1
            self._cache[key] = found
            while len(self._cache) > CACHE_WINDOWS:
                self._cache.popitem(last=False)
        return found


_shared: SpeakerModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> SpeakerModel:
    """The process's one SpeakerModel, loaded on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SpeakerModel()
        return _shared
