"""Search: one normaliser (normalize.py), a tantivy BM25 index per process (index.py) and the
loop that keeps that index in step with the database's IndexChange log (sync.py).

The database is the source of truth; the index is derived and can always be rebuilt."""
