"""Stage 4, score: the per-article summary computed from statement labels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .model import LABELS, SOURCE_LABELS, Statement

SPACES = re.compile(r"\s+")


def summarise(statements: list[Statement], readability: bool = True) -> dict[str, Any]:
    """Counts per label, attribution share, named-to-anonymous ratio, sources, readability."""
    body = [s for s in statements if s.is_statement]
    counts = {label: sum(1 for s in body if label in s.labels) for label in LABELS}
    attributed = sum(1 for s in body if any(label in SOURCE_LABELS for label in s.labels))
    named_sources = distinct_names(
        normalise_name(s.speaker or s.source or "") for s in body if "named" in s.labels
    )
    summary: dict[str, Any] = {
        "statements": len(body),
        "skipped": len(statements) - len(body),
        "label_counts": counts,
        "attributed": attributed,
        "attributed_share": round(attributed / len(body), 3) if body else 0.0,
        "named_to_anonymous": (
            round(counts["named"] / counts["anonymous"], 3) if counts["anonymous"] else None
        ),
        "distinct_named_sources": len(named_sources),
        "named_sources": named_sources,
    }
    if readability:
        summary["readability"] = readability_scores(" ".join(s.text for s in body))
    return summary


def distinct_names(names: Iterable[str]) -> list[str]:
    """Names with the same person merged: "Trump" and "Donald Trump" count once.

    A name whose words are all part of a longer name is folded into it.
    """
    unique = sorted({n for n in names if n}, key=lambda n: (-len(n.split()), n))
    kept: list[tuple[str, set[str]]] = []
    for name in unique:
        words = set(name.lower().split())
        if not any(words <= other for _, other in kept):
            kept.append((name, words))
    return sorted(name for name, _ in kept)


def normalise_name(name: str) -> str:
    name = SPACES.sub(" ", name).strip().strip(",.")
    return re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.IGNORECASE)


def readability_scores(text: str) -> dict[str, float | None]:
    """Flesch reading ease and Flesch-Kincaid grade from textstat (None for no text)."""
    if not text.strip():
        return {"flesch_reading_ease": None, "flesch_kincaid_grade": None}
    import textstat

    return {
        "flesch_reading_ease": round(float(textstat.flesch_reading_ease(text)), 1),
        "flesch_kincaid_grade": round(float(textstat.flesch_kincaid_grade(text)), 1),
    }
