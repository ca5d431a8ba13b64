"""`auditor batch`: audit a corpus into CSV (or Parquet) tables. The logic is in auditor.batch."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import AuditorError
from ..ingest import DEFAULT_MAX_BYTES


class TableFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files and directories: .txt .md .html .json articles, "
            ".jsonl/.csv records (optionally .gz).",
            show_default=False,
        ),
    ],
    outdir: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")],
    glob: Annotated[
        list[str] | None,
        typer.Option("--glob", help="File-name pattern in directories (repeatable)."),
    ] = None,
    text_field: Annotated[str, typer.Option(help="Record field holding the text.")] = "text",
    id_field: Annotated[str, typer.Option(help="Record field holding the article id.")] = "id",
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field", help="Map metadata: KEY=FIELD, KEY one of title outlet author date url."
        ),
    ] = None,
    output_format: Annotated[
        TableFormat, typer.Option("--format", "-f", help="Table format.")
    ] = TableFormat.csv,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).", min=1)
    ] = None,
    engine: Annotated[Engine, typer.Option(help="Where to run the workers.")] = Engine.local,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="Articles per task.", min=1)] = 200,
    cache: Annotated[
        Path | None, typer.Option(help="SQLite result cache directory: re-runs skip the work.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the interrupted run in OUTDIR.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a previous run in OUTDIR.")
    ] = False,
    provenance: Annotated[
        bool, typer.Option("--provenance", help="Also find derivatives across the corpus.")
    ] = False,
    rules: Annotated[
        list[Path] | None, typer.Option("--rules", help="Extra rule directory (repeatable).")
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(help="Refuse articles larger than this many bytes.")
    ] = DEFAULT_MAX_BYTES,
    no_readability: Annotated[
        bool, typer.Option("--no-readability", help="Skip the readability columns.")
    ] = False,
    no_score: Annotated[
        bool, typer.Option("--no-score", help="Skip the sourcing score and grade.")
    ] = False,
    no_checks: Annotated[
        bool, typer.Option("--no-checks", help="Skip the editorial checks (no findings.csv).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Audit a corpus: one row per article, per statement (and per finding) in OUTDIR.

    Exit 0 when every article was audited, 1 when some became error rows (the
    run still completes), 2 on usage errors, 130 when interrupted (--resume
    continues).
    """
    from ..batch import BatchOptions, parse_field_map, run_batch

    try:
        options = BatchOptions(
            inputs=inputs,
            outdir=outdir,
            globs=glob or [],
            text_field=text_field,
            id_field=id_field,
            fields=parse_field_map(field or []),
            output_format=output_format.value,
            workers=workers,
            engine=engine.value,
            scheduler=scheduler,
            chunk_size=chunk_size,
            cache_dir=cache,
            resume=resume,
            force=force,
            provenance=provenance,
            rule_dirs=rules or [],
            max_bytes=max_bytes,
            readability=not no_readability,
            score=not no_score,
            checks=not no_checks,
            quiet=quiet,
        )
        report = run_batch(options)
    except AuditorError as err:
        typer.echo(f"auditor: error: {err}", err=True)
        raise typer.Exit(2) from None
    if not quiet:
        counts = report.counts
        for skipped in report.skipped:
            typer.echo(
                f"auditor: skipped {skipped}: its records have no {text_field!r} field", err=True
            )
        if report.status == "interrupted":
            typer.echo(
                f"auditor: interrupted after {counts.articles:,} articles; "
                f"continue with --resume (same command line)",
                err=True,
            )
        else:
            typer.echo(
                f"auditor: {counts.articles:,} articles ({counts.audited:,} audited, "
                f"{counts.errors:,} errors), {counts.statements:,} statements in "
                f"{report.seconds:.1f} s ({report.rate:,.0f} articles/s) -> {report.outdir}",
                err=True,
            )
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command()(batch)
