"""Buttons that keep working after a restart: `discord.ui.DynamicItem`s with ids in the custom_id.

custom_id templates (all <= 100 characters):
    cp:nav:<query_log_id>:<index>:<p|n>    previous / next result (re-run from the query log)
    cp:ctr:<query_log_id>:<index>          all counter-evidence for one result
    cp:src:<source_id>                     source details
    cp:vote:<passage_id>:<1|0>             helpful / not helpful (one vote per user, changeable)
    cp:why:<query_log_id>:<index>          "Why this?": the numbers behind one result, privately
    cp:srcs:<page>:<p|n>                   /sources pagination

Every callback defers before touching the database, answers through `bot.render`, and sends
errors to the bot's single error path (`bot.client.answers_errors`), so no click goes unanswered.
`DYNAMIC_ITEMS` is registered by the lookup cog with `bot.add_dynamic_items`.
"""
from __future__ import annotations

import logging
import re

import discord

from bot.client import answers_errors
from bot.render import embeds
from bot.results import LookupAnswer, SourcePage
from bot.render.why import why_embed
from bot.services import sources, votes
from bot.services.explain import explain_answer
from bot.services.replay import replay_lookup

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
RESULTS_PER_LOOKUP = 5


def _app(interaction: discord.Interaction):
    return interaction.client.app  # type: ignore[attr-defined]


async def _replay_for(interaction: discord.Interaction, log_id: int, index: int, *,
                      user_id: int) -> LookupAnswer | None:
    """The logged lookup re-run, when it still has result `index`; otherwise the (deferred)
    reply says so and None is returned."""
    answer = await replay_lookup(_app(interaction), log_id, guild_id=interaction.guild_id,
                                 limit=RESULTS_PER_LOOKUP, user_id=user_id)
    if index < len(answer.results):
        return answer
    await interaction.edit_original_response(content="That result is no longer on file.", allowed_mentions=NONE)
    return None


class _OneResult:
    """A button about one result of a logged lookup: its custom_id carries (log, index)."""

    log_id: int
    index: int

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["log"]), int(match["index"]))


class NavButton(discord.ui.DynamicItem[discord.ui.Button], template=r"cp:nav:(?P<log>\d+):(?P<index>\d+):(?P<dir>[pn])"):
    """Previous / next result of a lookup: re-runs it from the query log and edits the message."""

    def __init__(self, log_id: int, index: int, direction: str, *, disabled: bool = False) -> None:
        label = "◀ Previous" if direction == "p" else "Next ▶"
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                                           custom_id=f"cp:nav:{log_id}:{index}:{direction}", row=0))
        self.log_id, self.index, self.direction = log_id, index, direction

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["log"]), int(match["index"]), match["dir"])

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()  # deferred update of this message
        answer = await replay_lookup(_app(interaction), self.log_id, guild_id=interaction.guild_id,
                                     limit=RESULTS_PER_LOOKUP, user_id=interaction.user.id)
        if not answer.results:
            await interaction.edit_original_response(content=embeds.no_match_text(answer.query), embed=None,
                                                     view=None, allowed_mentions=NONE)
            return
        index = min(self.index, len(answer.results) - 1)
        await interaction.edit_original_response(embed=embeds.lookup_embed(answer, index),
                                                 view=result_view(answer, index), allowed_mentions=NONE)


class CounterButton(_OneResult, discord.ui.DynamicItem[discord.ui.Button], template=r"cp:ctr:(?P<log>\d+):(?P<index>\d+)"):
    """Shows every counter-evidence item of one result, privately."""

    def __init__(self, log_id: int, index: int, *, count: int | None = None) -> None:
        label = "All counter-evidence" + (f" ({count})" if count is not None else "")
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=f"cp:ctr:{log_id}:{index}", row=0, disabled=count == 0))
        self.log_id, self.index = log_id, index

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        answer = await _replay_for(interaction, self.log_id, self.index, user_id=interaction.user.id)
        if answer is not None:
            await interaction.edit_original_response(
                embed=embeds.counter_evidence_embed(answer.results[self.index]), allowed_mentions=NONE)


class SourceButton(discord.ui.DynamicItem[discord.ui.Button], template=r"cp:src:(?P<source>\d+)"):
    """Source details (metadata, claims, links), privately."""

    def __init__(self, source_id: int) -> None:
        super().__init__(discord.ui.Button(label="Source details", style=discord.ButtonStyle.secondary,
                                           custom_id=f"cp:src:{source_id}", row=0))
        self.source_id = source_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["source"]))

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        detail = await sources.get_source(_app(interaction), self.source_id, guild_id=interaction.guild_id)
        await interaction.edit_original_response(embed=embeds.source_embed(detail), allowed_mentions=NONE)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"cp:vote:(?P<passage>\d+):(?P<helpful>[01])"):
    """Helpful / not helpful on the quote shown: one vote per user per answer, changeable."""

    def __init__(self, passage_id: int, helpful: bool) -> None:
        super().__init__(discord.ui.Button(
            label="Helpful" if helpful else "Not helpful", emoji="👍" if helpful else "👎",
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.danger,
            custom_id=f"cp:vote:{passage_id}:{int(helpful)}", row=1))
        self.passage_id, self.helpful = passage_id, helpful

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["passage"]), match["helpful"] == "1")

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        tally = await votes.vote(_app(interaction), guild_id=interaction.guild_id, user_id=interaction.user.id,
                                 passage_id=self.passage_id, helpful=self.helpful)
        await interaction.edit_original_response(content=embeds.vote_text(tally, self.helpful),
                                                 allowed_mentions=NONE)


class WhyButton(_OneResult, discord.ui.DynamicItem[discord.ui.Button], template=r"cp:why:(?P<log>\d+):(?P<index>\d+)"):
    """Why this result ranked where it did (query, terms, priors, votes, counter-evidence order),
    privately: the lookup is re-run from the query log, then explained (bot.services.explain)."""

    def __init__(self, log_id: int, index: int) -> None:
        super().__init__(discord.ui.Button(label="Why this?", emoji="❔", style=discord.ButtonStyle.secondary,
                                           custom_id=f"cp:why:{log_id}:{index}", row=1))
        self.log_id, self.index = log_id, index

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The asker's id: a private lookup is replayed for its asker only (bot.services.replay).
        answer = await _replay_for(interaction, self.log_id, self.index, user_id=interaction.user.id)
        if answer is None:
            return
        explained = await explain_answer(_app(interaction), answer, guild_id=interaction.guild_id,
                                         limit=RESULTS_PER_LOOKUP)
        await interaction.edit_original_response(embed=why_embed(explained, self.index), allowed_mentions=NONE)


class SourcesPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"cp:srcs:(?P<page>\d+):(?P<dir>[pn])"):
    """Previous / next page of /sources."""

    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label="◀ Previous" if direction == "p" else "Next ▶", disabled=disabled,
                                           style=discord.ButtonStyle.secondary, custom_id=f"cp:srcs:{page}:{direction}"))
        self.page, self.direction = page, direction

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["page"]), match["dir"])

    @answers_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        page = await sources.list_sources(_app(interaction), guild_id=interaction.guild_id, page=self.page)
        await interaction.edit_original_response(embed=embeds.sources_embed(page), view=sources_view(page),
                                                 allowed_mentions=NONE)


DYNAMIC_ITEMS = (NavButton, CounterButton, SourceButton, VoteButton, WhyButton, SourcesPageButton)


def result_view(answer: LookupAnswer, index: int) -> discord.ui.View:
    """Buttons under one lookup result. Navigation needs the query log id (always logged)."""
    view = discord.ui.View(timeout=None)
    result = answer.results[index]
    last = len(answer.results) - 1
    if answer.query_log_id is not None:
        view.add_item(NavButton(answer.query_log_id, max(index - 1, 0), "p", disabled=index == 0))
        view.add_item(NavButton(answer.query_log_id, min(index + 1, last), "n", disabled=index >= last))
        view.add_item(CounterButton(answer.query_log_id, index, count=len(result.counter_evidence)))
    view.add_item(SourceButton(result.source.id))
    view.add_item(VoteButton(result.passage_id, True))
    view.add_item(VoteButton(result.passage_id, False))
    if answer.query_log_id is not None:
        view.add_item(WhyButton(answer.query_log_id, index))
    return view


def sources_view(page: SourcePage) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SourcesPageButton(max(page.page - 1, 1), "p", disabled=page.page <= 1))
    view.add_item(SourcesPageButton(min(page.page + 1, page.pages), "n", disabled=page.page >= page.pages))
    return view
