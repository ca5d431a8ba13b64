"""Reports of `auditor check`: text, JSON, GitHub annotations, SARIF 2.1.0, JUnit; baselines.

Every renderer takes the same `CheckRun`: per file its findings (after
suppressions and the baseline) and its sourcing score, plus what fails the build.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .checks import LEVELS, Check, Finding, at_or_above
from .errors import ConfigError

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"info": "note", "warning": "warning", "error": "error"}
GITHUB_COMMANDS = {"info": "notice", "warning": "warning", "error": "error"}
BASELINE_VERSION = 1


@dataclass
class FileResult:
    """One checked article: its findings and its sourcing score."""

    path: str
    findings: list[Finding]
    score: dict[str, Any] | None = None


@dataclass
class CheckRun:
    """Everything a report needs about one `auditor check` run."""

    files: list[FileResult]
    checks: list[Check]
    fail_on: str = "error"
    min_score: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.files for f in result.findings]

    def blocking(self, finding: Finding) -> bool:
        return at_or_above(finding.level, self.fail_on)

    def below_minimum(self, result: FileResult) -> bool:
        return (
            self.min_score is not None
            and result.score is not None
            and result.score["score"] < self.min_score
        )

    @property
    def failed(self) -> bool:
        """Findings at or above the fail level, or a score under the minimum."""
        return any(self.blocking(f) for f in self.findings) or any(
            self.below_minimum(r) for r in self.files
        )

    def counts(self) -> dict[str, int]:
        counted = Counter(f.level for f in self.findings)
        return {level: counted.get(level, 0) for level in LEVELS}


def render(run: CheckRun, fmt: str) -> str:
    renderers = {
        "text": render_text,
        "json": render_json,
        "github": render_github,
        "sarif": render_sarif,
        "junit": render_junit,
    }
    return renderers[fmt](run)


# -- text ---------------------------------------------------------------------
def render_text(run: CheckRun) -> str:
    """`path:line:col: level rule-id message`, then one score line per file and a total."""
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.level} {f.rule_id} {f.message}" for f in run.findings
    ]
    for result in run.files:
        if result.score is not None:
            score = result.score
            note = ""
            if run.below_minimum(result):
                note = f", below the minimum {run.min_score}"
            lines.append(
                f"{result.path}: sourcing score {score['score']}/100 ({score['grade']}){note}"
            )
    counts = run.counts()
    total = sum(counts.values())
    by_level = ", ".join(f"{n} {level}" for level, n in counts.items() if n)
    verdict = "failed" if run.failed else "passed"
    lines.append(
        f"{total} finding{'s' if total != 1 else ''}"
        + (f" ({by_level})" if by_level else "")
        + f" in {len(run.files)} file{'s' if len(run.files) != 1 else ''}; "
        f"{verdict} (--fail-on {run.fail_on}"
        + (f", --min-score {run.min_score}" if run.min_score is not None else "")
        + ")"
    )
    return "\n".join(lines)


# -- JSON ---------------------------------------------------------------------
def render_json(run: CheckRun) -> str:
    data = {
        "version": 1,
        "fail_on": run.fail_on,
        "min_score": run.min_score,
        "failed": run.failed,
        "counts": run.counts(),
        "files": [
            {
                "path": r.path,
                "score": r.score,
                "below_min_score": run.below_minimum(r),
                "findings": [f.to_dict() for f in r.findings],
            }
            for r in run.files
        ],
        "errors": run.errors,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


# -- GitHub workflow commands -------------------------------------------------------
def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(run: CheckRun) -> str:
    """`::error file=…,line=…,col=…,title=…::message` annotations, shown on the PR diff."""
    lines = []
    for f in run.findings:
        properties = ",".join(
            [
                f"file={escape_property(github_path(f.path))}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={escape_property(f'auditor {f.rule_id}')}",
            ]
        )
        lines.append(f"::{GITHUB_COMMANDS[f.level]} {properties}::{escape_data(f.message)}")
    for result in run.files:
        if run.below_minimum(result):
            score = result.score or {}
            message = f"Sourcing score {score.get('score')} is below the minimum {run.min_score}"
            lines.append(
                f"::error file={escape_property(github_path(result.path))},"
                f"title=auditor min-score::{escape_data(message)}"
            )
    return "\n".join(lines)


def github_path(path: str) -> str:
    return Path(path).as_posix()


# -- SARIF 2.1.0 ----------------------------------------------------------------------
def artifact_uri(path: str) -> str:
    """A relative URI (forward slashes) against %SRCROOT%, the working directory."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_uri()


def sarif_rule(check: Check) -> dict[str, Any]:
    summary = re.sub(r"\{[^}]*\}", "…", check.message)
    help_text = f"{check.why}\n\n{check.help}".strip()
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.replace("-", ".").split(".")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": check.why},
        "help": {"text": help_text, "markdown": f"**{check.id}** ({check.level})\n\n{help_text}"},
        "defaultConfiguration": {"level": SARIF_LEVELS[check.level]},
        "properties": {"tags": ["sourcing", check.id.split(".")[0]]},
    }


def sarif_result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    uri = artifact_uri(finding.path)
    artifact: dict[str, Any] = {"uri": uri}
    if not uri.startswith("file:"):
        artifact["uriBaseId"] = "%SRCROOT%"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": SARIF_LEVELS[finding.level],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
        "partialFingerprints": {"auditorFingerprint/v1": finding.fingerprint},
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    return result


def render_sarif(run: CheckRun) -> str:
    """One run, the checks as rules (with help), one result per finding."""
    rules = [sarif_rule(check) for check in run.checks]
    rule_index = {rule["id"]: n for n, rule in enumerate(rules)}
    scores = {r.path: r.score["score"] for r in run.files if r.score is not None}
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "auditor",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "results": [sarif_result(f, rule_index) for f in run.findings],
                "properties": {"sourcingScores": scores},
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2)


# -- JUnit XML ------------------------------------------------------------------------
def render_junit(run: CheckRun) -> str:
    """One test case per article: it fails on blocking findings or a low score."""
    suite = ET.Element("testsuite", name="auditor check", tests=str(len(run.files)))
    failures = 0
    for result in run.files:
        case = ET.SubElement(suite, "testcase", classname="auditor.check", name=result.path)
        blocking = [f for f in result.findings if run.blocking(f)]
        lines = [f"{f.line}:{f.column}: {f.level} {f.rule_id} {f.message}" for f in blocking]
        if run.below_minimum(result):
            score = (result.score or {}).get("score")
            lines.append(f"sourcing score {score} is below the minimum {run.min_score}")
        if lines:
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=f"{len(lines)} blocking problem(s)", type="auditor"
            )
            failure.text = "\n".join(lines)
        others = [f for f in result.findings if not run.blocking(f)]
        if others or result.score is not None:
            out = [f"{f.line}:{f.column}: {f.level} {f.rule_id} {f.message}" for f in others]
            if result.score is not None:
                out.append(f"sourcing score {result.score['score']} ({result.score['grade']})")
            ET.SubElement(case, "system-out").text = "\n".join(out)
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suites = ET.Element("testsuites", name="auditor", tests=str(len(run.files)))
    suites.set("failures", str(failures))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


# -- baseline -------------------------------------------------------------------------
def baseline_key(finding: Finding, base: Path) -> tuple[str, str, str]:
    """(path relative to the baseline's folder, check id, fingerprint)."""
    path = Path(os.path.relpath(Path(finding.path).resolve(), base.resolve())).as_posix()
    return path, finding.rule_id, finding.fingerprint


def write_baseline(findings: list[Finding], file: Path) -> None:
    """Record findings so later runs report only new ones (line numbers may move)."""
    base = file.parent
    entries = [
        {
            "path": key[0],
            "rule_id": key[1],
            "fingerprint": key[2],
            "line": f.line,
            "message": f.message,
        }
        for f in findings
        for key in [baseline_key(f, base)]
    ]
    data = {"version": BASELINE_VERSION, "tool": "auditor", "findings": entries}
    try:
        file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{file}: cannot write the baseline ({err.strerror or err})") from err


def read_baseline(file: Path) -> Counter[tuple[str, str, str]]:
    """The baseline's findings as a multiset of keys."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{file}: baseline file not found") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{file}: not a readable auditor baseline ({err})") from err
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"{file}: not an auditor baseline (version {BASELINE_VERSION})")
    keys: Counter[tuple[str, str, str]] = Counter()
    for n, entry in enumerate(data.get("findings", [])):
        try:
            keys[(entry["path"], entry["rule_id"], entry["fingerprint"])] += 1
        except (KeyError, TypeError) as err:
            raise ConfigError(f"{file}: findings[{n}] lacks path, rule_id or fingerprint") from err
    return keys


def subtract_baseline(findings: list[Finding], file: Path) -> list[Finding]:
    """Findings not in the baseline (each baseline entry absorbs one finding)."""
    remaining = read_baseline(file)
    new = []
    for finding in findings:
        key = baseline_key(finding, file.parent)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return new
