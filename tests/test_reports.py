"""The sample reports in reports/ are what the current rules produce on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app

REPO = Path(__file__).resolve().parent.parent
SAMPLES = [
    ("score-seed-001.md", ["score", "seeds/001_12b50f974c36efa9.txt", "--format", "markdown"]),
    ("score-seed-000.json", ["score", "seeds/000_f37875985f527884.txt", "--format", "json"]),
    ("check-seeds.txt", ["check", "seeds/", "--format", "text"]),
]


@pytest.mark.parametrize(("name", "args"), SAMPLES)
def test_sample_report_matches_the_current_output(name, args, monkeypatch):
    monkeypatch.chdir(REPO)  # the reports name the seeds by their relative path
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = (REPO / "reports" / name).read_text(encoding="utf-8")
    assert result.stdout == expected, f"reports/{name} is stale: regenerate it (reports/README.md)"
