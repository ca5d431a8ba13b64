"""A SQLite cache of per-article audit results for `auditor batch --cache DIR`.

Entries are keyed by the article's content hash and a *configuration key*: the
rules hash plus everything else that changes the result (the code, the field
mapping, the options). A re-run over an unchanged corpus finds every article
here and skips the labelling; a changed rule or option simply misses.

Only the process that drives the batch touches the database (workers return
new entries with their results), so there is one writer and no locking games,
and the cache works the same with a Dask cluster whose workers cannot see DIR.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ConfigError

CACHE_FILE = "auditor-batch-cache.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    config TEXT NOT NULL,
    content TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (config, content)
) WITHOUT ROWID
"""


def pack(payload: dict[str, Any]) -> bytes:
    """Compact, exact serialisation: JSON keeps floats exact (shortest repr), zlib shrinks text."""
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def unpack(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))


class ResultCache:
    """Look up and store article results under one configuration key."""

    def __init__(self, directory: str | Path, config_key: str):
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(folder / CACHE_FILE)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            self.connection.execute(SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise ConfigError(f"--cache {directory}: cannot open the cache ({err})") from err
        self.config_key = config_key
        self.hits = 0
        self.misses = 0
        self.stored = 0

    def get_many(self, hashes: list[str]) -> dict[str, dict[str, Any]]:
        """The cached payloads among `hashes` (content hash -> payload)."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):  # stay under SQLite's variable limit
            batch = unique[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self.connection.execute(
                f"SELECT content, payload FROM results WHERE config = ? AND content IN ({marks})",
                [self.config_key, *batch],
            )
            found.update((content, unpack(blob)) for content, blob in rows)
        hit = sum(1 for h in hashes if h in found)
        self.hits += hit
        self.misses += len(hashes) - hit
        return found

    def put_many(self, entries: Iterable[tuple[str, bytes]]) -> None:
        """Store new results (content hash, `pack`ed payload) in one transaction.

        Payloads arrive packed: the workers do the serialising, not this process.
        """
        rows = [(self.config_key, content, blob) for content, blob in entries]
        if rows:
            with self.connection:
                self.connection.executemany(
                    "INSERT OR REPLACE INTO results (config, content, payload) VALUES (?, ?, ?)",
                    rows,
                )
            self.stored += len(rows)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "stored": self.stored}

    def close(self) -> None:
        self.connection.close()
