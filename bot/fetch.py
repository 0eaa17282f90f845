"""Fetch an article page for a moderator, safely (SSRF-hardened).

The URL comes from an untrusted Discord user, and the bot usually runs next to things that
must stay unreachable (cloud metadata at 169.254.169.254, a database, admin panels). So:

* only http/https, no user:password@, and only ports 80 and 443. Decision: other ports are
  refused, because non-standard ports are how internal services (Redis 6379, admin UIs on
  8080, ...) are reached, and news sites do not live there.
* every address a name resolves to is checked by a resolver wrapped into the connector, so
  the check is made on the very addresses the connection uses (a DNS-rebinding name that
  answers "public" to one lookup and "127.0.0.1" to the next gains nothing: there is only
  the connect-time lookup). Literal IPs skip DNS and are checked on each hop; as a last
  line, the connector's socket factory re-checks the exact address it is about to
  `connect()` to, whatever produced it.
* redirects are followed by hand, each hop re-checked, at most `max_redirects`.
* the body is streamed and the download aborted past `max_bytes` (Content-Length is only
  a hint); connect and total timeouts; only HTML / XHTML / plain text; strict decoding.

Every failure is a `FetchFailed` whose message is safe to show (never an address, a stack
or a header). `allow_private=True` exists only so tests can fetch from an aiohttp server on
127.0.0.1 (`Settings.allow_private_fetch`): it admits IPv4 loopback (127.0.0.0/8) on any
port and nothing else, so even a mis-set flag in production never opens the metadata
service, the private network or IPv6 loopback.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import weakref
from dataclasses import dataclass
from html.parser import HTMLParser

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import FetchFailed
from bot.validate import DecodeProblem, charset_from_content_type, decode_text, safe_file_stem, url_problem

log = logging.getLogger(__name__)

ALLOWED_PORTS = {80, 443}
ALLOWED_CONTENT_TYPES = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "txt"}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "CounterpointBot/0.1 (article lookups for a Discord community)"
_CHUNK = 64 * 1024
_THREAD_DECODE_BYTES = 256 * 1024  # decode bigger bodies off the event loop

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")

REFUSED_ADDRESS = "That link points to a private or local network address, which the bot may not visit."


@dataclass(frozen=True)
class FetchedPage:
    final_url: str  # after redirects
    content_type: str  # "text/html" | "application/xhtml+xml" | "text/plain"
    text: str  # the decoded body
    filename: str  # a safe hint, e.g. "story.html": ingestion picks the parser by its extension
    canonical_url: str | None = None  # from <link rel="canonical">, absolute http(s)


def address_refusal(address: str) -> str | None:
    """Why the bot must not connect to this IP address (None: it is a public address).

    Covers loopback, private, link-local (cloud metadata), CGNAT, 0.0.0.0/8, multicast,
    reserved and unspecified ranges, their IPv6 equivalents, and IPv6 forms that carry an
    IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo) judged by the IPv4 inside."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return REFUSED_ADDRESS
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return REFUSED_ADDRESS
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is None and ip.teredo:
            embedded = ip.teredo[1]
        if embedded is not None:
            return address_refusal(str(embedded))
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global or ip in _CGNAT):
        return REFUSED_ADDRESS
    return None


_TEST_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


def _refusal(address: str, allow_private: bool) -> str | None:
    if allow_private:
        try:
            if ipaddress.ip_address(address) in _TEST_LOOPBACK:
                return None
        except ValueError:
            pass
    return address_refusal(address)


class _AddressRefused(FetchFailed):
    """Raised from inside the connector; carries the user-safe refusal message."""


class GuardedResolver(AbstractResolver):
    """Resolves with `inner`, then refuses the whole name if ANY address is not public.

    aiohttp's connector connects only to the addresses this returns, so the check covers
    the address actually used (no time-of-check/time-of-use gap)."""

    def __init__(self, inner: AbstractResolver | None = None, *, allow_private: bool = False):
        self._inner = inner or aiohttp.ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            refusal = _refusal(result["host"], self._allow_private)
            if refusal:
                raise _AddressRefused(refusal)
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(allow_private: bool):
    """aiohttp calls this with the address it is about to connect to: the final check."""

    def factory(addr_info) -> socket.socket:
        family, type_, proto, _canonname, address = addr_info
        refusal = _refusal(str(address[0]), allow_private)
        if refusal:
            raise _AddressRefused(refusal)
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


# Sessions built by make_fetch_session: fetch_article refuses any other (it would lack
# the resolver and socket guards).
_GUARDED_SESSIONS: "weakref.WeakSet[aiohttp.ClientSession]" = weakref.WeakSet()


def make_fetch_session(*, allow_private: bool = False, resolver: AbstractResolver | None = None,
                       connect_timeout: float = 5, total_timeout: float = 15) -> aiohttp.ClientSession:
    """A session for `fetch_article`: guarded resolver, no DNS cache, no proxies from the
    environment, no cookies kept between fetches."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(resolver, allow_private=allow_private),
        socket_factory=guarded_socket_factory(allow_private),
        use_dns_cache=False,
        limit=10,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=total_timeout, connect=connect_timeout, sock_connect=connect_timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9"},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        auto_decompress=True,
    )
    _GUARDED_SESSIONS.add(session)
    return session


def _check_url(url: str, *, allow_private: bool) -> URL:
    """Syntax, scheme, credentials, port, and literal-IP checks for one hop."""
    problem = url_problem(url)
    if problem:
        raise FetchFailed(problem)
    try:
        parsed = URL(url)
        host = parsed.host
        port = parsed.port
    except (ValueError, UnicodeError):
        raise FetchFailed("That link is not a valid web address.") from None
    if not host:
        raise FetchFailed("That link has no website name in it.")
    if port not in ALLOWED_PORTS and not allow_private:
        raise FetchFailed("Only links on the standard web ports (80 and 443) can be fetched.")
    if _looks_like_ip(host):
        refusal = _refusal(host, allow_private)
        if refusal:
            raise FetchFailed(refusal)
    elif host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        raise FetchFailed(REFUSED_ADDRESS)
    return parsed


def _looks_like_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    too_big = f"The page is too large (over {max_bytes // 1_000_000 or 1} MB)." if max_bytes >= 1_000_000 \
        else f"The page is too large (over {max_bytes} bytes)."
    if response.content_length is not None and response.content_length > max_bytes:
        raise FetchFailed(too_big)
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise FetchFailed(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


class _CanonicalFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "link" and self.href is None:
            values = dict(attrs)
            rels = (values.get("rel") or "").lower().split()
            if "canonical" in rels and values.get("href"):
                self.href = values["href"].strip()


_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)


def find_canonical(html: str, base_url: str) -> str | None:
    """`<link rel="canonical">` from the head, made absolute; None unless it is http(s)."""
    end = _HEAD_END.search(html, 0, 500_000)
    finder = _CanonicalFinder()
    try:
        finder.feed(html[: end.start() if end else 200_000])
    except Exception:  # noqa: BLE001 - malformed markup just means "no canonical"
        return None
    if not finder.href:
        return None
    try:
        absolute = URL(base_url).join(URL(finder.href))
    except (ValueError, UnicodeError):
        return None
    if absolute.scheme not in {"http", "https"} or not absolute.host or url_problem(str(absolute)):
        return None
    return str(absolute)


def filename_hint(url: str, fmt: str) -> str:
    """A harmless file name for the page: last path segment (or host), right extension."""
    parsed = URL(url)
    segment = parsed.path.rstrip("/").rsplit("/", 1)[-1] or (parsed.host or "page")
    stem = safe_file_stem(segment)
    for ext in (".html", ".htm", ".xhtml", ".txt", ".php", ".asp", ".aspx", ".shtml"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    stem = (stem or "page")[:80]
    return f"{stem}.{'html' if fmt == 'html' else 'txt'}"


def _decode_page(body: bytes, charset: str | None, fmt: str, final_url: str) -> tuple[str, str | None]:
    text = decode_text(body, charset, html=fmt == "html")
    return text, (find_canonical(text, final_url) if fmt == "html" else None)


async def fetch_article(url: str, *, allow_private: bool = False, max_bytes: int = 5_000_000,
                        connect_timeout: float = 5, total_timeout: float = 15, max_redirects: int = 5,
                        session: aiohttp.ClientSession | None = None,
                        resolver: AbstractResolver | None = None) -> FetchedPage:
    """Download one article page under the rules in the module docstring.

    `session`: reuse a session made by `make_fetch_session` with the same `allow_private`
    (any other session is refused: it would lack the guards). `resolver`: the DNS resolver
    the guard wraps, for tests (ignored when `session` is given)."""
    if session is not None and session not in _GUARDED_SESSIONS:
        raise ValueError("fetch_article needs a session made by make_fetch_session")
    own_session = session is None
    if own_session:
        session = make_fetch_session(allow_private=allow_private, resolver=resolver,
                                     connect_timeout=connect_timeout, total_timeout=total_timeout)
    try:
        async with asyncio.timeout(total_timeout):
            return await _fetch(session, url.strip(), allow_private=allow_private, max_bytes=max_bytes,
                                connect_timeout=connect_timeout, total_timeout=total_timeout,
                                max_redirects=max_redirects)
    except FetchFailed as exc:
        log.info("fetch refused/failed for %s: %s", url[:200], exc)
        raise FetchFailed(str(exc)) from None
    except (TimeoutError, asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        raise FetchFailed("The website took too long to respond.") from None
    except aiohttp.ClientConnectorDNSError:
        raise FetchFailed("That website could not be found (its name does not resolve).") from None
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.__cause__, FetchFailed):
            raise FetchFailed(str(exc.__cause__)) from None
        raise FetchFailed("Could not connect to that website.") from None
    except aiohttp.TooManyRedirects:
        raise FetchFailed(f"The link redirects too many times (more than {max_redirects}).") from None
    except (aiohttp.InvalidURL, ValueError, UnicodeError):
        raise FetchFailed("That link is not a valid web address.") from None
    except aiohttp.ClientError as exc:
        log.info("fetch of %s failed: %r", url[:200], exc)
        raise FetchFailed("The page could not be downloaded.") from None
    finally:
        if own_session:
            await session.close()


async def _fetch(session: aiohttp.ClientSession, url: str, *, allow_private: bool, max_bytes: int,
                 connect_timeout: float, total_timeout: float, max_redirects: int) -> FetchedPage:
    timeout = aiohttp.ClientTimeout(total=total_timeout, connect=connect_timeout, sock_connect=connect_timeout)
    current = _check_url(url, allow_private=allow_private)
    for hop in range(max_redirects + 1):
        async with session.get(current, allow_redirects=False, timeout=timeout) as response:
            if response.status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailed("The website sent a redirect without a destination.")
                if hop == max_redirects:
                    raise FetchFailed(f"The link redirects too many times (more than {max_redirects}).")
                try:
                    target = current.join(URL(location.strip()))
                except (ValueError, UnicodeError):
                    raise FetchFailed("The website redirected to an invalid address.") from None
                current = _check_url(str(target), allow_private=allow_private)
                continue
            if response.status != 200:
                raise FetchFailed(f"The website answered with an error (HTTP {response.status}).")
            mime = (response.content_type or "").lower()
            fmt = ALLOWED_CONTENT_TYPES.get(mime)
            if fmt is None:
                raise FetchFailed("That link is not a web page or text (only HTML and plain text can be fetched).")
            body = await _read_capped(response, max_bytes)
            charset = charset_from_content_type(response.headers.get("Content-Type"))
            final_url = str(response.url)
        try:
            if len(body) > _THREAD_DECODE_BYTES:
                text, canonical = await asyncio.to_thread(_decode_page, body, charset, fmt, final_url)
            else:
                text, canonical = _decode_page(body, charset, fmt, final_url)
        except DecodeProblem as problem:
            raise FetchFailed(str(problem).replace("The text", "The page")) from None
        return FetchedPage(final_url=final_url, content_type=mime, text=text,
                           filename=filename_hint(final_url, fmt), canonical_url=canonical)
    raise FetchFailed(f"The link redirects too many times (more than {max_redirects}).")
