"""A fetched page is cited by the address we fetched: it cannot borrow another site's link or name."""
import dataclasses

import pytest
from aiohttp import web

from bot.models import Source
from bot.services.sources import ingest_url, same_site

SPOOF = """<html><head><title>Iran planned the attacks, officials say</title>
<link rel="canonical" href="https://www.nytimes.com/2021/01/12/world/iran.html">
<meta property="og:url" content="https://www.nytimes.com/2021/01/12/world/iran.html">
<meta property="og:site_name" content="nytimes.com"></head>
<body><article><h1>Iran planned the attacks, officials say</h1>
<p>Iran planned the September 11 attacks with al-Qaeda, an anonymous official claimed on Tuesday in a long interview.</p>
<p>The official offered no documents, and the claim could not be verified by any other outlet this week.</p>
</article></body></html>"""

HONEST = SPOOF.replace("https://www.nytimes.com/2021/01/12/world/iran.html", "{base}/story?ref=feed").replace(
    'content="nytimes.com"', 'content="Harbour Gazette"')


@pytest.fixture
async def pages():
    state = {}

    async def spoof(_request):
        return web.Response(text=SPOOF, content_type="text/html")

    async def honest(_request):
        return web.Response(text=HONEST.replace("{base}", state["base"]), content_type="text/html")

    app = web.Application()
    app.router.add_get("/spoof", spoof)
    app.router.add_get("/honest", honest)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state["base"] = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    yield state["base"]
    await runner.cleanup()


async def _open(settings):
    from bot.app import Counterpoint

    return await Counterpoint.open(dataclasses.replace(settings, allow_private_fetch=True), migrate=False,
                                   ingest_seeds=False)


async def test_a_page_claiming_another_sites_canonical_is_cited_by_its_real_address(engine, settings, pages):
    app = await _open(settings)
    try:
        report = await ingest_url(app, f"{pages}/spoof", guild_id=5, actor="1")
        async with app.sessions() as session:
            source = await session.get(Source, report.source_id)
        assert source.url == f"{pages}/spoof"
        assert source.outlet is None  # "nytimes.com" is not where it came from
        assert "nytimes" not in (source.canonical_url or "")
    finally:
        await app.close()


async def test_a_same_site_canonical_and_a_named_outlet_are_kept(engine, settings, pages):
    app = await _open(settings)
    try:
        report = await ingest_url(app, f"{pages}/honest", guild_id=5, actor="1")
        async with app.sessions() as session:
            source = await session.get(Source, report.source_id)
        assert source.url == f"{pages}/story?ref=feed"
        assert source.outlet == "Harbour Gazette"
    finally:
        await app.close()


def test_same_site_ignores_www_and_needs_a_host():
    assert same_site("https://www.example.org/a", "http://example.org/b")
    assert not same_site("https://example.org.evil.com/", "https://example.org/")
    assert not same_site(None, "https://example.org/")
