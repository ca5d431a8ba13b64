"""`auditor check` end to end: exit codes, configuration, formats, git, baselines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from auditor.cli import app
from conftest import REPO, SEEDS

runner = CliRunner()
TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<level>info|warning|error) (?P<rule>[a-z]+\.[a-z0-9.-]+) \S"
)
CLEAN = "---\nauthor: Sam Reporter\n---\nMayor Jane Smith said the budget would pass on Monday.\n"
ANONYMOUS = (
    "---\nauthor: Sam Reporter\n---\n"
    "Mayor Jane Smith said the budget would pass.\n\n"
    "The vote was delayed twice, a senior council official said.\n\n"
    "Governor Tom Brown said he would sign it.\n\n"
    "Treasurer Ann Lee said she would vote yes.\n"
)
ACCUSED = "---\nauthor: Sam Reporter\n---\nRegulators accused Acme Corp of fraud.\n"

# The fields GitHub code scanning requires of an uploaded SARIF file. No maintained
# PyPI package ships the published SARIF 2.1.0 JSON schema (sarif-om and sarif-tools
# do not), and tests must not fetch it, so the required subset is written out here.
CODE_SCANNING_SCHEMA = {
    "type": "object",
    "required": ["version", "$schema", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "pattern": "sarif-2\\.1\\.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
                                },
                            }
                        },
                    },
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "text": {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {"type": "string", "minLength": 1}},
        },
        "rule": {
            "type": "object",
            "required": [
                "id",
                "shortDescription",
                "fullDescription",
                "help",
                "defaultConfiguration",
            ],
            "properties": {
                "id": {"type": "string"},
                "shortDescription": {"$ref": "#/$defs/text"},
                "fullDescription": {"$ref": "#/$defs/text"},
                "help": {"$ref": "#/$defs/text"},
                "defaultConfiguration": {
                    "type": "object",
                    "required": ["level"],
                    "properties": {"level": {"enum": ["none", "note", "warning", "error"]}},
                },
            },
        },
        "result": {
            "type": "object",
            "required": ["ruleId", "message", "locations", "level"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": 0},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/$defs/text"},
                "partialFingerprints": {"type": "object"},
                "locations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["physicalLocation"],
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "required": ["uri"],
                                        "properties": {"uri": {"type": "string", "minLength": 1}},
                                    },
                                    "region": {
                                        "type": "object",
                                        "required": ["startLine"],
                                        "properties": {
                                            "startLine": {"type": "integer", "minimum": 1},
                                            "startColumn": {"type": "integer", "minimum": 1},
                                        },
                                    },
                                },
                            }
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """An empty working directory (no config above it in tmp) with the seeds copied in."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str):
    return runner.invoke(app, ["check", *args])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- the bar ----------------------------------------------------------------------------
def test_seeds_text_report(workdir):
    result = check("seeds/")
    assert result.exit_code == 0, result.output
    findings = [m.groupdict() for m in map(TEXT_LINE.match, result.stdout.splitlines()) if m]
    found = {(Path(f["path"]).name[:3], f["rule"], int(f["line"])) for f in findings}
    assert ("001", "deriv.credits-outlet", 7) in found
    assert {("000", "anon.no-reason", n) for n in (5, 7, 9, 14, 18)} <= found
    assert "seeds/000_f37875985f527884.txt: sourcing score 72/100 (B)" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--fail-on", "warning"], 1),
        (["--fail-on", "info"], 1),
        (["--fail-on", "error"], 0),
        ([], 0),
        (["--min-score", "70"], 1),  # 001 scores 68
        (["--min-score", "68"], 0),
        (["--fail-on", "fatal"], 2),
        (["--min-score", "101"], 2),
        (["--format", "xml"], 2),
    ],
)
def test_exit_code_matrix_on_seeds(workdir, args, code):
    assert check("seeds/", *args).exit_code == code


def test_exit_codes_on_an_error_level_finding(workdir):
    write(workdir / "a" / "accused.md", ACCUSED)
    assert check("a", "--fail-on", "error").exit_code == 1
    write(workdir / "b" / "clean.md", CLEAN)
    assert check("b", "--fail-on", "info").exit_code == 0


def test_usage_and_input_errors_exit_2(workdir):
    assert check("missing.txt").exit_code == 2
    assert check().exit_code == 2
    write(workdir / "empty.txt", "")
    result = check("empty.txt", "seeds/")
    assert result.exit_code == 2
    assert "seeds/000_f37875985f527884.txt" in result.stdout  # the readable ones are reported


def test_module_entry_point_in_a_subprocess(workdir):
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "check", "seeds/", "--fail-on", "warning"],
        capture_output=True,
        text=True,
        cwd=workdir,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "anon.no-reason" in done.stdout


# -- configuration --------------------------------------------------------------------------
def test_config_from_pyproject_found_walking_up(workdir, monkeypatch):
    write(
        workdir / "pyproject.toml", '[project]\nname = "x"\n\n[tool.auditor]\nfail-on = "warning"\n'
    )
    (workdir / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(workdir / "deep" / "er")
    assert check("../../seeds").exit_code == 1
    assert check("../../seeds", "--fail-on", "error").exit_code == 0  # the flag wins


def test_dot_auditor_toml_before_pyproject(workdir):
    write(workdir / "pyproject.toml", '[tool.auditor]\nfail-on = "warning"\n')
    write(workdir / ".auditor.toml", 'fail-on = "error"\ndisable = ["meta.byline"]\n')
    result = check("seeds/")
    assert result.exit_code == 0
    assert "meta.byline" not in result.stdout


def test_unknown_config_key_is_an_error_naming_it(workdir):
    write(workdir / ".auditor.toml", 'fail_on = "warning"\n')
    result = check("seeds/")
    assert result.exit_code == 2
    assert "unknown key 'fail_on'" in result.stderr
    assert ".auditor.toml" in result.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('fail-on = "fatal"', "fail-on must be info | warning | error"),
        ("min-score = 200", "min-score must be an integer <= 100"),
        ('disable = ["anon.nope"]', "disable: unknown check id 'anon.nope'"),
        ('[levels]\n"anon.vague" = "loud"', "levels.anon.vague must be one of"),
        ("[weights]\nanonymity = 30", "weights must sum to 100"),
        ("anon-share-max = 2", "anon-share-max must be a number between 0 and 1"),
        ("fail-on = ", "not valid TOML"),
    ],
)
def test_bad_config_values_exit_2(workdir, toml, message):
    write(workdir / ".auditor.toml", toml + "\n")
    result = check("seeds/")
    assert result.exit_code == 2
    assert message in result.stderr


def test_config_levels_min_score_and_exclude(workdir):
    write(
        workdir / ".auditor.toml",
        'min-score = 70\nexclude = ["seeds/001*"]\n[levels]\n"anon.no-reason" = "error"\n',
    )
    result = check("seeds/")
    assert result.exit_code == 1  # anon.no-reason is now an error
    assert "001_" not in result.stdout
    assert "error anon.no-reason" in result.stdout


# -- formats --------------------------------------------------------------------------------
def test_json_format(workdir):
    result = check("seeds/", "--format", "json")
    data = json.loads(result.stdout)
    assert data["failed"] is False and data["fail_on"] == "error"
    first = data["files"][0]
    assert first["score"]["score"] == 72 and first["score"]["grade"] == "B"
    assert {"rule_id", "level", "message", "path", "line", "column", "statement"} == set(
        first["findings"][0]
    )


def test_github_format(workdir):
    result = check("seeds/", "-f", "github")
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"^::(notice|warning|error) file=", line) for line in lines)
    assert any(
        line.startswith("::notice file=seeds/001_12b50f974c36efa9.txt,line=7,col=1,")
        and "title=auditor deriv.credits-outlet::" in line
        for line in lines
    )


def test_sarif_format_has_what_code_scanning_requires(workdir):
    text_findings = [line for line in check("seeds/").stdout.splitlines() if TEXT_LINE.match(line)]
    result = check("seeds/", "--format", "sarif")
    sarif = json.loads(result.stdout)
    jsonschema.validate(sarif, CODE_SCANNING_SCHEMA)
    run = sarif["runs"][0]
    assert len(run["results"]) == len(text_findings)
    rules = run["tool"]["driver"]["rules"]
    assert {"anon.no-reason", "deriv.credits-outlet", "suppress.no-reason"} <= {
        r["id"] for r in rules
    }
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("seeds/")
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    credit = next(r for r in run["results"] if r["ruleId"] == "deriv.credits-outlet")
    assert credit["level"] == "note"
    assert credit["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 1,
    }
    help_text = next(r for r in rules if r["id"] == "anon.no-reason")["help"]["text"]
    assert "AP" in help_text


def test_junit_format(workdir):
    result = check("seeds/", "--format", "junit", "--fail-on", "warning")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "seeds/000_f37875985f527884.txt",
        "seeds/001_12b50f974c36efa9.txt",
    ]
    assert all(c.find("failure") is not None for c in cases)
    assert root.get("failures") == "2"


def test_output_file_gets_the_format_and_stdout_the_text(workdir):
    result = check("seeds/", "-f", "sarif", "-o", "out.sarif")
    assert json.loads((workdir / "out.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert "sourcing score 72/100" in result.stdout


# -- --changed-since ------------------------------------------------------------------------
def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_changed_since_checks_only_this_branchs_changes(tmp_path, monkeypatch):
    repo = tmp_path / "newsroom"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "articles" / "old.md", ACCUSED)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old")
    git(repo, "checkout", "-q", "-b", "story")
    write(repo / "articles" / "new.md", ANONYMOUS)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "new story")
    git(repo, "checkout", "-q", "main")  # main moves on after the branch forked
    write(repo / "articles" / "later.md", ACCUSED)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "later on main")
    git(repo, "checkout", "-q", "story")
    monkeypatch.chdir(repo)
    result = check("articles", "--changed-since", "main", "--fail-on", "warning")
    assert "articles/new.md" in result.stdout
    assert "old.md" not in result.stdout and "later.md" not in result.stdout
    assert result.exit_code == 1  # new.md: anon.no-reason (warning)
    assert check("articles", "--changed-since", "main").exit_code == 0
    everything = check("articles")
    assert "old.md" in everything.stdout and everything.exit_code == 1  # reply.missing
    bad = check("articles", "--changed-since", "no-such-ref")
    assert bad.exit_code == 2 and "--changed-since" in bad.stderr


def test_changed_since_outside_git_is_a_usage_error(workdir):
    result = check("seeds/", "--changed-since", "main")
    assert result.exit_code == 2


# -- baseline ---------------------------------------------------------------------------------
def test_baseline_round_trip(workdir):
    write(workdir / "articles" / "story.md", ANONYMOUS)
    written = check("articles", "--write-baseline", "base.json")
    assert written.exit_code == 0 and "wrote 1 findings" in written.stdout
    assert check("articles", "--baseline", "base.json", "--fail-on", "warning").exit_code == 0
    # Lines move: still the same finding.
    story = workdir / "articles" / "story.md"
    story.write_text(ANONYMOUS.replace("---\n", "---\n\n\n", 2), encoding="utf-8")
    moved = check("articles", "--baseline", "base.json", "--fail-on", "warning")
    assert moved.exit_code == 0, moved.stdout
    # A new anonymous source: only it is reported.
    story.write_text(
        story.read_text(encoding="utf-8") + "\nThe budget is short, a council aide said.\n",
        encoding="utf-8",
    )
    new = check("articles", "--baseline", "base.json", "--fail-on", "warning")
    assert new.exit_code == 1
    reported = [line for line in new.stdout.splitlines() if TEXT_LINE.match(line)]
    assert len(reported) == 1 and "a council aide said" in reported[0]


def test_baseline_from_config_and_broken_baseline(workdir):
    write(workdir / "articles" / "story.md", ANONYMOUS)
    check("articles", "--write-baseline", ".auditor-baseline.json")
    write(workdir / ".auditor.toml", 'baseline = ".auditor-baseline.json"\nfail-on = "warning"\n')
    assert check("articles").exit_code == 0
    write(workdir / ".auditor-baseline.json", "{not json")
    result = check("articles")
    assert result.exit_code == 2 and "baseline" in result.stderr


# -- suppressions end to end ---------------------------------------------------------------------
def test_suppression_with_and_without_reason(workdir):
    reason = ": source's safety, approved by the standards editor"
    comment = f"<!-- auditor-ignore anon.no-reason{reason} -->\n"
    story = ANONYMOUS.replace("The vote was delayed", comment + "The vote was delayed")
    write(workdir / "a" / "story.md", story)
    assert check("a", "--fail-on", "warning").exit_code == 0
    write(
        workdir / "a" / "story.md",
        story.replace(reason, ""),
    )
    result = check("a")
    assert result.exit_code == 1  # suppress.no-reason is an error
    assert "error suppress.no-reason" in result.stdout and "anon.no-reason" in result.stdout


def test_checks_list_and_test_commands():
    listed = runner.invoke(app, ["checks", "list"])
    assert listed.exit_code == 0 and "anon.single-source-lede" in listed.stdout
    tested = runner.invoke(app, ["checks", "test"])
    assert tested.exit_code == 0
    assert re.search(r"^\d+ passed, 0 failed", tested.stdout, re.MULTILINE)
