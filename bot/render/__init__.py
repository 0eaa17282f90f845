"""Rendering of `bot.results` values for the front ends: Discord embeds, safe text, console text."""
