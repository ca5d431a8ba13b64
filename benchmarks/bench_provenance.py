"""`auditor trace` at scale, and its quality next to a MinHash near-duplicate baseline.

The corpus is ../shared/data/news/ (17,953 articles) plus paraphrased rewrites
of some of its articles (benchmarks/rewrites.py: credited and uncredited,
quotes kept and paraphrased, some undated). Each size runs in its own process
so that its peak memory is its own; everything else runs in this one process,
so ratios between sizes and methods are meaningful on a noisy machine.

    python benchmarks/bench_provenance.py                 # 2k, 6k, 18k + quality
    python benchmarks/bench_provenance.py --sizes 2000 --rewrites 40
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import NEWS, load_records
from rewrites import rewrite

from auditor.ingest import document_from_record
from auditor.provenance import find_derivatives

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MINHASH_PERMUTATIONS = 128
MINHASH_THRESHOLDS = (0.5, 0.3)
WORD = re.compile(r"\w+")


def corpus(size: int, rewrites: int, seed: int = 5) -> tuple[list[dict], list[dict]]:
    """The first articles of the corpus, the two seeds and the rewrites: `size` in all.

    The seeds (001 is a human-style paraphrase of 000) count as one more rewrite.
    """
    records = load_records(size)
    rng = random.Random(seed)
    pool = [r for r in records[: size - rewrites - 2] if len(r["text"]) > 1500]
    sources = rng.sample(pool, min(rewrites, len(pool)))
    made = [
        rewrite(source, credited=k % 2 == 0, keep_quotes=k % 4 < 2, dated=k % 3 != 0)
        for k, source in enumerate(sources)
    ]
    seeds = sorted(SEEDS.glob("*.txt"))
    original, copy = ({"id": path.stem, "text": path.read_text(encoding="utf-8")} for path in seeds)
    made.append({**copy, "source_id": original["id"], "credited": True})
    return [*records[: size - len(made) - 1], original, *made], made


def run_trace(records: list[dict]) -> tuple[list[dict], float]:
    documents = [document_from_record(r, r["id"]) for r in records]
    start = time.perf_counter()
    rows = [d.to_row() for d in find_derivatives(documents)]
    return rows, time.perf_counter() - start


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def one_size(size: int, rewrites: int) -> dict:
    """Trace one corpus size (called in a child process): seconds and peak memory."""
    records, _ = corpus(size, rewrites)
    rows, seconds = run_trace(records)
    return {"articles": len(records), "seconds": seconds, "peak_mb": peak_mb(), "found": len(rows)}


# -- MinHash baseline -----------------------------------------------------------------
def minhash_pairs(records: list[dict], threshold: float) -> set[tuple[str, str]]:
    """Pairs whose word 5-gram shingle sets have estimated Jaccard >= threshold (LSH)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=MINHASH_PERMUTATIONS)
    pairs = set()
    for record in records:
        words = WORD.findall(record["text"].lower())
        shingles = {" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)}
        signature = MinHash(num_perm=MINHASH_PERMUTATIONS)
        signature.update_batch(list(shingles) or [b""])
        for other in lsh.query(signature):
            pairs.add(tuple(sorted((record["id"], other))))
        lsh.insert(record["id"], signature)
    return pairs


# -- quality ----------------------------------------------------------------------------
def same_event_groups() -> dict[str, str]:
    with (NEWS / "same_event.csv").open(encoding="utf-8") as handle:
        return {row["id"]: row["group_id"] for row in csv.DictReader(handle)}


def quality(pairs: set[tuple[str, str]], made: list[dict], records: list[dict]) -> dict:
    """Recall and precision on the rewrites; how many same-event pairs are flagged.

    A pair counts for a rewrite when it joins the rewrite with its source or with
    an exact copy of the source's text (the corpus holds some duplicates).
    """
    text_of = {r["id"]: r["text"] for r in records}
    truth = {r["id"]: r["source_id"] for r in made}
    hits, involving = set(), 0
    for a, b in pairs:
        rewrite_id = a if a in truth else b if b in truth else None
        if rewrite_id is None:
            continue
        involving += 1
        other = b if rewrite_id == a else a
        if other == truth[rewrite_id] or text_of.get(other) == text_of[truth[rewrite_id]]:
            hits.add(rewrite_id)
    groups = same_event_groups()
    in_groups = sum(1 for a, b in pairs if groups.get(a) and groups.get(a) == groups.get(b))
    return {
        "recall": len(hits) / len(truth) if truth else 0.0,
        "precision": len(hits) / involving if involving else 0.0,
        "same_event_pairs": in_groups,
    }


def credited_right(rows: list[dict], made: list[dict]) -> float:
    truth = {r["id"]: (r["source_id"], r["credited"]) for r in made}
    judged = [
        (row["credited"] == "yes") == truth[row["derived"]][1]
        for row in rows
        if row["derived"] in truth and row["source"] == truth[row["derived"]][0]
    ]
    return sum(judged) / len(judged) if judged else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,6000,18153", help="corpus sizes to time")
    parser.add_argument("--rewrites", type=int, default=200, help="rewrites in the largest size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.rewrites)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    print("size      articles  seconds  articles/s  peak MB  found")
    for size in sizes:
        rewrites = max(10, args.rewrites * size // max(sizes))
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--rewrites", str(rewrites)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(child.stdout.strip().splitlines()[-1])
        rate = r["articles"] / r["seconds"]
        print(
            f"{size:<9} {r['articles']:>8,} {r['seconds']:>8.1f} {rate:>11,.0f}"
            f" {r['peak_mb']:>8.0f} {r['found']:>6}"
        )

    records, made = corpus(max(sizes), args.rewrites)
    rows, seconds = run_trace(records)
    methods = {"auditor trace": ({(r["derived"], r["source"]) for r in rows}, seconds)}
    for threshold in MINHASH_THRESHOLDS:
        start = time.perf_counter()
        pairs = minhash_pairs(records, threshold)
        methods[f"MinHash 5-gram J>={threshold}"] = (pairs, time.perf_counter() - start)
    print(f"\nquality on {len(records):,} articles with {len(made)} paraphrased rewrites")
    print("method                    recall  precision  same-event pairs  seconds")
    for name, (pairs, took) in methods.items():
        q = quality({tuple(sorted(p)) for p in pairs}, made, records)
        print(
            f"{name:<25} {q['recall']:>6.1%} {q['precision']:>10.1%}"
            f" {q['same_event_pairs']:>17} {took:>8.1f}"
        )
    print(f"auditor trace: credited/uncredited right on {credited_right(rows, made):.1%} of hits")


if __name__ == "__main__":
    main()
