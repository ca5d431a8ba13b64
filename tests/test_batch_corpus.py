"""Synthetic corpora for the batch tests (helpers, no tests): invented articles, never real news."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from pathlib import Path

NAMES = ["Maria Lopez", "John Okafor", "Priya Natarajan", "Tom Becker", "Ana Silva"]
ROLES = ["the city treasurer", "a council member", "the transport minister", "the mayor"]
THINGS = ["budget", "bridge project", "tax plan", "school reform", "water contract"]
VERBS = ["pass", "fail", "stall", "move ahead", "be delayed"]
TEMPLATES = [
    "{name} said the {thing} would {verb}.",
    "“We expect the {thing} to {verb},” said {name}, {role}.",
    "A senior official, who spoke on condition of anonymity, said the {thing} would {verb}.",
    "The {thing} will {verb} next month, according to a report by The New York Times.",
    "The ministry declined to comment on the {thing}.",
    "{name} denied that the {thing} would {verb}.",
    "Costs of the {thing} rose 4 percent last year.",
    "Records filed with the court show the {thing} was approved in May.",
]
OUTLETS = ["Daily Ledger", "Harbor Times", "Valley Post"]


def article_text(rng: random.Random, sentences: int = 6) -> str:
    """A short invented news article: paragraphs of templated sourced sentences."""
    lines = []
    for _ in range(sentences):
        template = rng.choice(TEMPLATES)
        lines.append(
            template.format(
                name=rng.choice(NAMES),
                role=rng.choice(ROLES),
                thing=rng.choice(THINGS),
                verb=rng.choice(VERBS),
            )
        )
    paragraphs = [" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2)]
    return "\n\n".join(paragraphs) + "\n"


def records(count: int, seed: int = 1, start: int = 0) -> list[dict]:
    """Records in the layout of ../shared/data/news/*.jsonl.gz."""
    rng = random.Random(seed)
    return [
        {
            "id": f"art-{start + number:05d}",
            "outlet": rng.choice(OUTLETS),
            "date": f"2024-05-{1 + number % 28:02d}",
            "headline": f"Story number {start + number}",
            "url": f"https://example.org/{start + number}",
            "authors": rng.choice(NAMES),
            "text": article_text(rng, rng.randint(3, 8)),
        }
        for number in range(count)
    ]


def write_jsonl(path: Path, rows: list[dict], gz: bool | None = None) -> Path:
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    if gz if gz is not None else path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_csv(path: Path, rows: list[dict], columns: dict[str, str] | None = None) -> Path:
    """Rows as CSV; `columns` renames fields ({our field: CSV column})."""
    columns = columns or {key: key for key in rows[0]}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(columns.values()))
    for row in rows:
        writer.writerow([row[key] for key in columns])
    data = buffer.getvalue().encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_article_files(folder: Path, seed: int = 7) -> dict[str, Path]:
    """One file of each single-article type."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "txt": folder / "plain.txt",
        "md": folder / "notes.md",
        "html": folder / "page.html",
        "json": folder / "item.json",
    }
    files["txt"].write_text(article_text(rng), encoding="utf-8")
    files["md"].write_text(
        "---\ntitle: Council weighs budget\noutlet: Harbor Times\ndate: 2024-06-01\n---\n"
        + article_text(rng),
        encoding="utf-8",
    )
    body = "".join(f"<p>{p}</p>\n" for p in article_text(rng, 8).split("\n\n"))
    files["html"].write_text(
        "<html><head><title>Bridge delayed again</title></head><body><article>"
        f"<h1>Bridge delayed again</h1>\n{body}</article></body></html>",
        encoding="utf-8",
    )
    files["json"].write_text(
        json.dumps(
            {"id": "json-1", "headline": "Water deal signed", "outlet": "Valley Post"}
            | {"text": article_text(rng)}
        ),
        encoding="utf-8",
    )
    return files
