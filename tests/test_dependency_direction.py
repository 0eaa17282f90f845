"""Dependencies point one way: cogs/ -> bot/ services -> bot/models. Nothing in bot/ imports cogs."""
from __future__ import annotations

import ast

from bot.config import PROJECT_ROOT


def _imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_nothing_in_bot_imports_cogs():
    offenders = []
    files = sorted((PROJECT_ROOT / "bot").rglob("*.py"))
    assert len(files) > 10  # the walk really sees the package
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in _imported_modules(tree):
            if module == "cogs" or module.startswith("cogs."):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {module}")
    assert offenders == []


def test_the_walk_detects_a_cogs_import():
    assert "cogs.lookup" in _imported_modules(ast.parse("from cogs.lookup import Lookup"))
    assert "cogs" in _imported_modules(ast.parse("import cogs"))


def test_bot_digest_decides_and_bot_render_draws():
    """The digest's decisions (schedule, content, runs) import no discord: its messages are
    drawn by `bot.render.digest`, with every other answer's escaping, links and citations."""
    offenders = []
    for path in sorted((PROJECT_ROOT / "bot" / "digest").rglob("*.py")):
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if module == "discord" or module.startswith("discord."):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {module}")
    assert offenders == []
