"""The console's `/why`: the numbers behind the result shown (bot.services.explain), as the
"Why this?" button shows them on Discord and `ask --json` prints them under `explain`."""
from __future__ import annotations

from bot.console.commands import RESULTS_PER_LOOKUP
from bot.console.registry import Console, command


@command("/why", "", "why the result shown ranked where it did (terms, priors, votes, counter-evidence order)")
async def why(console: Console, arg: str) -> str:
    from bot.render.why import why_text
    from bot.services.explain import explain_answer

    if console.answer is None or not console.answer.results:
        return "Look something up first: /lookup Iran al-Qaeda 9/11, then /why."
    explained = await explain_answer(console.app, console.answer, guild_id=console.guild_id,
                                     limit=RESULTS_PER_LOOKUP)  # as /lookup asked
    return why_text(explained, console.index)
