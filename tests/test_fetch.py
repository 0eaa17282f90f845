"""The URL fetcher against a real aiohttp server on 127.0.0.1 (no external network).

Pages from the local server need `allow_private=True`; the refusals of private and
metadata addresses run with the default `allow_private=False`, using literal IPs, a stub
resolver that answers with private addresses, and the real resolver for "localhost"."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from bot.errors import FetchFailed
from bot.fetch import (
    REFUSED_ADDRESS,
    guarded_socket_factory,
    address_refusal,
    fetch_article,
    filename_hint,
    make_fetch_session,
)

ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>Talks resume</title>
<link rel="canonical" href="/news/talks-resume"></head>
<body><p>“We will not back down,” the minister said.</p></body></html>"""


def _redirect_to(target: str):
    async def handler(_request):
        raise web.HTTPFound(target)
    return handler


async def _chain(request):
    """/chain/N redirects N more times, then lands on the article."""
    remaining = int(request.match_info["n"])
    if remaining == 0:
        raise web.HTTPFound("/article")
    raise web.HTTPFound(f"/chain/{remaining - 1}")


async def _article(_request):
    return web.Response(text=ARTICLE, content_type="text/html")


async def _plain(_request):
    return web.Response(body="Plain words.\n".encode(), content_type="text/plain", charset="utf-8")


async def _latin1_meta(_request):
    # No charset in the header; the page declares it in a <meta http-equiv>.
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            "</head><body><p>Caf\u00e9 \u201cquoted\u201d</p></body></html>").encode("cp1252")
    return web.Response(body=body, headers={"Content-Type": "text/html"})


async def _huge_streamed(request):
    """6 MB streamed in chunks with no Content-Length: the cap must not rely on the header."""
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = b"<p>" + b"x" * (64 * 1024) + b"</p>"
    try:
        for _ in range(100):
            await response.write(chunk)
    except (ConnectionResetError, RuntimeError):
        pass  # the client hung up, as it should
    return response


async def _lying_length(request):
    """Claims 10 bytes but sends far more (a server the cap must not trust)."""
    response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for _ in range(40):
            await response.write(b"y" * 4096)
    except (ConnectionResetError, RuntimeError):
        pass
    return response


async def _slow(request):
    response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
    await response.prepare(request)
    try:
        for _ in range(50):
            await response.write(b"<p>drip</p>")
            await asyncio.sleep(0.2)
    except (ConnectionResetError, RuntimeError):
        pass
    return response


async def _binary(_request):
    return web.Response(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


async def _octet(_request):
    return web.Response(body=b"%PDF-1.7 ...", content_type="application/octet-stream")


async def _bad_charset(_request):
    return web.Response(body=b"<p>hello</p>", headers={"Content-Type": "text/html; charset=klingon-8"})


async def _codec_trick(_request):
    # "zlib" is a Python codec, but a bytes->bytes one: never a text charset.
    return web.Response(body=b"<p>hello</p>", headers={"Content-Type": "text/html; charset=zlib"})


async def _not_utf8(_request):
    return web.Response(body=b"<p>\xff\xfe\xfa broken</p>", headers={"Content-Type": "text/html; charset=utf-8"})


async def _missing(_request):
    raise web.HTTPNotFound()


@pytest.fixture
async def server():
    app = web.Application()
    app.router.add_get("/article", _article)
    app.router.add_get("/plain", _plain)
    app.router.add_get("/latin1", _latin1_meta)
    app.router.add_get("/chain/{n}", _chain)
    app.router.add_get("/to-metadata", _redirect_to("http://169.254.169.254/latest/meta-data/"))
    app.router.add_get("/to-ipv6-loopback", _redirect_to("http://[::1]/admin"))
    app.router.add_get("/to-file", _redirect_to("file:///etc/passwd"))
    app.router.add_get("/huge", _huge_streamed)
    app.router.add_get("/lying", _lying_length)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/binary", _binary)
    app.router.add_get("/octet", _octet)
    app.router.add_get("/bad-charset", _bad_charset)
    app.router.add_get("/codec-trick", _codec_trick)
    app.router.add_get("/not-utf8", _not_utf8)
    app.router.add_get("/missing", _missing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


class StubResolver(AbstractResolver):
    """Answers every name with fixed addresses, and counts the lookups."""

    def __init__(self, *addresses: str, port: int | None = None):
        self.addresses = addresses
        self.port = port
        self.calls = 0

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.calls += 1
        return [{"hostname": host, "host": address, "port": self.port or port,
                 "family": socket.AF_INET6 if ":" in address else socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST} for address in self.addresses]

    async def close(self):
        pass


# --- pages that work -------------------------------------------------------------------

async def test_fetches_html_page_with_text_canonical_and_filename(server):
    page = await fetch_article(f"{server}/article", allow_private=True)
    assert "“We will not back down,” the minister said." in page.text
    assert page.content_type == "text/html"
    assert page.final_url == f"{server}/article"
    assert page.canonical_url == f"{server}/news/talks-resume"
    assert page.filename == "article.html"


async def test_fetches_plain_text(server):
    page = await fetch_article(f"{server}/plain", allow_private=True)
    assert page.text == "Plain words.\n"
    assert page.filename == "plain.txt"
    assert page.canonical_url is None


async def test_charset_from_meta_tag_when_header_has_none(server):
    page = await fetch_article(f"{server}/latin1", allow_private=True)
    assert "Caf\u00e9 \u201cquoted\u201d" in page.text


async def test_five_redirects_are_followed(server):
    page = await fetch_article(f"{server}/chain/4", allow_private=True)  # 5 hops, then the page
    assert page.final_url == f"{server}/article"
    assert "the minister said" in page.text


async def test_sixth_redirect_is_refused(server):
    with pytest.raises(FetchFailed, match="redirects too many times"):
        await fetch_article(f"{server}/chain/5", allow_private=True)  # 6 hops


async def test_caller_session_is_used_and_left_open(server):
    async with make_fetch_session(allow_private=True) as session:
        page = await fetch_article(f"{server}/plain", allow_private=True, session=session)
        assert page.text == "Plain words.\n"
        assert not session.closed


# --- refused destinations ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/to-metadata", "/to-ipv6-loopback"])
async def test_redirect_to_metadata_or_ipv6_loopback_is_refused(server, path):
    # Test mode admits only the IPv4 loopback test server: the next hop is re-checked
    # and refused, so a mis-set flag could never reach the metadata service either.
    with pytest.raises(FetchFailed) as err:
        await fetch_article(f"{server}{path}", allow_private=True)
    assert str(err.value) == REFUSED_ADDRESS


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/admin",
    "http://127.0.0.1/",
    "http://10.0.0.7/",
    "http://192.168.1.1/",
    "http://172.16.5.4/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 wrapping 169.254.169.254
])
async def test_private_literal_addresses_are_refused(url):
    with pytest.raises(FetchFailed) as err:
        await fetch_article(url)
    assert str(err.value) == REFUSED_ADDRESS


async def test_name_resolving_to_private_address_is_refused_before_connecting():
    resolver = StubResolver("10.1.2.3")
    with pytest.raises(FetchFailed) as err:
        await fetch_article("https://news.example/story", resolver=resolver)
    assert str(err.value) == REFUSED_ADDRESS
    assert resolver.calls == 1  # refused at connect-time resolution, nothing connected


async def test_any_private_address_among_several_refuses_the_name():
    resolver = StubResolver("93.184.215.14", "169.254.169.254")
    with pytest.raises(FetchFailed) as err:
        await fetch_article("http://news.example/", resolver=resolver)
    assert str(err.value) == REFUSED_ADDRESS


async def test_ipv6_private_answer_is_refused():
    resolver = StubResolver("::ffff:10.0.0.1")
    with pytest.raises(FetchFailed) as err:
        await fetch_article("http://news.example/", resolver=resolver)
    assert str(err.value) == REFUSED_ADDRESS


async def test_default_refuses_the_local_test_server(server):
    with pytest.raises(FetchFailed, match="standard web ports"):
        await fetch_article(f"{server}/article")


async def test_default_refuses_localhost_names():
    for url in ("http://localhost/", "http://api.localhost/", "http://LOCALHOST./"):
        with pytest.raises(FetchFailed) as err:
            await fetch_article(url)
        assert str(err.value) == REFUSED_ADDRESS


def test_socket_factory_refuses_the_address_about_to_be_connected():
    """The last guard sees the exact address handed to connect(), whatever resolved it."""
    factory = guarded_socket_factory(allow_private=False)
    for address in (("169.254.169.254", 80), ("::1", 80, 0, 0), ("10.0.0.1", 443)):
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with pytest.raises(FetchFailed) as err:
            factory((family, socket.SOCK_STREAM, 6, "", address))
        assert str(err.value) == REFUSED_ADDRESS
    public = factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)))
    public.close()
    test_mode = guarded_socket_factory(allow_private=True)
    test_mode((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 8080))).close()
    with pytest.raises(FetchFailed):
        test_mode((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80)))


async def test_a_session_without_the_guards_is_rejected(server):
    async with aiohttp.ClientSession() as unguarded:
        with pytest.raises(ValueError, match="make_fetch_session"):
            await fetch_article(f"{server}/article", allow_private=True, session=unguarded)


@pytest.mark.parametrize("url, message", [
    ("file:///etc/passwd", "Only http:// and https://"),
    ("ftp://example.com/article.txt", "Only http:// and https://"),
    ("gopher://example.com/", "Only http:// and https://"),
    ("http://user:secret@example.com/", "user name or password"),
    ("http://example.com:6379/", "standard web ports"),
    ("http:///nohost", "no website name"),
    ("not a url", "spaces"),
    ("http://example.com/\u200bhidden", "invisible"),
])
async def test_bad_urls_are_refused_without_network(url, message):
    with pytest.raises(FetchFailed, match=message) as err:
        await fetch_article(url)
    assert "secret" not in str(err.value) and "passwd" not in str(err.value)


async def test_redirect_to_file_scheme_is_refused(server):
    with pytest.raises(FetchFailed, match="Only http:// and https://"):
        await fetch_article(f"{server}/to-file", allow_private=True)


# --- bodies -------------------------------------------------------------------------------

async def test_oversized_streamed_body_is_aborted(server):
    with pytest.raises(FetchFailed, match="too large"):
        await fetch_article(f"{server}/huge", allow_private=True, max_bytes=1_000_000)


async def test_cap_does_not_trust_a_missing_or_small_length(server):
    with pytest.raises(FetchFailed, match="too large"):
        await fetch_article(f"{server}/lying", allow_private=True, max_bytes=50_000)
    page = await fetch_article(f"{server}/lying", allow_private=True, max_bytes=200_000)
    assert len(page.text) == 40 * 4096


async def test_slow_body_times_out(server):
    with pytest.raises(FetchFailed, match="took too long"):
        await fetch_article(f"{server}/slow", allow_private=True, total_timeout=0.6)


@pytest.mark.parametrize("path", ["/binary", "/octet"])
async def test_non_text_content_types_are_refused(server, path):
    with pytest.raises(FetchFailed, match="not a web page or text"):
        await fetch_article(f"{server}{path}", allow_private=True)


@pytest.mark.parametrize("path", ["/bad-charset", "/codec-trick"])
async def test_unknown_charset_is_refused(server, path):
    with pytest.raises(FetchFailed, match="unknown character set"):
        await fetch_article(f"{server}{path}", allow_private=True)


async def test_body_not_matching_declared_charset_is_refused(server):
    with pytest.raises(FetchFailed, match="not valid utf-8"):
        await fetch_article(f"{server}/not-utf8", allow_private=True)


async def test_http_error_status_is_reported(server):
    with pytest.raises(FetchFailed, match=r"HTTP 404"):
        await fetch_article(f"{server}/missing", allow_private=True)


async def test_connection_refused_is_a_friendly_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed, match="Could not connect"):
        await fetch_article(f"http://127.0.0.1:{port}/", allow_private=True)


# --- pure helpers -------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "2002:808:808::1"])
def test_public_addresses_are_allowed(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", ["224.0.0.1", "255.255.255.255", "240.0.0.1", "::", "ff02::1",
                                     "::ffff:169.254.169.254", "64:ff9b:1::1", "198.18.0.1"])
def test_special_addresses_are_refused(address):
    assert address_refusal(address) == REFUSED_ADDRESS


def test_filename_hint_is_sanitised():
    assert filename_hint("https://news.example/a/b/Story%20One.php?x=1", "html") == "Story-One.html"
    assert filename_hint("https://news.example/", "txt") == "news.example.txt"
    assert filename_hint("https://news.example/../../etc/passwd", "txt") == "passwd.txt"



# --- through the ingestion service (both database backends) --------------------------------

STORY = """<!doctype html><html><head><meta charset="utf-8"><title>Harbour plan approved</title>
<meta name="author" content="Dana Reyes"></head><body><article>
<h1>Harbour plan approved after long debate</h1>
<p>The city council approved the harbour expansion plan on Tuesday after a debate that lasted
more than six hours and drew hundreds of residents to the public gallery.</p>
<p>“This plan will create two thousand jobs within five years,” said Mayor Lena Ortiz, who has
championed the project since her election campaign.</p>
<p>Critics disputed the figure. “The council’s own study counts four hundred permanent jobs, not
two thousand,” said Omar Haddad, an economist at the regional university.</p>
</article></body></html>"""


async def _story(_request):
    return web.Response(text=STORY, content_type="text/html")


@pytest.fixture
async def story_server():
    app = web.Application()
    app.router.add_get("/news/harbour", _story)
    app.router.add_get("/short/harbour", _redirect_to("/news/harbour"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    await runner.cleanup()


async def _open_app(settings, **overrides):
    import dataclasses

    from bot.app import Counterpoint

    return await Counterpoint.open(dataclasses.replace(settings, **overrides), migrate=False, ingest_seeds=False)


async def test_ingest_url_stores_the_fetched_page_verbatim(engine, settings, story_server):
    from sqlmodel import select

    from bot.models import Passage, Source
    from bot.services.sources import ingest_url

    app = await _open_app(settings, allow_private_fetch=True)
    try:
        report = await ingest_url(app, f"{story_server}/short/harbour", guild_id=77, actor="mod")
        assert report.status == "created"
        async with app.sessions() as session:
            source = await session.get(Source, report.source_id)
            passages = (await session.exec(select(Passage).where(Passage.source_id == source.id))).all()
        assert source.url == f"{story_server}/news/harbour"  # where the redirect landed
        texts = [p.text for p in passages]
        assert any("This plan will create two thousand jobs within five years" in t for t in texts)
        for p in passages:
            assert source.text[p.char_start:p.char_end] == p.text
    finally:
        await app.close()


async def test_ingest_url_refuses_private_address_and_stores_nothing(engine, settings, story_server):
    from sqlmodel import select

    from bot.models import Source
    from bot.services.sources import ingest_url

    app = await _open_app(settings, allow_private_fetch=False)
    try:
        with pytest.raises(FetchFailed):
            await ingest_url(app, f"{story_server}/news/harbour", guild_id=77, actor="mod")
        with pytest.raises(FetchFailed, match="private or local network"):
            await ingest_url(app, "http://169.254.169.254/latest/meta-data/", guild_id=77, actor="mod")
        async with app.sessions() as session:
            assert (await session.exec(select(Source))).all() == []
    finally:
        await app.close()
