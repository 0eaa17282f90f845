"""BM25 passage index on tantivy, derived from the database and rebuilt from it at will.

Why tantivy: measured on 1M real sentences it answers an OR query in ~1 ms at p99, two orders
of magnitude faster than SQLite FTS5 or PostgreSQL full text, and it behaves the same
whichever database backend is the source of truth.

The index holds only what ranking needs: the normalised tokens of each passage (BM25 with
term frequencies but no positions: we never run phrase queries), its scope (who may see it)
and the ids that lead back to the database. Text lives in the database, never here.

Writes (`add`, `delete_source`, `clear`) are staged until `commit()`, which also reloads the
searcher, so a rebuild is atomic for readers: they see the old index until the new one is
committed. All methods are synchronous; callers run big batches in a thread.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from bot.search.normalize import index_text

log = logging.getLogger(__name__)

# Indexing memory budget: tantivy flushes a segment whenever it is reached. 64 MB keeps the
# whole process well under the 0.5 GB target at 1M passages and costs little build speed.
WRITER_HEAP_BYTES = 64_000_000
WRITER_THREADS = 1
# Up to this many other scopes are excluded instead of intersecting with ours. Measured at 1M
# passages (thread CPU, p99): no exclusion 0.73 ms, 64 excluded 0.86 ms, 256 excluded 1.58 ms,
# intersection 1.79 ms. 64 leaves room for guild scopes that hold real postings.
MAX_EXCLUDED_SCOPES = 64


class IndexLocked(RuntimeError):
    """Another writer (usually another bot process) holds this index folder."""


@dataclass(frozen=True)
class IndexDoc:
    passage_id: int
    source_id: int
    scope: str  # "global" for seed sources, str(guild_id) for a guild's
    text: str  # raw passage text: the index normalises it


@dataclass(frozen=True)
class Hit:
    passage_id: int
    source_id: int
    score: float


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("passage_id", stored=True, fast=True)
    builder.add_unsigned_field("source_id", indexed=True, fast=True)
    builder.add_text_field("scope", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


class SearchIndex:
    """One tantivy index in `path` (or in RAM when `path` is None) and its only writer.

    Each bot process keeps its own folder; they share the database, not the index. Opening a
    folder another process is writing raises `IndexLocked` with a message saying so.
    """

    def __init__(self, path: Path | str | None = None, *, heap_bytes: int = WRITER_HEAP_BYTES):
        self.path = Path(path) if path is not None else None
        self._schema = _schema()
        self._heap_bytes = heap_bytes
        if self.path is None:
            self._index = tantivy.Index(self._schema)
            self._writer = self._take_writer(self._index)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._index, self._writer = self._open_folder(self.path)
        self._index.config_reader(reload_policy="Manual")
        # The pyo3 writer must not be used from two threads at once (searching is fine).
        self._write_lock = threading.Lock()
        self._view = self._snapshot()

    def _snapshot(self) -> tuple[tantivy.Searcher, frozenset[str]]:
        """The searcher for the last commit and every scope it holds, taken together so a
        search never sees one without the other."""
        searcher = self._index.searcher()
        return searcher, frozenset(term for term, _ in searcher.terms_with_prefix("scope", ""))

    def _take_writer(self, index: tantivy.Index) -> tantivy.IndexWriter:
        try:
            return index.writer(heap_size=self._heap_bytes, num_threads=WRITER_THREADS)
        except ValueError as exc:
            if "lock" in str(exc).lower():
                raise IndexLocked(
                    f"The search index folder {self.path} is in use by another process. Give every bot "
                    "process its own INDEX_DIR (they share the database, not the index)."
                ) from exc
            raise

    def _open_folder(self, path: Path) -> tuple[tantivy.Index, tantivy.IndexWriter]:
        """Open the index in `path`, starting afresh if it has another schema (an older
        version of this file): it is derived data, and `IndexSync` rebuilds an empty index.
        The old index's writer lock is taken first, so we never wipe a folder that another
        process is using."""
        if not tantivy.Index.exists(str(path)):
            index = tantivy.Index(self._schema, path=str(path))
            return index, self._take_writer(index)
        index = tantivy.Index.open(str(path))
        writer = self._take_writer(index)
        if index.schema == self._schema:
            return index, writer
        log.warning("search index in %s has another schema: starting a new one", path)
        writer.wait_merging_threads()  # releases the lock, which we re-take at once below
        index = tantivy.Index(self._schema, path=str(path), reuse=False)
        return index, self._take_writer(index)

    # -- writes (staged until commit) -------------------------------------------------------

    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Stage passages for indexing; returns how many were added."""
        count = 0
        with self._write_lock:
            writer = self._live_writer()
            for doc in docs:
                document = tantivy.Document()
                document.add_unsigned("passage_id", doc.passage_id)
                document.add_unsigned("source_id", doc.source_id)
                document.add_text("scope", doc.scope)
                document.add_text("text", index_text(doc.text))
                writer.add_document(document)
                count += 1
        return count

    def delete_source(self, source_id: int) -> None:
        """Stage the removal of every passage of one source."""
        query = tantivy.Query.term_query(self._schema, "source_id", source_id)
        with self._write_lock:
            self._live_writer().delete_documents_by_query(query)

    def clear(self) -> None:
        """Stage the removal of everything (readers keep the old index until `commit`)."""
        with self._write_lock:
            self._live_writer().delete_all_documents()

    def commit(self) -> None:
        """Publish staged writes and make the next search see them."""
        with self._write_lock:
            self._live_writer().commit()
            self._index.reload()
            self._view = self._snapshot()

    def rollback(self) -> None:
        """Drop staged writes (used when a batch fails half way)."""
        with self._write_lock:
            self._live_writer().rollback()

    def _live_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("the search index is closed")
        return self._writer

    # -- reads -----------------------------------------------------------------------------

    def search(self, tokens: Sequence[str], scopes: Sequence[str], limit: int = 5,
               source_ids: Sequence[int] | None = None, exclude_source: int | None = None,
               before_source: int | None = None) -> list[Hit]:
        """Best `limit` passages by BM25 over any of `tokens`, among docs in `scopes` (and, when
        given, of the sources `source_ids` only: a claim checked against chosen sources; not of
        source `exclude_source`, nor of sources numbered `before_source` or higher: a folder
        ingest sees what a one-by-one ingest would have seen).

        Tokens come from `normalize.query_tokens`; they become term queries directly, never
        a parsed query string, so nothing a user types is query syntax.
        """
        terms = list(dict.fromkeys(t for t in tokens if t))
        scopes = list(dict.fromkeys(s for s in scopes if s))
        if not terms or not scopes or limit <= 0:
            return []
        searcher, present = self._view
        query = self._query(terms, scopes, present, source_ids, exclude_source, before_source)
        hits = searcher.search(query, limit, count=False).hits
        if not hits:
            return []
        addresses = [address for _, address in hits]
        passage_ids = searcher.fast_field_values("passage_id", addresses)
        hit_sources = searcher.fast_field_values("source_id", addresses)
        return [Hit(int(p), int(s), float(score)) for (score, _), p, s in zip(hits, passage_ids, hit_sources)]

    def _query(self, terms: list[str], scopes: list[str], present: frozenset[str],
               source_ids: Sequence[int] | None = None, exclude_source: int | None = None,
               before_source: int | None = None):
        """The BM25 OR of `terms` restricted to `scopes` (and `source_ids`, not `exclude_source`,
        below `before_source`): what `search` runs."""
        schema = self._schema
        should = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t, index_option="freq"))
                  for t in terms]
        # Scope restriction without hurting speed: a pure OR of terms lets tantivy skip whole
        # blocks (block-max WAND, p99 ~0.7 ms at 1M passages) while an intersection with a
        # big "global" posting list does not (~4 ms). So when few other scopes exist we
        # exclude them (their posting lists are small), and only intersect otherwise.
        excluded = present.difference(scopes)
        if exclude_source is not None:
            should = should + [(tantivy.Occur.MustNot,
                                tantivy.Query.term_query(schema, "source_id", exclude_source))]
        if before_source is not None:
            should = should + [(tantivy.Occur.MustNot, tantivy.Query.range_query(
                schema, "source_id", tantivy.FieldType.Unsigned, lower_bound=before_source))]
        if len(excluded) <= MAX_EXCLUDED_SCOPES:
            query = tantivy.Query.boolean_query(should + [
                (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "scope", s, index_option="basic"))
                for s in sorted(excluded)])
        else:
            allowed = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "scope", s, index_option="basic"))
                 for s in scopes])
            # Score 0: the scope only filters; it must not shift BM25 between scopes.
            query = tantivy.Query.boolean_query([
                (tantivy.Occur.Must, tantivy.Query.boolean_query(should)),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(allowed, 0.0))])
        if source_ids:
            sources = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "source_id", int(i)))
                 for i in dict.fromkeys(source_ids)])
            query = tantivy.Query.boolean_query([
                (tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(sources, 0.0))])
        return query

    def term_scores(self, tokens: Sequence[str], scopes: Sequence[str], passage_ids, limit: int = 5
                    ) -> dict[int, dict[str, float]]:
        """For the passages among the best `limit` hits of `search(tokens, scopes, limit)`:
        each matched term's part of the BM25 score (tantivy's explanation of that term's
        query on that document; the parts add up to the hit's score). For "Why this?"."""
        terms = list(dict.fromkeys(t for t in tokens if t))
        scopes = list(dict.fromkeys(s for s in scopes if s))
        wanted = set(passage_ids)
        if not terms or not scopes or limit <= 0 or not wanted:
            return {}
        searcher, present = self._view
        hits = searcher.search(self._query(terms, scopes, present), limit, count=False).hits
        if not hits:
            return {}
        addresses = [address for _, address in hits]
        ids = searcher.fast_field_values("passage_id", addresses)
        out: dict[int, dict[str, float]] = {}
        for address, pid in zip(addresses, ids):
            if int(pid) not in wanted:
                continue
            parts: dict[str, float] = {}
            for term in terms:
                term_query = tantivy.Query.term_query(self._schema, "text", term, index_option="freq")
                try:
                    parts[term] = float(json.loads(term_query.explain(searcher, address).to_json())["value"])
                except ValueError:  # "does not match": the passage lacks this term
                    continue
            out[int(pid)] = parts
        return out

    def doc_count(self) -> int:
        return self._view[0].num_docs

    def close(self) -> None:
        """Finish merges and release the folder lock (idempotent)."""
        with self._write_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.wait_merging_threads()
