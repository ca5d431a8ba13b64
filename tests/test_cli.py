"""The CLI end to end: every format, stdin, rules commands, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from conftest import SEEDS

SEED_000 = str(SEEDS / "000_f37875985f527884.txt")
SEED_001 = str(SEEDS / "001_12b50f974c36efa9.txt")
runner = CliRunner()


def run(*args: str, stdin: str | bytes | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_score_json_follows_the_spec_fields():
    result = run("score", SEED_001, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"file", "text_source", "metadata", "statements", "summary"}
    text = (SEEDS / "001_12b50f974c36efa9.txt").read_text(encoding="utf-8")
    fields = {
        "index",
        "start",
        "end",
        "text",
        "kind",
        "labels",
        "source",
        "speaker",
        "role",
        "cue",
        "quote",
        "rules",
        "inherited",
    }
    for statement in data["statements"]:
        assert fields <= set(statement)
        assert statement["text"] == text[statement["start"] : statement["end"]]
    assert data["statements"][2]["labels"] == ["outlet", "anonymous"]
    assert data["summary"]["label_counts"]["outlet"] == 1


def test_score_json_for_several_files_is_a_list():
    result = run("score", SEED_000, SEED_001, "-f", "json")
    assert result.exit_code == 0
    assert [d["file"] for d in json.loads(result.stdout)] == [SEED_000, SEED_001]


def test_score_table_default_has_statements_and_summary_without_colour():
    result = run("score", SEED_000)
    assert result.exit_code == 0
    assert "anonymous, denial" in result.stdout and "attributed share" in result.stdout
    assert "Flesch reading ease" in result.stdout and "\x1b[" not in result.stdout


def test_score_csv_one_row_per_segment():
    result = run("score", SEED_000, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 30 and rows[0]["kind"] == "skip" and rows[0]["reason"] == "headline"
    assert rows[12]["labels"] == "anonymous;denial"


def test_score_markdown_is_a_github_table():
    result = run("score", SEED_000, "--format", "markdown")
    assert result.stdout.startswith("## ") and "|---" in result.stdout.replace(":--", "---")


def test_score_reads_stdin():
    result = run(
        "score", "-", "-f", "json", stdin=(SEEDS / "000_f37875985f527884.txt").read_bytes()
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["file"] == "<stdin>"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"\x00\x01\x02binary\x00" * 50), "binary"),
        (lambda p: p.write_bytes(b"a" * (20 * 1024 * 1024)), "over the"),
    ],
)
def test_bad_files_exit_2_with_one_line_and_no_traceback(tmp_path, make, message):
    path = tmp_path / "bad.txt"
    make(path)
    result = run("score", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_latin1_file_is_scored_with_a_warning(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(
        "Titre\n\nLe ministre a déclaré que le café était fermé, a-t-il dit. ".encode("latin-1") * 3
    )
    result = run("score", str(path), "-f", "json")
    assert result.exit_code == 0 and "warning" in result.stderr
    assert "déclaré" in json.loads(result.stdout)["statements"][1]["text"]


def test_missing_path_and_directory_exit_2(tmp_path):
    for target, message in ((tmp_path / "none.txt", "no such file"), (tmp_path, "is a directory")):
        result = run("score", str(target))
        assert result.exit_code == 2 and message in result.stderr


def test_one_bad_file_among_good_ones_still_prints_the_good_and_exits_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run("score", SEED_000, str(empty), "-f", "json")
    assert result.exit_code == 2 and json.loads(result.stdout)["file"] == SEED_000


def test_rules_list_test_explain():
    listed = run("rules", "list")
    assert listed.exit_code == 0 and "anonymous.descriptor-cue" in listed.stdout
    assert "inherit.quote-continuation" in listed.stdout
    tested = run("rules", "test")
    assert tested.exit_code == 0 and " 0 failed" in tested.stdout
    explained = run("rules", "explain", "named.name-cue")
    assert explained.exit_code == 0 and "must not match:" in explained.stdout
    missing = run("rules", "explain", "named.nope")
    assert missing.exit_code == 2 and "no rule with id" in missing.stderr


def test_rules_test_exits_1_naming_the_failing_sentence(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "rules:\n  - id: named.broken\n    label: named\n    description: d\n"
        "    pattern: 'Zorblax said'\n    examples:\n      match: [Nobody said it.]\n"
        "      no_match: [Zorblax said it.]\n",
        encoding="utf-8",
    )
    result = run("rules", "test", "--rules", str(tmp_path))
    assert result.exit_code == 1
    assert "named.broken should match but did not" in result.stdout
    assert "Nobody said it." in result.stdout and "2 failed" in result.stdout


def test_user_rules_apply_to_score(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "rules:\n  - id: named.zorblax\n    label: named\n    description: d\n"
        "    pattern: 'Zorblax'\n    examples:\n      match: [Zorblax.]\n      no_match: [No.]\n",
        encoding="utf-8",
    )
    article = tmp_path / "a.txt"
    article.write_text("A Headline\n\nZorblax is here.\n", encoding="utf-8")
    data = json.loads(run("score", str(article), "-f", "json", "--rules", str(tmp_path)).stdout)
    assert data["statements"][1]["labels"] == ["named"]


def test_broken_rule_directory_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "score", SEED_000, "--rules", "/no/such"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_end_to_end():
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "score", SEED_000, "-f", "json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["summary"]["statements"] == 23
    usage = subprocess.run(
        [sys.executable, "-m", "auditor", "score", SEED_000, "--format", "pdf"],
        capture_output=True,
        text=True,
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
