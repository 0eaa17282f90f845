"""Raw input -> clean paragraphs + metadata (first step of ingestion; pure, no I/O but the sidecar).

Why a separate step: every later step (segmenting, attributing, dating) needs the same thing,
a list of verbatim paragraphs with page furniture removed. Whatever the format (.txt, .md,
.html), it ends up here as paragraphs; passages are then cut from the text they form.

Boilerplate patterns live in data/boilerplate.json so they can be curated without code changes.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.errors import BadInput
from bot.validate import DecodeProblem, decode_text

log = logging.getLogger(__name__)

BOILERPLATE_PATH = PROJECT_ROOT / "data" / "boilerplate.json"
METADATA_KEYS = ("title", "subtitle", "outlet", "author", "url", "published")
# Other spellings people use in front matter / sidecars, mapped onto our keys.
KEY_ALIASES = {
    "date": "published", "published_at": "published", "pubdate": "published",
    "site": "outlet", "sitename": "outlet", "site_name": "outlet", "publisher": "outlet", "publication": "outlet",
    "link": "url", "source_url": "url", "canonical_url": "url",
    "byline": "author", "authors": "author", "headline": "title", "standfirst": "subtitle", "dek": "subtitle",
}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}

SHORT_APPEAL_CHARS = 200  # an appeal in the middle of an article is only dropped if this short
LEAD_IN_CHARS = 150  # "Tired of reading...?" style teaser right before a trailing appeal

# Control chars except tab/newline (Cc), format chars such as zero-width spaces, joiners,
# bidi marks and the BOM (Cf), lone surrogates (Cs), private use (Co), Unicode tag chars.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\ue000-\uf8ff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000f0000-\U0010ffff]"
)
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_FRONT_MATTER = re.compile(r"\A---[^\S\n]*\n(?P<body>.*?)\n---[^\S\n]*(?:\n|\Z)", re.S)
_FRONT_MATTER_LINE = re.compile(r"^\s*(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$")
# Markdown markup that is not part of the words. Applied per paragraph, before offsets exist.
_MD_HEADING = re.compile(r"^#{1,6}[^\S\n]+(?P<text>.*?)[^\S\n]*#*$", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?:[^)\n]*)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(?P<text>.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`(?P<text>[^`\n]+)`")
_MD_BLOCKQUOTE = re.compile(r"^[^\S\n]*>[^\S\n]?", re.M)
_MD_RULE = re.compile(r"^[-*_]{3,}$")


@dataclass
class Extracted:
    """Paragraphs (stripped, non-empty, boilerplate removed) and metadata found in the input."""

    paragraphs: list[str]
    metadata: dict = field(default_factory=dict)  # our keys (METADATA_KEYS) + any extra keys


# ---------------------------------------------------------------- decoding and cleaning

def decode(raw: str | bytes, *, html: bool = False) -> str:
    """Bytes -> text by the same rules as uploads and fetched pages (`bot.validate.decode_text`:
    byte-order mark, `<meta charset>` for HTML, strict UTF-8, then Windows-1252; PDFs, archives
    and other binary files refused by their content, whatever their name)."""
    if isinstance(raw, str):
        return raw[1:] if raw.startswith("\ufeff") else raw
    if not raw:
        return ""  # reported below as "no article text", like an empty string
    try:
        return decode_text(raw, html=html)
    except DecodeProblem as problem:
        raise BadInput(str(problem).replace("The text", "The file")) from None


def sanitize(text: str) -> str:
    """Drop invisible characters (zero-width, bidi marks, soft hyphens, control and
    private-use chars) and unify newlines.

    Done before anything else so offsets, hashes and searches never depend on characters a
    reader cannot see. Tabs and newlines stay: they are layout. One precompiled regex, so
    bulk ingestion stays fast."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n").replace("\u2028", "\n")
    return _INVISIBLE.sub("", text)


# ---------------------------------------------------------------- metadata

def normalize_metadata(raw: dict | None) -> dict:
    """Map known spellings onto our keys; keep unknown keys as they are; drop empty values."""
    result: dict = {}
    for key, value in (raw or {}).items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        name = str(key).strip().lower()
        name = KEY_ALIASES.get(name, name)
        if isinstance(value, str):
            value = sanitize(value).strip()
        if isinstance(value, list) and name == "author":
            value = ", ".join(str(v) for v in value)
        result.setdefault(name, value)
    return result


def split_front_matter(text: str) -> tuple[dict, str]:
    """`---` / `key: value` lines / `---` at the very top of a Markdown file."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group("body").split("\n"):
        m = _FRONT_MATTER_LINE.match(line)
        if m:
            value = m.group("value")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[m.group("key")] = value
    return normalize_metadata(meta), text[match.end():]


def load_sidecar(path: Path) -> dict | None:
    """Metadata for a seed file from `<file>.meta.json` next to it, or None if there is none.

    A broken sidecar is an operator mistake worth a clear message, not a silent skip."""
    sidecar = Path(str(path) + ".meta.json")
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"The metadata file {sidecar.name} is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadInput(f"The metadata file {sidecar.name} must hold a JSON object (key: value pairs).")
    return data


# ---------------------------------------------------------------- formats

def markdown_paragraph(paragraph: str) -> str:
    """Markdown markup -> the words a reader sees (heading marks, links, emphasis, quotes)."""
    heading = _MD_HEADING.match(paragraph)
    if heading:
        paragraph = heading.group("text")
    if _MD_RULE.match(paragraph):
        return ""
    paragraph = _MD_BLOCKQUOTE.sub("", paragraph)
    paragraph = _MD_IMAGE.sub("", paragraph)
    paragraph = _MD_LINK.sub(lambda m: m.group("text"), paragraph)
    paragraph = _MD_EMPHASIS.sub(lambda m: m.group("text"), paragraph)
    paragraph = _MD_CODE.sub(lambda m: m.group("text"), paragraph)
    return paragraph


def html_to_text(html: str) -> tuple[str, dict]:
    """Main text and metadata of an HTML page, via trafilatura (offline: no fetching).

    Trafilatura's own options and metadata come first: `favor_precision` (it then also drops
    link-only teaser paragraphs), and its author and date from `<meta>`, parsely and JSON-LD.
    Our rules only repair what it loses: the periods of initials it strips from author names
    ("Keith J Kelly" is written "Keith J. Kelly" on the page) and the outlet it lists among the
    authors. Its text has one paragraph per line; our boilerplate pass runs afterwards anyway."""
    import trafilatura  # imported lazily: heavy, and only HTML needs it

    try:
        doc = trafilatura.bare_extraction(_without_fallback_content(html), with_metadata=True,
                                          include_comments=False, include_tables=False, favor_precision=True)
    except Exception as exc:  # noqa: BLE001 - untrusted markup can trip any parser: the user gets a clear message
        log.warning("HTML extraction failed: %r", exc)
        raise BadInput("I could not read that HTML page. Try saving the article as plain text.") from None
    if doc is None:
        return "", {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    meta = {
        "title": data.get("title"),
        "author": _authors_as_written(data.get("author"), html),
        "outlet": data.get("sitename"),
        "url": data.get("url"),
        "published": data.get("date"),
        "description": data.get("description"),
    }
    text = data.get("text") or ""
    title = _strip_site_suffix((meta.get("title") or "").strip(), (meta.get("outlet") or "").strip())
    meta["title"] = title or None
    # The headline is part of the article: keep it as the first paragraph when the extractor
    # moved it into metadata only.
    if title and not text.lstrip().startswith(title):
        text = title + "\n" + text
    return "\n\n".join(line for line in text.split("\n")), normalize_metadata(meta)


def _authors_as_written(authors: str | None, html: str) -> str | None:
    """Each author trafilatura found, spelled as the page writes it: it drops the periods of
    initials, so "Keith J Kelly" is looked up in the page as "Keith J.? Kelly"."""
    if not authors:
        return None
    out = []
    for name in (a.strip() for a in authors.split(";")):
        if not name:
            continue
        tokens = name.split()
        pattern = r"\s+".join(rf"{re.escape(t)}\.?" if len(t.rstrip(".")) == 1 else re.escape(t) for t in tokens)
        found = re.search(rf"(?<![\w.]){pattern}(?![\w])", html)
        out.append(found.group(0) if found else name)
    return "; ".join(out)


def clean_authors(author: str | None, outlet: str | None) -> str | None:
    """An author list without the outlet ("Keith J. Kelly; CNN" by CNN is "Keith J. Kelly") and
    without repeats; separators as given (";" or ",") are kept, punctuation inside names too."""
    if not author:
        return author
    separator = "; " if ";" in author else ", " if "," in author and not _NAME_SUFFIX.search(author) else None
    names = [n.strip() for n in author.split(separator.strip())] if separator else [author.strip()]
    site = (outlet or "").strip().casefold()
    kept: list[str] = []
    for name in names:
        bare = re.sub(r"^by\s+", "", name, flags=re.I).strip()
        if not bare or (site and bare.casefold() in {site, f"the {site}", site.removeprefix("the ")}):
            continue
        if bare.casefold() not in {k.casefold() for k in kept}:
            kept.append(bare)
    if kept == names:
        return author  # nothing to drop: as given ("Smith, John" stays one name)
    return (separator or "").join(kept) or None


_NAME_SUFFIX = re.compile(r",\s*(?:Jr|Sr|II|III|IV)\.?(?:,|$)")


# Elements whose content is never the article: what a browser shows instead of a frame or a
# script, and inert templates. Extractors may keep their text as if it were a paragraph.
FALLBACK_ELEMENTS = ("iframe", "noscript", "template", "object", "embed")


def _without_fallback_content(html: str):
    """The page as an lxml tree without FALLBACK_ELEMENTS (their tails, the text after
    them, stay); the markup itself when lxml cannot parse it (trafilatura then decides)."""
    from lxml import etree, html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    etree.strip_elements(tree, *FALLBACK_ELEMENTS, with_tail=False)
    return tree


def _strip_site_suffix(title: str, site: str) -> str:
    """"Headline | The Daily" -> "Headline": the outlet is cited separately."""
    if site and title != site:
        return re.sub(rf"\s*[|–—·-]\s*{re.escape(site)}\s*$", "", title)
    return title


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a text without any blank line has one per line."""
    text = text.strip()
    if not text:
        return []
    parts = _PARAGRAPH_BREAK.split(text)
    if len(parts) == 1 and "\n" in text:
        parts = text.split("\n")
    return [p.strip() for p in parts if p.strip()]


# ---------------------------------------------------------------- boilerplate

@dataclass(frozen=True)
class BoilerplatePatterns:
    whole: tuple[re.Pattern, ...]
    cookie: tuple[re.Pattern, ...]
    appeal: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def boilerplate_patterns(path: Path = BOILERPLATE_PATH) -> BoilerplatePatterns:
    """Compiled once per process: parsing must stay cheap for bulk ingestion."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    flags = re.IGNORECASE | re.DOTALL

    def compile_all(key: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, flags) for p in data.get(key, []))

    return BoilerplatePatterns(compile_all("whole"), compile_all("cookie"), compile_all("appeal"))


def _normalize_apostrophes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


def is_furniture(paragraph: str, patterns: BoilerplatePatterns) -> bool:
    """Navigation, share buttons, teasers, credits, cookie notices: never article text."""
    probe = _normalize_apostrophes(paragraph)
    if len(probe) <= 300 and any(p.fullmatch(probe) for p in patterns.whole):
        return True
    return len(probe) <= 600 and any(p.search(probe) for p in patterns.cookie)


def is_appeal(paragraph: str, patterns: BoilerplatePatterns) -> bool:
    probe = _normalize_apostrophes(paragraph)
    return any(p.search(probe) for p in patterns.appeal)


def _is_lead_in(paragraph: str) -> bool:
    """A short rhetorical line ending in ? or ! (the hook before a donation appeal)."""
    return len(paragraph) <= LEAD_IN_CHARS and paragraph.rstrip("”\"' ").endswith(("?", "!"))


def remove_boilerplate(paragraphs: list[str], patterns: BoilerplatePatterns | None = None) -> list[str]:
    """Drop page furniture anywhere, then the reader-appeal block at the end (walked backwards).

    Appeals are only removed at any length at the end, where sites put them; in the middle
    only a short paragraph that is an appeal goes, so a news paragraph that merely mentions
    donations is kept."""
    patterns = patterns or boilerplate_patterns()
    kept = [p for p in paragraphs if not is_furniture(p, patterns)]
    end = len(kept)
    while end > 0:
        paragraph = kept[end - 1]
        if is_appeal(paragraph, patterns):
            end -= 1
        elif end < len(kept) and _is_lead_in(paragraph):
            end -= 1
        else:
            break
    body = kept[:end]
    return [p for p in body if not (len(p) <= SHORT_APPEAL_CHARS and is_appeal(p, patterns))]


# ---------------------------------------------------------------- entry point

def extract(raw: str | bytes, *, filename: str) -> Extracted:
    """Decode, clean and split `raw` by its format (chosen by the filename's extension)."""
    suffix = Path(filename or "").suffix.lower()
    text = sanitize(decode(raw, html=suffix in HTML_SUFFIXES))
    metadata: dict = {}
    if suffix in HTML_SUFFIXES:
        text, metadata = html_to_text(text)
        text = sanitize(text)
        paragraphs = split_paragraphs(text)
    elif suffix in MARKDOWN_SUFFIXES:
        metadata, text = split_front_matter(text)
        paragraphs = [markdown_paragraph(p).strip() for p in split_paragraphs(text)]
        paragraphs = [p for p in paragraphs if p]
    else:
        paragraphs = split_paragraphs(text)
    paragraphs = remove_boilerplate(paragraphs)
    if not paragraphs:
        raise BadInput("I found no article text in that file: it is empty or only page navigation.")
    if not any(reads_as_prose(p) for p in paragraphs):
        sample = " ".join(paragraphs[0].split())[:60]
        raise BadInput(f"I found no article text in that file: only page navigation or headings "
                       f"(“{sample}”), not one sentence.")
    return Extracted(paragraphs=paragraphs, metadata=metadata)


_WORD = re.compile(r"\w*[^\W\d_]\w*")  # a word has at least one letter
_NAV_SEPARATOR = re.compile(r"\s+[/|>›»·•]\s+|\s*[|›»·•]\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
PROSE_MIN_WORDS = 4  # "The wall is finished." is the shortest article sentence we accept
PROSE_UNPUNCTUATED_WORDS = 8  # without a full stop, this many words still read as a sentence


def reads_as_prose(paragraph: str) -> bool:
    """At least one sentence a person wrote, as opposed to navigation ("Home / News / Sport"),
    a menu or a lone heading. A file with none of them is not an article."""
    segments = [seg for seg in _NAV_SEPARATOR.split(paragraph) if seg.strip()]
    if len(segments) >= 3 and all(len(_WORD.findall(seg)) <= 3 for seg in segments):
        return False  # a breadcrumb or a menu bar
    words = len(_WORD.findall(paragraph))
    if words < PROSE_MIN_WORDS:
        return False
    return words >= PROSE_UNPUNCTUATED_WORDS or bool(_SENTENCE_END.search(paragraph.rstrip()))
