"""The committed stance model: the file is the one the model card describes, it loads without
torch or network, and its decisions carry rationales a reader can check."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np

from bot.config import PROJECT_ROOT
from bot.stance import judge as J
from bot.stance.pairs import LABELS
from bot.stance.rules import StanceInput
from bot.stance.runtime import MODEL_DIR, MODEL_FILE, file_sha256, shared_model

CARD = MODEL_DIR / "MODEL_CARD.md"


def test_model_file_matches_the_sha256_in_its_model_card():
    card = CARD.read_text(encoding="utf-8")
    stated = re.search(r"sha256[^0-9a-f]*([0-9a-f]{64})", card)
    assert stated, "the model card states the file's sha256"
    assert file_sha256(MODEL_FILE) == stated.group(1)
    assert MODEL_FILE.stat().st_size <= 30 * 2**20
    for needed in ("all-MiniLM-L6-v2", "Apache-2.0", "FNC-1", "SciFact", "Perspectrum", "python -m bot.train stance"):
        assert needed in card


def test_runtime_needs_neither_torch_nor_transformers():
    code = ("import sys; from bot.stance.runtime import StanceModel; m = StanceModel(); "
            "m.probabilities([('a claim', 'a passage')]); "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_probabilities_are_a_distribution_per_pair_in_input_order():
    model = shared_model()
    pairs = [("Vaccines cause autism in children.", "Large studies of millions of children found no link between vaccines and autism."),
             ("The city council approved the new budget.", "The volcano erupted twice last week, covering villages in ash."),
             ("Vaccines cause autism in children.", "Large studies of millions of children found no link between vaccines and autism.")]
    probs = model.probabilities(pairs)
    assert probs.shape == (3, len(LABELS))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert np.allclose(probs[0], probs[2], atol=1e-5)  # batching and sorting do not change answers
    assert probs[0][J.P_COUNTERS] > probs[0][J.P_SUPPORTS]
    assert probs[1][J.P_UNRELATED] > 0.5
    assert model.probabilities([]).shape == (0, len(LABELS))


def test_a_model_decision_names_words_of_the_passage():
    model = shared_model()
    claim = StanceInput(text="Vaccines cause autism in children.", is_claim=True)
    evidence = StanceInput(text="Large studies of millions of children found no link between vaccines and autism.")
    probs = model.probabilities([(claim.text, evidence.text)])[0]
    decision = J.decide(probs, None, None, claim, evidence, model)
    if decision is not None:
        assert len(decision.rationale) < 300
        quoted = re.findall(r'"([^"]+)"', decision.rationale)
        assert quoted and all(q in evidence.text or q in claim.text for q in quoted)


def test_the_claims_own_speaker_is_never_his_own_rebuttal():
    claim = StanceInput(text="Iran is the new home base of al-Qaeda.", speaker="Mike Pompeo", is_claim=True,
                        source_id=1, seq=1)
    more = StanceInput(text="Pompeo said al-Qaeda has a new home base in Iran, not Afghanistan.", speaker="Mike Pompeo",
                       source_id=1, seq=2)
    # Whatever the model reads into the words, the same speaker saying more is not a rebuttal.
    assert J.decide([0.0, 0.0, 0.0, 1.0], None, J.voice_veto(claim, more), claim, more) is None
    concedes = StanceInput(text="Pompeo conceded that there is no evidence Iran had a role in 9/11.",
                           speaker="Mike Pompeo", source_id=1, seq=3)
    assert J.voice_veto(claim, concedes) is None
