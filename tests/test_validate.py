"""Untrusted options and attachments: what gets through, and what the user is told."""
from __future__ import annotations

import codecs

import pytest

from bot.errors import BadInput
from bot.validate import check_attachment, check_url_option, clean_option, sniff_text

# --- check_attachment ---------------------------------------------------------------------


@pytest.mark.parametrize("filename, content_type, fmt", [
    ("article.txt", "text/plain; charset=utf-8", "txt"),
    ("Article.TXT", None, "txt"),
    ("notes.md", "text/markdown", "md"),
    ("notes.markdown", None, "md"),
    ("page.html", "text/html", "html"),
    ("page.htm", "application/octet-stream", "html"),  # generic type: bytes are sniffed later
    ("page.xhtml", "application/xhtml+xml", "html"),
])
def test_accepted_attachments_return_their_format(filename, content_type, fmt):
    assert check_attachment(filename, content_type, 1234) == fmt


@pytest.mark.parametrize("filename, content_type, message", [
    ("report.pdf", "application/pdf", "This is a PDF, not a text or HTML article. PDF is not supported yet"),
    ("report.txt", "application/pdf", "This is a PDF, not a text or HTML article"),
    ("bundle.zip", "application/zip", "This is a zip archive, not a text or HTML article. Unpack it"),
    ("bundle.tar.gz", None, "This is a gz archive, not a text or HTML article"),
    ("photo.png", "image/png", "This is an image, not a text or HTML article"),
    ("photo.txt", "image/jpeg", "This is an image, not a text or HTML article"),
    ("letter.docx", None, "This is a word-processor document, not a text or HTML article"),
    ("song.txt", "audio/mpeg", "This is audio, not a text or HTML article"),
    ("program.exe", None, "This is a program, not a text or HTML article"),
    ("setup.msi", None, "This is a program, not a text or HTML article"),
    ("notes.odd", None, "'.odd' files are not supported: articles must be .txt, .md or .html."),
    ("README", None, "Files without an extension"),
    ("data.txt", "application/x-msdownload", "This is a program"),
    ("data.txt", "application/x-shockwave-flash", r"declared type \(application/x-shockwave-flash\) says it is not"),
])
def test_refused_attachments_say_why(filename, content_type, message):
    with pytest.raises(BadInput, match=message):
        check_attachment(filename, content_type, 1234)


def test_empty_and_too_big_attachments_are_refused():
    with pytest.raises(BadInput, match="The file is empty"):
        check_attachment("a.txt", "text/plain", 0)
    with pytest.raises(BadInput, match=r"too large \(2.5 MB\); the limit is 2.0 MB"):
        check_attachment("a.txt", "text/plain", 2_500_000)
    assert check_attachment("a.txt", "text/plain", 2_000_000) == "txt"
    with pytest.raises(BadInput, match="limit is 500 KB"):
        check_attachment("a.txt", "text/plain", 600_000, max_bytes=500_000)


# --- sniff_text -----------------------------------------------------------------------------

def test_utf8_text_is_decoded_exactly():
    text = "“Quote,” she said — café.\n"
    assert sniff_text(text.encode("utf-8")) == text


@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
])
def test_byte_order_marks_are_honoured_and_removed(bom, codec):
    text = "Minister: “no deal”.\n"
    assert sniff_text(bom + text.encode(codec)) == text


def test_declared_charset_is_used():
    text = "Grüße aus Köln"
    assert sniff_text(text.encode("iso-8859-15"), "iso-8859-15") == text


def test_latin1_label_decodes_like_browsers_as_windows_1252():
    assert sniff_text("“smart”".encode("cp1252"), "ISO-8859-1") == "“smart”"


def test_undeclared_legacy_text_falls_back_to_windows_1252():
    assert sniff_text("Caf\u00e9 \u2013 menu".encode("cp1252")) == "Caf\u00e9 \u2013 menu"


def test_html_meta_charset_is_used_for_html_only():
    body = '<meta charset="koi8-r"><p>Привет</p>'.encode("koi8-r")
    assert "Привет" in sniff_text(body, html=True)


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "This is a PDF, not a text or HTML article. PDF is not supported yet"),
    (b"PK\x03\x04\x14\x00\x00\x00", "This is a zip archive, not a text or HTML article"),
    (b"\x7fELF\x02\x01\x01\x00", "This is a program, not a text or HTML article"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
    (b"GIF89a\x01\x00", "GIF image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
    (b"\x1f\x8b\x08\x00\x00\x00", "gzip archive"),
    (b"hello\x00world", "This is a binary file, not a text or HTML article"),
    (bytes(range(1, 32)) * 10, "This is a binary file, not a text or HTML article"),
    (b"", "empty"),
])
def test_binary_content_is_refused_even_when_named_txt(data, message):
    assert check_attachment("innocent.txt", "text/plain", max(len(data), 1)) == "txt"
    with pytest.raises(BadInput, match=message):
        sniff_text(data)


def test_unknown_or_non_text_charset_is_refused():
    with pytest.raises(BadInput, match="unknown character set"):
        sniff_text(b"hello", "klingon-8")
    with pytest.raises(BadInput, match="unknown character set"):
        sniff_text(b"x\x9c", "zlib")


def test_bytes_not_matching_declared_charset_are_refused():
    with pytest.raises(BadInput, match="not valid utf-8"):
        sniff_text(b"caf\xe9", "utf-8")


def test_text_starting_like_a_program_header_is_still_text():
    assert sniff_text(b"MZ Rivera said the talks would go on.") == "MZ Rivera said the talks would go on."


# --- clean_option ---------------------------------------------------------------------------

def test_clean_option_strips_invisible_and_control_characters():
    dirty = "\u200bclimate\u200d \u202echange\u202c\x07\u2060 policy\ufeff"
    assert clean_option(dirty, name="topic", max_len=100) == "climate change policy"


def test_clean_option_collapses_whitespace_but_keeps_words_apart():
    assert clean_option("  trade\t\ttariffs\nnow\u00a0please ", name="topic", max_len=100) == "trade tariffs now please"


def test_clean_option_keeps_letters_accents_and_emoji():
    assert clean_option("Zoë’s “plan” 🌍", name="topic", max_len=100) == "Zoë’s “plan” 🌍"


def test_clean_option_too_long_message():
    with pytest.raises(BadInput) as err:
        clean_option("x" * 201, name="topic", max_len=200)
    assert str(err.value) == "topic is too long (max 200 characters)"
    # Invisible padding does not count towards the limit.
    assert clean_option("x" * 200 + "\u200b" * 50, name="topic", max_len=200) == "x" * 200


def test_clean_option_empty_values():
    assert clean_option(None, name="note", max_len=10) is None
    assert clean_option(" \u200b\t", name="note", max_len=10) is None
    with pytest.raises(BadInput, match="topic is required"):
        clean_option("\u200b", name="topic", max_len=10, required=True)


# --- check_url_option -----------------------------------------------------------------------

def test_url_option_accepts_http_and_https():
    assert check_url_option("  https://news.example/story?id=3 ") == "https://news.example/story?id=3"
    assert check_url_option("http://news.example:8080/x") == "http://news.example:8080/x"  # ports: fetcher decides


@pytest.mark.parametrize("url, message", [
    ("", "url is required"),
    (None, "url is required"),
    ("news.example/story", "Only http:// and https://"),
    ("javascript:alert(1)", "Only http:// and https://"),
    ("file:///etc/passwd", "Only http:// and https://"),
    ("https://user:pw@news.example/", "user name or password"),
    ("https:///story", "no website name"),
    ("https://news.example/a b", "spaces"),
    ("https://news.example:99999/", "not a valid web address"),
    ("https://news.example/" + "a" * 2100, "too long"),
])
def test_url_option_refusals(url, message):
    with pytest.raises(BadInput, match=message):
        check_url_option(url)


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
                                        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le")])
def test_a_byte_order_mark_does_not_let_random_bytes_through(bom, codec):
    """Random 16-bit units after a UTF-16 mark decode without error into private-use and
    unassigned characters: garbage, refused like any binary file (it used to be stored)."""
    import random

    rng = random.Random(7)
    units = [rng.randrange(0x10000) for _ in range(3000)]
    garbage = "".join(chr(u) for u in units if not 0xD800 <= u <= 0xDFFF)
    with pytest.raises(BadInput, match="not a text or HTML article"):
        sniff_text(bom + garbage.encode(codec))


def test_a_byte_order_mark_before_a_pdf_is_refused_as_a_pdf():
    with pytest.raises(BadInput, match="This is a PDF"):
        sniff_text(codecs.BOM_UTF8 + b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")


def test_a_byte_order_mark_before_control_characters_is_refused():
    text = "ok\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f" * 20
    with pytest.raises(BadInput, match="not a text or HTML article"):
        sniff_text(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
