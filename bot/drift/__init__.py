"""Quote drift check: does each cited page still say what we quote? (anchor: pure re-anchoring; service: fetch, record, the weekly run)."""
