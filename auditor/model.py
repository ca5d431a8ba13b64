"""The data model shared by every stage: documents, statements and audits.

Offsets (`start`, `end`) always index `Document.text`, the decoded text the
statements come from, so `statement.text == document.text[start:end]`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LABELS = ("anonymous", "named", "denial", "no_comment", "outlet", "document", "unattributed")
SOURCE_LABELS = ("anonymous", "named", "outlet", "document")
REACTION_LABELS = ("denial", "no_comment")
METADATA_KEYS = ("title", "outlet", "author", "date", "url")


@dataclass
class Document:
    """One article as read: its text, where the text came from, and its metadata."""

    name: str
    text: str
    text_source: str = "file"
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    body_start: int = 0


@dataclass(slots=True)
class Statement:
    """A sentence of the body (`kind="statement"`) or skipped text (`kind="skip"`)."""

    index: int
    start: int
    end: int
    text: str
    kind: str = "statement"
    paragraph: int = 0
    reason: str | None = None
    labels: list[str] = field(default_factory=list)
    source: str | None = None
    speaker: str | None = None
    role: str | None = None
    cue: str | None = None
    quote: str | None = None
    rules: list[str] = field(default_factory=list)
    inherited: bool = False

    @property
    def is_statement(self) -> bool:
        return self.kind == "statement"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["paragraph"]
        if self.kind == "statement":
            del data["reason"]
        return data


@dataclass
class ArticleAudit:
    """Everything the auditor found about one document."""

    document: Document
    statements: list[Statement]
    summary: dict[str, Any]
    provenance: dict[str, Any] | None = None
    score: dict[str, Any] | None = None
    findings: list[dict[str, Any]] | None = None
    # Per-article results several stages need (the labeller's rule matches per
    # statement, the anonymous attribution of a statement, the statements with
    # allegation language): computed once, never serialised.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def body_statements(self) -> list[Statement]:
        return [s for s in self.statements if s.is_statement]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.document.name,
            "text_source": self.document.text_source,
            "metadata": self.document.metadata,
            "warnings": self.document.warnings,
            "statements": [s.to_dict() for s in self.statements],
            "summary": self.summary,
        }
        for name in ("provenance", "score", "findings"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data
