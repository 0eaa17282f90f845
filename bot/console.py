"""Local console front end: the bot's commands answered in a terminal, no Discord needed.

`await run_console(settings, stdin, stdout)` (async) opens the service container, reads
commands line by line (`/lookup TOPIC`, `/source ID`, `/sources [PAGE]`, `/help`, `/quit`)
and prints answers rendered from the same `bot.results` values as the Discord embeds. It is
what `python -m bot run` falls back to without DISCORD_TOKEN, and `python -m bot console`.

Scope: the console is the local operator looking at the shared library, so it acts with
guild id `CONSOLE_GUILD_ID = None`: it sees the seed/global sources, exactly what a server
that has added nothing of its own sees, and never another server's sources.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.errors import CounterpointError
from bot.render import console as render

log = logging.getLogger(__name__)

CONSOLE_GUILD_ID: int | None = None
PROMPT = "counterpoint> "


async def handle_line(app, line: str) -> str | None:
    """The console's answer to one input line; None means quit."""
    from bot.services import lookup as lookup_service
    from bot.services import sources

    line = line.strip()
    if not line:
        return ""
    command, _, arg = line.partition(" ") if line.startswith("/") else ("/lookup", "", line)
    arg = arg.strip()
    command = command.lower()
    if command in {"/quit", "/exit"}:
        return None
    if command == "/help":
        return render.HELP
    if command == "/lookup":
        if not arg:
            return "Give a topic: /lookup Iran al-Qaeda 9/11"
        answer = await lookup_service.lookup(app, arg, guild_id=CONSOLE_GUILD_ID)
        return render.answer_text(answer)
    if command == "/source":
        if not arg.isdigit():
            return "Give a source number: /source 1"
        return render.source_text(await sources.get_source(app, int(arg), guild_id=CONSOLE_GUILD_ID))
    if command == "/sources":
        if arg and not arg.isdigit():
            return "Give a page number: /sources 2"
        return render.sources_text(await sources.list_sources(app, guild_id=CONSOLE_GUILD_ID, page=int(arg or 1)))
    return f"Unknown command {command}. Type /help for the list."


async def run_console(settings: Settings, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the console until /quit or end of input; returns the exit status (0)."""
    from bot.app import Counterpoint

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty()

    def say(text: str) -> None:
        stdout.write(text + "\n")
        stdout.flush()

    app = await Counterpoint.open(settings)
    try:
        say("Counterpoint local console: type /help for commands, /quit to leave.")
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)  # never block the event loop on the terminal
            if not line:
                break
            try:
                reply = await handle_line(app, line)
            except CounterpointError as exc:
                reply = f"Error: {exc}"
            except Exception:  # noqa: BLE001 - the console keeps running; the traceback is logged
                log.exception("console command failed: %s", line.strip()[:200])
                reply = "Something went wrong; the details are in the log."
            if reply is None:
                break
            if reply:
                say(reply)
    finally:
        await app.close()
    say("Bye.")
    return 0
