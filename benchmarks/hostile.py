"""Generated hostile articles: dense, short, claim-like sentences that share their words.

The worst case for counter-evidence detection: nearly every sentence is an attributed claim
("..., said X") or a denial of one, all about the same few actors, so every claim looks
related to every passage. Used by the ingest benchmark (`benchmarks.ingest_bench`) and by the
suite's bounded-work test; deterministic for a given size and seed.
"""
from __future__ import annotations

import random

SPEAKERS = ["Mike Pompeo", "Ali Khamenei", "Jane Doe", "John Smith", "Maria Lopez", "Omar Haddad",
            "Chen Wei", "Anna Berg"]
ACTORS = ["Iran", "al-Qaeda", "Tehran", "the Taliban", "Saudi Arabia", "Hezbollah", "the militia",
          "the ministry"]
VERBS = ["is sheltering", "funds", "armed", "trained", "protects", "hosts", "supplies", "supports"]
OBJECTS = ["the fighters", "the leaders", "the network", "the smugglers", "the bombers", "the cell"]
DENIALS = ["There is no evidence that {a} {v} {o}, officials said.",
           "{s} disputed that {a} {v} {o}.",
           "But {a} and {b} remain bitterly at odds, analysts said.",
           "Critics rejected the claim that {a} {v} {o} as baseless.",
           "However, {a} never {v2} {o}, according to {s}."]


def claim_like_article(size_bytes: int, *, seed: int = 0) -> str:
    """A plain-text article of about `size_bytes` bytes (UTF-8): a title line, then paragraphs
    of four sentences, alternating attributed claims and rebuttals of them."""
    rng = random.Random(seed)
    lines = ["Officials Trade Claims Over Iran and al-Qaeda", ""]
    size = sum(len(x) + 1 for x in lines)
    while size < size_bytes:
        sentences = []
        for i in range(4):
            a, b = rng.sample(ACTORS, 2)
            values = dict(a=a, b=b, v=rng.choice(VERBS), o=rng.choice(OBJECTS), s=rng.choice(SPEAKERS),
                          v2=rng.choice(["armed", "trained", "funded", "protected"]))
            if i % 2 == 0:
                sentences.append(f"“{a} {values['v']} {values['o']} near {b},” said {values['s']}.")
            else:
                sentences.append(rng.choice(DENIALS).format(**values))
        paragraph = " ".join(sentences)
        lines += [paragraph, ""]
        size += len(paragraph.encode("utf-8")) + 2
    return "\n".join(lines)
