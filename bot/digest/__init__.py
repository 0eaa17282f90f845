"""The daily digest: per guild, once per local day, at the guild's time.

schedule (pure: when is it due?), load (DB reads: what happened?), `bot.render.digest` (pure:
which messages?), settings (guild settings + audit), service (claim, send, record: exactly once).
The Discord tick lives in cogs/digest.py and only sends what the service hands it."""
