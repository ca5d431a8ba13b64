"""Batch input: find the files of a corpus and stream its articles as raw items.

A corpus is a mix of single-article files (`.txt`, `.md`, `.html`, `.json`) and
record files holding many articles (`.jsonl`, `.csv`, optionally gzipped). This
module turns the command-line inputs into one ordered stream of `Item`s, each
carrying the *raw* bytes (or CSV row) of one article. Parsing happens later, in
the workers: the process that reads the input stays cheap, and memory stays
flat because only a bounded number of chunks is ever in flight.

The order is deterministic (inputs as given, directories walked in sorted
order, records in file order), so an item's position `seq` identifies it across
runs and `--resume` can skip what an interrupted run already wrote.
"""

from __future__ import annotations

import csv
import fnmatch
import gzip
import hashlib
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError
from .ingest import SUPPORTED_SUFFIXES, looks_binary

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".json")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
RECORD_SUFFIXES = JSONL_SUFFIXES + CSV_SUFFIXES
DEFAULT_GLOBS = tuple(f"*{suffix}" for suffix in ARTICLE_SUFFIXES + RECORD_SUFFIXES)
# CSV exports of news carry whole articles in one field; the csv module's
# default limit (128 KiB) would reject long ones.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(slots=True)
class Item:
    """One article to audit, still raw.

    `kind` says how to parse `raw`: `file` (the bytes of a single-article file),
    `jsonl` (the bytes of one line), `csv` (one row as a dict of strings) or
    `error` (the input could not be read at all; `error` says why).
    """

    seq: int
    path: str
    record: int | None
    kind: str
    raw: Any = None
    error: str | None = None

    @property
    def suffix(self) -> str:
        return file_suffix(self.path)

    def content_hash(self) -> str:
        """A digest of what the article's audit depends on: its kind, type and raw content."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{self.kind}|{self.suffix if self.kind == 'file' else ''}|".encode())
        if isinstance(self.raw, bytes):
            digest.update(self.raw)
        else:
            digest.update(json.dumps(self.raw, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()


def file_suffix(path: str) -> str:
    """The suffix that decides how a file is read: `.jsonl.gz` counts as one."""
    name = path.lower()
    for suffix in RECORD_SUFFIXES + ARTICLE_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return Path(name).suffix


def is_record_file(path: str) -> bool:
    return file_suffix(path) in RECORD_SUFFIXES


# -- finding the files ------------------------------------------------------


@dataclass
class Inputs:
    """The files of a run, and the record files found in folders that hold no articles."""

    files: list[str]
    skipped: list[str]


def expand_inputs(
    inputs: Iterable[str],
    globs: Iterable[str] = (),
    exclude: Path | None = None,
    text_field: str = "text",
) -> Inputs:
    """The files named by `inputs`: files as given, directories walked recursively.

    In directories, files whose name matches one of `globs` (default: every
    supported type) are taken, hidden files and folders and `exclude` (the output
    directory) are skipped, and so are record files without the text field (a
    folder of JSONL articles often sits beside a CSV index of them). A named
    path that does not exist is a usage error.
    """
    patterns = tuple(globs) or DEFAULT_GLOBS
    excluded = exclude.resolve() if exclude is not None else None
    files: list[str] = []
    skipped: list[str] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for found in walk(path, patterns, excluded):
                if is_record_file(found) and not has_text_field(found, text_field):
                    skipped.append(found)
                else:
                    files.append(found)
        elif path.exists() or path.is_symlink():
            files.append(given)
        else:
            raise InputError(f"{given}: no such file or directory")
    return Inputs(files, skipped)


def has_text_field(path: str, text_field: str) -> bool:
    """Does the first record (or the CSV header) of a record file have the text field?

    When in doubt (an unreadable or corrupt file) the answer is yes: the file
    is then audited and its problem reported as an error row.
    """
    wanted = {text_field, "body"} if text_field == "text" else {text_field}
    try:
        with open(path, "rb") as raw:
            stream: BinaryIO = gzip.GzipFile(fileobj=raw) if path.lower().endswith(".gz") else raw
            if file_suffix(path) in CSV_SUFFIXES:
                text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace")
                header = next(csv.reader(text), [])
                return bool(wanted.intersection(header))
            for line in stream:
                if line.strip():
                    record = json.loads(line)
                    return not isinstance(record, dict) or bool(wanted.intersection(record))
    except (OSError, EOFError, zlib.error, csv.Error, ValueError):
        return True
    return True


def walk(folder: Path, patterns: tuple[str, ...], excluded: Path | None) -> list[str]:
    """Matching files under `folder`, sorted by path so the order never depends on the disk."""
    found = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (here / d).resolve() != excluded]
        for name in names:
            if not name.startswith(".") and any(fnmatch.fnmatch(name, p) for p in patterns):
                found.append(str(here / name))
    return sorted(found)


def files_digest(files: list[str]) -> str:
    """A digest of the file list, so `--resume` can tell that the inputs changed."""
    return hashlib.sha256("\n".join(files).encode()).hexdigest()[:16]


def total_bytes(files: list[str]) -> int:
    """Size on disk of all inputs: the denominator of the progress estimate."""
    return sum(size_of(name) for name in files)


# -- streaming the items ----------------------------------------------------


class ItemStream:
    """Iterate over every article of `files` as `Item`s, in order.

    `bytes_done` tracks how much of the input (on disk, compressed) has been
    consumed, which is what the progress bar's ETA is based on. `skip` items are
    passed over without being read (what `--resume` has already written).
    """

    def __init__(self, files: list[str], max_bytes: int, skip: int = 0):
        self.files = files
        self.max_bytes = max_bytes
        self.skip = skip
        self.seq = 0
        self.bytes_done = 0
        self._current: BinaryIO | None = None

    def position(self) -> int:
        """Input bytes consumed so far, including the part read of the current file."""
        current = 0
        if self._current is not None and not self._current.closed:
            try:
                current = self._current.tell()
            except (OSError, ValueError):
                current = 0
        return self.bytes_done + current

    def __iter__(self) -> Iterator[Item]:
        for path in self.files:
            if is_record_file(path):
                yield from self._records(path)
            else:
                yield from self._single(path)
            self.bytes_done += size_of(path)

    def _next(self) -> int | None:
        """The next sequence number, or None when this item is skipped on resume."""
        seq = self.seq
        self.seq += 1
        return None if seq < self.skip else seq

    def _single(self, path: str) -> Iterator[Item]:
        seq = self._next()
        if seq is not None:
            yield read_single(seq, path, self.max_bytes)

    def _records(self, path: str) -> Iterator[Item]:
        try:
            handle = open(path, "rb")  # noqa: SIM115 (closed in finally, tracked for progress)
        except OSError as err:
            seq = self._next()
            if seq is not None:
                yield Item(seq, path, None, "error", error=f"cannot read ({err.strerror or err})")
            return
        self._current = handle
        try:
            yield from self._parse_records(path, handle)
        finally:
            handle.close()
            self._current = None

    def _parse_records(self, path: str, handle: BinaryIO) -> Iterator[Item]:
        """Records of one file; a file-level failure becomes one `error` item."""
        stream: BinaryIO = gzip.GzipFile(fileobj=handle) if path.lower().endswith(".gz") else handle
        record = 0
        try:
            head = stream.peek(8192)[:8192] if hasattr(stream, "peek") else b""
            if looks_binary(head):
                raise InputError("looks like a binary file, not JSONL or CSV text")
            reader = jsonl_rows if file_suffix(path) in JSONL_SUFFIXES else csv_rows
            for record, raw in reader(stream):
                seq = self._next()
                if seq is not None:
                    kind = "csv" if isinstance(raw, dict) else "jsonl"
                    yield Item(seq, path, record, kind, raw)
            if record == 0:
                raise InputError("no records found (the file is empty)")
        except (OSError, EOFError, zlib.error, csv.Error, InputError) as err:
            seq = self._next()
            if seq is not None:
                where = f"after record {record}: " if record else ""
                yield Item(seq, path, None, "error", error=f"{where}{describe(err)}")


def describe(err: BaseException) -> str:
    """A one-line reason for a file-level failure."""
    if isinstance(err, gzip.BadGzipFile):
        return f"not a valid gzip file ({err})"
    if isinstance(err, EOFError | zlib.error):
        return f"truncated or corrupt gzip data ({err})"
    if isinstance(err, csv.Error):
        return f"malformed CSV ({err})"
    if isinstance(err, OSError):
        return f"cannot read ({err.strerror or err})"
    return str(err)


def size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def read_single(seq: int, path: str, max_bytes: int) -> Item:
    """A single-article file as an item holding its bytes (or the reason it cannot be read)."""
    if file_suffix(path) not in SUPPORTED_SUFFIXES:
        supported = ", ".join(ARTICLE_SUFFIXES + RECORD_SUFFIXES)
        return Item(seq, path, None, "error", error=f"unsupported file type (use {supported})")
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            error = f"file is {size:,} bytes, over the {max_bytes:,}-byte limit"
            return Item(seq, path, None, "error", error=error)
        with open(path, "rb") as handle:
            return Item(seq, path, None, "file", handle.read())
    except IsADirectoryError:
        return Item(seq, path, None, "error", error="is a directory, not an article file")
    except OSError as err:
        return Item(seq, path, None, "error", error=f"cannot read ({err.strerror or err})")


def jsonl_rows(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of every non-blank line; parsing is the worker's job."""
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


def csv_rows(stream: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, row) of a CSV file with a header row.

    Bytes that are not UTF-8 are kept as surrogate escapes, so one mis-encoded
    row becomes one error (or a decoded-with-warning article) instead of ending
    the file.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    for number, row in enumerate(reader, start=1):
        yield number, {str(k): ("" if v is None else v) for k, v in row.items() if k is not None}


def chunked(items: Iterable[Item], size: int, max_bytes: int) -> Iterator[list[Item]]:
    """Group items into chunks of at most `size` items or about `max_bytes` raw bytes."""
    chunk: list[Item] = []
    weight = 0
    for item in items:
        chunk.append(item)
        weight += len(item.raw) if isinstance(item.raw, bytes) else 1024
        if len(chunk) >= size or weight >= max_bytes:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk
