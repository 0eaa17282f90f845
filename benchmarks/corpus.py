"""The shared benchmark corpus, read in place (never copied into the project).

`passages.tsv.gz` holds one sentence a line: `pid \t source_id \t sentence`, where source_id is
`<collection>:<document>#<sentence>`. Consecutive lines with the same part before `#` form one
source document, which becomes one `BulkDocument`.
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Iterator

from bot.ingest.bulk import BulkDocument

DEFAULT_CORPUS = Path("/work/shared/bench/passages.tsv.gz")
DEFAULT_QUERIES = Path("/work/shared/bench/queries.json")


def iter_documents(path: Path, limit: int) -> Iterator[BulkDocument]:
    """The documents made of the first `limit` passages (the last one may be cut short)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    current: str | None = None
    sentences: list[str] = []
    read = 0
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if read >= limit:
                break
            parts = line.rstrip("\n").split("\t", 2)
            if len(parts) != 3:
                continue
            document = parts[1].split("#", 1)[0]
            if document != current:
                if sentences:
                    yield _document(current, sentences)
                current, sentences = document, []
            sentences.append(parts[2])
            read += 1
    if sentences:
        yield _document(current, sentences)


def _document(document: str, sentences: list[str]) -> BulkDocument:
    collection = document.split(":", 1)[0]
    return BulkDocument(origin=f"bench:{document}", title=f"{document} (benchmark corpus)",
                        outlet=collection, sentences=sentences)


def load_queries(path: Path) -> list[str]:
    queries = json.loads(Path(path).read_text(encoding="utf-8"))
    return [str(q) for q in queries]
