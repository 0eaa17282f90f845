"""A progress bar for one long ingest in a terminal (tqdm, on stderr).

Why: a big article can take a minute (parsing, thousands of passages, the counter-evidence
search), and a command that prints nothing for that long looks hung. `StageBar` shows the
file, which stage of `bot.services.sources.INGEST_STAGES` is running and the elapsed time,
refreshed every second while the stage runs. It draws only on a terminal (tqdm's
`disable=None`), so piped output and logs stay clean.
"""
from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from tqdm import tqdm

BIG_FILE_BYTES = 100_000  # below this an article ingests in about a second: no bar


class StageBar:
    """`async with StageBar(label, stages) as bar:` then pass `bar.stage` as `progress=`."""

    def __init__(self, label: str, stages: tuple[str, ...], *, stream: TextIO | None = None,
                 enabled: bool | None = None, refresh_seconds: float = 1.0):
        self._label = label
        self._bar = tqdm(total=len(stages), desc=label, unit="stage", file=stream or sys.stderr,
                         disable=None if enabled is None else not enabled, leave=False,
                         bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} stages [{elapsed}]")
        self._stages = stages
        self._refresh_seconds = refresh_seconds
        self._ticker: asyncio.Task | None = None

    def stage(self, name: str) -> None:
        """Mark `name` as running (the stages before it as done)."""
        if name in self._stages:
            done = self._stages.index(name)
            if done > self._bar.n:
                self._bar.update(done - self._bar.n)
        self._bar.set_description_str(f"{self._label}: {name}")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            self._bar.refresh()  # keeps the elapsed time moving during a long stage

    async def __aenter__(self) -> "StageBar":
        if not self._bar.disable:
            self._ticker = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self._bar.close()
