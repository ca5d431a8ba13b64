"""Run the stages on a document: ingest -> segment -> label -> score (summary) -> provenance."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .ingest import DEFAULT_MAX_BYTES, read_document
from .label import Labeller
from .model import ArticleAudit, Document, Statement
from .provenance import ArticleProvenance, ProvenanceRules
from .ruleset import RuleMatch, RuleSet, fired_key
from .score import summarise
from .segment import SegmentLexicons, segment


class Auditor:
    """The whole pipeline with its rules compiled once.

    >>> auditor = Auditor()            # built-in rules
    >>> audit = auditor.audit_path("seeds/000_f37875985f527884.txt")
    """

    def __init__(self, ruleset: RuleSet | None = None, rule_dirs: Iterable[str | Path] = ()):
        rule_dirs = list(rule_dirs)
        self.ruleset = ruleset or RuleSet.for_dirs(rule_dirs)
        self.segment_lexicons = SegmentLexicons.from_ruleset(self.ruleset)
        self.labeller = Labeller(self.ruleset)
        self.provenance_rules = ProvenanceRules.load(self.ruleset, rule_dirs)

    def statements(
        self, document: Document, fired_out: dict[int, list[RuleMatch]] | None = None
    ) -> list[Statement]:
        """Segment and label a document; no summary."""
        statements = segment(document.text, self.segment_lexicons, document.body_start)
        return self.labeller.label(document, statements, fired_out)

    def audit(self, document: Document, readability: bool = True) -> ArticleAudit:
        fired: dict[int, list[RuleMatch]] = {}
        statements = self.statements(document, fired)
        audit = ArticleAudit(document, statements, summarise(statements, readability=readability))
        audit.memo[fired_key(self.ruleset)] = fired  # the checks find attributions here
        audit.provenance = self.provenance(document, statements, fired)
        return audit

    def provenance(
        self,
        document: Document,
        statements: list[Statement],
        fired: dict[int, list[RuleMatch]] | None = None,
    ) -> dict:
        """The `provenance` block: credited outlets, own-reporting markers, suspicion."""
        found = ArticleProvenance.of(
            document, statements, self.labeller, self.provenance_rules, fired
        )
        return found.to_dict()

    def audit_path(self, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ArticleAudit:
        return self.audit(read_document(path, max_bytes=max_bytes))
