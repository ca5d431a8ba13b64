"""Stage 4, score: the per-article summary and the sourcing score, from statement labels.

`summarise` counts labels; `score_article` turns them into a 0-100 sourcing
score with a letter grade, component by component (see the README, "Scorer").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError
from .model import LABELS, SOURCE_LABELS, ArticleAudit, Statement

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


LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def normalise_name(name: str) -> str:
    name = SPACES.sub(" ", name).strip().strip(",.")
    return LEADING_ARTICLE.sub("", name)


def readability_scores(text: str) -> dict[str, float | None]:
    """Flesch reading ease and Flesch-Kincaid grade as textstat computes them (None for no text)."""
    return shared_readability().scores(text)


# -- readability, computed cheaply --------------------------------------------


class Syllables(dict):
    """Syllables per word, looked up once: cmudict's stressed vowels, else pyphen + 1.

    A dict whose misses compute the count, so `map(syllables.__getitem__, words)`
    stays in C for every word seen before.
    """

    MAX_WORDS = 500_000  # bound the memory: a few tens of MB at most

    def __init__(self) -> None:
        super().__init__()
        from textstat.backend.utils._get_cmudict import get_cmudict
        from textstat.backend.utils._get_pyphen import get_pyphen

        self.cmudict = get_cmudict("en_US")
        self.pyphen = get_pyphen("en_US")

    def __missing__(self, word: str) -> int:
        try:
            count = sum(1 for phone in self.cmudict[word][0] if phone[-1].isdigit())
        except (TypeError, IndexError, KeyError):
            count = len(self.pyphen.positions(word)) + 1
        if len(self) >= self.MAX_WORDS:
            self.clear()
        self[word] = count
        return count


class Readability:
    """Flesch reading ease and Flesch–Kincaid grade, number for number textstat's.

    textstat 0.7.8 (pinned) looks every word up in cmudict and, failing that,
    hyphenates it with pyphen, for every article anew: that cost as much as the
    labelling itself. This is the same arithmetic on the same counts, with the
    syllables of each distinct word remembered across articles. The tests check
    it against textstat on generated and real text.
    """

    NON_CONTRACTION_APOSTROPHE = re.compile(r"\'(?![tsd]|ve|ll|re)")
    PUNCTUATION = re.compile(r"[^\w\s\']")
    SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
    WORD_CHAR = re.compile(r"\w")
    FIRST_TOKENS = 8  # is_short looks at these first; three with a word character decide

    def __init__(self) -> None:
        self.syllables = Syllables()

    def strip(self, text: str) -> str:
        """textstat's `remove_punctuation(text, rm_apostrophe=False)`."""
        return self.PUNCTUATION.sub("", self.NON_CONTRACTION_APOSTROPHE.sub("", text))

    def is_short(self, sentence: str) -> bool:
        """At most two words once punctuation is stripped (textstat leaves these out).

        Stripping only deletes characters, and never one of a token's word
        characters, so a sentence with three tokens holding a word character is
        long without stripping it.
        """
        words = 0
        # Only the first few tokens are needed: split off a handful, not the whole sentence.
        for token in sentence.split(None, self.FIRST_TOKENS)[: self.FIRST_TOKENS]:
            if self.WORD_CHAR.search(token):
                words += 1
                if words > 2:
                    return False
        return len(self.strip(sentence).split()) <= 2

    def scores(self, text: str) -> dict[str, float | None]:
        if not text.strip():
            return {"flesch_reading_ease": None, "flesch_kincaid_grade": None}
        stripped = self.strip(text)
        words = len(stripped.split())
        sentences = self.SENTENCE.findall(text)
        short = sum(1 for sentence in sentences if self.is_short(sentence))
        sentence_count = max(1, len(sentences) - short)
        syllables = sum(map(self.syllables.__getitem__, stripped.lower().split()))
        words_per_sentence = words / sentence_count
        syllables_per_word = syllables / words if words else 0.0
        if words_per_sentence == 0 or syllables_per_word == 0:
            ease = grade = 0.0
        else:
            ease = 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word
            grade = (0.39 * words_per_sentence) + (11.8 * syllables_per_word) - 15.59
        return {
            "flesch_reading_ease": round(float(ease), 1),
            "flesch_kincaid_grade": round(float(grade), 1),
        }


_readability: list[Readability] = []


def shared_readability() -> Readability:
    """One Readability per process: its syllable memo pays off across runs and settings."""
    if not _readability:
        _readability.append(Readability())
    return _readability[0]


# -- the sourcing score ------------------------------------------------------
# A 0-100 score from six components whose weights (their maximum points) sum to
# 100. Each component says how its points were reached and lists the statements
# behind them (`statements`), with those that cost points also in `lost`.
COMPONENTS = ("attribution", "on_record", "sources", "right_of_reply", "anonymity", "provenance")
DEFAULT_WEIGHTS = {
    "attribution": 25,
    "on_record": 25,
    "sources": 15,
    "right_of_reply": 15,
    "anonymity": 10,
    "provenance": 10,
}
GRADES = ((85, "A"), (70, "B"), (55, "C"), (40, "D"), (0, "F"))
UNCREDITED_RELATIONS = {"uncredited_rewrite"}


@dataclass
class ScoreConfig:
    """Weights and limits of the sourcing score (from `[tool.auditor]` via auditor.config).

    `checks` supplies the rule set (lexicons) and the allegation pattern of the
    `reply.missing` check, so the score and the checks agree on what they see.
    """

    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    sources_target: int = 5
    uncredited_penalty: int = 40
    grades: tuple[tuple[int, str], ...] = GRADES
    checks: Any = None  # auditor.checks.CheckConfig; None: the built-in checks

    @classmethod
    def from_settings(
        cls,
        weights: dict[str, int] | None = None,
        sources_target: int = 5,
        uncredited_penalty: int = 40,
        checks: Any = None,
    ) -> ScoreConfig:
        """Defaults with `weights` overriding some components; the total must stay 100."""
        merged = dict(DEFAULT_WEIGHTS)
        for name, weight in (weights or {}).items():
            if name not in DEFAULT_WEIGHTS:
                raise ConfigError(
                    f"weights: unknown score component {name!r} (one of {', '.join(COMPONENTS)})"
                )
            merged[name] = weight
        if sum(merged.values()) != 100:
            raise ConfigError(
                f"weights must sum to 100, not {sum(merged.values())} "
                f"({', '.join(f'{k}={v}' for k, v in merged.items())})"
            )
        return cls(merged, sources_target, uncredited_penalty, GRADES, checks)


def grade_for(score: int, grades: tuple[tuple[int, str], ...] = GRADES) -> str:
    return next(letter for floor, letter in grades if score >= floor)


def score_article(
    audit: ArticleAudit, config: ScoreConfig | None = None, derivation: dict | None = None
) -> dict[str, Any]:
    """The sourcing score of one article: `{"score", "grade", "derivative", "components"}`.

    `derivation` is an optional row of `auditor.provenance.find_derivatives`
    (keys `relation`, `source`, `credited`, ...) saying this article copies
    another; an uncredited copy loses `uncredited_penalty` points on top of the
    provenance component.
    """
    from .checks import ArticleContext, CheckConfig

    config = config or ScoreConfig()
    checks = config.checks or CheckConfig.default()
    ctx = ArticleContext(audit, checks.ruleset)
    weights = config.weights
    components = [
        attribution_component(ctx, weights["attribution"]),
        on_record_component(ctx, weights["on_record"]),
        sources_component(ctx, weights["sources"], config.sources_target),
        reply_component(ctx, weights["right_of_reply"], checks),
        anonymity_component(ctx, weights["anonymity"]),
        provenance_component(ctx, weights["provenance"], config.uncredited_penalty, derivation),
    ]
    total = sum(c["points"] for c in components)
    score = max(0, min(100, math.floor(total + 0.5)))
    derivative = any(c.get("derivative") for c in components)
    return {
        "score": score,
        "grade": grade_for(score, config.grades),
        "derivative": derivative,
        "components": components,
    }


def component(
    name: str,
    weight: int,
    points: float,
    explanation: str,
    statements: Iterable[int] = (),
    lost: Iterable[int] = (),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "weight": weight,
        "points": round(points, 1),
        "max_points": weight,
        "explanation": explanation,
        "statements": sorted(set(statements)),
        "lost": sorted(set(lost)),
        **extra,
    }


def share_points(weight: int, part: int, whole: int) -> float:
    return round(weight * part / whole, 1) if whole else 0.0


def attribution_component(ctx: Any, weight: int) -> dict[str, Any]:
    """Share of body statements that carry a source (named, anonymous, outlet, document)."""
    body = ctx.body
    unattributed = [s.index for s in body if "unattributed" in s.labels]
    attributed = len(body) - len(unattributed)
    points = share_points(weight, attributed, len(body))
    return component(
        "attribution",
        weight,
        points,
        f"{attributed} of {len(body)} statements attributed: {weight} × {attributed}/{len(body)}"
        f" = {points}; the {len(unattributed)} unattributed statements cost the rest",
        [s.index for s in body],
        unattributed,
    )


def on_record_component(ctx: Any, weight: int) -> dict[str, Any]:
    """Named statements over named plus anonymous statements."""
    named = [s.index for s in ctx.body if "named" in s.labels]
    anonymous = [s.index for s in ctx.body if "anonymous" in s.labels and "named" not in s.labels]
    whole = len(named) + len(anonymous)
    points = share_points(weight, len(named), whole)
    if not whole:
        explanation = "no statement is attributed to a person or organisation: 0"
    else:
        explanation = (
            f"{len(named)} named of {whole} person-sourced statements: "
            f"{weight} × {len(named)}/{whole} = {points}; "
            f"the {len(anonymous)} anonymous cost the rest"
        )
    return component("on_record", weight, points, explanation, named + anonymous, anonymous)


def distinct_sources(ctx: Any) -> dict[str, list[int]]:
    """Each distinct source (as written) -> the statements citing it.

    Named people and organisations are merged as in the summary ("Trump" and
    "Donald Trump" once); anonymous sources count once per distinct phrase,
    back-references ("this person") not at all; outlets and documents by name.
    """
    from .checks import anonymous_attributions

    found: dict[str, list[int]] = {}
    named = {
        s.index: normalise_name(s.speaker or s.source or "")
        for s in ctx.body
        if "named" in s.labels
    }
    kept = [(name, set(name.lower().split())) for name in distinct_names(named.values())]
    for index, name in named.items():
        if not name:
            continue
        words = set(name.lower().split())
        key = next((k for k, k_words in kept if words <= k_words), name)
        found.setdefault(f"named: {key}", []).append(index)
    for statement in anonymous_attributions(ctx):
        phrase = SPACES.sub(" ", ctx.attribution(statement)[0]).strip()
        found.setdefault(f"anonymous: {phrase.lower()}", []).append(statement.index)
    for label in ("outlet", "document"):
        for statement in ctx.body:
            if label in statement.labels and statement.source and not statement.inherited:
                found.setdefault(f"{label}: {normalise_name(statement.source)}", []).append(
                    statement.index
                )
    return found


def sources_component(ctx: Any, weight: int, target: int) -> dict[str, Any]:
    """Distinct sources, full points at `target` or more."""
    sources = distinct_sources(ctx)
    count = len(sources)
    points = share_points(weight, min(count, target), target)
    listed = "; ".join(sources) or "none"
    return component(
        "sources",
        weight,
        points,
        f"{count} distinct sources (full points at {target}): "
        f"{weight} × {min(count, target)}/{target} = {points} — {listed}",
        [indices[0] for indices in sources.values()],
    )


def reply_component(ctx: Any, weight: int, checks: Any) -> dict[str, Any]:
    """Accused or criticised parties given a chance to respond (reply.missing's patterns)."""
    from .checks import allegations, replies

    check = checks.by_id.get("reply.missing")
    if check is None:
        return component("right_of_reply", weight, weight, "reply.missing is not loaded: full")
    accused = [s.index for s in allegations(ctx, check.params)]
    answered = [s.index for s in replies(ctx, check.params["reply_labels"])]
    if not accused:
        return component(
            "right_of_reply", weight, weight, f"no allegation language: {weight}", answered
        )
    if answered:
        return component(
            "right_of_reply",
            weight,
            weight,
            f"{len(accused)} statements with allegation language and {len(answered)} "
            f"denial or no-comment lines: {weight}",
            accused + answered,
        )
    return component(
        "right_of_reply",
        weight,
        0,
        f"{len(accused)} statements with allegation language and no denial or no-comment line: 0",
        accused,
        accused,
    )


def anonymity_component(ctx: Any, weight: int) -> dict[str, Any]:
    """Anonymous sources whose reason for anonymity is stated nearby (as anon.no-reason)."""
    from .checks import anonymous_attributions

    reason = re.compile(ctx.ruleset.lexicons["anonymity_reason"].regex)
    anonymous = anonymous_attributions(ctx)
    if not anonymous:
        return component("anonymity", weight, weight, f"no anonymous source: {weight}")
    justified = [s.index for s in anonymous if reason.search(ctx.nearby_text(s))]
    unjustified = [s.index for s in anonymous if s.index not in justified]
    points = share_points(weight, len(justified), len(anonymous))
    return component(
        "anonymity",
        weight,
        points,
        f"{len(justified)} of {len(anonymous)} anonymous attributions say why anonymity was "
        f"granted: {weight} × {len(justified)}/{len(anonymous)} = {points}",
        [s.index for s in anonymous],
        unjustified,
    )


def provenance_component(
    ctx: Any, weight: int, penalty: int, derivation: dict | None
) -> dict[str, Any]:
    """Original or honestly credited: full points; uncredited copying: minus `penalty`.

    Evidence, strongest first: a `derivation` row from the corpus comparison, the
    provenance stage's verdict (`audit.provenance`), then the statements
    labelled `outlet` (a credited rewrite, marked derivative).
    """
    from .checks import credited_outlets

    if derivation and is_uncredited(derivation):
        source = derivation.get("source", "another article")
        return component(
            "provenance",
            weight,
            -penalty,
            f"copies {source} ({derivation.get('relation')}) without credit: -{penalty}",
            derivative=True,
        )
    credited = credited_outlets(ctx)
    provenance = ctx.audit.provenance or {}
    if provenance.get("derivative_suspect") and not credited:
        reason = provenance.get("reason") or "reads as a rewrite but credits no outlet"
        return component(
            "provenance", weight, 0, f"derivative suspected: {reason}: 0", derivative=True
        )
    if credited or (derivation and derivation.get("credited")):
        names = ", ".join(outlet for outlet, _ in credited) or str(derivation.get("source"))
        statements = [s.index for _, group in credited for s in group]
        return component(
            "provenance",
            weight,
            weight,
            f"credits {names}: a credited rewrite, marked derivative: {weight}",
            statements,
            derivative=True,
        )
    markers = provenance.get("own_reporting") or []
    if markers:
        listed = ", ".join(m["marker"] for m in markers)
        return component(
            "provenance",
            weight,
            weight,
            f"own reporting ({listed}), no sign of copied reporting: {weight}",
            [m["statement"] for m in markers],
            derivative=False,
        )
    return component(
        "provenance", weight, weight, f"no sign of copied reporting: {weight}", derivative=False
    )


def is_uncredited(derivation: dict) -> bool:
    relation = derivation.get("relation")
    credited = derivation.get("credited")
    if relation in UNCREDITED_RELATIONS:
        return not credited
    return relation == "wire_copy" and credited is False
