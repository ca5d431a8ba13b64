"""Helpers shared by the benchmark scripts: where the corpus is, and how to read it."""

from __future__ import annotations

import gzip
import json
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news"


def news_files() -> list[Path]:
    files = sorted(NEWS.glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"benchmark data not found: {NEWS} (needs ../shared/ beside the repo)")
    return files


def read_lines(limit: int | None = None) -> Iterator[bytes]:
    """Raw JSONL lines of the news corpus, in a fixed order, at most `limit`."""
    count = 0
    for path in news_files():
        with gzip.open(path, "rb") as handle:
            for line in handle:
                yield line
                count += 1
                if limit is not None and count >= limit:
                    return


def load_records(limit: int | None = None) -> list[dict]:
    return [json.loads(line) for line in read_lines(limit)]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
