"""Everyone's console commands: look up and page through an answer, check a claim, sources, help, quit.

The same services and limits as the `/lookup`, `/source` and `/sources` cogs; the console
keeps the last answer (`Console.answer`) so `/next`, `/prev` and `/more` page through it the
way the Discord buttons do, and says so when there is nothing further.
"""
from __future__ import annotations

from bot.console.registry import Console, command, help_text, parse_id, split_args
from bot.render import console as render
from bot.services import lookup as lookup_service
from bot.services import sources

RESULTS_PER_LOOKUP = 5  # as on Discord (cogs/_views.py): five results, one shown at a time
NO_ANSWER = "Nothing to page through yet: look something up first (/lookup Iran al-Qaeda 9/11)."


@command("/lookup", "TOPIC", "the best verbatim quote, its citation and counter-evidence")
async def lookup(console: Console, arg: str) -> str:
    if not arg:
        return "Give a topic: /lookup Iran al-Qaeda 9/11"
    answer = await lookup_service.lookup(console.app, arg, guild_id=console.guild_id, limit=RESULTS_PER_LOOKUP)
    if not answer.results:
        console.answer = None
        return render.no_match_text(answer.query or arg)
    console.answer = answer
    return _show(console, 0)


def _show(console: Console, index: int) -> str:
    console.index = index
    result = console.answer.results[index]
    console.counters_shown = min(len(result.counter_evidence), render.COUNTERS_INLINE)
    return render.result_text(console.answer, index)


@command("/check", "CLAIM", "which sources on file dispute, support or discuss a claim")
async def check(console: Console, arg: str) -> str:
    from bot.render.check import format_check
    from bot.services.check import check as check_claim

    if not arg:
        return "Give a claim: /check Iran helped al-Qaeda carry out the 9/11 attacks"
    answer = await check_claim(console.app, arg, guild_id=console.guild_id)
    console.extra["check"] = (answer, console.answer)  # /why explains it until the next lookup
    return format_check(answer)


@command("/next", "", "the next result of the last lookup")
async def next_result(console: Console, arg: str) -> str:
    if console.answer is None:
        return NO_ANSWER
    total = len(console.answer.results)
    if console.index + 1 >= total:
        return (f"That was the last result ({total} of {total}) for “{render.plain(console.answer.query)}”. "
                f"Type /prev to go back, or look up other words.")
    return _show(console, console.index + 1)


@command("/prev", "", "the previous result of the last lookup", aliases=("/previous",))
async def previous_result(console: Console, arg: str) -> str:
    if console.answer is None:
        return NO_ANSWER
    if console.index == 0:
        return (f"This is already the first result (1 of {len(console.answer.results)}) "
                f"for “{render.plain(console.answer.query)}”.")
    return _show(console, console.index - 1)


@command("/more", "", "the rest of the counter-evidence for the result shown")
async def more(console: Console, arg: str) -> str:
    if console.answer is None:
        return NO_ANSWER
    result = console.answer.results[console.index]
    total = len(result.counter_evidence)
    if not total:
        return "There is no counter-evidence on file for this result."
    if console.counters_shown >= total:
        also = " Type /next for the next result." if console.index + 1 < len(console.answer.results) else ""
        return f"All {total} counter-evidence items for this result are already shown.{also}"
    start, console.counters_shown = console.counters_shown, total
    return render.more_counters_text(result, start)


@command("/source", "ID [PAGE]", "one source: its claims quoted with speakers, and what counters them")
async def source(console: Console, arg: str) -> str:
    words = split_args(arg)
    source_id = parse_id(words[0] if words else None, "source", "/source 1")
    page = parse_id(words[1], "page", f"/source {source_id} 2") if len(words) > 1 else 1
    # A moderator also sees removed sources (to restore them), as `/curate` on Discord acts on them.
    detail = await sources.get_source(console.app, source_id, guild_id=console.guild_id,
                                      include_removed=console.moderator)
    return render.source_text(detail, max(page, 1))


@command("/sources", "[PAGE]", "the sources on file, 10 a page")
async def sources_list(console: Console, arg: str) -> str:
    page = parse_id(arg, "page", "/sources 2") if arg else 1
    result = await sources.list_sources(console.app, guild_id=console.guild_id, page=max(page, 1),
                                        include_removed=console.moderator)
    if page > result.page:  # the service shows the last page instead; the console says so
        return render.no_such_page_text(page, result)
    return render.sources_text(result)


@command("/help", "", "this help")
async def help_command(console: Console, arg: str) -> str:
    return help_text(console.moderator)


@command("/quit", "", "leave (Ctrl-D works too)", aliases=("/exit",))
async def quit_command(console: Console, arg: str) -> None:
    return None
