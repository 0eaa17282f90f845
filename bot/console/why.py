"""The console's `/why`: the numbers behind the result shown (bot.services.explain), as the
"Why this?" button shows them on Discord and `ask --json` prints them under `explain`."""
from __future__ import annotations

from bot.console.commands import RESULTS_PER_LOOKUP
from bot.console.registry import Console, command


@command("/why", "", "why the last answer ranked as it did (a lookup's result shown, or a check's sources)")
async def why(console: Console, arg: str) -> str:
    from bot.render.why import why_text
    from bot.services.explain import explain_answer

    checked, lookup_then = console.extra.get("check", (None, None))
    if checked is not None and lookup_then is console.answer:  # the last answer was a check
        from bot.render.why_check import why_check_text
        from bot.services.explain_check import explain_check

        if not checked.sources:
            return "Nothing on file addressed that claim, so there is nothing to explain."
        return why_check_text(await explain_check(console.app, checked, guild_id=console.guild_id))
    if console.answer is None or not console.answer.results:
        return "Look something up first: /lookup Iran al-Qaeda 9/11, then /why."
    explained = await explain_answer(console.app, console.answer, guild_id=console.guild_id,
                                     limit=RESULTS_PER_LOOKUP)  # as /lookup asked
    return why_text(explained, console.index)
