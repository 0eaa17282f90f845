"""The console's command registry: one decorated function per command.

Why a registry: every front end grows commands (`/check` is next), and the console should
not grow an if-chain with it. A command is an async function `(console, arg) -> str`
registered with `@command(name, usage, help, moderator=...)`; `dispatch` finds it by its
first one or two words ("/curate add ..." before "/curate ..."), refuses a moderator command
in a console started without `--moderator`, and `/help` is generated from the registry.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from bot.errors import BadInput
from bot.results import LookupAnswer

REFUSAL = ("Only moderators can do that. Start the console with --moderator "
           "(python -m bot console --moderator) to curate the shared library.")
NOT_CONSOLE = "{name} exists only on Discord: {why}"


@dataclass
class Console:
    """What one console session remembers between lines: who it is and what it showed last."""

    app: object
    moderator: bool = False
    guild_id: int | None = None  # None: the shared library (see bot/console/__init__.py)
    actor: str = "console"
    answer: LookupAnswer | None = None  # the last lookup
    index: int = 0  # which of its results is shown
    counters_shown: int = 0  # how many counter-evidence items of that result were printed
    extra: dict = field(default_factory=dict)  # room for other commands' state (e.g. /check paging)


Handler = Callable[[Console, str], Awaitable[str]]


@dataclass(frozen=True)
class Command:
    name: str  # "/lookup", "/curate add"
    usage: str  # arguments, as shown in /help: "TOPIC", "ID [--title T]"
    help: str
    handler: Handler
    moderator: bool = False
    aliases: tuple[str, ...] = ()


COMMANDS: dict[str, Command] = {}


def command(name: str, usage: str, help: str, *, moderator: bool = False,
            aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register `fn` as the console command `name` (and its aliases)."""
    def register(fn: Handler) -> Handler:
        entry = Command(name=name, usage=usage, help=help, handler=fn, moderator=moderator, aliases=aliases)
        for key in (name, *aliases):
            if key in COMMANDS:
                raise ValueError(f"console command {key} registered twice")
            COMMANDS[key] = entry
        return fn
    return register


def find(line: str) -> tuple[Command | None, str, str]:
    """(command, the name as typed, the rest of the line) for one input line."""
    words = line.split(None, 2)
    lowered = [w.lower() for w in words]
    if len(words) >= 2 and f"{lowered[0]} {lowered[1]}" in COMMANDS:
        return COMMANDS[f"{lowered[0]} {lowered[1]}"], f"{words[0]} {words[1]}", words[2] if len(words) > 2 else ""
    if words and lowered[0] in COMMANDS:
        return COMMANDS[lowered[0]], words[0], line.split(None, 1)[1] if len(words) > 1 else ""
    return None, words[0] if words else "", ""


def group_names(prefix: str) -> list[str]:
    return sorted(name for name, entry in COMMANDS.items() if name.startswith(prefix + " ") and name == entry.name)


async def dispatch(console: Console, line: str) -> str | None:
    """The answer to one line; None means quit. A line without a leading / is a lookup."""
    line = line.strip()
    if not line:
        return ""
    if not line.startswith("/"):
        line = f"/lookup {line}"
    entry, typed, arg = find(line)
    if entry is None:
        subcommands = group_names(typed.lower())
        if subcommands:
            names = ", ".join(n.split(" ", 1)[1] for n in subcommands)
            sub = line.split(None, 2)[1:2]
            unknown = f"Unknown command {typed} {sub[0][:40]}. " if sub else ""
            return f"{unknown}{typed} needs one of: {names}. Type /help for what each does."
        return f"Unknown command {typed[:40]}. Type /help for the list."
    if entry.moderator and not console.moderator:
        return REFUSAL
    return await entry.handler(console, arg.strip())


def help_text(moderator: bool) -> str:
    """Every registered command with its usage, moderators' ones marked (or hidden)."""
    everyone, mods = [], []
    for name, entry in COMMANDS.items():
        if name != entry.name:
            continue
        usage = f"{entry.name} {entry.usage}".strip()
        line = f"  {usage:<28} {entry.help}" if len(usage) <= 28 else f"  {usage}\n  {'':<28} {entry.help}"
        (mods if entry.moderator else everyone).append(line)
    lines = ["Commands:", *everyone]
    if moderator:
        lines += ["Moderator commands (this console was started with --moderator):", *mods]
    else:
        lines += [f"Moderator commands ({len(mods)}, /curate ... and /digest preview): start the console "
                  "with --moderator."]
    lines.append("A line without a leading / is looked up as a topic.")
    return "\n".join(lines)


# --- argument helpers ----------------------------------------------------------------------

def split_args(arg: str) -> list[str]:
    """Shell-like words ("quoted phrases" stay one word); a stray quote is a friendly error."""
    try:
        return shlex.split(arg)
    except ValueError:
        raise BadInput("A quote is not closed: put the phrase in matching \"quotes\".") from None


def parse_options(words: list[str], allowed: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Positional words and `--name value` options (only the `allowed` names)."""
    positional: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            name = word[2:].lower()
            if name not in allowed:
                shown = ", ".join(f"--{a}" for a in allowed) or "none"
                raise BadInput(f"Unknown option {word[:40]}: this command takes {shown}.")
            if i + 1 >= len(words):
                raise BadInput(f"{word} needs a value, for example {word} \"...\".")
            options[name] = words[i + 1]
            i += 2
            continue
        positional.append(word)
        i += 1
    return positional, options


def parse_id(word: str | None, what: str, example: str) -> int:
    if word is None or not (word.isascii() and word.isdigit()):
        raise BadInput(f"Give the {what} number: {example}")
    return int(word)
