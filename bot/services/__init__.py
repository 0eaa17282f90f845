"""Services: everything a front end (Discord cog, console, CLI) calls. They take the
`Counterpoint` container explicitly and return values from bot.results; no Discord here."""
