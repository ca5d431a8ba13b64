"""`auditor batch` end to end: input kinds, columns, error rows, cache, resume, formats."""

from __future__ import annotations

import csv
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch_corpus import records, write_article_files, write_csv, write_jsonl
from typer.testing import CliRunner

from auditor import batch
from auditor.batch import (
    ARTICLE_COLUMNS,
    DERIVATIVE_COLUMNS,
    FINDING_COLUMNS,
    STATEMENT_COLUMNS,
    BatchOptions,
    Progress,
    run_batch,
)
from auditor.cli import app
from conftest import REPO

runner = CliRunner()
CHECKS = batch.available_features()["checks"]


def invoke(*args: str):
    return runner.invoke(app, ["batch", *args, "--quiet"])


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def manifest(outdir: Path) -> dict:
    return json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """Every input kind in one folder tree: 4 single files and 4 record files (30 records)."""
    root = tmp_path_factory.mktemp("mixed")
    write_article_files(root / "files")
    (root / "records").mkdir()
    write_jsonl(root / "records" / "a.jsonl", records(5, seed=1, start=0))
    write_jsonl(root / "records" / "b.jsonl.gz", records(10, seed=2, start=100))
    write_csv(root / "records" / "c.csv", records(7, seed=3, start=200))
    write_csv(root / "records" / "d.csv.gz", records(8, seed=4, start=300))
    (root / "records" / "README.rst").write_text("not an input", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def mixed_run(mixed_corpus, tmp_path_factory) -> tuple[Path, object]:
    outdir = tmp_path_factory.mktemp("mixed-out") / "out"
    result = invoke(str(mixed_corpus), "-o", str(outdir), "--workers", "1")
    return outdir, result


# -- inputs and columns ------------------------------------------------------------


def test_every_input_kind_gives_one_row_per_article(mixed_run, mixed_corpus):
    outdir, result = mixed_run
    assert result.exit_code == 0, result.output
    rows = read_rows(outdir / "articles.csv")
    assert len(rows) == 4 + 5 + 10 + 7 + 8
    assert all(row["error"] == "" for row in rows)
    by_id = {row["id"]: row for row in rows}
    # Record files: id from the id field, record number, metadata from the shared layout.
    row = by_id["art-00102"]
    assert row["path"].endswith("b.jsonl.gz") and row["record"] == "3"
    assert row["headline"] == "Story number 102" and row["outlet"] and row["date"]
    assert by_id["art-00204"]["record"] == "5" and by_id["art-00300"]["path"].endswith(".csv.gz")
    # Single files: the path is the id unless a JSON file names one.
    assert by_id["json-1"]["outlet"] == "Valley Post" and by_id["json-1"]["record"] == ""
    markdown = next(r for r in rows if r["path"].endswith("notes.md"))
    assert markdown["id"] == markdown["path"] and markdown["outlet"] == "Harbor Times"
    assert next(r for r in rows if r["path"].endswith("page.html"))["headline"]
    # Directories are walked in sorted order; README.rst is not an input.
    paths = [r["path"] for r in rows]
    assert paths == sorted(paths)
    assert not any("README" in p for p in paths)


def test_every_article_has_its_statement_rows(mixed_run):
    outdir, _ = mixed_run
    articles = read_rows(outdir / "articles.csv")
    statements = read_rows(outdir / "statements.csv")
    per_article: dict[str, int] = {}
    for row in statements:
        per_article[row["article_id"]] = per_article.get(row["article_id"], 0) + 1
    for article in articles:
        body = int(article["statements"]) + int(article["skipped"])
        assert per_article[article["id"]] == body > 0
    labelled = [r for r in statements if r["kind"] == "statement"]
    assert {"named", "anonymous", "outlet", "no_comment"} <= {
        label for r in labelled for label in r["labels"].split(";")
    }
    assert all(r["inherited"] in ("true", "false") for r in statements)
    assert manifest(outdir)["counts"]["statements"] == len(statements)


def test_statement_offsets_index_the_article_text(tmp_path):
    rows = records(3, seed=9)
    write_jsonl(tmp_path / "in.jsonl", rows)
    result = invoke(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "out"), "--workers", "1")
    assert result.exit_code == 0, result.output
    texts = {row["id"]: row["text"] for row in rows}
    for row in read_rows(tmp_path / "out" / "statements.csv"):
        start, end = int(row["start"]), int(row["end"])
        assert texts[row["article_id"]][start:end] == row["text"]


def test_column_sets(mixed_run):
    outdir, _ = mixed_run
    assert header(outdir / "articles.csv") == list(ARTICLE_COLUMNS)
    assert header(outdir / "statements.csv") == list(STATEMENT_COLUMNS)
    spec = ["id", "path", "record", "outlet", "date", "headline", "words", "score", "grade"]
    spec += ["flesch_reading_ease", "distinct_named_sources", "named_count", "named_share"]
    assert set(spec) <= set(ARTICLE_COLUMNS) and ARTICLE_COLUMNS[-1] == "error"
    assert len(set(ARTICLE_COLUMNS)) == len(ARTICLE_COLUMNS)
    assert (outdir / "findings.csv").exists() == CHECKS
    if CHECKS:
        assert header(outdir / "findings.csv") == list(FINDING_COLUMNS)
        levels = {row["level"] for row in read_rows(outdir / "findings.csv")}
        assert levels <= set(batch.FINDING_LEVELS)
    assert not (outdir / "derivatives.csv").exists()
    assert sorted(p.name for p in outdir.iterdir()) == sorted(
        ["articles.csv", "statements.csv", "manifest.json"] + (["findings.csv"] if CHECKS else [])
    )
    data = manifest(outdir)
    assert data["status"] == "complete" and data["version"]
    assert len(data["rules_hash"]) == 16
    assert data["input_files"]["count"] == 8
    assert {"configuration", "inputs", "counts", "errors", "timings"} <= set(data)
    assert data["counts"]["articles"] == 34 and data["counts"]["errors"] == 0


def test_article_columns_agree_with_the_statements(mixed_run):
    outdir, _ = mixed_run
    for row in read_rows(outdir / "articles.csv"):
        total = int(row["statements"])
        assert int(row["words"]) > 0 and total > 0
        assert round(int(row["named_count"]) / total, 3) == float(row["named_share"])
        assert 0.0 <= float(row["attributed_share"]) <= 1.0
        assert row["flesch_reading_ease"] and row["flesch_kincaid_grade"]
        if batch.available_features()["score"]:
            assert 0 <= int(row["score"]) <= 100 and row["grade"] in "ABCDF"


def test_custom_field_names(tmp_path):
    rows = records(4, seed=5)
    columns = {"id": "uid", "text": "body_text", "outlet": "publication", "headline": "title"}
    write_csv(tmp_path / "export.csv", rows, columns)
    outdir = tmp_path / "out"
    result = invoke(
        str(tmp_path / "export.csv"),
        "-o",
        str(outdir),
        "--workers",
        "1",
        "--text-field",
        "body_text",
        "--id-field",
        "uid",
        "--field",
        "outlet=publication",
    )
    assert result.exit_code == 0, result.output
    got = read_rows(outdir / "articles.csv")
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    assert [r["outlet"] for r in got] == [r["outlet"] for r in rows]
    assert [r["headline"] for r in got] == [r["headline"] for r in rows]


def test_glob_selects_files_in_directories(mixed_corpus, tmp_path):
    result = invoke(str(mixed_corpus), "-o", str(tmp_path / "o"), "--glob", "*.csv*", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert len(read_rows(tmp_path / "o" / "articles.csv")) == 7 + 8


def test_record_files_without_the_text_field_are_skipped_in_folders(tmp_path):
    write_jsonl(tmp_path / "news.jsonl.gz", records(3))
    (tmp_path / "same_event.csv").write_text("group_id,kind,id\n1,curated,art-00000\n")
    result = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "same_event.csv" in result.output
    assert len(read_rows(tmp_path / "out" / "articles.csv")) == 3
    assert manifest(tmp_path / "out")["skipped_files"] == [str(tmp_path / "same_event.csv")]


# -- nothing lost: bad inputs ---------------------------------------------------------


def bad_corpus(root: Path) -> dict[str, str]:
    """Good articles with every kind of bad input in the middle; expected error per path."""
    root.mkdir()
    good = records(6, seed=11)
    write_jsonl(root / "a_good.jsonl", good[:3])
    (root / "b_empty.txt").write_bytes(b"")
    (root / "c_binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (root / "d_misencoded.txt").write_bytes(b"The mayor said so. " + bytes(range(128, 256)) * 3)
    (root / "e_broken.json").write_text('{"text": "The mayor said', encoding="utf-8")
    (root / "f_corrupt.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    truncated = gzip.compress(
        "".join(json.dumps(r) + "\n" for r in records(40, seed=12, start=500)).encode()
    )
    (root / "g_truncated.jsonl.gz").write_bytes(truncated[: len(truncated) // 2])
    (root / "h_dangling.txt").symlink_to(root / "nowhere.txt")
    mixed = [json.dumps(good[3]), "{not json", json.dumps({"id": "no-text", "title": "x"})]
    mixed += [json.dumps({"id": "blank", "text": "   "}), "[1, 2]", json.dumps(good[4])]
    (root / "i_mixed.jsonl").write_text("\n".join(mixed) + "\n", encoding="utf-8")
    write_jsonl(root / "j_good.jsonl", good[5:])
    return {
        "b_empty.txt": "file is empty",
        "c_binary.txt": "binary",
        "d_misencoded.txt": "encoding",
        "e_broken.json": "not valid JSON",
        "f_corrupt.jsonl.gz": "gzip",
        "g_truncated.jsonl.gz": "after record",
        "h_dangling.txt": "cannot read",
        "i_mixed.jsonl:2": "not valid JSON",
        "no-text": "no 'text' text field",
        "blank": "empty",
        "i_mixed.jsonl:5": "JSON must be an object",
    }


def test_bad_inputs_become_error_rows_and_the_batch_goes_on(tmp_path):
    expected = bad_corpus(tmp_path / "in")
    outdir = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(outdir)])
    assert result.exit_code == 1, result.output
    rows = read_rows(outdir / "articles.csv")
    errors = {row["id"].rsplit("/", 1)[-1]: row["error"] for row in rows if row["error"]}
    assert set(errors) == set(expected), errors
    for key, reason in expected.items():
        assert reason in errors[key], (key, errors[key])
    good = [row for row in rows if not row["error"]]
    truncated_records = [r for r in good if r["path"].endswith("g_truncated.jsonl.gz")]
    assert {r["id"] for r in good} >= {f"art-{n:05d}" for n in range(6)}
    assert len(good) == 6 + len(truncated_records) and truncated_records
    assert all(int(r["statements"]) > 0 for r in good)
    statements = read_rows(outdir / "statements.csv")
    assert {r["article_id"] for r in statements} == {r["id"] for r in good}
    data = manifest(outdir)
    assert data["counts"]["errors"] == len(expected) == len(data["errors"])
    assert data["counts"]["audited"] == len(good)


def test_max_bytes_applies_to_records_and_files(tmp_path):
    rows = records(3, seed=13)
    rows[1]["text"] = rows[1]["text"] * 40
    write_jsonl(tmp_path / "in.jsonl", rows)
    (tmp_path / "big.txt").write_text(rows[1]["text"], encoding="utf-8")
    inputs = [str(tmp_path / "in.jsonl"), str(tmp_path / "big.txt")]
    result = invoke(*inputs, "-o", str(tmp_path / "out"), "--workers", "1", "--max-bytes", "3000")
    assert result.exit_code == 1
    errors = {r["id"]: r["error"] for r in read_rows(tmp_path / "out" / "articles.csv")}
    assert errors["art-00000"] == errors["art-00002"] == ""
    assert "3,000-byte limit" in errors[f"{tmp_path / 'in.jsonl'}:2"]
    assert "3,000-byte limit" in errors[str(tmp_path / "big.txt")]


def test_a_missing_input_or_bad_option_is_a_usage_error(tmp_path):
    result = invoke(str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.output and "Traceback" not in result.output
    write_jsonl(tmp_path / "in.jsonl", records(1))
    bad_field = invoke(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o2"), "--field", "x")
    assert bad_field.exit_code == 2 and "KEY=FIELD" in bad_field.output
    no_engine = invoke(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o3"), "--scheduler", "x")
    assert no_engine.exit_code == 2 and "--engine dask" in no_engine.output


def test_an_existing_run_needs_resume_or_force(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", records(2))
    outdir = tmp_path / "out"
    assert invoke(str(tmp_path / "in.jsonl"), "-o", str(outdir), "--workers", "1").exit_code == 0
    again = invoke(str(tmp_path / "in.jsonl"), "-o", str(outdir), "--workers", "1")
    assert again.exit_code == 2 and "--resume" in again.output
    forced = invoke(str(tmp_path / "in.jsonl"), "-o", str(outdir), "--workers", "1", "--force")
    assert forced.exit_code == 0
    done = invoke(str(tmp_path / "in.jsonl"), "-o", str(outdir), "--workers", "1", "--resume")
    assert done.exit_code == 0  # already complete: nothing to do
    write_jsonl(tmp_path / "other.jsonl", records(3))
    other = invoke(str(tmp_path / "other.jsonl"), "-o", str(outdir), "--resume")
    assert other.exit_code == 2 and "not the interrupted run" in other.output


def test_missing_optional_extras_are_clear_errors(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "in.jsonl", records(1))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = invoke(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o1"), "-f", "parquet")
    assert result.exit_code == 2 and 'pip install "auditor[parquet]"' in result.output
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    result = invoke(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o2"), "--engine", "dask")
    assert result.exit_code == 2 and 'pip install "auditor[dask]"' in result.output


# -- cache and resume -------------------------------------------------------------------


def test_cache_makes_a_rerun_skip_the_work_with_identical_output(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", records(20, seed=21))
    (tmp_path / "bad.txt").write_bytes(b"")
    cache = tmp_path / "cache"
    inputs = [str(tmp_path / "in.jsonl"), str(tmp_path / "bad.txt")]
    first = invoke(*inputs, "-o", str(tmp_path / "a"), "--cache", str(cache), "--workers", "1")
    second = invoke(*inputs, "-o", str(tmp_path / "b"), "--cache", str(cache), "--workers", "1")
    assert first.exit_code == second.exit_code == 1
    assert manifest(tmp_path / "a")["execution"]["cache"]["misses"] == 21
    assert manifest(tmp_path / "b")["execution"]["cache"]["hits"] == 20
    for name in ("articles.csv", "statements.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # One changed article misses; the others still hit.
    changed = records(20, seed=21)
    changed[4]["text"] += "\nThe mayor said the plan was final.\n"
    write_jsonl(tmp_path / "in.jsonl", changed)
    third = invoke(*inputs, "-o", str(tmp_path / "c"), "--cache", str(cache), "--workers", "1")
    assert third.exit_code == 1
    stats = manifest(tmp_path / "c")["execution"]["cache"]
    assert stats["hits"] == 19 and stats["misses"] == 2


def test_cache_is_keyed_by_the_rules(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", records(5, seed=22))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "extra.yaml").write_text(
        "rules:\n  - id: named.test-extra\n    label: named\n    description: A test rule.\n"
        "    pattern: '(?P<source>Zebedee) reckons'\n"
        "    examples:\n      match: ['Zebedee reckons so.']\n      no_match: ['Nobody does.']\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    base = [str(tmp_path / "in.jsonl"), "--cache", str(cache), "--workers", "1"]
    assert invoke(*base, "-o", str(tmp_path / "a")).exit_code == 0
    assert invoke(*base, "-o", str(tmp_path / "b"), "--rules", str(rules)).exit_code == 0
    assert manifest(tmp_path / "b")["execution"]["cache"]["hits"] == 0
    assert manifest(tmp_path / "a")["rules_hash"] != manifest(tmp_path / "b")["rules_hash"]


def test_resume_after_a_crash_truncates_partial_rows(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "in.jsonl", records(60, seed=31))
    options = dict(inputs=[str(tmp_path / "in.jsonl")], workers=1, chunk_size=7, quiet=True)
    run_batch(BatchOptions(outdir=tmp_path / "fresh", **options))

    real_collect, calls = batch.collect, []

    def crash_on_fourth_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("simulated crash")
        return real_collect(*args, **kwargs)

    monkeypatch.setattr(batch, "collect", crash_on_fourth_chunk)
    outdir = tmp_path / "crashed"
    with pytest.raises(RuntimeError):
        run_batch(BatchOptions(outdir=outdir, **options))
    monkeypatch.setattr(batch, "collect", real_collect)
    assert not (outdir / "articles.csv").exists()  # final names only when complete
    assert manifest(outdir)["status"] == "running"
    checkpoint = json.loads((outdir / ".checkpoint.json").read_text())
    assert checkpoint["items_done"] == 21
    with open(outdir / "statements.csv.part", "ab") as handle:  # a half-written row
        handle.write(b'art-99999,0,0,5,statement,,"named;')
    report = run_batch(BatchOptions(outdir=outdir, resume=True, **options))
    assert report.status == "complete" and report.counts.articles == 60
    for name in ("articles.csv", "statements.csv"):
        assert (outdir / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    assert manifest(outdir)["execution"]["resumed"] is True
    assert not (outdir / ".checkpoint.json").exists()


def test_ctrl_c_then_resume_in_a_subprocess(tmp_path):
    """SIGINT mid-run leaves complete rows and an `interrupted` manifest; --resume finishes."""
    count = 1200
    write_jsonl(tmp_path / "in.jsonl.gz", records(count, seed=41))
    outdir = tmp_path / "out"
    command = [sys.executable, "-m", "auditor", "batch", str(tmp_path / "in.jsonl.gz")]
    command += ["-o", str(outdir), "--workers", "2", "--chunk-size", "20", "--no-checks"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    checkpoint = outdir / ".checkpoint.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if checkpoint.exists() and json.loads(checkpoint.read_text())["items_done"] >= 60:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    data = manifest(outdir)
    assert data["status"] == "interrupted"
    done = data["counts"]["articles"]
    assert 60 <= done < count
    partial = read_rows(outdir / "articles.csv.part")
    assert [row["id"] for row in partial] == [f"art-{n:05d}" for n in range(done)]

    resumed = subprocess.run(
        [*command, "--resume"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    rows = read_rows(outdir / "articles.csv")
    assert [row["id"] for row in rows] == [f"art-{n:05d}" for n in range(count)]
    statements = read_rows(outdir / "statements.csv")
    order = [row["article_id"] for row in statements]
    assert order == sorted(order) and set(order) == {row["id"] for row in rows}
    final = manifest(outdir)
    assert final["status"] == "complete" and final["counts"]["articles"] == count
    assert final["counts"]["statements"] == len(statements)


# -- formats, provenance, progress --------------------------------------------------------


def test_parquet_has_the_same_rows_with_types(mixed_corpus, mixed_run, tmp_path):
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    outdir = tmp_path / "pq"
    result = invoke(str(mixed_corpus), "-o", str(outdir), "--workers", "1", "--format", "parquet")
    assert result.exit_code == 0, result.output
    assert not list(outdir.glob("*.csv*"))
    csv_dir, _ = mixed_run
    for table in ("articles", "statements"):
        frame = pandas.read_parquet(outdir / f"{table}.parquet")
        expected = pandas.read_csv(csv_dir / f"{table}.csv", keep_default_na=False, dtype=str)
        assert list(frame.columns) == list(expected.columns)
        assert len(frame) == len(expected)
    articles = pandas.read_parquet(outdir / "articles.parquet")
    assert str(articles["words"].dtype) == "int64"
    assert str(articles["named_share"].dtype) == "float64"
    assert articles["error"].eq("").all()
    statements = pandas.read_parquet(outdir / "statements.parquet")
    assert str(statements["inherited"].dtype) == "bool"


class FakeDerivation:
    def __init__(self, derived: str, source: str):
        self.derived, self.source = derived, source

    def to_row(self) -> dict:
        return {
            "derived": self.derived,
            "source": self.source,
            "score": 0.9,
            "relation": "wire_copy",
            "credited": False,
            "shared_quotes": 2,
        }


def test_provenance_writes_derivatives_and_fills_the_article_columns(tmp_path, monkeypatch):
    import auditor.provenance as provenance

    seen = []

    def find_derivatives(documents, against=()):
        seen.extend(documents)
        return [FakeDerivation("art-00002", "art-00000")]

    monkeypatch.setattr(provenance, "find_derivatives", find_derivatives, raising=False)
    write_jsonl(tmp_path / "in.jsonl", records(4, seed=51))
    outdir = tmp_path / "out"
    result = invoke(str(tmp_path / "in.jsonl"), "-o", str(outdir), "--workers", "1", "--provenance")
    assert result.exit_code == 0, result.output
    assert [d.name for d in seen] == [f"art-{n:05d}" for n in range(4)]
    assert all(d.text and d.metadata.get("outlet") for d in seen)
    assert header(outdir / "derivatives.csv") == list(DERIVATIVE_COLUMNS)
    derivative = read_rows(outdir / "derivatives.csv")[0]
    assert derivative["relation"] == "wire_copy" and derivative["credited"] == "false"
    rows = {row["id"]: row for row in read_rows(outdir / "articles.csv")}
    assert rows["art-00002"]["derivative_relation"] == "wire_copy"
    assert rows["art-00002"]["derivative_of"] == "art-00000"
    assert rows["art-00001"]["derivative_relation"] == ""
    assert manifest(outdir)["counts"]["derivatives"] == 1


def test_provenance_after_resume_sees_every_document(tmp_path, monkeypatch):
    import auditor.provenance as provenance

    seen = []
    monkeypatch.setattr(
        provenance, "find_derivatives", lambda docs, against=(): seen.extend(docs) or [], False
    )
    write_jsonl(tmp_path / "in.jsonl", records(30, seed=52))
    (tmp_path / "bad.txt").write_bytes(b"")
    inputs = [str(tmp_path / "bad.txt"), str(tmp_path / "in.jsonl")]
    options = dict(inputs=inputs, outdir=tmp_path / "out", workers=1, chunk_size=4, quiet=True)
    real_collect, calls = batch.collect, []

    def crash_on_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("simulated crash")
        return real_collect(*args, **kwargs)

    monkeypatch.setattr(batch, "collect", crash_on_third_chunk)
    with pytest.raises(RuntimeError):
        run_batch(BatchOptions(provenance=True, **options))
    monkeypatch.setattr(batch, "collect", real_collect)
    seen.clear()
    report = run_batch(BatchOptions(provenance=True, resume=True, **options))
    assert report.counts.articles == 31 and report.counts.errors == 1
    assert [d.name for d in seen] == [f"art-{n:05d}" for n in range(30)]


class FakeStream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_bar_on_a_terminal_and_log_lines_otherwise():
    terminal = FakeStream(tty=True)
    bar = Progress(total=1000, quiet=False, stream=terminal)
    bar.start -= 2.0
    bar.update(400, position=500, force=True)
    assert terminal.text.startswith("\r[") and "400 articles" in terminal.text
    assert "200/s" in terminal.text and "50%" in terminal.text and "ETA 0:00:02" in terminal.text
    log = FakeStream(tty=False)
    lines = Progress(total=1000, quiet=False, stream=log, interval=10.0)
    lines.update(10, position=100)  # within the interval: nothing
    lines.update(20, position=200, force=True)
    assert log.text.count("\n") == 1 and log.text.startswith("auditor: 20 articles")
    quiet = FakeStream(tty=True)
    Progress(total=10, quiet=True, stream=quiet).update(5, 5, force=True)
    assert quiet.text == ""


def test_the_shared_news_layout_needs_no_flags(shared_data, tmp_path):
    """The first 150 records of a real file, copied to tmp (never into the repo)."""
    source = shared_data / "basil.jsonl.gz"
    with gzip.open(source, "rb") as handle:
        lines = [next(handle) for _ in range(150)]
    subset = tmp_path / "basil.jsonl.gz"
    subset.write_bytes(gzip.compress(b"".join(lines)))
    outdir = tmp_path / "out"
    result = invoke(str(subset), "-o", str(outdir), "--workers", "2", "--no-checks")
    assert result.exit_code == 0, result.output
    rows = read_rows(outdir / "articles.csv")
    expected = [json.loads(line) for line in lines]
    assert [row["id"] for row in rows] == [r["id"] for r in expected]
    assert [row["headline"] for row in rows] == [r["headline"] or "" for r in expected]
    assert all(row["outlet"] and not row["error"] for row in rows)
    statement_ids = {row["article_id"] for row in read_rows(outdir / "statements.csv")}
    assert statement_ids == {row["id"] for row in rows}
