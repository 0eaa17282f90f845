"""A fake Discord (REST + Gateway) for end-to-end tests through the real discord.py client.

See README.md here. Public pieces: `FakeDiscord` (server), `BotHarness`/`Exchange` (run the bot
and send interactions), and the payload builders in `payloads`.
"""
from tests.fake_discord.harness import BotHarness, Exchange
from tests.fake_discord.payloads import (MANAGE_GUILD, MEMBER_PERMISSIONS, button_ids, make_guild, make_role,
                                         option, subcommand)
from tests.fake_discord.server import EPHEMERAL_FLAG, FakeDiscord, Recorded

__all__ = ["BotHarness", "Exchange", "FakeDiscord", "Recorded", "EPHEMERAL_FLAG", "MANAGE_GUILD",
           "MEMBER_PERMISSIONS", "button_ids", "make_guild", "make_role", "option", "subcommand"]
