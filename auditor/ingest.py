"""Stage 1, ingest: read a file (or stdin) into a `Document`.

Supported: .txt, .md (YAML front matter becomes metadata), .html/.htm (main text
and metadata extracted with trafilatura), .json (an object with `text` or `body`)
and `-` for standard input. Bytes are decoded as UTF-8 (with or without BOM);
anything else is detected with charset-normalizer and decoded with a warning.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .model import Document

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

# Metadata field names accepted in front matter and JSON, mapped to ours.
METADATA_ALIASES = {
    "title": "title",
    "headline": "title",
    "outlet": "outlet",
    "publisher": "outlet",
    "source": "outlet",
    "site": "outlet",
    "sitename": "outlet",
    "author": "author",
    "authors": "author",
    "byline": "author",
    "date": "date",
    "published": "date",
    "url": "url",
    "link": "url",
}


def read_document(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read `path` (or `-` for stdin) into a Document, or raise InputError."""
    if path == "-":
        raw = sys.stdin.buffer.read(max_bytes + 1)
        return parse_bytes(raw, name="<stdin>", suffix=".txt", max_bytes=max_bytes)
    file = Path(path)
    if not file.exists():
        raise InputError(f"{path}: no such file")
    if file.is_dir():
        raise InputError(f"{path}: is a directory, not an article file")
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(s for s in SUPPORTED_SUFFIXES if s))
        raise InputError(f"{path}: unsupported file type {suffix!r} (use {supported})")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        raw = file.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from err
    return parse_bytes(raw, name=str(path), suffix=suffix, max_bytes=max_bytes)


def parse_bytes(raw: bytes, name: str, suffix: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Decode `raw` and build a Document according to the file type `suffix`."""
    if len(raw) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes:,}-byte limit")
    if not raw.strip():
        raise InputError(f"{name}: file is empty")
    if looks_binary(raw):
        raise InputError(f"{name}: looks like a binary file, not text")
    text, warnings = decode(raw, name)
    if suffix in MARKDOWN_SUFFIXES:
        document = from_markdown(text, name)
    elif suffix in HTML_SUFFIXES:
        document = from_html(text, name)
    elif suffix in JSON_SUFFIXES:
        document = from_json(text, name)
    else:
        document = Document(name=name, text=text)
    document.warnings = warnings + document.warnings
    if not document.text[document.body_start :].strip():
        raise InputError(f"{name}: no article text found")
    return document


# Control characters that do not occur in text (tab, newlines, form feed and
# escape do); deleting them with bytes.translate counts them at C speed.
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def looks_binary(raw: bytes) -> bool:
    """True for data that is not text: NUL bytes, or mostly control characters."""
    sample = raw[:8192]
    if b"\x00" in sample:
        return True
    control = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return control > len(sample) * 0.05


def decode(raw: bytes, name: str) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8 (BOM stripped) or, failing that, the detected encoding."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    detected = str(best) if best is not None else None
    western = decode_cp1252(raw)
    # Short Latin-script samples are ambiguous between code pages; Windows-1252
    # (a superset of Latin-1) is by far the most common for English-language news.
    if western is not None and (detected is None or is_latin_script(detected)):
        return western, [f"{name}: not UTF-8; decoded as cp1252 (Windows Latin-1)"]
    if best is None or detected is None:
        raise InputError(f"{name}: cannot detect the text encoding (not UTF-8)")
    return detected, [f"{name}: not UTF-8; decoded as {best.encoding}"]


def decode_cp1252(raw: bytes) -> str | None:
    """cp1252 text, or None if the bytes are not plausible cp1252 (undefined or C1 bytes)."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return None if any("\x80" <= char <= "\x9f" for char in text) else text


def is_latin_script(text: str) -> bool:
    """True when every letter is Latin (ASCII, Latin-1, Latin Extended)."""
    return all(
        ord(char) < 0x250 or 0x1E00 <= ord(char) <= 0x1EFF for char in text if char.isalpha()
    )


def normalise_metadata(fields: dict[str, Any]) -> dict[str, Any]:
    """Pick the metadata we know from a mapping, under our own key names."""
    metadata: dict[str, Any] = {}
    for key, value in fields.items():
        ours = METADATA_ALIASES.get(str(key).lower())
        if ours is None or value in (None, "", []) or ours in metadata:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        metadata[ours] = str(value)
    return metadata


def from_markdown(text: str, name: str) -> Document:
    """Markdown: optional `---` YAML front matter, then the body.

    Offsets index the whole file; the body starts after the front matter.
    """
    if not text.startswith("---"):
        return Document(name=name, text=text)
    end = text.find("\n---", 3)
    if end == -1:
        raise InputError(f"{name}: front matter opened with '---' is never closed")
    try:
        fields = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as err:
        raise InputError(f"{name}: front matter is not valid YAML ({err})") from err
    if not isinstance(fields, dict):
        raise InputError(f"{name}: front matter must be a mapping of keys to values")
    body_start = text.find("\n", end + 4)
    body_start = len(text) if body_start == -1 else body_start + 1
    return Document(
        name=name, text=text, metadata=normalise_metadata(fields), body_start=body_start
    )


def from_html(html: str, name: str) -> Document:
    """HTML: main text and metadata extracted by trafilatura; offsets index that text."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, favor_recall=True
    )
    if extracted is None:
        raise InputError(f"{name}: no article text could be extracted from the HTML")
    fields = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    text = fields.get("text") or ""
    metadata = normalise_metadata(
        {k: fields.get(k) for k in ("title", "author", "date", "url", "sitename")}
    )
    return Document(name=name, text=text, text_source="html-extracted", metadata=metadata)


def from_json(text: str, name: str) -> Document:
    """JSON: an object with a `text` (or `body`) string plus metadata fields."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not valid JSON ({err.msg} at line {err.lineno})") from err
    if not isinstance(data, dict):
        raise InputError(f"{name}: JSON must be an object with a 'text' or 'body' field")
    return document_from_record(data, name)


def document_from_record(record: dict[str, Any], name: str) -> Document:
    """Build a Document from a record (a JSON object or a JSONL row)."""
    for field_name in ("text", "body"):
        value = record.get(field_name)
        if isinstance(value, str):
            metadata = normalise_metadata(record)
            return Document(
                name=name, text=value, text_source=f"json:{field_name}", metadata=metadata
            )
    raise InputError(f"{name}: JSON object has no 'text' or 'body' string field")
