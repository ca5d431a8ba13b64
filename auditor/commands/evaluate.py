"""`auditor eval`: measure the labels on PolNeAR and on statement label files.

Exit codes: 0 done (and no recorded figure dropped, with --check-baseline),
1 a figure dropped more than the tolerance below the baseline, 2 usage or input error.
"""

from __future__ import annotations

import json
import shlex
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import AuditorError, InputError
from ..evaluate import (
    POLNEAR_SPLITS,
    TOLERANCE,
    baseline_inputs,
    baseline_record,
    default_data_dir,
    drops,
    headline_figures,
    inputs_from_baseline,
    read_baseline,
    recorded_for,
    render_report,
    run_evaluation,
    write_jsonl,
)
from ..pipeline import Auditor
from ..ruleset import RuleSet

EXIT_OK, EXIT_DROPPED, EXIT_USAGE = 0, 1, 2


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class Combine(StrEnum):
    union = "union"
    majority = "majority"


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)


def evaluate(
    label_files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Statement label files (JSONL rows {doc, start, end, labels}).", show_default=False
        ),
    ] = None,
    polnear: Annotated[
        list[str] | None,
        typer.Option(
            "--polnear",
            "-p",
            help=f"PolNeAR split ({', '.join(POLNEAR_SPLITS)}) or .jsonl[.gz] path; repeatable.",
        ),
    ] = None,
    part: Annotated[
        str | None,
        typer.Option(help="Only rows of this part (the row's 'part', else the file stem)."),
    ] = None,
    output_format: Annotated[
        EvalFormat, typer.Option("--format", "-f", help="Output format.")
    ] = EvalFormat.table,
    combine: Annotated[
        Combine,
        typer.Option(help="PolNeAR articles with several annotators: union or majority of spans."),
    ] = Combine.union,
    data: Annotated[
        Path | None,
        typer.Option(
            help="The shared data directory (default: ../shared/data).", show_default=False
        ),
    ] = None,
    rules: Annotated[
        list[Path] | None,
        typer.Option("--rules", help="Extra rule directory (repeatable); same id overrides."),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows of each cue breakdown table.")] = 15,
    misses: Annotated[
        Path | None,
        typer.Option(
            help="Write every miss (with its text) as JSONL to this file; keep it out of the repo.",
            show_default=False,
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            help="Record the headline figures, date and command here.", show_default=False
        ),
    ] = None,
    check_baseline: Annotated[
        Path | None,
        typer.Option(
            help="Exit 1 if a figure recorded here dropped by more than its tolerance; "
            "with no inputs, re-run the inputs the baseline records.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print precision, recall and F1 per label and exact-label-set accuracy.

    PolNeAR: the "attributed" figure of ../shared/data/README.md with recall by
    gold cue and false positives by engine cue. Label files: each gold
    statement is matched to the engine statement overlapping it most.
    """
    try:
        label_files, polnear = list(label_files or []), list(polnear or [])
        combine_mode = combine.value
        baseline = read_baseline(check_baseline) if check_baseline else None
        if not label_files and not polnear:
            if baseline is None or check_baseline is None:
                raise InputError("nothing to evaluate: give label files and/or --polnear SPLIT")
            label_files, polnear, part, combine_mode = inputs_from_baseline(
                baseline, check_baseline
            )
        data_dir = data or default_data_dir()
        ruleset = RuleSet.load(rules or [])
        report = run_evaluation(
            label_files, polnear, part, combine_mode, data_dir, Auditor(ruleset)
        )
        typer.echo(render_report(report, output_format.value, top=top))
        if misses is not None:
            count = write_jsonl(misses, report.misses)
            typer.echo(f"auditor: wrote {count} misses to {misses}", err=True)
        if write_baseline is not None:
            command = command_line(label_files, polnear, part, combine_mode, rules, write_baseline)
            inputs = baseline_inputs(label_files, polnear, part, combine_mode, write_baseline)
            record = baseline_record(report, command, inputs)
            write_json(write_baseline, record)
            recorded = len(record["figures"])
            typer.echo(f"auditor: recorded {recorded} figures in {write_baseline}", err=True)
    except AuditorError as err:
        typer.echo(f"auditor: error: {err}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if baseline is not None:
        recorded = recorded_for(report, baseline["figures"])
        problems = drops(headline_figures(report), recorded, baseline_tolerance(baseline))
        for problem in problems:
            typer.echo(f"auditor: dropped: {problem}", err=True)
        raise typer.Exit(EXIT_DROPPED if problems else EXIT_OK)


def command_line(
    label_files: list[Path],
    polnear: list[str],
    part: str | None,
    combine: str,
    rules: list[Path] | None,
    baseline: Path,
) -> str:
    """The command that reproduces this evaluation, as recorded in the baseline."""
    words = ["auditor", "eval", *map(str, label_files)]
    for split in polnear:
        words += ["--polnear", split]
    if part:
        words += ["--part", part]
    if combine != "union":
        words += ["--combine", combine]
    for directory in rules or []:
        words += ["--rules", str(directory)]
    words += ["--write-baseline", str(baseline)]
    return shlex.join(words)


def baseline_tolerance(baseline: dict[str, Any]) -> float:
    return float(baseline.get("tolerance", TOLERANCE))


def write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot write ({err.strerror or err})") from err
