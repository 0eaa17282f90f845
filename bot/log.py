"""Logging set-up, done once by the entry point (never on import)."""
from __future__ import annotations

import logging


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # discord.http logs every request at DEBUG/INFO: too noisy, and never needed for users.
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
