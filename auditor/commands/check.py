"""`auditor check PATH...`: editorial checks and sourcing scores for newsroom CI.

Exit codes: 0 clean; 1 findings at or above --fail-on, or a score under
--min-score; 2 usage, configuration or input error (never the number of findings).
Also `auditor checks list|test`: the editorial checks and their own examples.
"""

from __future__ import annotations

import subprocess
from enum import StrEnum
from fnmatch import fnmatch
from pathlib import Path
from typing import Annotated

import typer

from ..check_report import CheckRun, FileResult, render, subtract_baseline, write_baseline
from ..checks import CheckConfig, run_check_examples, run_checks
from ..config import Settings, check_config, load_settings, score_config
from ..errors import AuditorError, ConfigError, InputError
from ..ingest import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, read_document
from ..pipeline import Auditor
from ..ruleset import RuleSet
from ..score import score_article

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
ARTICLE_SUFFIXES = {s for s in SUPPORTED_SUFFIXES if s}  # directories: not extension-less files


class Level(StrEnum):
    info = "info"
    warning = "warning"
    error = "error"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    checks_app = typer.Typer(no_args_is_help=True, help="List and test the editorial checks.")
    checks_app.command("list")(checks_list)
    checks_app.command("test")(checks_test)
    app.add_typer(checks_app, name="checks")


def error_exit(message: str) -> typer.Exit:
    typer.echo(f"auditor: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def check(
    paths: Annotated[
        list[Path], typer.Argument(help="Article files or directories (searched recursively).")
    ],
    output_format: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", help="Report format (default text, or `format` in config)."),
    ] = None,
    fail_on: Annotated[
        Level | None,
        typer.Option(help="Fail on findings at or above this level (default error)."),
    ] = None,
    min_score: Annotated[
        int | None,
        typer.Option(min=0, max=100, help="Fail when an article's sourcing score is below this."),
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(help="Only files changed since the merge base with this git ref."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Report only findings not in this baseline file.")
    ] = None,
    write_baseline_to: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Write every finding to this baseline file."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report here; print the text report."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: nearest .auditor.toml/pyproject).")
    ] = None,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="Extra label-rule directory.")
    ] = None,
    checks_dirs: Annotated[
        list[Path] | None, typer.Option("--checks", help="Extra editorial-check directory.")
    ] = None,
    max_bytes: Annotated[int, typer.Option(help="Refuse larger inputs.")] = DEFAULT_MAX_BYTES,
) -> None:
    """Check articles' sourcing like a linter: findings at their lines, a score per article.

    Exit 0 clean, 1 findings at or above --fail-on (default error) or a score under
    --min-score, 2 usage, configuration or input error.
    """
    try:
        settings = load_settings(config).override(
            format=output_format.value if output_format else None,
            fail_on=fail_on.value if fail_on else None,
            min_score=min_score,
            baseline=baseline,
        )
        code = run_check(
            settings, paths, changed_since, write_baseline_to, output, rules, checks_dirs, max_bytes
        )
    except AuditorError as err:
        raise error_exit(str(err)) from None
    raise typer.Exit(code)


def run_check(
    settings: Settings,
    paths: list[Path],
    changed_since: str | None,
    write_baseline_to: Path | None,
    output: Path | None,
    rules: list[Path] | None,
    checks_dirs: list[Path] | None,
    max_bytes: int,
) -> int:
    """Check the articles, print the report, return the exit code."""
    ruleset = RuleSet.load(rules or [])
    checks = check_config(settings, ruleset, checks_dirs)
    scoring = score_config(settings, checks)
    files = collect_files(paths, settings.exclude)
    if changed_since is not None:
        changed = changed_files(changed_since)
        files = [f for f in files if f.resolve() in changed]
    auditor = Auditor(ruleset)
    results, errors = [], []
    for file in files:
        try:
            results.append(check_file(auditor, checks, scoring, file, max_bytes))
        except InputError as err:
            typer.echo(f"auditor: error: {err}", err=True)
            errors.append(str(err))
    if write_baseline_to is not None:
        findings = [f for r in results for f in r.findings]
        write_baseline(findings, write_baseline_to)
        typer.echo(f"wrote {len(findings)} findings to {write_baseline_to}")
        return EXIT_USAGE if errors else EXIT_OK
    if settings.baseline is not None:
        for result in results:
            result.findings = subtract_baseline(result.findings, settings.baseline)
    run = CheckRun(results, checks.checks, settings.fail_on, settings.min_score, errors)
    if output is not None:
        write_report(output, render(run, settings.format))
        typer.echo(render(run, "text"))
    else:
        typer.echo(render(run, settings.format))
    if errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if run.failed else EXIT_OK


def check_file(
    auditor: Auditor, checks: CheckConfig, scoring: object, file: Path, max_bytes: int
) -> FileResult:
    document = read_document(str(file), max_bytes=max_bytes)
    for warning in document.warnings:
        typer.echo(f"auditor: warning: {warning}", err=True)
    audit = auditor.audit(document, readability=False)
    raw = None
    if document.text_source != "file":
        raw = file.read_bytes().decode("utf-8", errors="replace")
    findings = run_checks(audit, checks, raw_text=raw)
    audit.score = score_article(audit, scoring)  # type: ignore[arg-type]
    audit.findings = [f.to_dict() for f in findings]
    return FileResult(document.name, findings, audit.score)


def collect_files(paths: list[Path], exclude: list[str]) -> list[Path]:
    """The article files named or found under the directories, minus excluded globs.

    Hidden files and folders (a baseline `.auditor-baseline.json`, `.git`) are
    not searched; a file named explicitly is always checked.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_file():
            found.append(path)
            continue
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(path).parts
            if (
                file.is_file()
                and file.suffix.lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in relative)
            ):
                found.append(file)
    return [f for f in found if not any(fnmatch(f.as_posix(), g) for g in exclude)]


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise ConfigError("--changed-since needs git, which was not found") from err
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise ConfigError(f"--changed-since: git {' '.join(args[:2])}: {detail}")
    return done.stdout


def changed_files(ref: str) -> set[Path]:
    """Files added, copied, modified or renamed between the merge base with `ref` and HEAD.

    This is `git diff REF...HEAD` (three dots): the changes of this branch, not
    those that landed on REF since it forked.
    """
    top = Path(git("rev-parse", "--show-toplevel").strip())
    names = git("diff", "--name-only", "--diff-filter=ACMR", "-z", f"{ref}...HEAD")
    return {(top / name).resolve() for name in names.split("\0") if name}


def write_report(file: Path, text: str) -> None:
    try:
        file.write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{file}: cannot write the report ({err.strerror or err})") from err


def checks_list(
    checks_dirs: Annotated[
        list[Path] | None, typer.Option("--checks", help="Extra editorial-check directory.")
    ] = None,
) -> None:
    """List every editorial check: id, level, how it detects, and the standard behind it."""
    from tabulate import tabulate

    try:
        settings = load_settings()
        config = check_config(settings, RuleSet.load(), checks_dirs)
    except AuditorError as err:
        raise error_exit(str(err)) from None
    rows = [[c.id, config.level_of(c), c.detect, c.why.split(". ")[0][:90]] for c in config.checks]
    typer.echo(tabulate(rows, headers=["id", "level", "detect", "why"]))


def checks_test(
    checks_dirs: Annotated[
        list[Path] | None, typer.Option("--checks", help="Extra editorial-check directory.")
    ] = None,
) -> None:
    """Run every check's own match / no_match examples. Exit 1 on any failure."""
    try:
        ruleset = RuleSet.load()
        from ..checks import load_checks

        config = CheckConfig(ruleset, load_checks(ruleset, checks_dirs or []))
        run, failures = run_check_examples(config)
    except AuditorError as err:
        raise error_exit(str(err)) from None
    for failure in failures:
        typer.echo(failure.describe())
    typer.echo(
        f"{run - len(failures)} passed, {len(failures)} failed ({len(config.checks)} checks)"
    )
    raise typer.Exit(EXIT_FINDINGS if failures else EXIT_OK)
