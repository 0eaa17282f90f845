"""Moderators' commands: one `/curate` group.

Discord hides the group from members without Manage Server (`default_member_permissions`)
and from DMs (guild-only), but that is only a default server admins can change, so the
cog's `interaction_check` checks again on every call (Manage Server, or the moderator role
set with `/curate role`). A refusal is ephemeral and runs nothing. Slow work (fetching a
URL, ingesting an upload) defers first, then edits the reply. Replies are ephemeral: they
are for the moderator, the audit log (`/curate audit`) is the shared record.

Hostile input: Discord enforces the option lengths declared with `app_commands.Range`, but a
client can send anything and discord.py does not re-check strings, so every free-text option
also goes through `clean_option` (invisible and control characters dropped, length capped).
An upload is judged by name, declared type and size before it is downloaded, and by its
bytes after (`bot.uploads`: a zip renamed .txt is still refused). A URL is checked for syntax
before anything else, costs one moderator fetch (per user and per guild), and is fetched by
`bot.fetch` (no private addresses, size and time caps).
"""
from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import BadInput
from bot.models import MAX_ID, Stance
from bot.render import embeds
from bot.models import VERDICT_RATINGS
from bot.drift import service as drift
from bot.render.marks import sentence, verdict_text, verification_line
from bot.services import curation, export, sources, verdicts
from bot import uploads
from bot.validate import CITATION_LIMITS, check_url_option, citation_options, clean_option
from cogs._checks import has_manage_guild, require_moderator

NONE = discord.AllowedMentions.none()
# Option lengths (`bot.validate.CITATION_LIMITS`, shared with the CLI's `ingest --title ...`).
MAX_TITLE, MAX_OUTLET, MAX_AUTHOR = CITATION_LIMITS["title"], CITATION_LIMITS["outlet"], CITATION_LIMITS["author"]
MAX_DATE, MAX_URL = CITATION_LIMITS["date"], CITATION_LIMITS["url"]
MAX_RATIONALE, MAX_TERM, MAX_CANONICAL = 300, 100, 200
STANCES = [app_commands.Choice(name=s.value, value=s.value) for s in Stance]
RATINGS = [app_commands.Choice(name=r, value=r) for r in VERDICT_RATINGS]
EXPORTS = [app_commands.Choice(name="ClaimReview (verdicts, schema.org)", value="claimreview"),
           app_commands.Choice(name="Web Annotation (stance links, W3C)", value="annotations")]
MAX_NOTE = verdicts.MAX_NOTE


def _citation_options(title: str | None, outlet: str | None, author: str | None, date: str | None) -> dict:
    """The citation fields a moderator typed, cleaned; empty ones left out."""
    return citation_options(title=title, outlet=outlet, author=author, date=date)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Curate(commands.GroupCog, group_name="curate", group_description="Moderators: manage sources, links and aliases."):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.app = bot.app
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await require_moderator(interaction)

    async def _reply(self, interaction: discord.Interaction, content: str | None = None,
                     embed: discord.Embed | None = None) -> None:
        await interaction.edit_original_response(content=content, embed=embed, allowed_mentions=NONE)

    @app_commands.command(name="add", description="Add an article from a URL or an attached file.")
    @app_commands.describe(url="Link to the article", file="The article as .txt, .md or .html",
                           title="Override the title", outlet="Override the outlet", author="Override the author",
                           date="Override the publication date (YYYY-MM-DD)")
    async def add(self, interaction: discord.Interaction, url: app_commands.Range[str, 1, MAX_URL] | None = None,
                  file: discord.Attachment | None = None, title: app_commands.Range[str, 1, MAX_TITLE] | None = None,
                  outlet: app_commands.Range[str, 1, MAX_OUTLET] | None = None,
                  author: app_commands.Range[str, 1, MAX_AUTHOR] | None = None,
                  date: app_commands.Range[str, 1, MAX_DATE] | None = None) -> None:
        if (url is None) == (file is None):
            raise BadInput("Give exactly one of `url` or `file`.")
        overrides = _citation_options(title, outlet, author, date)
        actor = str(interaction.user.id)
        if file is not None:
            fmt = uploads.check_upload(file)  # refused before any download
            await interaction.response.defer(ephemeral=True, thinking=True)
            upload = await uploads.read_upload(file, fmt)
            report = await sources.ingest_document(self.app, upload.text, filename=upload.filename,
                                                   guild_id=interaction.guild_id, actor=actor, overrides=overrides)
        else:
            url = check_url_option(url)  # syntax only: refused at once, no fetch spent
            self.app.rate_limits.fetch(interaction.user.id, interaction.guild_id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            report = await sources.ingest_url(self.app, url, guild_id=interaction.guild_id, actor=actor,
                                              overrides=overrides)
        await self._reply(interaction, embed=embeds.ingest_embed(report))

    @app_commands.command(name="edit", description="Correct a source's citation details.")
    @app_commands.describe(id="Source number", title="New title", outlet="New outlet", author="New author",
                           date="New publication date (YYYY-MM-DD)", url="New link")
    async def edit(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID],
                   title: app_commands.Range[str, 1, MAX_TITLE] | None = None,
                   outlet: app_commands.Range[str, 1, MAX_OUTLET] | None = None,
                   author: app_commands.Range[str, 1, MAX_AUTHOR] | None = None,
                   date: app_commands.Range[str, 1, MAX_DATE] | None = None,
                   url: app_commands.Range[str, 1, MAX_URL] | None = None) -> None:
        changes = _citation_options(title, outlet, author, date)
        if url is not None:
            changes["url"] = check_url_option(url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        ref = await curation.edit_source(self.app, id, guild_id=interaction.guild_id, actor=str(interaction.user.id),
                                         **changes)
        await self._reply(interaction, embeds.source_ref_text(ref, "Updated"))

    @app_commands.command(name="remove", description="Hide a source from lookups (it can be restored).")
    @app_commands.describe(id="Source number")
    async def remove(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ref = await curation.remove_source(self.app, id, guild_id=interaction.guild_id, actor=str(interaction.user.id))
        await self._reply(interaction, embeds.source_ref_text(ref, "Removed") + " Use `/curate restore` to undo.")

    @app_commands.command(name="restore", description="Bring back a removed source.")
    @app_commands.describe(id="Source number")
    async def restore(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ref = await curation.restore_source(self.app, id, guild_id=interaction.guild_id, actor=str(interaction.user.id))
        await self._reply(interaction, embeds.source_ref_text(ref, "Restored"))

    @app_commands.command(name="link", description="Link evidence to a claim (counters, supports or context).")
    @app_commands.describe(claim="Passage number of the claim", evidence="Passage number of the evidence",
                           stance="How the evidence relates to the claim", rationale="Why (shown to users)")
    @app_commands.choices(stance=STANCES)
    async def link(self, interaction: discord.Interaction, claim: app_commands.Range[int, 1, MAX_ID],
                   evidence: app_commands.Range[int, 1, MAX_ID], stance: app_commands.Choice[str],
                   rationale: app_commands.Range[str, 1, MAX_RATIONALE] | None = None) -> None:
        rationale = clean_option(rationale, name="rationale", max_len=MAX_RATIONALE)
        await interaction.response.defer(ephemeral=True, thinking=True)
        link_id = await curation.link(self.app, guild_id=interaction.guild_id, actor=str(interaction.user.id),
                                      claim_passage_id=claim, evidence_passage_id=evidence, stance=stance.value,
                                      rationale=rationale)
        await self._reply(interaction, f"Linked: passage #{evidence} {stance.value} claim #{claim} (link #{link_id}).")

    @app_commands.command(name="unlink", description="Remove a link (an automatic one is marked rejected).")
    @app_commands.describe(claim="Passage number of the claim", evidence="Passage number of the evidence")
    async def unlink(self, interaction: discord.Interaction, claim: app_commands.Range[int, 1, MAX_ID],
                     evidence: app_commands.Range[int, 1, MAX_ID]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await curation.unlink(self.app, guild_id=interaction.guild_id, actor=str(interaction.user.id),
                                        claim_passage_id=claim, evidence_passage_id=evidence)
        await self._reply(interaction, f"Link between claim #{claim} and evidence #{evidence} {outcome}.")

    @app_commands.command(name="alias", description="Make a term also search for another phrase (empty: remove).")
    @app_commands.describe(term="What people type", canonical="What it should also search for (leave empty to remove)")
    async def alias(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, MAX_TERM],
                    canonical: app_commands.Range[str, 1, MAX_CANONICAL] | None = None) -> None:
        term = clean_option(term, name="term", max_len=MAX_TERM, required=True)
        canonical = clean_option(canonical, name="canonical", max_len=MAX_CANONICAL)
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = str(interaction.user.id)
        if canonical:
            await curation.set_alias(self.app, guild_id=interaction.guild_id, actor=actor, term=term, canonical=canonical)
            text = f"Alias saved: “{term}” also searches for “{canonical}”."
        else:
            await curation.remove_alias(self.app, guild_id=interaction.guild_id, actor=actor, term=term)
            text = f"Alias “{term}” removed."
        await self._reply(interaction, discord.utils.escape_markdown(text))

    @app_commands.command(name="audit", description="Recent moderator actions on this server.")
    @app_commands.describe(limit="How many entries (1-25)")
    async def audit(self, interaction: discord.Interaction, limit: app_commands.Range[int, 1, 25] = 10) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        entries = await curation.audit_entries(self.app, guild_id=interaction.guild_id, limit=limit)
        await self._reply(interaction, embed=embeds.audit_embed(entries))

    @app_commands.command(name="role", description="Set (or clear) the role whose members may curate.")
    @app_commands.describe(role="The moderator role (leave empty to clear)")
    async def role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        if not has_manage_guild(interaction):  # a role-based moderator may not hand out moderation
            raise BadInput("Only members with the Manage Server permission can change the moderator role.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await curation.set_moderator_role(self.app, guild_id=interaction.guild_id,
                                          role_id=role.id if role else None, actor=str(interaction.user.id))
        text = f"Moderator role set to {role.mention}." if role else "Moderator role cleared: Manage Server only."
        await self._reply(interaction, text)

    @app_commands.command(name="verdict", description="Rate a claim: False, Misleading, Unsupported, Mixed or Accurate.")
    @app_commands.describe(claim="Passage number of the claim (from /source)", rating="Your server's verdict",
                           note="Why (shown with the verdict)")
    @app_commands.choices(rating=RATINGS)
    async def verdict(self, interaction: discord.Interaction, claim: app_commands.Range[int, 1, MAX_ID],
                      rating: app_commands.Choice[str], note: app_commands.Range[str, 1, MAX_NOTE] | None = None) -> None:
        note = clean_option(note, name="note", max_len=MAX_NOTE)
        await interaction.response.defer(ephemeral=True, thinking=True)
        made, created = await verdicts.set_verdict(self.app, guild_id=interaction.guild_id,
                                                   actor=str(interaction.user.id), claim_passage_id=claim,
                                                   rating=rating.value, note=note)
        text = sentence(f"Verdict {'recorded' if created else 'changed'} on claim #{claim}: {verdict_text(made)}")
        await self._reply(interaction, discord.utils.escape_markdown(text))

    @app_commands.command(name="unverdict", description="Remove your server's verdict on a claim.")
    @app_commands.describe(claim="Passage number of the claim")
    async def unverdict(self, interaction: discord.Interaction, claim: app_commands.Range[int, 1, MAX_ID]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await verdicts.remove_verdict(self.app, guild_id=interaction.guild_id,
                                                actor=str(interaction.user.id), claim_passage_id=claim)
        await self._reply(interaction, discord.utils.escape_markdown(
            f"Verdict on claim #{claim} removed (it was {verdict_text(removed).rstrip('.')})."))

    @app_commands.command(name="export", description="Download this server's verdicts or links as JSON-LD.")
    @app_commands.describe(format="ClaimReview for verdicts (default), Web Annotation for stance links")
    @app_commands.choices(format=EXPORTS)
    async def export(self, interaction: discord.Interaction, format: app_commands.Choice[str] | None = None) -> None:
        kind = format.value if format else "claimreview"
        await interaction.response.defer(ephemeral=True, thinking=True)
        if kind == "claimreview":
            organization = self.app.settings.claimreview_org_name or (interaction.guild.name if interaction.guild else None)
            objects = await export.claimreview_export(self.app, guild_id=interaction.guild_id, organization=organization)
            what = "verdict"
        else:
            objects = await export.annotation_export(self.app, guild_id=interaction.guild_id)
            what = "stance link"
        data = export.dumps(objects).encode("utf-8")
        if len(data) > MAX_EXPORT_BYTES:
            raise BadInput(f"The export is {len(data) // 1_000_000} MB, more than Discord accepts: run "
                           f"`python -m bot export {kind} --guild {interaction.guild_id}` on the bot's machine.")
        name = export.export_filename(kind, interaction.guild_id)
        text = f"{len(objects)} {what}{'' if len(objects) == 1 else 's'} as JSON-LD: `{name}`."
        await interaction.edit_original_response(content=text, attachments=[discord.File(io.BytesIO(data), filename=name)],
                                                 allowed_mentions=NONE)

    @app_commands.command(name="verify", description="Re-read a source's page now: are its quotes still there?")
    @app_commands.describe(id="Source number (added from a link)")
    async def verify(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID]) -> None:
        await sources.get_source(self.app, id, guild_id=interaction.guild_id)  # visible here, or "not on file"
        self.app.rate_limits.fetch(interaction.user.id, interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await drift.verify_source(self.app, id)
        await self._reply(interaction, discord.utils.escape_markdown(verification_line(result)))

    @app_commands.command(name="reingest", description="Take a source's page as it is now (quotes no longer there go).")
    @app_commands.describe(id="Source number (added from a link)")
    async def reingest(self, interaction: discord.Interaction, id: app_commands.Range[int, 1, MAX_ID]) -> None:
        self.app.rate_limits.fetch(interaction.user.id, interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await drift.reingest_source(self.app, id, guild_id=interaction.guild_id,
                                             actor=str(interaction.user.id))
        await self._reply(interaction, embed=embeds.ingest_embed(report))


MAX_EXPORT_BYTES = 8_000_000  # Discord's upload limit for a bot without boosts (10 MB), with room


async def setup(bot) -> None:
    await bot.add_cog(Curate(bot))
