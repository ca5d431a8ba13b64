"""Throughput of ingest + segment + label on one core, next to the floor.

The floor is what any tool must do: decompress and parse the JSONL records and
split each text into sentences naively. Both run in this one process, one after
the other, so their ratio is meaningful even on a noisy machine.

    python benchmarks/bench_score.py            # whole corpus (17,953 articles)
    python benchmarks/bench_score.py --limit 2000 --sizes 500,1000,2000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import load_records, peak_rss_mb, read_lines

from auditor.ingest import document_from_record
from auditor.pipeline import Auditor

NAIVE_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def floor(lines: list[bytes]) -> int:
    """Parse each record and split its text naively; returns sentences seen."""
    total = 0
    for line in lines:
        text = json.loads(line)["text"]
        for paragraph in text.split("\n"):
            total += len(NAIVE_SENTENCE.split(paragraph))
    return total


def audit(lines: list[bytes], auditor: Auditor, readability: bool) -> int:
    """Ingest (record -> Document), segment and label; with `readability` the summary too."""
    total = 0
    for number, line in enumerate(lines):
        document = document_from_record(json.loads(line), name=f"record {number}")
        if readability:
            total += len(auditor.audit(document).statements)
        else:
            total += len(auditor.statements(document))
    return total


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="articles to use (default: all)")
    parser.add_argument("--sizes", default="2000,6000", help="smaller sizes for the growth table")
    parser.add_argument("--summary", action="store_true", help="also time the summary (textstat)")
    args = parser.parse_args()

    lines = list(read_lines(args.limit))
    megabytes = sum(len(json.loads(line)["text"].encode()) for line in lines) / 1e6
    auditor = Auditor()
    audit(lines[:200], auditor, False)  # warm up regex caches

    floor_seconds = timed(floor, lines)
    label_seconds = timed(audit, lines, auditor, False)
    rows = [
        ("floor: read + naive split", floor_seconds),
        ("ingest + segment + label", label_seconds),
    ]
    if args.summary:
        rows.append(("  + summary (readability)", timed(audit, lines, auditor, True)))
    print(f"corpus: {len(lines):,} articles, {megabytes:.1f} MB of text, one core")
    print(f"{'stage':32s} {'seconds':>8s} {'articles/s':>11s} {'MB/s':>7s}")
    for name, seconds in rows:
        print(f"{name:32s} {seconds:8.2f} {len(lines) / seconds:11.0f} {megabytes / seconds:7.2f}")
    print(f"labelling costs {label_seconds / floor_seconds:.1f}x the floor")

    sizes = [int(s) for s in args.sizes.split(",") if s and int(s) < len(lines)] + [len(lines)]
    print("\ngrowth (ingest + segment + label):")
    print(f"{'articles':>9s} {'seconds':>8s} {'articles/s':>11s}")
    for size in sizes:
        seconds = timed(audit, lines[:size], auditor, False)
        print(f"{size:9,d} {seconds:8.2f} {size / seconds:11.0f}")
    print(f"\npeak memory (RSS): {peak_rss_mb():.0f} MB (the corpus is held in memory)")


if __name__ == "__main__":
    if "--records" in sys.argv:  # tiny self-check used by the tests
        print(len(load_records(5)))
    else:
        main()
