"""Read an article a moderator attached to `/curate add`, safely: the upload twin of `bot.fetch`.

The file comes from an untrusted Discord user, so it is judged twice, like a fetched page:

* before the download, by its name, declared type and size (`check_upload`): a file that
  cannot be an article is refused without spending a download;
* after it, by its bytes: the size again (the declared one is only a claim) and a strict
  decoding that refuses binary content whatever the name says (`bot.validate.sniff_text`:
  a zip renamed .txt is still refused). A big file is decoded off the event loop.

The file name becomes the source's origin, so it is reduced to a harmless, bounded one that
keeps the extension ingestion picks the parser by (`upload_name`). A failed download
(Discord's CDN answering 404 or 5xx, a dropped connection) is the member's to retry, not a
bug: it is a `BadInput` with a message that says so, logged without a traceback.

Only the attachment's `filename`, `content_type`, `size`, `id` and `read()` are used, so
tests pass any object that has them; the cog hands over the `discord.Attachment` as it is.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Awaitable, Protocol

import aiohttp
import discord

from bot.errors import BadInput
from bot.validate import charset_from_content_type, check_attachment, safe_file_stem, sniff_text

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2_000_000  # articles are text; anything bigger is not an article
DOWNLOAD_FAILED = ("I could not download that file from Discord. Please try again in a moment "
                   "(attach it anew if it keeps failing).")
THREAD_DECODE_BYTES = 256 * 1024  # decode bigger uploads off the event loop
NAME_CHARS = 80
# What a download from Discord's CDN may raise that is not a bug of ours.
DOWNLOAD_ERRORS = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError)


class Attachment(Protocol):
    id: int
    filename: str
    content_type: str | None
    size: int

    def read(self) -> Awaitable[bytes]: ...


@dataclass(frozen=True)
class UploadedFile:
    text: str  # the decoded body
    filename: str  # a safe name, e.g. "story.html": ingestion picks the parser by its extension
    fmt: str  # "txt" | "md" | "html"


def check_upload(attachment: Attachment) -> str:
    """The format of an attachment worth downloading ("txt" | "md" | "html"), judged from
    its name, declared type and size; anything else is a `BadInput` that says why."""
    return check_attachment(attachment.filename, attachment.content_type, attachment.size, MAX_UPLOAD_BYTES)


def upload_name(filename: str, fmt: str) -> str:
    """A harmless, bounded file name for an upload (it becomes the source's origin), keeping
    the extension ingestion picks the parser by (already vetted by `check_upload`)."""
    path = PurePosixPath((filename or "").replace("\\", "/"))
    suffix = path.suffix.lower() or f".{fmt}"
    stem = safe_file_stem(path.stem)[:NAME_CHARS] or "upload"
    return f"{stem}{suffix}"


async def read_upload(attachment: Attachment, fmt: str) -> UploadedFile:
    """Download an attachment `check_upload` accepted (as `fmt`) and decode it, refusing
    binary content and a body past the size cap whatever was declared."""
    try:
        raw = await attachment.read()
    except DOWNLOAD_ERRORS as exc:
        status = getattr(exc, "status", None)
        log.warning("attachment %s could not be downloaded: %s", attachment.id, status or type(exc).__name__)
        raise BadInput(DOWNLOAD_FAILED) from None
    if len(raw) > MAX_UPLOAD_BYTES:  # the declared size was a lie
        raise BadInput(f"The file is too large; the limit is {MAX_UPLOAD_BYTES // 1_000_000} MB.")
    charset = charset_from_content_type(attachment.content_type)
    if len(raw) > THREAD_DECODE_BYTES:
        text = await asyncio.to_thread(sniff_text, raw, charset, html=fmt == "html")
    else:
        text = sniff_text(raw, charset, html=fmt == "html")
    return UploadedFile(text=text, filename=upload_name(attachment.filename, fmt), fmt=fmt)
