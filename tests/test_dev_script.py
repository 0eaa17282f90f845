"""scripts/dev.py: set-up output stays quiet unless pip fails (then everything pip said is shown)."""
from __future__ import annotations

import importlib.util
import sys

import pytest

from bot.config import PROJECT_ROOT


def _load_dev(monkeypatch, tmp_path, exit_status: int):
    spec = importlib.util.spec_from_file_location("dev_script", PROJECT_ROOT / "scripts" / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    # A stand-in for the venv's python: prints what setuptools and pip print, exits as told.
    fake = tmp_path / "python"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "print('  BuildBackendWarning: Editable installation.')\n"
                    "print('WARNING: Location is ignored', file=sys.stderr)\n"
                    f"sys.exit({exit_status})\n")
    fake.chmod(0o755)
    monkeypatch.setattr(dev, "PY", fake)
    return dev


def test_successful_install_prints_nothing(monkeypatch, tmp_path, capfd):
    dev = _load_dev(monkeypatch, tmp_path, 0)
    dev.quiet_pip("install", "-e", ".[dev]")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_failed_install_shows_pip_output_and_stops(monkeypatch, tmp_path, capfd):
    dev = _load_dev(monkeypatch, tmp_path, 1)
    with pytest.raises(SystemExit) as stop:
        dev.quiet_pip("install", "-e", ".[dev]")
    assert "pip install -e .[dev] failed (exit status 1)" in str(stop.value)
    _, err = capfd.readouterr()
    assert "Editable installation" in err and "WARNING: Location is ignored" in err
