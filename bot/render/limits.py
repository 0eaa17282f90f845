"""Discord's message and embed limits, declared once for every renderer (and the error path).

https://discord.com/developers/docs/resources/message#embed-object-embed-limits: a message
with one embed past any of these is rejected whole, so the renderers cut source text to fit
(never a citation) and `bot.render.embeds.limit_violations` checks the result in tests.
"""
from __future__ import annotations

EMBED_TOTAL = 6000  # title + description + field names and values + footer + author, across a message's embeds
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
CONTENT = 2000  # a message's plain content
EMBEDS_PER_MESSAGE = 10

URL_CHARS = 2000  # longest URL linked (an embed's url, or inside markdown); a longer one is shown unlinked
