"""The `auditor` command line.

Exit codes: 0 clean, 1 findings (or failing rule examples), 2 usage or input error.
A user's mistake is one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .commands import register_all
from .errors import AuditorError, InputError
from .ingest import DEFAULT_MAX_BYTES, read_document
from .label import INHERITANCE_RULES
from .pipeline import Auditor
from .provenance import ProvenanceRules, run_provenance_examples
from .report import render
from .ruleset import RuleSet, run_examples
from .score import score_article

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Audit how news articles are sourced: label every statement, summarise, explain.",
)
rules_app = typer.Typer(no_args_is_help=True, help="List, test and explain the labelling rules.")
app.add_typer(rules_app, name="rules")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules", help="Extra rule directory (repeatable); same id overrides a built-in."
    ),
]


def fail(message: str) -> typer.Exit:
    typer.echo(f"auditor: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def load_rules(rule_dirs: list[Path] | None) -> RuleSet:
    return RuleSet.load(rule_dirs or [])


def use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Audit how news articles are sourced."""


@app.command()
def score(
    paths: Annotated[
        list[str], typer.Argument(help="Article files (.txt .md .html .json) or - for stdin.")
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    rules: RulesOption = None,
    max_bytes: Annotated[
        int, typer.Option(help="Refuse inputs larger than this many bytes.")
    ] = DEFAULT_MAX_BYTES,
    no_readability: Annotated[
        bool, typer.Option("--no-readability", help="Skip textstat readability.")
    ] = False,
) -> None:
    """Label every statement of each article and print it with a summary.

    Exit 0 when every input was scored, 2 when an input could not be read.
    """
    auditor = Auditor(load_rules(rules), rule_dirs=rules or [])
    audits, failed = [], False
    for path in paths:
        try:
            document = read_document(path, max_bytes=max_bytes)
        except InputError as err:
            typer.echo(f"auditor: error: {err}", err=True)
            failed = True
            continue
        for warning in document.warnings:
            typer.echo(f"auditor: warning: {warning}", err=True)
        audit = auditor.audit(document, readability=not no_readability)
        audit.score = score_article(audit)
        audits.append(audit)
    if audits:
        typer.echo(render(audits, output_format.value, colour=use_colour()))
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


@rules_app.command("list")
def rules_list(rules: RulesOption = None) -> None:
    """List every rule: id, label(s), priority, file and description."""
    from tabulate import tabulate

    ruleset = load_rules(rules)
    rows = [
        [r.id, ",".join(r.labels), r.priority, r.file, r.description.split(". ")[0]]
        for r in ruleset.rules
    ]
    rows += [
        [rule_id, "(inherited source)", "-", "engine", text.split(". ")[0]]
        for rule_id, text in INHERITANCE_RULES.items()
    ]
    typer.echo(
        tabulate(
            rows,
            headers=["id", "label", "priority", "file", "description"],
            maxcolwidths=[None, None, None, None, 60],
        )
    )
    typer.echo(
        f"\n{len(ruleset.rules)} rules, {len(ruleset.lexicons)} lexicons "
        f"(rules hash {ruleset.hash})"
    )


@rules_app.command("test")
def rules_test(rules: RulesOption = None) -> None:
    """Run every rule's own match / no_match examples. Exit 1 on any failure."""
    ruleset = load_rules(rules)
    run, failures = run_examples(ruleset)
    provenance = ProvenanceRules.load(ruleset, rules or [])
    provenance_run, provenance_failures = run_provenance_examples(provenance)
    for failure in [*failures, *provenance_failures]:
        typer.echo(failure.describe())
    failed = len(failures) + len(provenance_failures)
    typer.echo(
        f"{run + provenance_run - failed} passed, {failed} failed "
        f"({len(ruleset.rules)} rules, {len(provenance.rules)} provenance rules)"
    )
    raise typer.Exit(EXIT_FINDINGS if failed else EXIT_OK)


@rules_app.command("explain")
def rules_explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id.")], rules: RulesOption = None
) -> None:
    """Show a rule: what it means, its pattern (as written and expanded) and examples."""
    if rule_id in INHERITANCE_RULES:
        typer.echo(
            f"{rule_id}  (engine behaviour, auditor/label.py)\n\n{INHERITANCE_RULES[rule_id]}"
        )
        return
    ruleset = load_rules(rules)
    rule = ruleset.by_id.get(rule_id)
    if rule is None:
        close = [r for r in ruleset.by_id if rule_id.split(".")[0] in r][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise fail(f"no rule with id {rule_id!r}{hint} (see `auditor rules list`)")
    lines = [
        f"{rule.id}  [{', '.join(rule.labels)}]  priority {rule.priority}  ({rule.file})",
        "",
        rule.description,
        "",
        f"requires lexicons: {', '.join(rule.requires) or '-'}",
        f"triggers: {', '.join(sorted(rule.triggers)) or '-'}",
        f"contains: {', '.join(repr(c) for c in rule.contains) or '-'}",
        f"anchor: {rule.anchor or '-'}",
        f"pattern: {rule.pattern}",
        f"expanded: {len(rule.expanded):,} characters of regex",
        "",
        "must match:",
        *[f"  + {s}" for s in rule.match_examples],
        "must not match:",
        *[f"  - {s}" for s in rule.no_match_examples],
    ]
    typer.echo("\n".join(lines))


register_all(app)


def main() -> None:
    """Console entry point: user errors become one line on stderr and exit 2.

    Typer's standalone mode already turns usage errors into exit 2; errors in
    the input, rules or configuration are ours to report the same way.
    """
    try:
        app()
    except AuditorError as err:
        typer.echo(f"auditor: error: {err}", err=True)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("auditor: interrupted", err=True)
        sys.exit(130)
