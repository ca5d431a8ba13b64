"""`auditor batch`: audit a whole corpus into tidy tables, in parallel, resumably.

How a run flows (the *driver* is the process that runs the command):

1. `sources.ItemStream` yields raw articles (file bytes, JSONL lines, CSV rows)
   in a fixed order; they are grouped into chunks.
2. With `--cache`, the driver looks each article's content hash up and keeps
   the hits; the rest of the chunk goes to an *engine*: inline (one worker), a
   multiprocessing pool, or a Dask cluster. At most a few chunks are in flight,
   so memory does not grow with the corpus.
3. A worker builds one `Auditor` once (`worker_state`), parses, labels, scores
   and checks each article and returns its rows already rendered as CSV text,
   plus a packed copy for the cache.
4. The driver appends the rows in input order to `*.csv.part` files and, after
   every chunk, records the byte offsets in `.checkpoint.json`. Only complete
   chunks are ever recorded, so `--resume` truncates whatever came after the
   last checkpoint (a crash mid-write) and carries on. At the end the parts are
   renamed (or converted to Parquet) and `manifest.json` is written.

Rendering happens in the worker and the driver only writes strings: on a
two-core machine the driver must stay out of the workers' way.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol, TextIO

from . import __version__
from .cache import ResultCache, pack
from .errors import AuditorError, ConfigError, InputError
from .ingest import DEFAULT_MAX_BYTES, decode, looks_binary, normalise_metadata
from .ingest import parse_bytes as parse_article_bytes
from .model import LABELS, METADATA_KEYS, ArticleAudit, Document
from .provenance import DERIVATION_COLUMNS as DERIVATIVE_COLUMNS
from .ruleset import builtin_yaml_files
from .score import Readability, shared_readability
from .sources import Item, ItemStream, chunked, expand_inputs, files_digest, total_bytes

# -- output tables ----------------------------------------------------------

FINDING_LEVELS = ("error", "warning", "info")
METADATA_COLUMNS = ("outlet", "date", "headline", "author", "url")
ARTICLE_CONTENT_COLUMNS = (
    *METADATA_COLUMNS,
    "words",
    "statements",
    "skipped",
    *[name for label in LABELS for name in (f"{label}_count", f"{label}_share")],
    "attributed",
    "attributed_share",
    "named_to_anonymous",
    "distinct_named_sources",
    "named_sources",
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "score",
    "grade",
    "findings",
    *[f"findings_{level}" for level in FINDING_LEVELS],
    "derivative_relation",
    "derivative_of",
    "derivative_suspect",
    "credited_outlets",
    "warnings",
)
ARTICLE_COLUMNS = ("id", "path", "record", *ARTICLE_CONTENT_COLUMNS, "error")
STATEMENT_COLUMNS = (
    "article_id",
    "index",
    "start",
    "end",
    "kind",
    "reason",
    "labels",
    "source",
    "speaker",
    "role",
    "cue",
    "rules",
    "inherited",
    "text",
)
FINDING_COLUMNS = (
    "article_id",
    "rule_id",
    "level",
    "message",
    "path",
    "line",
    "column",
    "statement",
)
TABLE_COLUMNS = {
    "articles": ARTICLE_COLUMNS,
    "statements": STATEMENT_COLUMNS,
    "findings": FINDING_COLUMNS,
    "derivatives": DERIVATIVE_COLUMNS,
}
# Column types, for Parquet (CSV is all text); anything not listed is a string.
INT_COLUMNS = {
    "record",
    "words",
    "statements",
    "skipped",
    *[f"{label}_count" for label in LABELS],
    "attributed",
    "distinct_named_sources",
    "score",  # the article's 0-100 score; a derivation's score is a float (below)
    "findings",
    *[f"findings_{level}" for level in FINDING_LEVELS],
    "index",
    "start",
    "end",
    "line",
    "column",
    "shared_quotes",
    "aligned_sentences",
    "shared_names",
    "shared_numbers",
}
FLOAT_COLUMNS = {
    *[f"{label}_share" for label in LABELS],
    "attributed_share",
    "named_to_anonymous",
    "flesch_reading_ease",
    "flesch_kincaid_grade",
}
BOOL_COLUMNS = {"inherited", "derivative_suspect"}
FLOAT_IN_TABLE = {"derivatives": {"score"}}

MANIFEST = "manifest.json"
CHECKPOINT = ".checkpoint.json"
SCHEMA_VERSION = 1  # bump when the rows change shape: it is part of the cache key
MAX_LISTED_ERRORS = 1000
MAX_LISTED_FILES = 100_000
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


# -- configuration ----------------------------------------------------------


@dataclass
class BatchOptions:
    """Everything `auditor batch` was asked to do (the command line, as data)."""

    inputs: list[str]
    outdir: Path
    globs: list[str] = field(default_factory=list)
    text_field: str = "text"
    id_field: str = "id"
    fields: dict[str, str] = field(default_factory=dict)
    output_format: str = "csv"
    workers: int | None = None
    engine: str = "local"
    scheduler: str | None = None
    chunk_size: int = 200
    cache_dir: Path | None = None
    resume: bool = False
    force: bool = False
    provenance: bool = False
    rule_dirs: list[Path] = field(default_factory=list)
    max_bytes: int = DEFAULT_MAX_BYTES
    readability: bool = True
    score: bool = True
    checks: bool = True
    quiet: bool = False


@dataclass(frozen=True)
class Settings:
    """What a worker needs to audit articles exactly as the driver intends.

    Rule files travel as text, so workers on other machines need no copy of
    `--rules` directories; `code_hash` lets a worker refuse to run when its
    installed auditor differs from the driver's (the rows would differ).
    """

    text_field: str
    id_field: str
    fields: tuple[tuple[str, str], ...]
    max_bytes: int
    readability: bool
    score: bool
    checks: bool
    provenance: bool
    rule_files: tuple[tuple[int, str, str], ...]
    rules_hash: str
    code_hash: str

    @property
    def key(self) -> str:
        """The configuration key: equal keys give identical rows for identical content."""
        data = asdict(self)
        data["provenance"] = False  # collecting documents does not change any row
        data["schema"] = SCHEMA_VERSION
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


_code_hash: list[str] = []


def code_hash() -> str:
    """A digest of the auditor's code and built-in rule data, computed once per process.

    A changed labeller (or check) must not reuse cached rows, and a Dask worker
    with another installation must not write rows the driver would not. Forked
    pool workers inherit the driver's value, so editing the code during a run
    does not upset them.
    """
    if not _code_hash:
        _code_hash.append(compute_code_hash())
    return _code_hash[0]


def compute_code_hash() -> str:
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    sources = [p for p in package.rglob("*.py") if p.relative_to(package).parts[0] != "rules"]
    for path in sorted(sources):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for name, text in builtin_yaml_files():  # checks and provenance data included
        digest.update(name.encode())
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def rule_files(rule_dirs: Iterable[Path]) -> tuple[tuple[int, str, str], ...]:
    """(directory number, relative path, text) of every YAML file in the extra rule dirs."""
    files = []
    for number, directory in enumerate(rule_dirs):
        folder = Path(directory)
        if not folder.is_dir():
            raise ConfigError(f"--rules {directory}: rules directory does not exist")
        for path in sorted(folder.rglob("*.y*ml")):
            text = path.read_text(encoding="utf-8")
            files.append((number, path.relative_to(folder).as_posix(), text))
    return tuple(files)


def available_features() -> dict[str, bool]:
    """Which optional stages exist in this installation (issues 4 and 5 add them)."""

    def has(module: str, function: str) -> bool:
        return find_spec(module) is not None and hasattr(import_module(module), function)

    return {
        "score": has("auditor.score", "score_article"),
        "checks": has("auditor.checks", "run_checks"),
        "provenance": has("auditor.provenance", "find_derivatives"),
    }


def parse_field_map(specs: Iterable[str]) -> dict[str, str]:
    """`--field outlet=publication` pairs as {our key: the record's field name}."""
    mapping: dict[str, str] = {}
    keys = (*METADATA_KEYS, "headline")
    for spec in specs:
        key, sep, name = spec.partition("=")
        key, name = key.strip().lower(), name.strip()
        if not sep or not name or key not in keys:
            raise ConfigError(
                f"--field {spec!r}: expected KEY=FIELD with KEY one of {', '.join(keys)}"
            )
        mapping["title" if key == "headline" else key] = name
    return mapping


# -- the worker side ----------------------------------------------------------


class ArticleError(Exception):
    """An article that cannot be audited; `article_id` when the record named one."""

    def __init__(self, message: str, article_id: str | None = None):
        super().__init__(message)
        self.article_id = article_id


@dataclass(slots=True)
class Outcome:
    """One article's result as a worker returns it: rows rendered, plus what the driver keeps."""

    content: str | None  # content hash (None when the cache is off)
    article: str  # the articles.csv line
    statements: str  # the statements.csv lines
    findings: str  # the findings.csv lines
    statement_count: int = 0
    finding_count: int = 0
    error: str | None = None
    article_id: str = ""
    packed: bytes | None = None  # the cacheable payload, for a cache miss
    document: Document | None = None  # for --provenance


@dataclass
class WorkerState:
    auditor: Any
    readability: Readability | None
    score_article: Callable[..., dict[str, Any]] | None
    run_checks: Callable[..., list[Any]] | None


_local = threading.local()


def worker_state(settings: Settings, remote: bool = False) -> WorkerState:
    """The worker's Auditor and helpers, built once per process (per thread on Dask)."""
    states: dict[str, WorkerState] = _local.__dict__.setdefault("states", {})
    state = states.get(settings.key)
    if state is None:
        state = states[settings.key] = build_worker_state(settings, remote)
    return state


_rulesets: dict[str, Any] = {}  # rules hash -> RuleSet loaded in this process


def build_worker_state(settings: Settings, remote: bool) -> WorkerState:
    from .pipeline import Auditor

    # A Dask worker may run another installation; a local worker runs ours.
    if remote and code_hash() != settings.code_hash:
        raise AuditorError(
            "a worker runs a different auditor version than the driver; "
            "install the same version on every worker"
        )
    ruleset = _rulesets.get(settings.rules_hash)  # the driver's, in a forked worker
    if ruleset is None:
        ruleset = load_worker_rules(settings)
    score_article = getattr(import_module("auditor.score"), "score_article", None)
    checks = import_module("auditor.checks") if settings.checks else None
    return WorkerState(
        auditor=Auditor(ruleset),
        readability=shared_readability() if settings.readability else None,
        score_article=score_article if settings.score else None,
        run_checks=checks.run_checks if checks is not None else None,  # type: ignore[attr-defined]
    )


def load_worker_rules(settings: Settings) -> Any:
    """Load the rules a worker was sent (built-in plus the extra files) and check the hash."""
    from .ruleset import RuleSet

    dirs: list[Path] = []
    if settings.rule_files:
        root = Path(tempfile.mkdtemp(prefix="auditor-rules-"))
        for number, relative, text in settings.rule_files:
            target = root / str(number) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        dirs = sorted({root / str(number) for number, _, _ in settings.rule_files})
    ruleset = RuleSet.load(dirs)
    if ruleset.hash != settings.rules_hash:
        raise AuditorError("a worker loaded different rules than the driver")
    _rulesets[ruleset.hash] = ruleset
    return ruleset


def audit_chunk(
    items: list[Item], settings: Settings, with_hash: bool, remote: bool = False
) -> list[Outcome]:
    """Audit a chunk of raw items: the task every engine runs on its workers."""
    state = worker_state(settings, remote)
    return [audit_item(item, state, settings, with_hash) for item in items]


def audit_item(item: Item, state: WorkerState, settings: Settings, with_hash: bool) -> Outcome:
    """Parse and audit one item; any problem with the article becomes an error row."""
    try:
        if item.kind == "error":
            raise ArticleError(item.error or "cannot read")
        document, content_id = load_document(item, settings)
        payload = audit_payload(document, content_id, state, raw_text(item, state))
    except ArticleError as err:
        return error_outcome(item, str(err), err.article_id)
    except Exception as err:  # a bug on one article must not stop a million-article run
        return error_outcome(item, f"internal error: {type(err).__name__}: {err}")
    content = item.content_hash() if with_hash else None
    outcome = render(item, payload, content)
    if with_hash:
        outcome.packed = pack(payload)
    if settings.provenance:
        outcome.document = provenance_document(document, outcome.article_id)
    return outcome


def default_id(item: Item) -> str:
    return item.path if item.record is None else f"{item.path}:{item.record}"


def load_document(item: Item, settings: Settings) -> tuple[Document, str | None]:
    """The Document of an item and the id its record gives (None for plain files)."""
    name = default_id(item)
    if item.kind == "file" and item.suffix != ".json":
        try:
            document = parse_article_bytes(item.raw, name, item.suffix, settings.max_bytes)
        except InputError as err:
            raise ArticleError(strip_name(str(err), name)) from err
        document.warnings = [strip_name(w, name) for w in document.warnings]
        return document, None
    if item.kind == "csv":
        return record_document(clean_row(item.raw, name), name, settings)
    raw: bytes = item.raw
    if len(raw) > settings.max_bytes:
        raise ArticleError(f"over the {settings.max_bytes:,}-byte limit (--max-bytes)")
    if not raw.strip():
        raise ArticleError("file is empty")
    if looks_binary(raw):
        raise ArticleError("looks like a binary file, not text")
    try:
        text, warnings = decode(raw, name)
        record = json.loads(text)
    except InputError as err:
        raise ArticleError(strip_name(str(err), name)) from err
    except json.JSONDecodeError as err:
        raise ArticleError(f"not valid JSON ({err.msg} at column {err.colno})") from err
    if not isinstance(record, dict):
        raise ArticleError("JSON must be an object with the article text in a field")
    document, content_id = record_document(record, name, settings)
    document.warnings = [strip_name(w, name) for w in warnings]
    return document, content_id


def record_document(
    record: dict[str, Any], name: str, settings: Settings
) -> tuple[Document, str | None]:
    """A Document from a record, with `--text-field`, `--id-field` and `--field` applied."""
    value = record.get(settings.id_field)
    content_id = None if value in (None, "") else str(value)
    text = record.get(settings.text_field)
    if text is None and settings.text_field == "text":
        text = record.get("body")
    if not isinstance(text, str):
        raise ArticleError(
            f"no {settings.text_field!r} text field (choose one with --text-field)", content_id
        )
    if not text.strip():
        raise ArticleError("the article text is empty", content_id)
    if looks_binary(text[:8192].encode("utf-8", "replace")):
        raise ArticleError("the article text looks binary", content_id)
    mapped = {key: record.get(field_name) for key, field_name in settings.fields}
    metadata = normalise_metadata({**mapped, **record})
    document = Document(
        name=content_id or name,
        text=text,
        text_source=f"record:{settings.text_field}",
        metadata=metadata,
    )
    return document, content_id


def clean_row(row: dict[str, str], name: str) -> dict[str, Any]:
    """A CSV row with any non-UTF-8 field (kept as surrogate escapes) decoded properly."""
    cleaned: dict[str, Any] = {}
    for key, value in row.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:
                value, _ = decode(value.encode("utf-8", "surrogateescape"), name)
            except InputError as err:
                raise ArticleError(f"field {key!r}: {strip_name(str(err), name)}") from err
        cleaned[key] = value
    return cleaned


def strip_name(message: str, name: str) -> str:
    """Drop the `name: ` prefix of ingest messages: the row already says which article."""
    prefix = f"{name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def raw_text(item: Item, state: WorkerState) -> str | None:
    """The decoded file, which checks need to place findings in HTML and JSON files."""
    if state.run_checks is None or item.kind != "file" or item.suffix in (".txt", ".md"):
        return None
    return decode(item.raw, item.path)[0]


def audit_payload(
    document: Document, content_id: str | None, state: WorkerState, raw: str | None = None
) -> dict[str, Any]:
    """Audit a document into its cacheable payload: everything but the item's own columns."""
    audit = state.auditor.audit(document, readability=False)
    body = audit.body_statements
    if state.readability is not None:
        audit.summary["readability"] = state.readability.scores(" ".join(s.text for s in body))
    if audit.score is None and state.score_article is not None:
        audit.score = state.score_article(audit)
    if audit.findings is None and state.run_checks is not None:
        found = state.run_checks(audit, raw_text=raw) if raw else state.run_checks(audit)
        audit.findings = [f if isinstance(f, dict) else f.to_dict() for f in found]
    words = sum(len(s.text.split()) for s in body)
    return {
        "id": content_id,
        "article": article_values(audit, words),
        "statements": [statement_values(s) for s in audit.statements],
        "findings": [finding_values(f) for f in audit.findings or ()],
    }


def article_values(audit: ArticleAudit, words: int) -> list[Any]:
    """The content columns of an articles.csv row, in ARTICLE_CONTENT_COLUMNS order."""
    summary, metadata = audit.summary, audit.document.metadata
    counts, total = summary["label_counts"], summary["statements"]
    readability = summary.get("readability") or {}
    score = audit.score or {}
    levels = [str(f.get("level", "")).lower() for f in audit.findings or ()]
    provenance = audit.provenance or {}
    values: list[Any] = [metadata.get(k) for k in ("outlet", "date", "title", "author", "url")]
    values += [words, total, summary["skipped"]]
    for label in LABELS:
        values += [counts[label], round(counts[label] / total, 3) if total else 0.0]
    values += [
        summary["attributed"],
        summary["attributed_share"],
        summary["named_to_anonymous"],
        summary["distinct_named_sources"],
        ";".join(summary["named_sources"]),
        readability.get("flesch_reading_ease"),
        readability.get("flesch_kincaid_grade"),
        score.get("score"),
        score.get("grade"),
        len(levels) if audit.findings is not None else None,
        *[levels.count(level) if audit.findings is not None else None for level in FINDING_LEVELS],
        None,  # derivative_relation and derivative_of: the corpus-level step (--provenance)
        None,
        provenance.get("derivative_suspect"),
        ";".join(str(entry.get("outlet")) for entry in provenance.get("credited_outlets") or ()),
        " | ".join(audit.document.warnings),
    ]
    return values


def statement_values(s: Any) -> list[Any]:
    """A statements.csv row without the article id (STATEMENT_COLUMNS[1:])."""
    return [
        s.index,
        s.start,
        s.end,
        s.kind,
        s.reason,
        ";".join(s.labels),
        s.source,
        s.speaker,
        s.role,
        s.cue,
        ";".join(s.rules),
        s.inherited,
        s.text,
    ]


def finding_values(finding: dict[str, Any]) -> list[Any]:
    return [finding.get(column) for column in FINDING_COLUMNS[1:]]


def provenance_document(document: Document, article_id: str) -> Document:
    """The slim copy of a document that the corpus-level provenance step needs."""
    return Document(
        name=article_id,
        text=document.text,
        text_source=document.text_source,
        metadata=document.metadata,
        body_start=document.body_start,
    )


# -- rendering rows ----------------------------------------------------------


def cell(value: Any) -> Any:
    """A value as the CSV writer should see it (most are already a str or an int)."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


class RowWriter:
    """csv.writer into a reusable buffer: rows in, CSV text out."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def text(self, rows: Iterable[Iterable[Any]]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows([cell(v) for v in row] for row in rows)
        return self.buffer.getvalue()


_rows = threading.local()


def row_writer() -> RowWriter:
    writer = getattr(_rows, "writer", None)
    if writer is None:
        writer = _rows.writer = RowWriter()
    return writer


def render(item: Item, payload: dict[str, Any], content: str | None) -> Outcome:
    """The CSV rows of an audited article: item columns + payload (fresh or from the cache)."""
    article_id = payload["id"] or default_id(item)
    writer = row_writer()
    article = writer.text([[article_id, item.path, item.record, *payload["article"], None]])
    statements = writer.text([article_id, *row] for row in payload["statements"])
    findings = writer.text([article_id, *row] for row in payload["findings"])
    return Outcome(
        content=content,
        article=article,
        statements=statements,
        findings=findings,
        statement_count=len(payload["statements"]),
        finding_count=len(payload["findings"]),
        article_id=article_id,
    )


def error_outcome(item: Item, message: str, article_id: str | None = None) -> Outcome:
    article_id = article_id or default_id(item)
    empty = [None] * len(ARTICLE_CONTENT_COLUMNS)
    row = [article_id, item.path, item.record, *empty, message]
    return Outcome(
        content=None,
        article=row_writer().text([row]),
        statements="",
        findings="",
        error=message,
        article_id=article_id,
    )


# -- engines -------------------------------------------------------------------


class Handle(Protocol):
    def result(self) -> list[Outcome]: ...


class Done:
    """An already computed result (the inline engine, or a chunk that was all cache hits)."""

    def __init__(self, value: list[Outcome]):
        self.value = value

    def result(self) -> list[Outcome]:
        return self.value


class InlineEngine:
    """One worker: audit in the driver process itself, with no inter-process traffic."""

    name = "local"
    slots = 1

    def submit(self, items: list[Item], settings: Settings, with_hash: bool) -> Handle:
        return Done(audit_chunk(items, settings, with_hash))

    def close(self, abort: bool = False) -> None:
        pass


def ignore_interrupts() -> None:
    """Pool workers leave Ctrl-C to the driver, which stops at a chunk boundary."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolEngine:
    """N worker processes; each builds its Auditor once, on its first chunk.

    A process pool from concurrent.futures rather than multiprocessing.Pool: if
    a worker dies (killed, out of memory) the pending results fail instead of
    waiting forever, and the run stops with its checkpoint intact for --resume.
    """

    name = "local"

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork is cheapest, but forking a process that runs threads (an in-process
        # Dask cluster, say) can deadlock the child: then use a fork server.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        if method not in multiprocessing.get_all_start_methods():
            method = "spawn"
        self.executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(method), initializer=ignore_interrupts
        )
        self.slots = workers

    def submit(self, items: list[Item], settings: Settings, with_hash: bool) -> Handle:
        return self.executor.submit(audit_chunk, items, settings, with_hash)

    def close(self, abort: bool = False) -> None:
        if abort:
            # Stop now: chunks still running are not wanted (the checkpoint is written).
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=abort)


class DaskEngine:
    """A Dask cluster: `scheduler` address, or a LocalCluster of `workers` processes."""

    name = "dask"

    def __init__(self, scheduler: str | None, workers: int, client: Any = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as err:
            raise ConfigError(
                '--engine dask needs Dask: pip install "auditor[dask]" (dask and distributed)'
            ) from err
        self.cluster = None
        self.owns_client = client is None
        if client is None and scheduler:
            import dask

            try:
                timeout = dask.config.get("distributed.comm.timeouts.connect", "30s")
                client = Client(scheduler, timeout=timeout)
            except (OSError, TimeoutError) as err:
                raise ConfigError(f"--scheduler {scheduler}: cannot connect ({err})") from err
        elif client is None:
            import logging

            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            client = Client(self.cluster)
        self.client = client
        self.slots = max(1, sum(client.nthreads().values()))

    def submit(self, items: list[Item], settings: Settings, with_hash: bool) -> Handle:
        return self.client.submit(audit_chunk, items, settings, with_hash, True, pure=False)

    def close(self, abort: bool = False) -> None:
        if self.owns_client:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def make_engine(options: BatchOptions, workers: int, client: Any = None) -> Any:
    if options.engine == "dask" or client is not None:
        return DaskEngine(options.scheduler, workers, client)
    if workers <= 1:
        return InlineEngine()
    return PoolEngine(workers)


# -- output files, checkpoints and the manifest --------------------------------


@dataclass
class Counts:
    articles: int = 0
    audited: int = 0
    errors: int = 0
    statements: int = 0
    findings: int = 0
    derivatives: int = 0


@dataclass
class Checkpoint:
    """Where a run stands after its last complete chunk (`.checkpoint.json`)."""

    items_done: int = 0
    offsets: dict[str, int] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    errors: list[dict[str, Any]] = field(default_factory=list)
    audit_seconds: float = 0.0
    elapsed: float = 0.0

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["counts"] = Counts(**data["counts"])
        return cls(**data)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a reader (or a crash) never sees half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


class Outputs:
    """The `*.csv.part` files rows are appended to, with checkpoints and the final rename."""

    def __init__(self, outdir: Path, tables: list[str], resume_from: Checkpoint | None):
        self.outdir = outdir
        self.tables = tables
        self.handles = {}
        for table in tables:
            part = self.part(table)
            if resume_from is not None and part.exists():
                handle = open(part, "r+b")  # noqa: SIM115 (closed in close())
                handle.truncate(resume_from.offsets.get(table, 0))
                handle.seek(0, os.SEEK_END)
            else:
                handle = open(part, "wb")  # noqa: SIM115
            if handle.tell() == 0:
                handle.write((",".join(TABLE_COLUMNS[table]) + "\n").encode())
            self.handles[table] = handle

    def part(self, table: str) -> Path:
        return self.outdir / f"{table}.csv.part"

    def write(self, table: str, text: str) -> None:
        if text:
            self.handles[table].write(text.encode("utf-8", "replace"))

    def checkpoint(self, state: Checkpoint) -> None:
        """Flush, then record the offsets: everything before them is complete rows."""
        for table, handle in self.handles.items():
            handle.flush()
            state.offsets[table] = handle.tell()
        write_json(self.outdir / CHECKPOINT, asdict(state))

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def final_name(table: str, output_format: str) -> str:
    return f"{table}.{'parquet' if output_format == 'parquet' else 'csv'}"


def publish(outdir: Path, tables: list[str], output_format: str) -> dict[str, str]:
    """Turn the finished parts into the final files (renamed, or converted to Parquet)."""
    names = {}
    for table in tables:
        part = outdir / f"{table}.csv.part"
        target = outdir / final_name(table, output_format)
        if output_format == "parquet":
            csv_to_parquet(part, target, table)
            part.unlink()
        else:
            os.replace(part, target)
        names[table] = target.name
    return names


def require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ConfigError('--format parquet needs pyarrow: pip install "auditor[parquet]"') from err


def parquet_schema(table: str) -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in FLOAT_IN_TABLE.get(table, ()):
            return pa.float64()
        if name in INT_COLUMNS:
            return pa.int64()
        if name in FLOAT_COLUMNS:
            return pa.float64()
        if name in BOOL_COLUMNS:
            return pa.bool_()
        return pa.string()

    return pa.schema([(name, kind(name)) for name in TABLE_COLUMNS[table]])


def csv_to_parquet(source: Path, target: Path, table: str) -> None:
    """Stream a finished CSV part into Parquet with typed columns (empty cells are null)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    schema = parquet_schema(table)
    temporary = target.with_name(target.name + ".tmp")
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    with pq.ParquetWriter(temporary, schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    os.replace(temporary, target)


# -- progress --------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal, a log line every `interval` seconds otherwise."""

    def __init__(
        self, total: int, quiet: bool, stream: TextIO | None = None, interval: float = 10.0
    ):
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.interval = 0.2 if self.tty else interval
        self.start = time.perf_counter()
        self.last = self.start
        self.baseline = 0  # articles written before this run (--resume)

    def update(self, done: int, position: int, force: bool = False) -> None:
        now = time.perf_counter()
        if self.quiet or (now - self.last < self.interval and not force):
            return
        self.last = now
        elapsed = now - self.start
        fraction = min(position / self.total, 1.0)
        rate = (done - self.baseline) / elapsed if elapsed > 0 else 0.0
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        eta_text = "--:--" if eta is None else format_seconds(eta)
        text = f"{done:,} articles  {rate:,.0f}/s  {fraction:.0%}  ETA {eta_text}"
        if self.tty:
            bar = "#" * int(fraction * 24)
            self.stream.write(f"\r[{bar:<24}] {text}\x1b[K")
        else:
            self.stream.write(f"auditor: {text}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


# -- the driver --------------------------------------------------------------------


@dataclass
class BatchReport:
    """What a run did: the CLI prints it and turns it into the exit code."""

    outdir: Path
    status: str
    counts: Counts
    seconds: float
    outputs: dict[str, str]
    skipped: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status == "interrupted":
            return EXIT_INTERRUPTED
        return EXIT_ERRORS if self.counts.errors else EXIT_OK

    @property
    def rate(self) -> float:
        return self.counts.articles / self.seconds if self.seconds else 0.0


class StopFlag:
    """Ctrl-C (or SIGTERM) asks the run to stop at the next chunk boundary; twice stops now."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self.handle)
        return self

    def handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


@dataclass
class Plan:
    """A run prepared: files found, settings fixed, where to resume from."""

    options: BatchOptions
    files: list[str]
    settings: Settings
    tables: list[str]
    manifest: dict[str, Any]
    resume_from: Checkpoint | None
    cpu_started: float = field(default_factory=time.process_time)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(
    options: BatchOptions, client: Any = None, progress_stream: TextIO | None = None
) -> BatchReport:
    """Run (or resume) a batch; `client` runs it on an existing Dask client."""
    plan = prepare(options)
    if plan.resume_from is not None and plan.manifest.get("status") == "complete":
        counts = Counts(**plan.manifest["counts"])
        outputs = plan.manifest.get("outputs", {})
        return BatchReport(options.outdir, "complete", counts, 0.0, outputs)
    workers = options.workers or default_workers()
    started = time.perf_counter()
    engine = make_engine(options, workers, client)
    try:
        with StopFlag() as stop:
            state, documents = drive(plan, engine, stop, progress_stream)
    except BaseException:
        engine.close(abort=True)
        raise
    engine.close(abort=stop.requested)
    return finish(plan, engine, state, documents, started, stop.requested)


def prepare(options: BatchOptions) -> Plan:
    """Check the options, find the files, fix the settings and the resume point."""
    from .ruleset import RuleSet

    if options.output_format not in ("csv", "parquet"):
        raise ConfigError(f"--format {options.output_format!r}: use csv or parquet")
    if options.output_format == "parquet":
        require_pyarrow()
    if options.engine not in ("local", "dask"):
        raise ConfigError(f"--engine {options.engine!r}: use local or dask")
    if options.scheduler and options.engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    if options.chunk_size < 1 or (options.workers is not None and options.workers < 1):
        raise ConfigError("--chunk-size and --workers must be at least 1")
    features = available_features()
    if options.provenance and not features["provenance"]:
        raise ConfigError("--provenance: this installation has no provenance stage yet")
    ruleset = RuleSet.for_dirs(options.rule_dirs)
    _rulesets[ruleset.hash] = ruleset  # forked workers reuse it instead of loading again
    settings = Settings(
        text_field=options.text_field,
        id_field=options.id_field,
        fields=tuple(sorted(options.fields.items())),
        max_bytes=options.max_bytes,
        readability=options.readability,
        score=features["score"] and options.score,
        checks=features["checks"] and options.checks,
        provenance=options.provenance,
        rule_files=rule_files(options.rule_dirs),
        rules_hash=ruleset.hash,
        code_hash=code_hash(),
    )
    found = expand_inputs(options.inputs, options.globs, options.outdir, options.text_field)
    files = found.files
    if not files:
        raise InputError("no input files found (check the paths and --glob)")
    tables = ["articles", "statements"] + (["findings"] if settings.checks else [])
    manifest = new_manifest(options, files, settings, features)
    manifest["skipped_files"] = found.skipped
    resume_from = prepare_outdir(options, manifest)
    return Plan(options, files, settings, tables, manifest, resume_from)


def new_manifest(
    options: BatchOptions, files: list[str], settings: Settings, features: dict[str, bool]
) -> dict[str, Any]:
    configuration = {
        "text_field": options.text_field,
        "id_field": options.id_field,
        "fields": dict(sorted(options.fields.items())),
        "globs": list(options.globs),
        "format": options.output_format,
        "readability": options.readability,
        "provenance": options.provenance,
        "max_bytes": options.max_bytes,
        "rules": [str(d) for d in options.rule_dirs],
        "stages": {"score": settings.score, "checks": settings.checks},
    }
    listed = files if len(files) <= MAX_LISTED_FILES else None
    return {
        "tool": "auditor batch",
        "version": __version__,
        "status": "running",
        "rules_hash": settings.rules_hash,
        "config_key": settings.key,
        "configuration": configuration,
        "inputs": list(options.inputs),
        "input_files": {"count": len(files), "digest": files_digest(files), "files": listed},
        "features_available": features,
    }


def prepare_outdir(options: BatchOptions, manifest: dict[str, Any]) -> Checkpoint | None:
    """Create OUTDIR, or check it holds the run `--resume` continues; the resume point."""
    outdir = options.outdir
    previous_path = outdir / MANIFEST
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"{outdir}: exists and is not a directory")
    outdir.mkdir(parents=True, exist_ok=True)
    if not previous_path.exists():
        if options.resume:
            raise InputError(f"--resume: {outdir} holds no batch run (no {MANIFEST})")
        return None
    if not options.resume:
        if not options.force:
            raise InputError(
                f"{outdir} already holds a batch run: --resume to continue it, "
                "--force to replace it"
            )
        clear_outdir(outdir)
        return None
    previous = json.loads(previous_path.read_text(encoding="utf-8"))
    check_same_run(previous, manifest)
    if previous.get("status") == "complete":
        manifest.update(previous)
        return Checkpoint()
    checkpoint_path = outdir / CHECKPOINT
    return Checkpoint.load(checkpoint_path) if checkpoint_path.exists() else Checkpoint()


def check_same_run(previous: dict[str, Any], current: dict[str, Any]) -> None:
    """`--resume` must continue the same run: same inputs, rules, code and options."""
    differences = [
        key
        for key in ("inputs", "rules_hash", "configuration", "config_key")
        if previous.get(key) != current.get(key)
    ]
    if previous.get("input_files", {}).get("digest") != current["input_files"]["digest"]:
        differences.append("input files")
    if differences:
        raise InputError(
            "--resume: this is not the interrupted run (differs in "
            f"{', '.join(differences)}); repeat its command line, or use --force to start afresh"
        )


def clear_outdir(outdir: Path) -> None:
    """Remove a previous run's files (only ours) before `--force` writes a new one."""
    ours = [MANIFEST, CHECKPOINT]
    for table in TABLE_COLUMNS:
        ours += [f"{table}.csv", f"{table}.parquet", f"{table}.csv.part"]
    for name in ours:
        (outdir / name).unlink(missing_ok=True)


@dataclass
class PendingChunk:
    """A chunk in flight: its items, the cache hits already rendered, the workers' handle."""

    items: list[Item]
    ready: dict[int, Outcome]
    misses: list[int]
    handle: Handle | None

    def outcomes(self) -> list[Outcome]:
        computed = self.handle.result() if self.handle is not None else []
        merged = dict(self.ready)
        merged.update(zip(self.misses, computed, strict=True))
        return [merged[position] for position in range(len(self.items))]


def drive(
    plan: Plan, engine: Any, stop: StopFlag, progress_stream: TextIO | None
) -> tuple[Checkpoint, list[Document]]:
    """The main loop: stream chunks out to the engine, write results back in input order."""
    options, settings = plan.options, plan.settings
    state = plan.resume_from or Checkpoint()
    write_json(options.outdir / MANIFEST, plan.manifest)
    cache = ResultCache(options.cache_dir, settings.key) if options.cache_dir else None
    outputs = Outputs(options.outdir, plan.tables, plan.resume_from)
    stream = ItemStream(plan.files, settings.max_bytes, skip=state.items_done)
    progress = Progress(total_bytes(plan.files), options.quiet, progress_stream)
    progress.baseline = state.counts.articles
    documents: list[Document] = []
    if settings.provenance and state.items_done:
        documents.extend(reload_documents(plan.files, settings, state.items_done))
    window: deque[PendingChunk] = deque()
    started = time.perf_counter() - state.elapsed

    def write_oldest() -> None:
        collect(window.popleft(), outputs, state, cache, settings, documents)
        state.elapsed = time.perf_counter() - started
        outputs.checkpoint(state)
        progress.update(state.counts.articles, stream.position())

    try:
        chunks = chunked(stream, options.chunk_size, max_bytes=8 << 20)
        for chunk in stop_when(chunks, stop):
            window.append(dispatch(chunk, engine, settings, cache))
            while len(window) > engine.slots * 2:  # bounded: memory stays flat
                write_oldest()
        # On Ctrl-C the chunk being waited for is written and the rest dropped.
        while window and not stop.requested:
            write_oldest()
        progress.update(state.counts.articles, stream.position(), force=True)
    finally:
        progress.finish()
        outputs.close()
        if cache is not None:
            plan.manifest["cache"] = {"dir": str(options.cache_dir), **cache.stats()}
            cache.close()
    return state, documents


def reload_documents(files: list[str], settings: Settings, upto: int) -> Iterator[Document]:
    """The documents of the articles an interrupted run wrote: --provenance needs them all."""
    for item in ItemStream(files, settings.max_bytes):
        if item.seq >= upto:
            return
        try:
            if item.kind != "error":
                document, content_id = load_document(item, settings)
                yield provenance_document(document, content_id or default_id(item))
        except ArticleError:
            continue


def stop_when(chunks: Iterator[list[Item]], stop: StopFlag) -> Iterator[list[Item]]:
    for chunk in chunks:
        if stop.requested:
            return
        yield chunk


def dispatch(
    chunk: list[Item], engine: Any, settings: Settings, cache: ResultCache | None
) -> PendingChunk:
    """Send a chunk's cache misses to the engine; render its hits right here."""
    ready: dict[int, Outcome] = {}
    if cache is not None:
        hashes = [item.content_hash() for item in chunk]
        found = cache.get_many(hashes)
        for position, (item, content) in enumerate(zip(chunk, hashes, strict=True)):
            if content in found:
                ready[position] = cached_outcome(item, found[content], content, settings)
    misses = [position for position in range(len(chunk)) if position not in ready]
    handle = None
    if misses:
        handle = engine.submit([chunk[p] for p in misses], settings, cache is not None)
    return PendingChunk(chunk, ready, misses, handle)


def cached_outcome(
    item: Item, payload: dict[str, Any], content: str, settings: Settings
) -> Outcome:
    outcome = render(item, payload, content)
    if settings.provenance:
        document, _ = load_document(item, settings)
        outcome.document = provenance_document(document, outcome.article_id)
    return outcome


def collect(
    pending: PendingChunk,
    outputs: Outputs,
    state: Checkpoint,
    cache: ResultCache | None,
    settings: Settings,
    documents: list[Document],
) -> None:
    """Write a finished chunk's rows in input order and account for them."""
    started = time.perf_counter()
    outcomes = pending.outcomes()
    state.audit_seconds += time.perf_counter() - started
    new_entries = []
    for item, outcome in zip(pending.items, outcomes, strict=True):
        outputs.write("articles", outcome.article)
        outputs.write("statements", outcome.statements)
        if "findings" in outputs.handles:
            outputs.write("findings", outcome.findings)
        counts = state.counts
        counts.articles += 1
        counts.statements += outcome.statement_count
        counts.findings += outcome.finding_count
        if outcome.error is not None:
            counts.errors += 1
            if len(state.errors) < MAX_LISTED_ERRORS:
                state.errors.append(
                    {
                        "id": outcome.article_id,
                        "path": item.path,
                        "record": item.record,
                        "error": outcome.error,
                    }
                )
        else:
            counts.audited += 1
        if outcome.packed is not None and outcome.content is not None:
            new_entries.append((outcome.content, outcome.packed))
        if outcome.document is not None:
            documents.append(outcome.document)
    state.items_done = pending.items[-1].seq + 1
    if cache is not None:
        cache.put_many(new_entries)


def driver_peak_rss_mb() -> float | None:
    """Peak resident memory of this process (workers excluded), where the OS reports it."""
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def finish(
    plan: Plan,
    engine: Any,
    state: Checkpoint,
    documents: list[Document],
    started: float,
    interrupted: bool,
) -> BatchReport:
    """Publish the outputs (or leave the parts for `--resume`) and write the manifest."""
    options, manifest = plan.options, plan.manifest
    outdir = options.outdir
    timings: dict[str, Any] = {}
    names: dict[str, str] = {}
    if not interrupted:
        tables = list(plan.tables)
        if options.provenance:
            provenance_started = time.perf_counter()
            state.counts.derivatives = run_provenance(outdir, documents)
            tables.append("derivatives")
            timings["provenance_seconds"] = round(time.perf_counter() - provenance_started, 3)
        names = publish(outdir, tables, options.output_format)
        (outdir / CHECKPOINT).unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    total = state.elapsed + sum(v for k, v in timings.items() if k.endswith("_seconds"))
    manifest.update(
        status="interrupted" if interrupted else "complete",
        counts=asdict(state.counts),
        errors=state.errors,
        outputs=names,
        execution={
            "engine": engine.name,
            "workers": engine.slots,
            "scheduler": options.scheduler,
            "chunk_size": options.chunk_size,
            "resumed": plan.resume_from is not None,
            **({"cache": manifest.pop("cache")} if "cache" in manifest else {}),
        },
        timings={
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(total, 3),
            "seconds_this_run": round(seconds, 3),
            "articles_per_second": round(state.counts.articles / total, 1) if total else None,
            "driver_waiting_seconds": round(state.audit_seconds, 3),
            "driver_cpu_seconds_this_run": round(time.process_time() - plan.cpu_started, 3),
            "driver_peak_rss_mb": driver_peak_rss_mb(),
            **timings,
        },
    )
    write_json(outdir / MANIFEST, manifest)
    status = "interrupted" if interrupted else "complete"
    skipped = manifest.get("skipped_files", [])
    return BatchReport(outdir, status, state.counts, total, names, skipped)


# -- provenance (corpus level, at the end) ----------------------------------------


def run_provenance(outdir: Path, documents: list[Document]) -> int:
    """Find derivatives among all documents; write derivatives and fill the article columns.

    Derivation needs the whole corpus at once, so it runs after the stream,
    over the slim documents the workers sent back.
    """
    from .provenance import find_derivatives  # type: ignore[import-not-found]

    derivations = find_derivatives(documents)
    rows = [derivation.to_row() for derivation in derivations]
    writer = RowWriter()
    part = outdir / "derivatives.csv.part"
    with open(part, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(DERIVATIVE_COLUMNS) + "\n")
        handle.write(
            writer.text([row.get(column) for column in DERIVATIVE_COLUMNS] for row in rows)
        )
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept = best.get(str(row.get("derived")))
        if kept is None or (row.get("score") or 0) > (kept.get("score") or 0):
            best[str(row.get("derived"))] = row
    fill_derivative_columns(outdir / "articles.csv.part", best)
    return len(rows)


def fill_derivative_columns(part: Path, best: dict[str, dict[str, Any]]) -> None:
    """Rewrite articles.csv.part with the relation and source of each derived article."""
    relation = ARTICLE_COLUMNS.index("derivative_relation")
    source = ARTICLE_COLUMNS.index("derivative_of")
    temporary = part.with_name(part.name + ".tmp")
    with (
        open(part, encoding="utf-8", newline="") as reader_handle,
        open(temporary, "w", encoding="utf-8", newline="") as writer_handle,
    ):
        reader = csv.reader(reader_handle)
        writer = csv.writer(writer_handle, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            found = best.get(row[0])
            if found is not None and not row[-1]:
                row[relation] = cell(found.get("relation"))
                row[source] = cell(found.get("source"))
            writer.writerow(row)
    os.replace(temporary, part)
