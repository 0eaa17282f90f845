"""Local console front end: the bot's commands answered in a terminal, no Discord needed.

`await run_console(settings, stdin, stdout, moderator=False)` opens the service container,
reads commands line by line and prints answers rendered from the same `bot.results` values
as the Discord embeds (`bot.render.console`). It is what `python -m bot run` falls back to
without DISCORD_TOKEN, and `python -m bot console [--moderator]`.

Scope and permissions, as on Discord but explicit. The console is the operator of the
shared library, so it acts with guild id `CONSOLE_GUILD_ID = None`: it sees the seed/global
sources (what a server that has added nothing of its own sees), never a server's own.
Everyone's commands (`/lookup`, `/next`, `/prev`, `/more`, `/source`, `/sources`) always
work; the moderators' ones (`/curate ...`, `/digest preview`) only in a console started with
`--moderator`, and then they act on the shared library (where `python -m bot ingest` adds
sources). Without it they are refused, as Discord refuses a member without Manage Server.

Commands live in `commands.py` (everyone's) and `curate.py` (moderators'), one decorated
function each (`registry.command`); see docs/console.md for how to add one.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.console import commands, curate, factcheck, why  # noqa: F401 - importing them registers their commands
from bot.console.registry import COMMANDS, Console, command, dispatch
from bot.errors import CounterpointError

log = logging.getLogger(__name__)

CONSOLE_GUILD_ID: int | None = None
PROMPT = "counterpoint> "

__all__ = ["COMMANDS", "CONSOLE_GUILD_ID", "Console", "command", "handle_line", "run_console"]


async def handle_line(console: Console, line: str) -> str | None:
    """The console's answer to one input line; None means quit. Errors a user caused come
    back as "Error: ..." text; anything else is logged and answered without a traceback."""
    try:
        return await dispatch(console, line)
    except CounterpointError as exc:
        return f"Error: {exc}"
    except Exception:  # the console keeps running; the traceback is logged
        log.exception("console command failed: %s", line.strip()[:200])
        return "Something went wrong; the details are in the log."


def _terminal_reader():
    """At a real terminal: `input()` with line editing and history (arrow keys) where the
    platform has `readline`; returns "" at Ctrl-D like `readline()` at end of input."""
    try:
        import readline  # noqa: F401 - importing it gives input() editing and history
    except ImportError:
        pass

    def read() -> str:
        try:
            return input(PROMPT) + "\n"
        except EOFError:
            return ""

    return read


async def run_console(settings: Settings, stdin: TextIO | None = None, stdout: TextIO | None = None, *,
                      moderator: bool = False) -> int:
    """Run the console until /quit or end of input; returns the exit status (0)."""
    from bot.app import Counterpoint

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()
    read_line = _terminal_reader() if interactive and stdin is sys.stdin and stdout is sys.stdout else stdin.readline

    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    app = await Counterpoint.open(settings)
    console = Console(app, moderator=moderator, guild_id=CONSOLE_GUILD_ID)
    try:
        mode = ("moderator: /curate and /digest preview act on the shared library" if moderator
                else "start it with --moderator for /curate and /digest preview")
        say(f"Counterpoint local console ({mode}). Type /help for commands, /quit to leave.")
        while True:
            if interactive and read_line is stdin.readline:
                stdout.write(PROMPT)
                stdout.flush()
            line = await asyncio.to_thread(read_line)  # never block the event loop on the terminal
            if not line:
                break
            reply = await handle_line(console, line)
            if reply is None:
                break
            if reply:
                say(reply)
    finally:
        await app.close()
    say("Bye.")
    return 0
