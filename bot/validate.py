"""Checks for untrusted user input: slash-command options, uploaded files, URL options.

A public Discord server is hostile: options can carry zero-width or bidi control characters
(to dodge filters or spoof text), attachments can be anything whatever their name says.
Everything here is pure (no I/O), raises `BadInput` with a message fit to show the user,
and is shared with the URL fetcher (`bot.fetch`) so pages and uploads decode the same way.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from datetime import date

from bot.errors import BadInput

# Extension -> format handed to ingestion. The extension decides, because Discord's
# content type for text files is often missing or generic.
TEXT_FORMATS = {
    ".txt": "txt", ".text": "txt",
    ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
_PDF_EXTS = {".pdf"}
_ARCHIVE_EXTS = {".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".zst"}
_IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".svg", ".heic", ".ico"}
_OFFICE_EXTS = {".doc", ".docx", ".odt", ".rtf", ".pages", ".epub"}
# Content types that only say "bytes": the content sniff decides instead.
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
_TEXT_TYPES = {"application/xhtml+xml", "application/xml", "application/json"}

# Leading bytes of binary formats people upload by mistake, with a name for the message.
_MAGIC = [
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
    (b"\x7fELF", "program"),
]
# What each kind of file is, in the words of the refusal, and what to do instead. Every path
# (upload, URL, `python -m bot ingest`, seeds) says the same thing about the same bytes.
NOT_AN_ARTICLE = "not a text or HTML article"
_ADVICE = {
    "PDF": "PDF is not supported yet: save the article as .txt, .md or .html.",
    "archive": "Unpack it and add the article itself (.txt, .md or .html).",
    "image": "The bot needs the article's text (.txt, .md or .html).",
    "document": "Word-processor documents are not supported yet: save the article as .txt or .html.",
    "program": "Save the article as .txt, .md or .html.",
    "binary": "Save the article as .txt, .md or .html.",
}


def _family(kind: str) -> str:
    for family in ("archive", "image", "program"):
        if kind.endswith(family):
            return family
    return {"PDF": "PDF", "Office document": "document", "word-processor document": "document"}.get(kind, "binary")


def not_an_article(kind: str) -> str:
    """"This is a zip archive, not a text or HTML article. Unpack it ..." for any kind."""
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"This is {article} {kind}, {NOT_AN_ARTICLE}. {_ADVICE[_family(kind)]}"
# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# WHATWG Encoding: browsers decode these labels as windows-1252, and so do we, or the
# "smart quotes" most such pages contain would come out as C1 control characters.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_PEEK_BYTES = 4096  # the HTML spec looks for <meta charset> in the first 1024 bytes; be generous
_MAX_CONTROL_RATIO = 0.01  # more C0 controls than this and it is not prose


class DecodeProblem(ValueError):
    """Why bytes could not become text; `str()` is safe to show to a user."""


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """`text/html; charset="utf-8"` -> `utf-8`."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").strip() or None
    return None


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a `<meta>` near its start, if any."""
    match = _META_CHARSET.search(data[:_PEEK_BYTES])
    return match.group(1).decode("ascii") if match else None


def _codec_for(label: str) -> str:
    name = _LABEL_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise DecodeProblem(f"The text declares an unknown character set ({label[:40]!r}).") from None
    # codecs.lookup also knows bytes->bytes transforms (zlib, base64...): never text.
    if not getattr(info, "_is_text_encoding", True):
        raise DecodeProblem(f"The text declares an unknown character set ({label[:40]!r}).")
    return info.name


def decode_text(data: bytes, declared_charset: str | None = None, *, html: bool = False) -> str:
    """Bytes -> str, refusing binary. Order: byte-order mark, declared charset (header, then
    `<meta>` for HTML), then strict UTF-8, then windows-1252 (the legacy default of both
    browsers and Windows text editors). Decoding is strict: a verbatim quote must never
    contain characters we guessed. Raises `DecodeProblem`."""
    if not data:
        raise DecodeProblem("The text is empty.")
    kind = _binary_kind(data)
    if kind:
        raise DecodeProblem(not_an_article(kind))
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # A mark proves nothing about what follows: the binary and noise checks still apply.
            kind = _binary_kind(data[len(bom):])
            if kind:
                raise DecodeProblem(not_an_article(kind))
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise DecodeProblem("The text is damaged: it does not match its byte-order mark.") from None
            _refuse_control_noise(text)
            return text
    if b"\x00" in data:
        raise DecodeProblem(not_an_article("binary file"))
    label = declared_charset or (meta_charset(data) if html else None)
    if label:
        codec = _codec_for(label)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise DecodeProblem(f"The text is not valid {label[:40]} as it claims.") from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise DecodeProblem("The text could not be decoded: please save it as UTF-8.") from None
    _refuse_control_noise(text)
    return text


# Characters prose does not contain: private use, unassigned code points, lone surrogates.
# Random bytes decoded as UTF-16 are about one in eight of these; real text has next to none.
_NOISE_CATEGORIES = frozenset({"Co", "Cn", "Cs"})


def _refuse_control_noise(text: str) -> None:
    sample = text[:100_000]
    noise = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f")
                or (ch > "\x7f" and unicodedata.category(ch) in _NOISE_CATEGORIES))
    if noise > max(8, len(sample) * _MAX_CONTROL_RATIO):
        raise DecodeProblem(not_an_article("binary file"))


def sniff_text(data: bytes, declared_charset: str | None = None, *, html: bool = False) -> str:
    """Decode an uploaded file, whatever its name claims; binary content is refused."""
    try:
        return decode_text(data, declared_charset, html=html)
    except DecodeProblem as problem:
        raise BadInput(str(problem).replace("The text", "The file")) from None


_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_stem(text: str) -> str:
    """`text` as a harmless file-name stem: runs of anything but ASCII letters, digits and
    `._-` become one "-", and no leading or trailing dots or dashes (no hidden file, no
    "..") remain. May be empty: callers choose the fallback. Shared by uploads and fetched pages."""
    return _UNSAFE_NAME_CHARS.sub("-", text).strip("-.")


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size} bytes"


_PROGRAM_EXTS = {".exe", ".dll", ".so", ".dylib", ".bin", ".msi", ".apk", ".dmg", ".deb", ".rpm", ".app", ".jar",
                 ".class", ".o", ".pyc", ".com", ".scr"}


def _refusal_for(ext: str, mime: str) -> str | None:
    """The refusal for a file whose name or declared type already says it is no article."""
    if ext in _PDF_EXTS or mime == "application/pdf":
        return not_an_article("PDF")
    if ext in _ARCHIVE_EXTS or mime in {"application/zip", "application/gzip", "application/x-gzip",
                                        "application/x-tar", "application/x-7z-compressed",
                                        "application/vnd.rar", "application/x-rar-compressed"}:
        return not_an_article(f"{ext[1:]} archive" if ext in _ARCHIVE_EXTS else "archive")
    if ext in _IMAGE_EXTS or mime.startswith("image/"):
        return not_an_article("image")
    if ext in _OFFICE_EXTS or mime.startswith("application/vnd.") or mime == "application/msword":
        return not_an_article("word-processor document")
    if ext in _PROGRAM_EXTS or mime in {"application/x-msdownload", "application/x-executable"}:
        return not_an_article("program")
    if mime.startswith(("audio/", "video/", "font/")):
        return f"This is {mime.split('/')[0]}, {NOT_AN_ARTICLE}. Only .txt, .md or .html files are accepted."
    return None


def check_file_name(filename: str, content_type: str | None = None) -> str:
    """The article format ("txt" | "md" | "html") a file's name (and declared type) allows,
    or `BadInput` saying what the file is instead. Shared by uploads and `python -m bot ingest`;
    the bytes are checked again when they are decoded (`decode_text`)."""
    ext = PurePosixPath((filename or "").strip().lower()).suffix
    mime = (content_type or "").split(";")[0].strip().lower()
    refusal = _refusal_for(ext, mime)
    if refusal:
        raise BadInput(refusal)
    if ext not in TEXT_FORMATS:
        shown = f"'{ext[:12]}' files are" if ext else "Files without an extension are"
        raise BadInput(f"{shown} not supported: articles must be .txt, .md or .html.")
    if mime not in _GENERIC_TYPES and not mime.startswith("text/") and mime not in _TEXT_TYPES:
        raise BadInput(f"The file's declared type ({mime[:60]}) says it is {NOT_AN_ARTICLE}: "
                       "articles must be .txt, .md or .html.")
    return TEXT_FORMATS[ext]


def check_attachment(filename: str, content_type: str | None, size: int, max_bytes: int = 2_000_000) -> str:
    """Decide from name, declared type and size whether an upload is worth downloading.

    Returns the format ("txt" | "md" | "html"). The bytes are checked again by
    `sniff_text` after download, because a name and a content type are only claims."""
    fmt = check_file_name(filename, content_type)
    if size <= 0:
        raise BadInput("The file is empty.")
    if size > max_bytes:
        raise BadInput(f"The file is too large ({human_size(size)}); the limit is {human_size(max_bytes)}.")
    return fmt


def _keep(ch: str) -> bool:
    # Cc: control characters, Cf: zero-width and bidi format characters, Cs: lone surrogates.
    return unicodedata.category(ch) not in {"Cc", "Cf", "Cs"}


def clean_option(value: str | None, *, name: str, max_len: int, required: bool = False) -> str | None:
    """Normalise a free-text option: drop invisible and control characters, collapse
    whitespace (tabs and newlines become one space), enforce a length limit. Returns None
    for an empty optional value."""
    if value is None:
        value = ""
    spaced = "".join(" " if ch.isspace() else ch for ch in value)
    cleaned = " ".join("".join(ch for ch in spaced if _keep(ch)).split())
    if not cleaned:
        if required:
            raise BadInput(f"{name} is required.")
        return None
    if len(cleaned) > max_len:
        raise BadInput(f"{name} is too long (max {max_len} characters)")
    return cleaned


MAX_URL_LENGTH = 2048
# Citation fields a moderator may type (Discord options, `python -m bot ingest --title ...`):
# within the database columns, and short enough that a citation always fits next to a quote.
CITATION_LIMITS = {"title": 300, "outlet": 200, "author": 200, "date": 10, "url": MAX_URL_LENGTH}


def citation_options(*, title: str | None = None, outlet: str | None = None, author: str | None = None,
                     date: str | None = None, url: str | None = None) -> dict:
    """The citation fields typed for an article, cleaned (`clean_option`), as ingestion
    overrides (`published` for the date); empty ones left out. A link must be http(s)."""
    cleaned = {"title": clean_option(title, name="title", max_len=CITATION_LIMITS["title"]),
               "outlet": clean_option(outlet, name="outlet", max_len=CITATION_LIMITS["outlet"]),
               "author": clean_option(author, name="author", max_len=CITATION_LIMITS["author"]),
               "published": clean_option(date, name="date", max_len=CITATION_LIMITS["date"])}
    if url is not None and url.strip():
        problem = url_problem(url.strip())
        if problem:  # the same rules as a link to fetch, though this one is only cited
            raise BadInput(problem.replace("can be fetched", "can be cited"))
        cleaned["url"] = url.strip()
    return {k: v for k, v in cleaned.items() if v}


def url_problem(url: str) -> str | None:
    """Why a URL may not be fetched, judged on syntax alone (no DNS); None if it may."""
    if len(url) > MAX_URL_LENGTH:
        return f"That link is too long (max {MAX_URL_LENGTH} characters)."
    if any(ch.isspace() or not _keep(ch) for ch in url):
        return "That link contains spaces or invisible characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "That link is not a valid web address."
    if parts.scheme.lower() not in {"http", "https"}:
        return "Only http:// and https:// links can be fetched."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "Links with a user name or password in them are not accepted."
    if not parts.hostname:
        return "That link has no website name in it."
    if port == 0:
        return "That link is not a valid web address."
    return None


def check_url_option(url: str | None) -> str:
    """Syntax check of a URL option before any network activity; returns the cleaned URL."""
    cleaned = (url or "").strip()
    if not cleaned:
        raise BadInput("url is required.")
    problem = url_problem(cleaned)
    if problem:
        raise BadInput(problem)
    return cleaned


def typed_date(value) -> date | None:
    """A date a person typed (`--date`, `/curate add date:`, `/curate edit`): YYYY-MM-DD only.
    The one parser for typed dates; a page's own metadata is read leniently by
    `bot.ingest.dates.parse_date` instead."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(f"`{value}` is not a date: use YYYY-MM-DD, for example 2021-01-12.") from None
