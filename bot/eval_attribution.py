"""Attribution scoring on PolNeAR-format files: who said it, measured on what ships.

`python -m bot eval ../shared/eval/polnear-dev.jsonl` (the format is told apart by its
`attributions` key; see ../shared/eval/README.md). Every article is ingested as one source
through `bot.services.sources.ingest_document` (the path an upload takes: extraction,
segmentation, attribution, storage, counter-evidence links) into a scratch SQLite database and
index. Then, for every annotated attribution whose source contains a capitalised name and
whose content is at least 25 characters, the stored passage holding the start of the content
is found and its speaker compared with the annotated source:

* right: the speaker shares a name word with the source ("The Post" / "The New York Post");
* different name: the speaker is someone else;
* missing: no speaker (or no stored passage there: extraction dropped that paragraph).

Offsets: the stored text is the article's paragraphs, stripped and joined by blank lines
(boilerplate dropped), so each stored paragraph is found again in the original text, in order,
and offsets are carried across paragraph by paragraph.
"""
from __future__ import annotations

import bisect
import json
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from bot.models import Passage, Source

MIN_CONTENT_CHARS = 25
# Capitalised words that are not names: determiners, pronouns, honorifics.
_NOT_NAMES = frozenset("""the a an he she it they we i you his her its their our my this that these those
mr mrs ms dr mr. mrs. ms. dr. sen. rep. gov. gen. who one some another""".split())
_WORD = re.compile(r"[^\W\d_][\w’'.-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?][”\"’']?\s+|\n\s*|[“\"]\s*)$")


def is_attribution_file(path: Path) -> bool:
    """PolNeAR format: the first record has `attributions` (SciFact claims have `claim`)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    return "attributions" in json.loads(line)
                except json.JSONDecodeError:
                    return False
    return False


def _key(word: str) -> str:
    word = re.sub(r"[’']s$", "", word).strip(".’'-")
    return word.lower()


def name_words(source: str, *, text: str = "", start: int | None = None) -> set[str]:
    """Lower-cased capitalised words of `source` that can be names.

    A capitalised first word at the start of a sentence ("Sources said") is a name only if the
    article never writes it in lower case."""
    opens_sentence = start is not None and bool(_SENTENCE_START.search(text[max(0, start - 4):start] if start else ""))
    return _capitalised_keys(source, lambda key: not (opens_sentence and _written_lower(key, text)))


def speaker_words(speaker: str | None, text: str = "") -> set[str]:
    """Name words of a stored speaker, by the same rule as the annotated source's: its first
    word may be capitalised only as a sentence's first word is ("Two senior officials",
    "Lawyer"), so it is a name only if the article never writes it in lower case."""
    if not speaker:
        return set()
    return _capitalised_keys(speaker, lambda key: not (text and _written_lower(key, text)))


def _capitalised_keys(phrase: str, first_is_name) -> set[str]:
    """The keys of `phrase`'s capitalised words that can be names; its first word only when
    `first_is_name(key)` (a sentence's first word is capitalised whatever it is)."""
    words = set()
    for i, m in enumerate(_WORD.finditer(phrase)):
        word = m.group(0)
        key = _key(word)
        if not word[0].isupper() or not key or key in _NOT_NAMES:
            continue
        if i == 0 and not first_is_name(key):
            continue
        words.add(key)
    return words


def _written_lower(key: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text) is not None  # case-sensitive


def align(original: str, stored: str) -> list[tuple[int, int, int]]:
    """(original start, stored start, length) for each stored paragraph found in `original`."""
    segments = []
    cursor = 0
    position = 0
    for paragraph in stored.split("\n\n"):
        found = original.find(paragraph, cursor)
        if found >= 0:
            segments.append((found, position, len(paragraph)))
            cursor = found + len(paragraph)
        position += len(paragraph) + 2
    return segments


def to_stored(offset: int, segments: Sequence[tuple[int, int, int]]) -> int | None:
    for original_start, stored_start, length in segments:
        if original_start <= offset < original_start + length:
            return stored_start + offset - original_start
    return None


@dataclass
class AttributionScore:
    right: int = 0
    different: int = 0
    missing: int = 0
    unplaced: int = 0  # content start not in any stored paragraph (counted in missing too)
    articles: int = 0
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.right + self.different + self.missing

    def share(self, n: int) -> float:
        return round(n / self.total, 4) if self.total else 0.0

    def as_json(self) -> dict:
        return {"attributions": self.total, "articles": self.articles, "right": self.share(self.right),
                "different_name": self.share(self.different), "missing": self.share(self.missing),
                "counts": {"right": self.right, "different_name": self.different, "missing": self.missing,
                           "no_passage": self.unplaced}}

    def table(self) -> str:
        return "\n".join([
            "speaker         share   count",
            "--------------  ------  -----",
            f"right           {self.share(self.right):.3f}   {self.right}",
            f"different name  {self.share(self.different):.3f}   {self.different}",
            f"missing         {self.share(self.missing):.3f}   {self.missing}",
            f"{self.total} named attributions in {self.articles} articles scored in {self.seconds:.1f} s "
            f"({self.unplaced} with no stored passage at their start; counted as missing)",
        ])


def load_articles(path: Path, limit: int | None = None) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
                if limit is not None and len(rows) >= limit:
                    break
    return rows


def score_article(article: dict, stored_text: str, passages: Sequence[tuple[int, int, str | None, str]],
                  score: AttributionScore, *, details: bool = False) -> None:
    """Score one article's named attributions against its stored passages
    (char_start, char_end, speaker, text)."""
    text = article["text"]
    segments = align(text, stored_text)
    starts = [p[0] for p in passages]
    for attribution in article.get("attributions") or []:
        source, content = attribution.get("source"), attribution.get("content") or ""
        if not source or len(content) < MIN_CONTENT_CHARS:
            continue
        source_start = (attribution.get("source_span") or [None])[0]
        names = name_words(source, text=text, start=source_start)
        if not names:
            continue
        begin = attribution["content_span"][0]
        begin += len(text[begin:]) - len(text[begin:].lstrip())
        stored = to_stored(begin, segments)
        speaker = None
        passage_text = None
        if stored is not None:
            i = bisect.bisect_right(starts, stored) - 1
            if i >= 0 and passages[i][0] <= stored < passages[i][1] + 2:
                speaker, passage_text = passages[i][2], passages[i][3]
        else:
            score.unplaced += 1
        said = speaker_words(speaker, text)
        if not said:
            score.missing += 1
            verdict = "missing"
        elif said & names:
            score.right += 1
            verdict = "right"
        else:
            score.different += 1
            verdict = "different"
        if details and verdict != "right":
            score.errors.append({"doc": article.get("doc"), "verdict": verdict, "source": source,
                                 "speaker": speaker, "cue": attribution.get("cue"), "passage": passage_text})


async def evaluate_attribution(articles: Iterable[dict], *, details: bool = False) -> AttributionScore:
    """Ingest each article as an upload would be, then score its attributions."""
    from bot.app import Counterpoint
    from bot.config import Settings
    from bot.errors import BadInput
    from bot.services.sources import ingest_document

    started = time.perf_counter()
    score = AttributionScore()
    with tempfile.TemporaryDirectory(prefix="counterpoint-attr-") as tmp:
        settings = Settings.from_env(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'eval.db'}",
                                     index_dir=Path(tmp) / "index", seeds_dir=Path(tmp) / "no-seeds")
        app = await Counterpoint.open(settings, ingest_seeds=False)
        try:
            for number, article in enumerate(articles):
                try:
                    report = await ingest_document(app, article["text"], filename=f"article-{number}.txt",
                                                   guild_id=None, actor="eval", origin=f"eval:{article.get('doc', number)}")
                except BadInput:
                    continue
                async with app.sessions() as session:
                    stored_text = (await session.exec(select(Source.text).where(Source.id == report.source_id))).one()
                    rows = (await session.exec(
                        select(Passage.char_start, Passage.char_end, Passage.speaker, Passage.text)
                        .where(Passage.source_id == report.source_id).order_by(Passage.char_start))).all()
                score.articles += 1
                score_article(article, stored_text, [tuple(r) for r in rows], score, details=details)
        finally:
            await app.close()
    score.seconds = time.perf_counter() - started
    return score
