"""`python -m bot ingest` as an operator uses it: every message names what is wrong.

Files are judged by the same rules as `/curate add file:` (by name, then by content), so a
PDF, an archive or a program gets the same refusal whatever it is called, Latin-1/cp1252
text is read as uploads read it, and a file of page navigation is not an article.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from io import BytesIO

import pytest

from bot.__main__ import main
from bot.config import PROJECT_ROOT
from bot.ingest.parse import parse_article
from bot.validate import sniff_text

LATIN = "Café owners said the harbour wall was “finished” in May, the mayor said.\n".encode("cp1252")
ARTICLE = "The harbour wall will be finished in May, the mayor said.\n"


def _zip() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", ARTICLE)
    return buffer.getvalue()


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`python -m bot ARGS` in this process, on a fresh SQLite database; returns (status, out, err)."""
    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("INDEX_DIR", str(data / "index"))
    monkeypatch.setenv("DISCORD_TOKEN", "")

    def run(*args: str):
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _folder(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    files = {
        "latin.txt": LATIN,
        "looks-like-pdf.txt": b"%PDF-1.4\nThe mayor said the wall is finished.\n",
        "program.txt": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64,
        "zipped.txt": _zip(),
        "nav.txt": b"Home / News / Sport\n",
        "setup.exe": b"MZ\x90\x00" + b"\x00" * 64,
        "report.pdf": b"%PDF-1.4\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_folder_reports_each_file_in_words(cli, tmp_path):
    folder = _folder(tmp_path)
    status, out, _ = cli("ingest", str(folder))
    assert status == 1  # some files were not ingested
    lines = dict(line.split(": ", 1) for line in out.splitlines() if line.startswith(str(folder)))
    assert lines[str(folder / "latin.txt")] == (
        "added as source #1 “Café owners said the harbour wall was “finished” in May, the mayor said.” "
        "(1 passage, 0 counter-evidence links).")
    assert lines[str(folder / "looks-like-pdf.txt")] == (
        "not ingested: This is a PDF, not a text or HTML article. PDF is not supported yet: "
        "save the article as .txt, .md or .html.")
    assert lines[str(folder / "program.txt")] == (
        "not ingested: This is a program, not a text or HTML article. Save the article as .txt, .md or .html.")
    assert lines[str(folder / "zipped.txt")] == (
        "not ingested: This is a zip archive, not a text or HTML article. "
        "Unpack it and add the article itself (.txt, .md or .html).")
    assert lines[str(folder / "nav.txt")] == (
        "not ingested: I found no article text in that file: only page navigation or headings "
        "(“Home / News / Sport”), not one sentence.")
    assert "Skipped 2 files that are not .txt, .md or .html: report.pdf, setup.exe" in out
    assert "UTF-8" not in out  # no advice to re-save a binary file as UTF-8

    status, again, _ = cli("ingest", str(folder / "latin.txt"))
    assert status == 0
    assert again == (f"{folder / 'latin.txt'}: already on file as source #1 “Café owners said the harbour wall "
                     f"was “finished” in May, the mayor said.”: nothing new stored.\n")


@pytest.mark.parametrize("name, data, message", [
    ("report.pdf", b"%PDF-1.4\n", "This is a PDF, not a text or HTML article. PDF is not supported yet"),
    ("setup.exe", b"MZ\x90\x00", "This is a program, not a text or HTML article."),
    ("articles.zip", None, "This is a zip archive, not a text or HTML article. Unpack it"),
    ("photo.png", b"\x89PNG\r\n\x1a\n", "This is an image, not a text or HTML article."),
    ("notes.rtf", b"{\\rtf1", "This is a word-processor document, not a text or HTML article."),
    ("data.csv", b"a,b\n", "'.csv' files are not supported: articles must be .txt, .md or .html."),
])
def test_a_single_file_that_is_no_article_is_refused_by_name(cli, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(_zip() if data is None else data)
    status, out, _ = cli("ingest", str(path))
    assert status == 1
    assert out == f"{path}: not ingested: {message}" + out.split(message, 1)[1]
    assert out.count("\n") == 1


def test_latin1_is_read_the_same_by_the_cli_and_the_upload_path(cli, tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(LATIN)
    assert cli("ingest", str(path))[0] == 0
    status, out, _ = cli("ask", "harbour wall finished", "--json")
    cli_text = json.loads(out)["results"][0]["text"]
    upload_text = parse_article(sniff_text(LATIN), filename="latin.txt").passages[0].text
    assert cli_text == upload_text == "Café owners said the harbour wall was “finished” in May, the mayor said."


def test_citation_options_override_what_the_file_says(cli, tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\ntitle: Old title\noutlet: Old outlet\n---\n\n" + ARTICLE, encoding="utf-8")
    status, out, _ = cli("ingest", str(path), "--title", "Harbour wall done", "--outlet", "Gazette",
                         "--author", "Ann Reporter", "--date", "2024-02-03", "--url", "https://gazette.example/wall")
    assert status == 0, out
    assert "added as source #1 “Harbour wall done”" in out
    _, out, _ = cli("ask", "harbour wall", "--json")
    source = json.loads(out)["results"][0]["source"]
    assert {k: source[k] for k in ("title", "outlet", "author", "published", "published_inferred", "url")} == {
        "title": "Harbour wall done", "outlet": "Gazette", "author": "Ann Reporter", "published": "2024-02-03",
        "published_inferred": False, "url": "https://gazette.example/wall"}


def test_bad_citation_options_say_what_is_wrong_and_store_nothing(cli, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    status, out, _ = cli("ingest", str(path), "--date", "2024-13-45")
    assert status == 1
    assert out == f"{path}: not ingested: `2024-13-45` is not a date: use YYYY-MM-DD, for example 2021-01-12.\n"
    status, _, err = cli("ingest", str(path), "--url", "javascript:alert(1)")
    assert (status, err) == (1, "Error: Only http:// and https:// links can be cited.\n")
    status, _, err = cli("ingest", str(path), "--title", "x" * 301)
    assert (status, err) == (1, "Error: title is too long (max 300 characters)\n")
    status, _, err = cli("ingest", str(tmp_path), "--title", "One title")
    assert status == 2 and err.startswith("--title, --outlet, --author, --date and --url describe one article: "
                                          "give a file, not a folder")
    _, out, _ = cli("ask", "harbour wall", "--json")
    assert all(r["source"]["title"] != "One title" for r in json.loads(out)["results"])
    assert not any("harbour wall will be finished" in r["text"] for r in json.loads(out)["results"])


def test_missing_path_and_empty_folder(cli, tmp_path):
    status, _, err = cli("ingest", str(tmp_path / "nope"))
    assert (status, err) == (2, f"No such file or folder: {tmp_path / 'nope'}\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    status, out, _ = cli("ingest", str(empty))
    assert (status, out) == (0, f"No articles (.txt, .md or .html) in {empty}.\n")


def test_the_real_command_prints_each_file_as_it_goes(tmp_path):
    """Through a pipe, as a script would run it: lines are flushed, messages on stdout."""
    folder = _folder(tmp_path)
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DISCORD_TOKEN": "",
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "INDEX_DIR": str(tmp_path / "index")}
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(folder)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout.count("not ingested: ") == 4 and "added as source #1" in proc.stdout
    assert proc.stderr == ""


def test_a_big_file_shows_each_stage_on_a_terminal_bar(cli, tmp_path, monkeypatch):
    import functools
    import io

    from bot import progress

    drawn = io.StringIO()
    monkeypatch.setattr(progress, "BIG_FILE_BYTES", 10)  # this small article counts as big here
    monkeypatch.setattr(progress, "StageBar", functools.partial(progress.StageBar, enabled=True, stream=drawn))
    path = tmp_path / "note.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    status, out, err = cli("ingest", str(path))
    assert status == 0 and "added as source #1" in out and err == ""
    frames = drawn.getvalue().replace("\r", "\n")
    for stage in ("reading the text", "storing passages", "finding counter-evidence", "updating the search index"):
        assert f"note.txt: {stage}" in frames
    assert "3/4 stages" in frames


def test_the_bar_is_not_drawn_when_output_is_not_a_terminal():
    import io

    from bot.progress import StageBar

    piped = io.StringIO()
    bar = StageBar("big.txt", ("one", "two"), stream=piped)  # StringIO is no terminal
    bar.stage("two")
    bar._bar.close()
    assert piped.getvalue() == ""
