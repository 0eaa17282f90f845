"""Votes (one per user per answer, changeable) and the offline CLI on a fresh data folder."""
import json
import os
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.errors import NotFound
from bot.services.lookup import lookup
from bot.services.votes import tally, vote


async def test_one_vote_per_user_per_answer_and_changeable(app):
    pid = (await lookup(app, "Iran al-Qaeda 9/11", guild_id=5)).results[0].passage_id
    assert (await vote(app, guild_id=5, user_id=1, passage_id=pid, helpful=True)).helpful == 1
    again = await vote(app, guild_id=5, user_id=1, passage_id=pid, helpful=True)
    assert (again.helpful, again.not_helpful) == (1, 0)
    changed = await vote(app, guild_id=5, user_id=1, passage_id=pid, helpful=False)
    assert (changed.helpful, changed.not_helpful, changed.mine) == (0, 1, False)
    await vote(app, guild_id=5, user_id=2, passage_id=pid, helpful=True)
    assert (await tally(app, pid, guild_id=5)).helpful == 1
    assert (await tally(app, pid, guild_id=6)).helpful == 0  # another server sees none of it
    with pytest.raises(NotFound):
        await vote(app, guild_id=5, user_id=1, passage_id=999999, helpful=True)


def _run_cli(tmp_path, *args):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
           "INDEX_DIR": str(tmp_path / "index"), "DISCORD_TOKEN": ""}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_ask_json_on_a_fresh_database(tmp_path):
    proc = _run_cli(tmp_path, "ask", "Iran al-Qaeda 9/11", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == "Iran al-Qaeda 9/11"
    first = data["results"][0]
    assert first["speaker"] == "Mike Pompeo"
    assert {"passage_id", "text", "speaker", "score", "source", "location", "counter_evidence"} <= set(first)
    assert {"id", "title", "outlet", "author", "url", "published", "published_inferred"} <= set(first["source"])
    assert {"paragraph", "char_start", "char_end"} <= set(first["location"])
    counters = first["counter_evidence"]
    assert any("rebuffed" in c["text"] for c in counters)
    assert any("no underlying intelligence" in c["text"] for c in counters)
    for c in counters:
        assert {"passage_id", "text", "stance", "origin", "rationale", "source", "location"} <= set(c)
        assert c["rationale"].strip()


def test_cli_plain_output_and_no_match(tmp_path):
    proc = _run_cli(tmp_path, "ask", "Iran al-Qaeda 9/11")
    assert proc.returncode == 0, proc.stderr
    assert "Mike Pompeo" in proc.stdout and "Counter-evidence" in proc.stdout
    assert "Skip to content" not in proc.stdout
    none = _run_cli(tmp_path, "ask", "quantum chromodynamics gluon")
    assert none.returncode == 0 and "Nothing on file matches" in none.stdout


def test_cli_ingest_and_reindex(tmp_path):
    article = tmp_path / "note.md"
    article.write_text("---\ntitle: Harbour wall\noutlet: Gazette\npublished: 2024-02-03\n---\n\n"
                       "The harbour wall will be finished in May, the mayor said.\n", encoding="utf-8")
    first = _run_cli(tmp_path, "ingest", str(article))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"{article}: added as source #1 “Harbour wall” (1 passage, 0 counter-evidence links).\n"
    second = _run_cli(tmp_path, "ingest", str(article))
    assert "already on file as source #1 “Harbour wall”: nothing new stored." in second.stdout
    reindex = _run_cli(tmp_path, "reindex")
    assert reindex.returncode == 0 and "Reindexed" in reindex.stdout
    found = _run_cli(tmp_path, "ask", "harbour wall", "--json")
    source = json.loads(found.stdout)["results"][0]["source"]
    assert (source["title"], source["outlet"], source["published"], source["published_inferred"]) == (
        "Harbour wall", "Gazette", "2024-02-03", False)


def test_cli_eval_without_its_data_says_where_the_data_lives(tmp_path):
    proc = _run_cli(tmp_path, "eval", str(tmp_path / "scifact-train.jsonl"), "--corpus", str(tmp_path / "corpus.jsonl"))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"eval: file not found: {tmp_path / 'scifact-train.jsonl'}. The evaluation data "
                                  "is not part of the repository: ")
    assert "live in the shared folder beside the project (../shared/eval/); see docs/evaluation.md." in proc.stderr
