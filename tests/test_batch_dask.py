"""The Dask engine writes exactly what the local engine writes (timings aside)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch_corpus import records, write_article_files, write_csv, write_jsonl
from typer.testing import CliRunner

from auditor.batch import BatchOptions, run_batch
from auditor.cli import app
from conftest import REPO

distributed = pytest.importorskip("distributed")
runner = CliRunner()
OUTPUTS = ("articles.csv", "statements.csv", "findings.csv")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Single files, JSONL and CSV records and two bad inputs: 60 articles in all."""
    root = tmp_path_factory.mktemp("dask-corpus")
    write_article_files(root / "files")
    write_jsonl(root / "news.jsonl.gz", records(40, seed=61))
    write_csv(root / "export.csv", records(14, seed=62, start=100))
    (root / "empty.txt").write_bytes(b"")
    (root / "broken.json").write_text("{", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded workers in this process: quick to start, real scheduling."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as local_cluster:
        yield local_cluster


def comparable_manifest(outdir: Path) -> dict:
    """The manifest without what may differ between engines: timings and execution details."""
    data = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    data.pop("timings")
    data.pop("execution")
    return data


def assert_same_output(one: Path, other: Path) -> None:
    for name in OUTPUTS:
        assert (one / name).exists() == (other / name).exists()
        if (one / name).exists():
            assert (one / name).read_bytes() == (other / name).read_bytes(), name
    assert comparable_manifest(one) == comparable_manifest(other)


def options(corpus: Path, outdir: Path, **extra) -> BatchOptions:
    return BatchOptions(inputs=[str(corpus)], outdir=outdir, chunk_size=7, quiet=True, **extra)


def test_local_and_dask_write_identical_output(corpus, cluster, tmp_path):
    local = run_batch(options(corpus, tmp_path / "local", workers=2))
    with distributed.Client(cluster) as client:
        on_dask = run_batch(options(corpus, tmp_path / "dask", engine="dask"), client=client)
    assert local.counts.articles == on_dask.counts.articles == 4 + 40 + 14 + 2
    assert local.counts.errors == on_dask.counts.errors == 2
    assert local.exit_code == on_dask.exit_code == 1
    assert_same_output(tmp_path / "local", tmp_path / "dask")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["execution"]["engine"] == "dask" and manifest["execution"]["workers"] == 2


def test_one_worker_and_two_workers_write_identical_output(corpus, tmp_path):
    run_batch(options(corpus, tmp_path / "one", workers=1))
    run_batch(options(corpus, tmp_path / "two", workers=2))
    assert_same_output(tmp_path / "one", tmp_path / "two")


def test_cli_with_a_scheduler_address_and_the_cache(corpus, cluster, tmp_path):
    cache = tmp_path / "cache"
    base = [str(corpus), "--engine", "dask", "--scheduler", cluster.scheduler_address]
    base += ["--cache", str(cache), "--quiet", "--chunk-size", "9"]
    first = runner.invoke(app, ["batch", *base, "-o", str(tmp_path / "a")])
    second = runner.invoke(app, ["batch", *base, "-o", str(tmp_path / "b")])
    assert first.exit_code == second.exit_code == 1, first.output
    assert_same_output(tmp_path / "a", tmp_path / "b")
    stats = json.loads((tmp_path / "b" / "manifest.json").read_text())["execution"]["cache"]
    assert stats["hits"] == 58 and stats["misses"] == 2  # the two bad inputs are not cached
    run_batch(options(corpus, tmp_path / "local", workers=1))
    assert_same_output(tmp_path / "a", tmp_path / "local")


def test_an_unreachable_scheduler_is_a_usage_error(corpus, tmp_path):
    import dask

    unreachable = ["--scheduler", "tcp://127.0.0.1:9"]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = runner.invoke(
            app,
            [
                "batch",
                str(corpus),
                "-o",
                str(tmp_path / "o"),
                "--engine",
                "dask",
                "--quiet",
                *unreachable,
            ],
        )
    assert result.exit_code == 2 and "cannot connect" in result.output


def test_engine_dask_without_an_address_starts_a_local_cluster(tmp_path):
    """The console command end to end: a LocalCluster of worker processes, same rows."""
    write_jsonl(tmp_path / "in.jsonl", records(12, seed=71))
    command = [sys.executable, "-m", "auditor", "batch", str(tmp_path / "in.jsonl"), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Both in subprocesses, back to back: each computes the code hash (part of the
    # manifest's config_key) afresh, as a user's two runs would.
    for extra in (["--engine", "dask", "--workers", "2"], ["--workers", "1"]):
        outdir = tmp_path / ("dask" if "dask" in extra else "local")
        done = subprocess.run(
            [*command, "-o", str(outdir), *extra],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
    assert_same_output(tmp_path / "dask", tmp_path / "local")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["execution"] == manifest["execution"] | {"engine": "dask", "workers": 2}
