"""`auditor trace`: find articles derived from others (rewrites, copies) and their sources.

Exit codes: 0 no derivatives found, 1 derivatives found, 2 usage or input error
(nothing readable). A bad file among good ones is reported on stderr and skipped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from ..errors import InputError
from ..ingest import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, document_from_record, read_document
from ..model import Document
from ..provenance import DERIVATION_COLUMNS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class TraceFormat(StrEnum):
    csv = "csv"
    json = "json"
    table = "table"


def register(app: typer.Typer) -> None:
    app.command()(trace)


def trace(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Articles: files, directories, .jsonl or .jsonl.gz (one per line)."),
    ],
    against: Annotated[
        list[str] | None,
        typer.Option("--against", help="Corpus to compare the inputs with (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    output_format: Annotated[
        TraceFormat | None,
        typer.Option("--format", "-f", help="csv, json or table (default: from -o, else table)."),
    ] = None,
    max_bytes: Annotated[
        int, typer.Option(help="Skip article files larger than this many bytes.")
    ] = DEFAULT_MAX_BYTES,
) -> None:
    """Find derivative articles (paraphrased rewrites, wire copies) and what they derive from.

    Each row: the derived article, its source, a 0-1 score, the relation
    (credited_rewrite, uncredited_rewrite, wire_copy), whether and how the source
    is credited, the shared evidence and why the direction is what it is.
    Exit 0 when no derivative is found, 1 when some are, 2 on a usage error.
    """
    from ..provenance import find_derivatives

    documents = load_all(inputs, max_bytes)
    corpus = load_all(against or [], max_bytes)
    if not documents:
        raise usage_error("no readable articles in the inputs")
    if against and not corpus:
        raise usage_error("no readable articles in --against")
    derivations = find_derivatives(documents, corpus)
    fmt = output_format or format_from_suffix(output)
    rendered = render_rows([d.to_row() for d in derivations], fmt)
    if output is None:
        typer.echo(rendered, nl=not rendered.endswith("\n"))
    else:
        try:
            output.write_text(rendered, encoding="utf-8")
        except OSError as err:
            raise usage_error(f"{output}: cannot write ({err.strerror or err})") from err
        typer.echo(f"auditor: {len(derivations)} derivative(s) written to {output}", err=True)
    raise typer.Exit(EXIT_FINDINGS if derivations else EXIT_OK)


def usage_error(message: str) -> typer.Exit:
    """One line on stderr and exit 2 (also under CliRunner, which bypasses `cli.main`)."""
    typer.echo(f"auditor: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def format_from_suffix(output: Path | None) -> TraceFormat:
    if output is not None and output.suffix.lower() in (".csv", ".json"):
        return TraceFormat(output.suffix.lower()[1:])
    return TraceFormat.table if output is None else TraceFormat.csv


def render_rows(rows: list[dict], fmt: TraceFormat) -> str:
    if fmt == TraceFormat.json:
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == TraceFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=DERIVATION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    if not rows:
        return "no derivatives found\n"
    shown = ("derived", "source", "score", "relation", "credited", "shared_quotes",
             "aligned_sentences", "direction")  # fmt: skip
    table = [[shorten(str(row[c])) for c in shown] for row in rows]
    return tabulate(table, headers=shown, disable_numparse=True) + "\n"


def shorten(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- reading inputs -----------------------------------------------------------
def load_all(paths: list[str], max_bytes: int) -> list[Document]:
    """Every article under `paths`; unreadable ones are reported on stderr and skipped."""
    documents: list[Document] = []
    for path in paths:
        try:
            documents.extend(read_articles(Path(path), max_bytes))
        except InputError as err:
            typer.echo(f"auditor: error: {err}", err=True)
    return documents


def read_articles(path: Path, max_bytes: int) -> Iterator[Document]:
    """Articles in a file, a directory (recursively) or a JSONL file (one per line)."""
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and is_article_file(p)):
            try:
                yield from read_articles(file, max_bytes)
            except InputError as err:
                typer.echo(f"auditor: error: {err}", err=True)
        return
    if is_jsonl(path):
        yield from read_jsonl(path)
        return
    yield read_document(str(path), max_bytes=max_bytes)


def is_jsonl(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".jsonl", ".jsonl.gz"))


def is_article_file(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    return is_jsonl(path) or (path.suffix.lower() in SUPPORTED_SUFFIXES and path.suffix != "")


def read_jsonl(path: Path) -> Iterator[Document]:
    """One article per JSON line; its `id` (else file:line) names it. Bad lines are skipped."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        raise InputError(f"{where}: a JSON line must be an object")
                    name = str(record.get("id") or where)
                    yield document_from_record(record, name)
                except json.JSONDecodeError as err:
                    typer.echo(f"auditor: error: {where}: not valid JSON ({err.msg})", err=True)
                except InputError as err:
                    typer.echo(f"auditor: error: {err}", err=True)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read ({err})") from err
