"""bot.uploads: what a moderator's attachment must be to become a source, and what they are told."""
from __future__ import annotations

import asyncio
import logging
import zipfile
from io import BytesIO

import aiohttp
import pytest

from bot import uploads
from bot.errors import BadInput


class FakeAttachment:
    """What `bot.uploads` reads of a `discord.Attachment`: name, declared type and size, bytes."""

    def __init__(self, filename: str, data: bytes, content_type: str | None = "text/plain", size: int | None = None,
                 error: BaseException | None = None):
        self.id = 42
        self.filename = filename
        self.content_type = content_type
        self.size = len(data) if size is None else size
        self.data, self.error, self.reads = data, error, 0

    async def read(self) -> bytes:
        self.reads += 1
        if self.error is not None:
            raise self.error
        return self.data


async def _ingestable(attachment: FakeAttachment) -> uploads.UploadedFile:
    return await uploads.read_upload(attachment, uploads.check_upload(attachment))


async def test_a_text_upload_is_decoded_verbatim_with_a_safe_name():
    text = "Harbour wall “finished” in May, the mayor said.\n\nCafé owners disagree."
    upload = await _ingestable(FakeAttachment("../../etc/My Article (final).TXT", text.encode("utf-8")))
    assert upload.text == text and upload.fmt == "txt"
    assert upload.filename == "My-Article-final.txt"  # no path, no spaces or brackets, extension kept


async def test_latin1_bytes_are_decoded_as_the_declared_charset_says():
    upload = await _ingestable(FakeAttachment("cafe.txt", "Café".encode("latin-1"), "text/plain; charset=iso-8859-1"))
    assert upload.text == "Café"


async def test_a_big_upload_is_decoded_off_the_event_loop_to_the_same_text():
    text = ("word " * (uploads.THREAD_DECODE_BYTES // 5 + 10)).strip()
    upload = await _ingestable(FakeAttachment("long.md", text.encode(), "text/markdown"))
    assert upload.text == text and upload.fmt == "md" and upload.filename == "long.md"


def test_a_file_that_cannot_be_an_article_is_refused_before_any_download():
    pdf = FakeAttachment("report.pdf", b"%PDF-1.7", "application/pdf")
    with pytest.raises(BadInput, match="This is a PDF"):
        uploads.check_upload(pdf)
    too_big = FakeAttachment("a.txt", b"x", size=uploads.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(BadInput, match="too large"):
        uploads.check_upload(too_big)
    assert pdf.reads == too_big.reads == 0


async def test_a_body_larger_than_declared_is_refused_after_the_download():
    liar = FakeAttachment("a.txt", b"x" * (uploads.MAX_UPLOAD_BYTES + 1), size=10)
    with pytest.raises(BadInput, match="The file is too large; the limit is 2 MB."):
        await _ingestable(liar)


async def test_binary_content_is_refused_whatever_its_name_says():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    with pytest.raises(BadInput):
        await _ingestable(FakeAttachment("article.txt", buffer.getvalue()))


@pytest.mark.parametrize("error", [aiohttp.ClientConnectionError("reset"), asyncio.TimeoutError()])
async def test_a_failed_download_is_the_members_to_retry_and_logged_without_a_traceback(error, caplog):
    caplog.set_level(logging.WARNING, logger="bot.uploads")
    with pytest.raises(BadInput) as refused:
        await _ingestable(FakeAttachment("a.txt", b"", size=5, error=error))
    assert str(refused.value) == uploads.DOWNLOAD_FAILED
    assert [r.message for r in caplog.records] and not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("filename, fmt, name", [
    ("notes.md", "md", "notes.md"),
    ("..hidden.html", "html", "hidden.html"),
    ("C:\\Users\\me\\Desktop\\story.htm", "html", "story.htm"),
    ("???.txt", "txt", "upload.txt"),
    ("x" * 300 + ".txt", "txt", "x" * 80 + ".txt"),
])
def test_upload_names_are_harmless_and_bounded(filename, fmt, name):
    assert uploads.upload_name(filename, fmt) == name
