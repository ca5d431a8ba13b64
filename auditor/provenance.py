"""Stage 5, provenance: who an article's reporting comes from.

Two levels:

* **One article** (`ArticleProvenance.of`, used by `auditor score`): the outlets it
  credits ("according to a report by The New York Post", "who spoke with CNN"),
  its own-reporting markers ("Exclusive", "The Post has learned") and whether it
  looks like a rewrite of someone else's story (`derivative_suspect`). The signal
  patterns are data, in `rules/provenance/*.yaml`; the article's own outlet is
  decided by the labeller (metadata, else "The Post has learned").

* **A corpus** (`find_derivatives`, used by `auditor trace`): which articles are
  rewrites or copies of which. A paraphrase shares few word 5-grams with its
  original, so shingles are not the evidence. What survives paraphrase is what
  the rewriter may not change: direct quotes, names, numbers, the run of facts
  sentence by sentence (content words), and the credit line. Candidates come
  from an inverted index over rare features (names, numbers, content words with
  a capped document frequency), so the work grows with the corpus, not with its
  square; only candidate pairs are verified sentence by sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from .errors import RuleLoadError
from .label import Labeller, is_own_outlet, outlet_tokens
from .model import Document, Statement
from .ruleset import (
    REFERENCE,
    Lexicon,
    RuleMatch,
    RuleSet,
    parse_examples,
    parse_yaml,
    rule_examples,
)
from .segment import SegmentLexicons, segment

# ---------------------------------------------------------------------------
# Provenance rules: rules/provenance/*.yaml
# ---------------------------------------------------------------------------

RULE_KINDS = {
    "credit": "credits another outlet's reporting; captures (?P<outlet>…)",
    "own_marker": "marks the article's own original reporting",
}
PROVENANCE_RULE_KEYS = {"id", "kind", "description", "pattern", "examples", "flags", "triggers"}


@dataclass
class ProvenanceRule:
    """A single-article provenance signal: a regex over one statement."""

    id: str
    kind: str
    description: str
    pattern: str
    file: str
    match_examples: list[str]
    no_match_examples: list[str]
    ignorecase: bool
    regex: re.Pattern[str]
    triggers: tuple[str, ...] = ()  # the rule runs only when one of these occurs (lower case)

    def compile_for_outlet(self, lexicons: dict[str, Lexicon], outlet: str) -> re.Pattern[str]:
        """This rule with `{outlet}` standing for one given outlet name.

        Used to ask "does this article credit *that* outlet?" when the outlet is
        not in the outlet lexicon (the corpus has ~100 outlets, the lexicon
        cannot list them all).
        """
        names = outlet_name_variants(outlet)
        own = "(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) + ")"
        return compile_pattern(self.pattern, lexicons, self.ignorecase, {"outlet": own})


@dataclass
class ProvenanceRules:
    """The loaded provenance rules, with the lexicons they were compiled against."""

    rules: list[ProvenanceRule]
    lexicons: dict[str, Lexicon]

    @cached_property
    def trigger_words(self) -> tuple[str, ...]:
        return tuple(sorted({t for rule in self.rules for t in rule.triggers}))

    def candidates(self, lowered: str) -> list[ProvenanceRule]:
        """The rules with a trigger word in `lowered` (a statement in lower case), or none.

        A rule's triggers are a prefilter: it runs only when one occurs as a
        substring. Each trigger is looked for once per statement, not once per
        rule that lists it.
        """
        present = {word for word in self.trigger_words if word in lowered}
        return [r for r in self.rules if not r.triggers or not present.isdisjoint(r.triggers)]

    def matches(self, text: str) -> list[tuple[ProvenanceRule, re.Match[str]]]:
        """Every rule that matches `text`, each with its match, in rule order."""
        found = []
        for rule in self.candidates(text.lower()):
            match = rule.regex.search(text)
            if match:
                found.append((rule, match))
        return found

    @classmethod
    def load(cls, ruleset: RuleSet, extra_dirs: Iterable[str | Path] = ()) -> ProvenanceRules:
        """Built-in `rules/provenance/*.yaml`, then `provenance/` of each extra rule dir."""
        files = builtin_provenance_files()
        for directory in extra_dirs:
            folder = Path(directory) / "provenance"
            for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
                files.append((str(file), file.read_text(encoding="utf-8")))
        by_id: dict[str, ProvenanceRule] = {}
        for path, text in files:
            for rule in parse_provenance_file(path, parse_yaml(path, text), ruleset.lexicons):
                by_id[rule.id] = rule
        return cls(sorted(by_id.values(), key=lambda r: r.id), ruleset.lexicons)

    def of_kind(self, kind: str) -> list[ProvenanceRule]:
        return [rule for rule in self.rules if rule.kind == kind]


def builtin_provenance_files() -> list[tuple[str, str]]:
    """(display path, text) of each built-in provenance rule file."""
    try:
        root: Any = resources.files("auditor.rules.provenance")
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "rules" / "provenance"
    return [
        (f"rules/provenance/{child.name}", child.read_text(encoding="utf-8"))
        for child in sorted(root.iterdir(), key=lambda c: c.name)
        if child.name.endswith((".yaml", ".yml"))
    ]


def parse_provenance_file(
    path: str, data: Any, lexicons: dict[str, Lexicon]
) -> list[ProvenanceRule]:
    """Validate one provenance rule file; any problem is a RuleLoadError naming file and key."""
    if not isinstance(data, dict) or "rules" not in data:
        raise RuleLoadError(f"{path}: expected a mapping with a 'rules' list")
    extra = set(data) - {"rules", "description"}
    if extra:
        raise RuleLoadError(f"{path}: unknown top-level key {sorted(extra)[0]!r}")
    if not isinstance(data["rules"], list) or not data["rules"]:
        raise RuleLoadError(f"{path}: 'rules' must be a non-empty list")
    return [
        parse_provenance_rule(path, f"rules[{i}]", item, lexicons)
        for i, item in enumerate(data["rules"])
    ]


def parse_provenance_rule(
    path: str, key: str, item: Any, lexicons: dict[str, Lexicon]
) -> ProvenanceRule:
    if not isinstance(item, dict):
        raise RuleLoadError(f"{path}: {key} must be a mapping")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleLoadError(f"{path}: {key}.id is missing")
    where = f"{path}: {key} ({rule_id})"
    unknown = set(item) - PROVENANCE_RULE_KEYS
    if unknown:
        raise RuleLoadError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for required in ("kind", "description", "pattern", "examples"):
        if not item.get(required):
            raise RuleLoadError(f"{where}: '{required}' is missing")
    if item["kind"] not in RULE_KINDS:
        raise RuleLoadError(f"{where}: kind {item['kind']!r} is not one of {sorted(RULE_KINDS)}")
    if not isinstance(item["pattern"], str):
        raise RuleLoadError(f"{where}: 'pattern' must be a string")
    match_examples, no_match_examples = parse_examples(where, item["examples"])
    flags = item.get("flags", [])
    if flags not in ([], ["ignorecase"]):
        raise RuleLoadError(f"{where}: 'flags' may only be [ignorecase]")
    triggers = item.get("triggers", [])
    if not isinstance(triggers, list) or not all(isinstance(w, str) and w for w in triggers):
        raise RuleLoadError(f"{where}: 'triggers' must be a list of words")
    pattern = item["pattern"].strip()
    for name in REFERENCE.findall(pattern):
        if name not in lexicons:
            raise RuleLoadError(f"{where}: pattern refers to unknown lexicon {{{name}}}")
    try:
        regex = compile_pattern(pattern, lexicons, bool(flags))
    except re.error as err:
        raise RuleLoadError(f"{where}: pattern is not a valid regex: {err}") from err
    if item["kind"] == "credit" and "outlet" not in regex.groupindex:
        raise RuleLoadError(f"{where}: a credit pattern must capture (?P<outlet>...)")
    return ProvenanceRule(
        id=rule_id,
        kind=item["kind"],
        description=str(item["description"]).strip(),
        pattern=pattern,
        file=path,
        match_examples=match_examples,
        no_match_examples=no_match_examples,
        ignorecase=bool(flags),
        regex=regex,
        triggers=tuple(w.lower() for w in triggers),
    )


def compile_pattern(
    pattern: str,
    lexicons: dict[str, Lexicon],
    ignorecase: bool,
    overrides: dict[str, str] | None = None,
) -> re.Pattern[str]:
    """Expand `{lexicon}` references (or their `overrides`) and compile."""
    overrides = overrides or {}

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        return overrides.get(name) or lexicons[name].regex

    return re.compile(REFERENCE.sub(expand, pattern), re.IGNORECASE if ignorecase else 0)


@dataclass
class ProvenanceExampleFailure:
    rule_id: str
    file: str
    kind: str
    sentence: str

    def describe(self) -> str:
        expectation = "should match but did not" if self.kind == "match" else "should not match"
        return f"{self.file}: {self.rule_id} {expectation}:\n    {self.sentence}"


def run_provenance_examples(
    rules: ProvenanceRules,
) -> tuple[int, list[ProvenanceExampleFailure]]:
    """Run every provenance rule's own examples; return (examples run, failures).

    The same contract as `auditor.ruleset.run_examples`, for `auditor rules test`.
    """
    run, failures = 0, []
    for rule, kind, sentence in rule_examples(rules.rules):
        run += 1
        fired = any(found is rule for found, _ in rules.matches(sentence))
        if fired != (kind == "match"):
            failures.append(ProvenanceExampleFailure(rule.id, rule.file, kind, sentence))
    return run, failures


def outlet_name_variants(outlet: str) -> list[str]:
    """Ways an article names an outlet: 'New York Times' -> also 'The New York Times'."""
    name = " ".join(outlet.split())
    bare = re.sub(r"^(?:the)\s+", "", name, flags=re.IGNORECASE)
    variants = {name, bare, f"The {bare}", f"the {bare}"}
    short = re.sub(r"\s+(?:News|Online|\.com)$", "", bare)
    if short != bare and len(short) > 2:
        variants |= {short, f"The {short}", f"the {short}"}
    return sorted(variants, key=len, reverse=True)


# ---------------------------------------------------------------------------
# One article
# ---------------------------------------------------------------------------

LEAD_STATEMENTS = 3  # a credit among the first statements means the story is someone else's
CREDITED_SHARE = 0.25  # or when this share of statements is credited to other outlets


@dataclass
class Credit:
    outlet: str
    phrase: str
    statement: int


@dataclass
class ArticleProvenance:
    """Credits and own-reporting markers of one article (the `provenance` block)."""

    own_outlet: str | None
    credits: list[Credit]
    own_markers: list[tuple[str, int]]
    statements: int

    @classmethod
    def of(
        cls,
        document: Document,
        statements: list[Statement],
        labeller: Labeller,
        rules: ProvenanceRules,
        fired: dict[int, list[RuleMatch]] | None = None,
    ) -> ArticleProvenance:
        """`fired`: the labeller's rule matches by statement index, when the caller kept them."""
        body = [s for s in statements if s.is_statement]
        own_outlet, own_tokens = own_outlet_of(document, statements, labeller, fired)

        def is_own(name: str) -> bool:
            return is_own_outlet(name, own_tokens)

        outlet_known = labeller.knows_its_outlet(document)
        credits: list[Credit] = []
        markers: list[tuple[str, int]] = []
        for statement in statements:
            for rule, found in rules.matches(statement.text):
                phrase = " ".join(found.group(0).split())
                outlet = captured_outlet(found)
                credit = rule.kind == "credit" and outlet and not is_own(outlet)
                another = (
                    rule.kind == "own_marker"
                    and outlet
                    and labeller.credits_another(outlet, own_tokens, outlet_known)
                )
                if credit or another:
                    if statement.is_statement:
                        credits.append(Credit(" ".join(outlet.split()), phrase, statement.index))
                elif rule.kind == "own_marker" or (outlet and is_own(outlet)):
                    markers.append((phrase, statement.index))
        credits += engine_credits(body, credits)
        return cls(own_outlet, credits, dedupe(markers), len(body))

    def credited_outlets(self) -> list[dict[str, Any]]:
        """Credits grouped by outlet ("The Post" joins "The New York Post")."""
        groups: list[tuple[set[str], dict[str, Any]]] = []
        for credit in sorted(self.credits, key=lambda c: c.statement):
            tokens = outlet_tokens(credit.outlet)
            entry = next((e for key, e in groups if tokens <= key or key <= tokens), None)
            if entry is None:
                entry = {"outlet": credit.outlet, "phrases": [], "statements": []}
                groups.append((tokens, entry))
            elif len(credit.outlet) > len(entry["outlet"]):
                entry["outlet"] = credit.outlet
            if credit.phrase not in entry["phrases"]:
                entry["phrases"].append(credit.phrase)
            if credit.statement not in entry["statements"]:
                entry["statements"].append(credit.statement)
        return [entry for _, entry in groups]

    def suspect(self) -> tuple[bool, str]:
        """Does the article look like a rewrite of another outlet's story, and why."""
        outlets = self.credited_outlets()
        if self.own_markers:
            shown = ", ".join(sorted({m for m, _ in self.own_markers}))
            return False, f"own-reporting markers: {shown}"
        if not outlets:
            return False, "credits no other outlet"
        credited = {s for entry in outlets for s in entry["statements"]}
        first = min(credited)
        lead = sorted(credited)[:LEAD_STATEMENTS]
        share = len(credited) / max(1, self.statements)
        names = ", ".join(entry["outlet"] for entry in outlets)
        if first <= LEAD_STATEMENTS:
            return True, (
                f"credits {names} in the lead (statement {first}) and has no own-reporting markers"
            )
        if share >= CREDITED_SHARE:
            return True, f"{share:.0%} of statements are credited to {names}"
        return False, f"credits {names} only in passing (statements {', '.join(map(str, lead))})"

    def to_dict(self) -> dict[str, Any]:
        suspect, reason = self.suspect()
        return {
            "own_outlet": self.own_outlet,
            "credited_outlets": self.credited_outlets(),
            "own_reporting": [{"marker": m, "statement": i} for m, i in self.own_markers],
            "derivative_suspect": suspect,
            "reason": reason,
        }


def own_outlet_of(
    document: Document,
    statements: list[Statement],
    labeller: Labeller,
    fired: dict[int, list[RuleMatch]] | None = None,
) -> tuple[str | None, list[set[str]]]:
    """The article's own outlet as the labeller decides it: metadata, else markers,
    else the byline or dateline."""
    metadata = document.metadata.get("outlet")
    if metadata:
        return metadata, labeller._own_outlets(document, [])
    fired = fired or {}
    body = [s for s in statements if s.is_statement]
    matches_by_statement = [
        found if (found := fired.get(s.index)) is not None else labeller.ruleset.fire(s.text)
        for s in body
    ]
    # the labeller's decision
    own_tokens = labeller._own_outlets(document, matches_by_statement, statements)
    for matches in matches_by_statement:
        for match in matches:
            name = match.groups.get("outlet")
            if match.rule.outlet_role == "own" and name and is_own_outlet(name, own_tokens):
                return " ".join(name.split()), own_tokens
    furniture = labeller.furniture_outlets(statements)
    return (furniture[0] if furniture else None), own_tokens


def engine_credits(body: list[Statement], found: list[Credit]) -> list[Credit]:
    """Outlet credits the labeller made that no provenance rule phrased (never twice)."""
    seen = {c.statement for c in found}
    extra = []
    for statement in body:
        credited = "outlet" in statement.labels and not statement.inherited
        if credited and statement.source and statement.index not in seen:
            phrase = " ".join(f"{statement.cue or ''} {statement.source}".split())
            extra.append(Credit(statement.source, phrase, statement.index))
    return extra


def captured_outlet(found: re.Match[str]) -> str | None:
    """The outlet a pattern captured (`outlet`, or `outlet2`… in alternatives)."""
    for name, value in found.groupdict().items():
        if name.rstrip("0123456789") == "outlet" and value:
            return value
    return None


def dedupe(markers: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return list(dict.fromkeys(markers))


# ---------------------------------------------------------------------------
# A corpus: fingerprints that survive paraphrase
# ---------------------------------------------------------------------------

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|\d[\d,.]*\d|\d")
QUOTE = re.compile(r"[“\"]([^“”\"]{12,800})[”\"]")
NUMBER = re.compile(r"\d[\d,.]*\d")  # two digits or more: single digits are everywhere


def word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOPWORDS = word_set(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each even
    few for from further had has have having he her here hers him his how i if in into is it
    its itself just last may me might more most much must my new no nor not now of off on
    once one only or other our ours out over own per same she should since so some still
    such than that the their theirs them then there these they this those through to too
    under until up upon us very was we were what when where whether which while who whom
    whose why will with within without would yet you your said says say saying told tell
    tells according added adding noted stated mr mrs ms dr however including like many
    several well would could another across around among amid via get got make made year
    years day days time
    """
)
# Capitalised words that are not names (sentence openers, titles, months, days).
NOT_NAMES = STOPWORDS | word_set(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday president senator sen rep gov secretary minister chairman
    director officials official department state house the
    """
)
SUFFIXES = ("ingly", "ings", "ing", "edly", "ed", "es", "s", "ly")
STEM_LENGTH = 6  # "discussing", "discussion", "discussed" -> "discus"


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude stem that maps inflections of one word together (paraphrase keeps roots)."""
    word = word.lower().replace("’", "'").split("'")[0]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:STEM_LENGTH]


LOWER_WORD = re.compile(r"[a-z]{3,}")
_STEMS: dict[str, str] = {}  # word -> stem, "" for a stopword (cached: a corpus repeats words)


def content_stems(text: str) -> set[str]:
    """Stems of the content words of a text (stopwords, short words and numbers left out)."""
    stems = set()
    for word in set(LOWER_WORD.findall(text.lower())):
        found = _STEMS.get(word)
        if found is None:
            found = _STEMS[word] = "" if word in STOPWORDS else stem(word)
        if found:
            stems.add(found)
    stems.discard("")
    return stems


def names_of(text: str) -> set[str]:
    """Capitalised words that are not sentence openers, titles or dates: people, places, bodies."""
    found = set()
    for match in re.finditer(r"(?<![.!?:“\"]\s)(?<!^)\b[A-Z][a-z]+(?:['’]s)?\b", text, re.M):
        word = match.group(0).lower().replace("’", "'").removesuffix("'s")
        if word not in NOT_NAMES and len(word) > 2:
            found.add(word)
    return found


def numbers_of(text: str) -> set[str]:
    """Numbers as written, normalised: '1,200' -> '1200'; single digits are left out."""
    return {n.replace(",", "") for n in NUMBER.findall(text)}


def quote_words(text: str) -> list[tuple[str, ...]]:
    """The direct quotes of a text as lower-case word tuples (five words or more)."""
    quotes = []
    for match in QUOTE.finditer(text):
        words = tuple(w.lower().replace("’", "'") for w in WORD.findall(match.group(1)))
        if len(words) >= 5:
            quotes.append(words)
    return quotes


def ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass
class Fingerprint:
    """What a verification needs to know about one article (built for candidates only).

    Kept compact (numpy arrays, hashes) because a large corpus may need thousands.
    """

    name: str
    date: date | None
    sentences: sparse.csr_matrix  # one row per body sentence, a column per content stem
    quotes: list[tuple[str, ...]]
    quote_trigrams: set[tuple[str, ...]]  # word 3-grams of all its quotes
    # sorted hashes of the word 5-grams outside direct quotes: a rewrite may keep the
    # quotes verbatim, a copy keeps the reporter's own sentences too
    shingles: np.ndarray
    names: set[str]
    numbers: set[str]
    document: Document = field(repr=False)

    @classmethod
    def of(cls, document: Document, lexicons: SegmentLexicons) -> Fingerprint:
        body = [
            s.text for s in segment(document.text, lexicons, document.body_start) if s.is_statement
        ]
        text = "\n".join(body)
        quotes = quote_words(text)
        return cls(
            name=document.name,
            date=parse_date(document.metadata.get("date")),
            sentences=sentence_matrix(body),
            quotes=quotes,
            quote_trigrams={g for quote in quotes for g in ngrams(quote, 3)},
            shingles=shingle_hashes(WORD.findall(QUOTE.sub(" ", text).lower())),
            names=names_of(text),
            numbers=numbers_of(text),
            document=document,
        )


SHINGLE_MULTIPLIERS = np.array([1, 31, 961, 29791, 923521], dtype=np.uint64) * np.uint64(
    0x9E3779B97F4A7C15
)


def shingle_hashes(words: list[str]) -> np.ndarray:
    """Sorted distinct hashes of the word 5-grams (one vectorised pass, no 5-gram strings)."""
    if len(words) < 5:
        return np.zeros(0, dtype=np.uint64)
    ids = np.array([hash(w) for w in words], dtype=np.int64).view(np.uint64)
    count = len(words) - 4
    hashes = np.zeros(count, dtype=np.uint64)
    for offset, multiplier in enumerate(SHINGLE_MULTIPLIERS):
        hashes += ids[offset : offset + count] * multiplier
    hashes.sort()
    return hashes[np.concatenate(([True], hashes[1:] != hashes[:-1]))]


def sentence_matrix(sentences: list[str]) -> sparse.csr_matrix:
    """Binary sentence x stem matrix of the sentences with MIN_SENTENCE_WORDS content words."""
    indices: list[int] = []
    indptr = [0]
    for sentence in sentences:
        columns = {
            column
            for word in LOWER_WORD.findall(sentence.lower())
            if (column := stem_column(word)) >= 0
        }
        if len(columns) >= MIN_SENTENCE_WORDS:
            indices.extend(sorted(columns))
            indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    shape = (len(indptr) - 1, VOCABULARY_COLUMNS)
    return sparse.csr_matrix((data, np.array(indices, dtype=np.int32), indptr), shape=shape)


_COLUMNS: dict[str, int] = {}  # word -> column of its stem, -1 for a stopword


def stem_column(word: str) -> int:
    column = _COLUMNS.get(word)
    if column is None:
        column = _COLUMNS[word] = -1 if word in STOPWORDS else hash(stem(word)) & COLUMN_MASK
    return column


# A stem's column is its hash: the same in every worker process forked from one run.
VOCABULARY_COLUMNS = 2**31 - 1
COLUMN_MASK = VOCABULARY_COLUMNS - 1


def parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Candidates: an inverted index over rare features, never all pairs
# ---------------------------------------------------------------------------

MAX_FEATURE_DF = 60  # a feature in more articles than this is too common to block on
CANDIDATE_CONTAINMENT = 0.5  # share of one article's rare-feature weight the other holds
CANDIDATES_PER_ARTICLE = 6
BLOCK_ROWS = 2048


def candidate_features(document: Document) -> set[str]:
    """Blocking features: content stems and numbers of the text."""
    text = document.text[document.body_start :]
    return content_stems(text) | {f"#{n}" for n in numbers_of(text)}


def candidate_pairs(
    documents: Sequence[Document], comparable: np.ndarray
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, containment) worth verifying, i < j.

    Each article is a set of features; a feature found in more than
    MAX_FEATURE_DF articles is dropped, so the sparse product below costs at
    most MAX_FEATURE_DF times the number of feature occurrences: linear in the
    corpus. Rare features are weighted by inverse document frequency, and a
    pair is a candidate when one article holds at least CANDIDATE_CONTAINMENT
    of the other's rare-feature weight (containment, not Jaccard, because a
    rewrite may keep only part of its source). `comparable[i]` is False for
    articles that are only compared with others (a corpus given with
    --against is not compared within itself).
    """
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, document in enumerate(documents):
        for feature in candidate_features(document):
            rows.append(row)
            cols.append(vocabulary.setdefault(feature, len(vocabulary)))
    n = len(documents)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(vocabulary))
    )
    df = np.asarray(matrix.sum(axis=0)).ravel()
    weights = np.where(df <= MAX_FEATURE_DF, np.log1p(max(n, 2) / np.maximum(df, 1)), 0.0)
    weighted = (matrix @ sparse.diags(weights.astype(np.float32))).tocsr()
    totals = np.asarray(weighted.sum(axis=1)).ravel()
    rare = (matrix @ sparse.diags((df <= MAX_FEATURE_DF).astype(np.float32))).T.tocsr()
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        shared = (weighted[start:stop] @ rare).tocoo()  # weight of i's rare features j holds
        keep = shared.row + start != shared.col
        i, j, value = shared.row[keep] + start, shared.col[keep], shared.data[keep]
        keep = comparable[i] | comparable[j]
        i, j, value = i[keep], j[keep], value[keep]
        containment = np.maximum(
            value / np.maximum(totals[i], 1e-9), value / np.maximum(totals[j], 1e-9)
        )
        keep = containment >= CANDIDATE_CONTAINMENT
        for a, b, c in top_per_row(i[keep], j[keep], containment[keep]):
            key = (min(a, b), max(a, b))
            pairs[key] = max(pairs.get(key, 0.0), c)
    return [(a, b, c) for (a, b), c in sorted(pairs.items())]


def top_per_row(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray
) -> Iterable[tuple[int, int, float]]:
    """The CANDIDATES_PER_ARTICLE best (row, col, score) of each row."""
    order = np.lexsort((-scores, rows))
    counts: Counter[int] = Counter()
    for k in order:
        row = int(rows[k])
        if counts[row] < CANDIDATES_PER_ARTICLE:
            counts[row] += 1
            yield row, int(cols[k]), float(scores[k])


# ---------------------------------------------------------------------------
# Verification: the evidence between two articles
# ---------------------------------------------------------------------------

MIN_SENTENCE_WORDS = 4  # content words a sentence needs to be aligned at all
ALIGN_DICE = 0.4  # content-word Dice of two sentences that say the same thing
ALIGN_MIN_SHARED = 3
QUOTE_CONTAINMENT = 0.6  # share of a quote's word 3-grams found in the other text


@dataclass
class Alignment:
    """How much of `a` is found, sentence by sentence, in `b`."""

    aligned: int  # sentences of a with a counterpart in b
    sentences: int  # sentences of a
    in_order: int  # of the aligned, the longest run in the same order as in b

    @property
    def coverage(self) -> float:
        return self.aligned / self.sentences if self.sentences else 0.0


def align(a: Fingerprint, b: Fingerprint) -> tuple[Alignment, Alignment]:
    """Align each sentence of `a` to its best counterpart in `b`, and the other way round.

    Two sentences say the same thing when their content-word Dice reaches
    ALIGN_DICE with at least ALIGN_MIN_SHARED words in common.
    """
    count_a, count_b = a.sentences.shape[0], b.sentences.shape[0]
    if not count_a or not count_b:
        return Alignment(0, count_a, 0), Alignment(0, count_b, 0)
    matrix_a, matrix_b = on_shared_columns(a.sentences, b.sentences)
    shared = (matrix_a @ matrix_b.T).toarray()
    sizes_a = np.diff(a.sentences.indptr)[:, None]
    sizes_b = np.diff(b.sentences.indptr)[None, :]
    dice = 2 * shared / (sizes_a + sizes_b)
    dice[shared < ALIGN_MIN_SHARED] = 0.0
    return best_matches(dice), best_matches(dice.T)


def best_matches(dice: np.ndarray) -> Alignment:
    """Each row's best column; how many reach ALIGN_DICE, and how many of those in order."""
    best = dice.argmax(axis=1)
    matched = dice[np.arange(dice.shape[0]), best] >= ALIGN_DICE
    return Alignment(int(matched.sum()), dice.shape[0], longest_increasing(best[matched]))


def on_shared_columns(
    a: sparse.csr_matrix, b: sparse.csr_matrix
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """The two sentence matrices renumbered onto the stems they use (small and dense)."""
    columns = np.union1d(a.indices, b.indices)
    width = len(columns)
    return tuple(  # type: ignore[return-value]
        sparse.csr_matrix(
            (m.data, np.searchsorted(columns, m.indices), m.indptr), shape=(m.shape[0], width)
        )
        for m in (a, b)
    )


def longest_increasing(values: np.ndarray) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []
    for value in values.tolist():
        position = bisect.bisect_left(tails, value)
        if position == len(tails):
            tails.append(value)
        else:
            tails[position] = value
    return len(tails)


def shared_quotes(a: Fingerprint, b: Fingerprint) -> list[tuple[str, ...]]:
    """Direct quotes of `a` found (near) verbatim among the quotes of `b`."""
    found = []
    for quote in a.quotes:
        grams = ngrams(quote, 3)
        if grams and len(grams & b.quote_trigrams) >= QUOTE_CONTAINMENT * len(grams):
            found.append(quote)
    return found


def shingle_containment(a: Fingerprint, b: Fingerprint) -> float:
    """Share of `a`'s word 5-grams found in `b` (near-verbatim reuse)."""
    if not len(a.shingles):
        return 0.0
    shared = np.intersect1d(a.shingles, b.shingles, assume_unique=True)
    return len(shared) / len(a.shingles)


@dataclass
class Evidence:
    """What `derived` shares with `source`, counted from the derived article's side."""

    derived: Document
    source: Document
    derived_date: date | None
    source_date: date | None
    alignment: Alignment  # derived sentences found in the source
    reverse: Alignment  # source sentences found in the derived article
    quotes: int  # derived quotes found near-verbatim in the source
    derived_quotes: int
    names: int
    derived_names: int
    numbers: int
    derived_numbers: int
    verbatim: float  # share of the derived article's 5-grams outside quotes found in the source

    @classmethod
    def pair(cls, a: Fingerprint, b: Fingerprint) -> tuple[Evidence, Evidence]:
        """The evidence seen from each side: (a derived from b, b derived from a)."""
        forward, backward = align(a, b)
        return cls.one_way(a, b, forward, backward), cls.one_way(b, a, backward, forward)

    @classmethod
    def one_way(
        cls, derived: Fingerprint, source: Fingerprint, forward: Alignment, backward: Alignment
    ) -> Evidence:
        return cls(
            derived=derived.document,
            source=source.document,
            derived_date=derived.date,
            source_date=source.date,
            alignment=forward,
            reverse=backward,
            quotes=len(shared_quotes(derived, source)),
            derived_quotes=len(derived.quotes),
            names=len(derived.names & source.names),
            derived_names=len(derived.names),
            numbers=len(derived.numbers & source.numbers),
            derived_numbers=len(derived.numbers),
            verbatim=shingle_containment(derived, source),
        )

    @property
    def order(self) -> float:
        """Share of the aligned sentences that keep the source's order."""
        aligned = self.alignment.aligned
        return self.alignment.in_order / aligned if aligned else 0.0

    @property
    def quote_share(self) -> float | None:
        return self.quotes / self.derived_quotes if self.derived_quotes else None

    @property
    def number_share(self) -> float | None:
        return self.numbers / self.derived_numbers if self.derived_numbers else None

    @property
    def name_share(self) -> float:
        return self.names / self.derived_names if self.derived_names else 0.0


# ---------------------------------------------------------------------------
# Decision: is it a derivative, of which, credited or not, and why
# ---------------------------------------------------------------------------

WIRE_VERBATIM = 0.6  # share of 5-grams reused verbatim that makes a copy, not a rewrite
MIN_ALIGNED = 4
MIN_ALIGNED_CREDITED = 3  # a short write-up that credits the source needs less
MIN_COVERAGE = 0.55
MIN_SCORE = 0.78
MIN_SCORE_CREDITED = 0.65
WIRE_OUTLETS = ("associated press", "reuters", "agence france-presse", "afp", "ap")


def evidence_score(evidence: Evidence) -> float:
    """0-1: how much of the derived article is the source's, by paraphrase-proof evidence.

    Sentence coverage carries most weight; order, quotes, names and numbers
    (each a share of the derived article's own) separate a rewrite from
    independent coverage of the same event, which shares facts but not their
    sequence, and has its own quotes and figures.
    """
    coverage = evidence.alignment.coverage
    # A quote the source lacks is the derived side's own reporting, unless nearly
    # every sentence aligns anyway (then the quotes were paraphrased, not new).
    paraphrased = max(0.0, 2 * coverage - 1)
    quotes = (
        max(evidence.quote_share, paraphrased) if evidence.quote_share is not None else coverage
    )
    numbers = evidence.number_share if evidence.number_share is not None else evidence.name_share
    score = (
        0.4 * coverage
        + 0.15 * evidence.order
        + 0.15 * quotes
        + 0.15 * evidence.name_share
        + 0.15 * numbers
    )
    return (
        max(score, min(1.0, evidence.verbatim + 0.3))
        if evidence.verbatim >= WIRE_VERBATIM
        else score
    )


@dataclass
class Derivation:
    """One derivative found: `derived` rewrites or copies `source`."""

    derived: str
    source: str
    score: float
    relation: str  # credited_rewrite | uncredited_rewrite | wire_copy
    credited: bool
    credit_phrase: str
    shared_quotes: int
    aligned_sentences: int
    shared_names: int
    shared_numbers: int
    direction: str

    def to_row(self) -> dict[str, Any]:
        return {
            "derived": self.derived,
            "source": self.source,
            "score": round(self.score, 3),
            "relation": self.relation,
            "credited": "yes" if self.credited else "no",
            "credit_phrase": self.credit_phrase,
            "shared_quotes": self.shared_quotes,
            "aligned_sentences": self.aligned_sentences,
            "shared_names": self.shared_names,
            "shared_numbers": self.shared_numbers,
            "direction": self.direction,
        }


DERIVATION_COLUMNS = tuple(Derivation.__dataclass_fields__)  # the columns of a trace row


class Tracer:
    """Finds derivatives in a set of documents; rules and pipeline compiled once."""

    def __init__(self, auditor: Any | None = None):
        if auditor is None:
            from .pipeline import Auditor  # the pipeline imports this module

            auditor = Auditor()
        self.auditor = auditor
        self._provenance: dict[int, tuple[Document, ArticleProvenance]] = {}
        self._outlet_patterns: dict[str, list[re.Pattern[str]]] = {}

    # -- per article, on demand ---------------------------------------------
    def fingerprint(self, document: Document) -> Fingerprint:
        return Fingerprint.of(document, self.auditor.segment_lexicons)

    def provenance(self, document: Document) -> ArticleProvenance:
        """The article's provenance block (labelled once; the cache keeps the document
        alive so that its id is not reused by another)."""
        cached = self._provenance.get(id(document))
        if cached is None or cached[0] is not document:
            statements = self.auditor.statements(document)
            found = ArticleProvenance.of(
                document, statements, self.auditor.labeller, self.auditor.provenance_rules
            )
            cached = self._provenance[id(document)] = (document, found)
        return cached[1]

    def outlet_of(self, document: Document) -> str | None:
        return document.metadata.get("outlet") or self.provenance(document).own_outlet

    # -- the corpus ------------------------------------------------------------
    def find(
        self, documents: Sequence[Document], against: Sequence[Document] = ()
    ) -> list[Derivation]:
        everything = [*documents, *against]
        comparable = np.array([True] * len(documents) + [False] * len(against), dtype=bool)
        pairs = [(i, j) for i, j, _ in candidate_pairs(everything, comparable)]
        found = []
        for evidence, reverse in self.gather_evidence(everything, pairs):
            derivation = self.decide(evidence, reverse)
            if derivation is not None:
                found.append(derivation)
        return sorted(found, key=lambda d: (-d.score, d.derived, d.source))

    def gather_evidence(
        self, documents: list[Document], pairs: list[tuple[int, int]]
    ) -> list[tuple[Evidence, Evidence]]:
        """Evidence for the candidate pairs worth a decision.

        Two passes over worker processes (forked, so they inherit the documents
        instead of receiving them pickled): fingerprint each article in a pair
        once, then weigh the pairs.
        """
        involved = sorted({k for pair in pairs for k in pair})
        workers = worker_count(len(involved))
        if workers == 1:
            fingerprints = {k: self.fingerprint(documents[k]) for k in involved}
            found = (self.evidence(fingerprints[i], fingerprints[j]) for i, j in pairs)
            return [evidence for evidence in found if evidence is not None]
        global _SHARED
        _SHARED = (self, documents, {})
        try:
            fingerprinted = in_processes(fingerprint_articles, split(involved, workers))
            for k, fingerprint in fingerprinted:
                fingerprint.document = documents[k]
                _SHARED[2][k] = fingerprint
            return in_processes(evidence_for_pairs, split(pairs, workers))
        finally:
            _SHARED = None

    def evidence(self, a: Fingerprint, b: Fingerprint) -> tuple[Evidence, Evidence] | None:
        """The evidence both ways, derived side first; None when it is too thin to decide on."""
        evidence, reverse = Evidence.pair(a, b)
        if reverse.alignment.coverage > evidence.alignment.coverage:
            evidence, reverse = reverse, evidence
        best = max(evidence_score(evidence), evidence_score(reverse))
        if evidence.alignment.aligned < MIN_ALIGNED_CREDITED or best < MIN_SCORE_CREDITED:
            return None
        if evidence.alignment.coverage < MIN_COVERAGE and evidence.verbatim < WIRE_VERBATIM:
            return None
        return evidence, reverse

    def decide(self, evidence: Evidence, reverse: Evidence) -> Derivation | None:
        """Direction, credit and relation for a pair with enough shared evidence."""
        evidence, reasons = self.direction(evidence, reverse)
        derived, source = evidence.derived, evidence.source
        phrase = self.credit_to(derived, source)
        wire = evidence.verbatim >= WIRE_VERBATIM
        score = evidence_score(evidence)
        if score < (MIN_SCORE_CREDITED if phrase else MIN_SCORE):
            return None
        if not wire and not phrase and evidence.alignment.aligned < MIN_ALIGNED:
            return None  # a short uncredited overlap: too little to call it a rewrite
        if not wire and not phrase and self.has_own_reporting(derived, source):
            return None  # the derived side did reporting of its own: independent coverage
        if not wire and not phrase and self.common_upstream(derived, source):
            return None  # both rewrite a third outlet's story; neither is the other's source
        relation = "wire_copy" if wire else "credited_rewrite" if phrase else "uncredited_rewrite"
        return Derivation(
            derived=derived.name,
            source=source.name,
            score=score,
            relation=relation,
            credited=bool(phrase),
            credit_phrase=phrase or "",
            shared_quotes=evidence.quotes,
            aligned_sentences=evidence.alignment.aligned,
            shared_names=evidence.names,
            shared_numbers=evidence.numbers,
            direction="; ".join(reasons),
        )

    # -- evidence about the two articles ---------------------------------------
    def direction(self, evidence: Evidence, reverse: Evidence) -> tuple[Evidence, list[str]]:
        """Which way the derivation runs; the strongest reason decides.

        In order: the credit, a wire agency as the source (outlets run wire copy,
        not the reverse; their dates may even be a day earlier by time zone),
        publication dates, own-reporting markers, and containment (the derived side is the one more
        of whose sentences are found in the other).
        """
        a, b = evidence.derived, evidence.source
        a_credits, b_credits = self.credit_to(a, b), self.credit_to(b, a)
        if a_credits and not b_credits:
            return evidence, [f"credit: derived credits the source ({a_credits!r})"]
        if b_credits and not a_credits:
            return reverse, [f"credit: derived credits the source ({b_credits!r})"]
        a_wire, b_wire = is_wire(self.outlet_of(a)), is_wire(self.outlet_of(b))
        if a_wire != b_wire:
            chosen = reverse if a_wire else evidence
            wire = self.outlet_of(chosen.source)
            return chosen, [f"wire: the source is a wire agency ({wire})"]
        da, db = evidence.derived_date, evidence.source_date
        if da and db and da != db:
            chosen = evidence if da > db else reverse
            dates = f"{chosen.source_date} before {chosen.derived_date}"
            return chosen, [f"dates: source published first ({dates})"]
        # Markers count here even when copied: in a copy, "told Bloomberg News" is
        # a credit, in Bloomberg's own story the same words mark its own reporting.
        a_own, b_own = self.has_own_reporting(a), self.has_own_reporting(b)
        if a_own != b_own:
            chosen = reverse if a_own else evidence
            return chosen, ["own-reporting markers: only the source has them"]
        return evidence, [
            f"containment: {evidence.alignment.coverage:.0%} of the derived article's sentences "
            f"are in the source, {evidence.reverse.coverage:.0%} the other way"
        ]

    def credit_to(self, derived: Document, source: Document) -> str | None:
        """The phrase in which `derived` credits `source`'s outlet, or None.

        A phrase the source itself contains ("told CNN" in CNN's own story, a
        "(Reuters)" dateline) was carried over by the copy, not added as a
        credit, so it does not count.
        """
        outlet = self.outlet_of(source)
        if not outlet or is_same_outlet(outlet, self.outlet_of(derived)):
            return None
        source_text = " ".join(source.text.split()).lower()
        phrases = [
            c.phrase for c in self.provenance(derived).credits if names_outlet(c.outlet, outlet)
        ]
        text = derived.text[derived.body_start :]
        phrases += [found.group(0) for p in self.patterns_for(outlet) for found in p.finditer(text)]
        for phrase in phrases:
            phrase = " ".join(phrase.split())
            if not carried_over(phrase, source_text):
                return phrase
        return None

    def patterns_for(self, outlet: str) -> list[re.Pattern[str]]:
        """The credit rules with `{outlet}` standing for this one outlet (cached)."""
        if outlet not in self._outlet_patterns:
            rules = self.auditor.provenance_rules
            self._outlet_patterns[outlet] = [
                rule.compile_for_outlet(rules.lexicons, outlet) for rule in rules.of_kind("credit")
            ]
        return self._outlet_patterns[outlet]

    def has_own_reporting(self, document: Document, other: Document | None = None) -> bool:
        """Does the article mark reporting of its own (not copied from `other`)?"""
        markers = [marker for marker, _ in self.provenance(document).own_markers]
        if other is not None:
            other_text = " ".join(other.text.split()).lower()
            markers = [m for m in markers if not carried_over(m, other_text)]
        return bool(markers)

    def common_upstream(self, derived: Document, source: Document) -> bool:
        """Are both write-ups of the same third outlet's story (siblings, not parent and child)?

        Both must credit that outlet in their leads, and in their own words: a
        credit the derived article copied from the source shows it rewrote the
        source, credit included.
        """
        credits = []
        for document in (derived, source):
            provenance = self.provenance(document)
            if not provenance.suspect()[0]:
                return False
            credits.append(provenance.credits)
        source_text = " ".join(source.text.split()).lower()
        return any(
            is_same_outlet(mine.outlet, theirs.outlet) and mine.phrase.lower() not in source_text
            for mine in credits[0]
            for theirs in credits[1]
        )


WORKERS = 2  # this machine's cores; fewer are used when fewer are available
ARTICLES_PER_WORKER = 500  # below this, starting processes costs more than it saves
# What forked workers inherit: the tracer, the documents, the fingerprints by index.
_SHARED: tuple[Tracer, list[Document], dict[int, Fingerprint]] | None = None


def worker_count(articles: int) -> int:
    import os

    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(WORKERS, available, articles // ARTICLES_PER_WORKER))


def split(items: list, parts: int) -> list[list]:
    size = -(-len(items) // parts)
    return [items[k * size : (k + 1) * size] for k in range(parts)]


def in_processes(function: Any, chunks: list[list]) -> list:
    """`function` over each chunk in its own forked process; the results concatenated."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
        return [item for result in pool.map(function, chunks) for item in result]


def fingerprint_articles(indices: list[int]) -> list[tuple[int, Fingerprint]]:
    """Worker: fingerprints of some articles, sent back without their documents."""
    assert _SHARED is not None
    tracer, documents, _ = _SHARED
    found = []
    for k in indices:
        fingerprint = tracer.fingerprint(documents[k])
        fingerprint.document = None  # type: ignore[assignment]  # the parent re-attaches it
        found.append((k, fingerprint))
    return found


def evidence_for_pairs(pairs: list[tuple[int, int]]) -> list[tuple[Evidence, Evidence]]:
    """Worker: the evidence for some pairs, from the fingerprints inherited by fork."""
    assert _SHARED is not None
    tracer, _, fingerprints = _SHARED
    found = (tracer.evidence(fingerprints[i], fingerprints[j]) for i, j in pairs)
    return [evidence for evidence in found if evidence is not None]


def carried_over(phrase: str, source_text: str) -> bool:
    """Is a credit phrase (or the "(Reuters)" of a dateline) already in the source text?"""
    dateline = re.search(r"\([^)]+\)", phrase)
    core = dateline.group(0) if dateline else phrase
    return core.lower() in source_text


def names_outlet(credited: str, outlet: str) -> bool:
    """Does a credit name this outlet? At least as specifically: "The New York Post" names
    "The Post", but "the Post" does not name the New York Post (it may be the Washington Post)."""
    named, wanted = outlet_tokens(credited), outlet_tokens(outlet)
    return bool(named and wanted) and wanted <= named


def is_same_outlet(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    ta, tb = outlet_tokens(a), outlet_tokens(b)
    return bool(ta and tb) and (ta <= tb or tb <= ta)


def is_wire(outlet: str | None) -> bool:
    return bool(outlet) and outlet.lower().removeprefix("the ").strip() in WIRE_OUTLETS


def find_derivatives(
    documents: Sequence[Document], against: Sequence[Document] = ()
) -> list[Derivation]:
    """Every article of `documents` derived from another (or from one in `against`).

    With `against` empty the documents are compared among themselves; otherwise
    each is compared with the corpus `against` and with the other documents
    (the corpus is not compared within itself).
    """
    return Tracer().find(documents, against)
