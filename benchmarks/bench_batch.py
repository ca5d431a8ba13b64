"""Throughput and peak memory of `auditor batch` over the news corpus.

Each configuration runs `python -m auditor batch` in a subprocess over the
first N articles of ../shared/data/news/ (copied to a temporary .jsonl.gz
outside the repo), while this script samples the resident memory of the whole
process tree (driver, pool workers, Dask nanny and workers) every 50 ms.

    python benchmarks/bench_batch.py                       # the README table
    python benchmarks/bench_batch.py --sizes 2000 --configs local:2 --stages label

`--stages full` runs every stage the installation has (labels, summary,
readability, score, checks); `--stages label` is labelling, summary,
readability and score, without the editorial checks. Articles/s is
articles / the run's own seconds (from the manifest: reading, auditing,
writing, worker start-up included; interpreter start-up excluded); wall is
the whole command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import read_lines

REPO = Path(__file__).resolve().parent.parent
STAGE_FLAGS = {"full": [], "label": ["--no-checks"], "bare": ["--no-checks", "--no-score"]}


def write_subset(folder: Path, size: int) -> Path:
    """The first `size` articles of the corpus as one .jsonl.gz (temporary, not the repo)."""
    path = folder / f"news-{size}.jsonl.gz"
    if not path.exists():
        with gzip.open(path, "wb", compresslevel=1) as handle:
            for line in read_lines(size):
                handle.write(line)
    return path


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1e6


def run(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run `command`, returning wall seconds, peak tree memory (MB) and the result."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    wall = time.perf_counter() - started
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return wall, peak[0], result


def batch_command(source: Path, outdir: Path, engine: str, workers: int, extra: list[str]):
    command = [sys.executable, "-m", "auditor", "batch", str(source), "-o", str(outdir)]
    command += ["--workers", str(workers), "--quiet", "--force", *extra]
    if engine == "dask":
        command += ["--engine", "dask"]
    return command


def measure(source, outdir, engine, workers, extra) -> dict:
    wall, peak, result = run(batch_command(source, outdir, engine, workers, extra))
    if result.returncode not in (0, 1):
        sys.exit(f"batch failed ({result.returncode}): {result.stderr[-2000:]}")
    manifest = json.loads((outdir / "manifest.json").read_text())
    seconds = manifest["timings"]["seconds"]
    articles = manifest["counts"]["articles"]
    return {
        "articles": articles,
        "errors": manifest["counts"]["errors"],
        "seconds": seconds,
        "rate": articles / seconds,
        "wall": wall,
        "peak_mb": peak,
        "cache": manifest["execution"].get("cache"),
    }


def engine_overhead(size: int, extra: list[str]) -> None:
    """In this process: the stages called in a bare loop vs the batch worker's `audit_chunk`.

    Both do the same work (parse, audit, readability, score); the worker also
    renders the CSV rows. The ratio is the per-article cost of the engine.
    """
    from auditor.batch import Settings, audit_chunk, available_features, code_hash
    from auditor.ingest import document_from_record
    from auditor.pipeline import Auditor
    from auditor.ruleset import RuleSet
    from auditor.score import Readability, score_article
    from auditor.sources import Item

    lines = list(read_lines(size))
    ruleset = RuleSet.load([])
    auditor, readability = Auditor(ruleset), Readability()
    scoring = available_features()["score"] and "--no-score" not in extra
    checks = available_features()["checks"] and "--no-checks" not in extra
    settings = Settings(
        "text", "id", (), 10 << 20, True, scoring, checks, False, (), ruleset.hash, code_hash()
    )
    items = [Item(n, "news.jsonl", n + 1, "jsonl", line) for n, line in enumerate(lines)]

    def bare() -> None:
        from auditor.checks import run_checks

        for number, line in enumerate(lines):
            audit = auditor.audit(document_from_record(json.loads(line), f"r{number}"), False)
            audit.summary["readability"] = readability.scores(
                " ".join(s.text for s in audit.body_statements)
            )
            if scoring:
                score_article(audit)
            if checks:
                run_checks(audit)

    def engine() -> None:
        audit_chunk(items, settings, False)

    best = {"bare": float("inf"), "engine": float("inf")}
    engine()
    for _ in range(3):  # interleaved, best of three: the machine is noisy
        for name, function in (("bare", bare), ("engine", engine)):
            started = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - started)
    print(
        f"\nengine overhead, {size:,} articles in one process: bare stages "
        f"{size / best['bare']:,.0f}/s, audit_chunk {size / best['engine']:,.0f}/s "
        f"({best['engine'] / best['bare'] - 1:+.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,6000,17953")
    parser.add_argument("--configs", default="local:1,local:2,dask:2", help="engine:workers,...")
    parser.add_argument("--stages", choices=sorted(STAGE_FLAGS), default="label")
    parser.add_argument("--no-cache-run", action="store_true", help="skip the cache re-run")
    parser.add_argument("--overhead", type=int, default=2000, help="articles (0: skip)")
    args = parser.parse_args()

    sizes = [int(s) for s in args.sizes.split(",")]
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in args.configs.split(",")]
    extra = STAGE_FLAGS[args.stages]
    if args.overhead:
        engine_overhead(args.overhead, extra)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temporary:
        folder = Path(temporary)
        print(f"stages: {args.stages} ({' '.join(extra) or 'all'}); {os.cpu_count()} cores")
        print("| engine | workers | articles | seconds | articles/s | wall s | peak MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for engine, workers in configs:
            for size in sizes:
                source = write_subset(folder, size)
                row = measure(source, folder / "out", engine, workers, extra)
                print(
                    f"| {engine} | {workers} | {row['articles']:,} | {row['seconds']:.1f} | "
                    f"{row['rate']:,.0f} | {row['wall']:.1f} | {row['peak_mb']:.0f} |",
                    flush=True,
                )
        if not args.no_cache_run:
            source = write_subset(folder, sizes[-1])
            cache = ["--cache", str(folder / "cache"), *extra]
            cold = measure(source, folder / "cold", "local", 2, cache)
            warm = measure(source, folder / "warm", "local", 2, cache)
            print(
                f"\ncache, {cold['articles']:,} articles, local, 2 workers: first run "
                f"{cold['seconds']:.1f} s ({cold['rate']:,.0f}/s), re-run {warm['seconds']:.1f} s "
                f"({warm['rate']:,.0f}/s, {warm['cache']['hits']:,} hits): "
                f"{cold['seconds'] / warm['seconds']:.1f}x faster, peak {warm['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
