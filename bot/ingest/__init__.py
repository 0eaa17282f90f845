"""Ingestion: `parse_article` turns a raw file into cited passages (pure, see parse.py);
the database pipeline stores them."""
from bot.ingest.extract import load_sidecar
from bot.ingest.parse import parse_article

__all__ = ["parse_article", "load_sidecar"]
