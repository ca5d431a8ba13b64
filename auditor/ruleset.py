"""Rules and lexicons: load the YAML data in rules/, compile it once, run its examples.

A *lexicon* is a named list of phrases (`entries`) or a named regex fragment
(`pattern`). A *rule* is a regex `pattern` that may reference lexicons as
`{name}`; when it matches a statement the statement gets the rule's label(s).
Rules that compete for the same words are resolved by `priority` (higher wins).
Every rule carries `examples: {match: [...], no_match: [...]}`, run by
`auditor rules test`. Anything malformed is a RuleLoadError naming file and key.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import RuleLoadError

RULE_LABELS = {
    "anonymous",
    "named",
    "denial",
    "no_comment",
    "outlet",
    "document",
    # `hedge` suppresses source matches it overlaps and adds no label;
    # `antecedent` takes the source labels of the last attributed statement.
    "hedge",
    "antecedent",
}
SPEAKER_LABELS = {"anonymous", "named", "antecedent"}  # who said it
MEDIUM_LABELS = {"outlet", "document"}  # where it was said or found
RULE_KEYS = {
    "id",
    "label",
    "description",
    "pattern",
    "priority",
    "requires",
    "examples",
    "flags",
    "outlet_role",
    "triggers",
    "contains",
    "anchor",
    "skip_in_quotes",
    "source_named_in_article",
    "not_named_in_article",
    "unless_sourced",
}
LEXICON_KEYS = {"lexicon", "description", "entries", "pattern", "case_sensitive", "triggers"}
OUTLET_ROLES = {"credited", "own", "either"}
ANCHORS = {"clause", "name", "start"}
# Sub-folders of rules/ that hold other data than labelling rules and lexicons
# (editorial checks and provenance signals have their own schema and loader).
NOT_LABEL_RULES = {"checks", "provenance"}
REFERENCE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# Where a clause-anchored rule is tried: the statement start and after clause
# openers (punctuation, quotes, conjunctions). Trying `match()` at these few
# places instead of `search()` at every character is what keeps labelling fast.
CLAUSE_WORDS = (
    "and And but But that as As while While after After because Because where Where "
    "when When since Since although Although though Though if If which"
)
# Conjunctions are matched with their surrounding spaces so that the regex engine
# scans for literal prefixes instead of trying an alternation at every position.
# A hyphen between spaces is a dash typed on a keyboard ("… her anger - he said").
# "’" closes a quote only after punctuation ("‘Why?’ Ortega asked"); elsewhere
# it is an apostrophe ("the players’ union").
CLAUSE_OPENER = re.compile(
    r"[,;:—–―(“\"”‘']+\s*|(?<=[.?!,])’\s*| - | (?:" + "|".join(CLAUSE_WORDS.split()) + r") "
)
# A clause start where a proper name can begin (`anchor: name`).
NAME_START = re.compile(r"(?:[a-z][\w\-]*\s+){0,3}[A-ZÀ-ÖØ-Þ]")  # "Rubio", "spokesperson Jo Li"
# Sentence adverbs that can stand before a clause's subject without a comma
# ("Now Ortega says …", "Still Ruiz insisted …"). With a comma the comma opens
# the clause anyway.
LEADING_ADVERBS = "Now now Still still Then then Later later Yet yet So so Also also Even even"
# "…, with Senator Ruiz telling reporters …": an absolute phrase after "with"
# has a subject and a cue of its own.
LEADING_PREPOSITIONS = "with With"
# A conjunction or sentence adverb at a clause start: the clause's subject follows it.
LEADING_CLAUSE_WORD = re.compile(
    r"(?:"
    + "|".join(CLAUSE_WORDS.split() + LEADING_ADVERBS.split() + LEADING_PREPOSITIONS.split())
    + r")\s+"
)
# A short opening phrase of time or place with no comma after it ("On Monday
# Tony Blair insisted …", "In her resignation letter Haley noted …"): the
# subject is one of the capitalised words that follow, within a few words.
OPENING_PHRASE = re.compile(
    r"(?:In|At|On|During|After|Before|Earlier|Later|Last|This)\s+(?:[^\s,;:]+\s+){0,6}"
)
CAPITALISED_WORD = re.compile(r"(?<=\s)[A-ZÀ-ÖØ-Þ]")
# An outlet the article itself credits under a name {outlet} does not know
# ("Northgate Daily first reported …") is an outlet wherever else the article
# names it ("… told Northgate Daily"): `fire_with_outlets` masks the name with
# this letter, which the `outlet` lexicon also matches. It is a letter (so \b
# and \w treat the mask as a word) that news text does not use (Vai script).
ARTICLE_OUTLET_LEXICON = "outlet"
ARTICLE_OUTLET_MARK = "\ua500"
WORD = re.compile(r"\w+")


def trigger_word(phrase: str) -> str:
    """The word of a phrase that must occur for it to match: its longest word.

    "has said" triggers on "said", "did not respond" on "respond": a phrase's
    longest word is its most distinctive, so the prefilter stays selective.
    """
    return max(WORD.findall(phrase), key=len)


@dataclass
class Lexicon:
    """A named list of phrases, or a named regex fragment, rules can reference."""

    name: str
    description: str
    file: str
    entries: list[str] = field(default_factory=list)
    pattern: str | None = None
    case_sensitive: bool = True
    regex: str = ""
    trigger_words: frozenset[str] = frozenset()
    # `triggers` written as `{name}`: that lexicon's trigger words, added once all
    # lexicons are compiled (a phrase lexicon's come from its entries)
    trigger_references: tuple[str, ...] = ()


@dataclass
class Rule:
    """One labelling rule with its compiled pattern and its own test examples."""

    id: str
    labels: list[str]
    description: str
    pattern: str
    file: str
    priority: int = 50
    requires: list[str] = field(default_factory=list)
    match_examples: list[str] = field(default_factory=list)
    no_match_examples: list[str] = field(default_factory=list)
    outlet_role: str | None = None
    triggers: frozenset[str] = frozenset()
    contains: tuple[str, ...] = ()
    anchor: str | None = None
    # The labeller ignores this rule where its match starts inside quoted words
    # (the statement's own, or a quote an earlier statement opened): what it finds
    # there is part of what the speaker said.
    skip_in_quotes: bool = False
    # The labeller keeps a match only when its `source` (one word) is the last
    # word of a longer name somewhere in the article: "Sanders: …" is a speaker
    # where "Bernie Sanders" appears, "Photos: …" is not.
    source_named_in_article: bool = False
    # The opposite check: kept only when the one-word source or outlet is NOT the
    # last word of a longer name ("…, Kettle reported" is an outlet, but not after
    # "Ana Kettle" appeared: then it is her surname).
    not_named_in_article: bool = False
    # The labeller keeps this match only when no other rule gives the statement a
    # source: "Under the plan, taxes would fall" is the plan's content, but in
    # "Under his plan, taxes would fall, Romney said" it is what Romney said.
    unless_sourced: bool = False
    case_insensitive: bool = False
    regex: re.Pattern[str] | None = None
    expanded: str = ""

    @property
    def group(self) -> str:
        """Which rules this one competes with when their matches overlap.

        `speaker` rules (who: named, anonymous, a pronoun) compete with each other,
        `medium` rules (where: another outlet, a document) with each other; the two
        complement each other ("officials who spoke with The Post" is both). A
        `hedge` suppresses both; `reaction` rules (denial, no comment) never compete.
        """
        labels = set(self.labels)
        if "hedge" in labels:
            return "hedge"
        if labels & SPEAKER_LABELS:
            return "speaker"
        if labels & MEDIUM_LABELS:
            return "medium"
        return "reaction"


@dataclass
class RuleMatch:
    """A rule that fired on a statement, with the span it matched and its captures."""

    rule: Rule
    start: int
    end: int
    groups: dict[str, str]
    spans: dict[str, tuple[int, int]] | None = None  # with `fire(..., spans=True)`


def original_groups(match: RuleMatch, text: str) -> dict[str, str]:
    """A match's captures read from `text` (the same length as the text it matched)."""
    return {name: text[start:end] for name, (start, end) in (match.spans or {}).items()}


class RuleSet:
    """Compiled rules and lexicons; load with `RuleSet.load()`.

    `fire(text)` returns every rule match on a sentence, cheap rules first
    filtered by the words they require (a statement without "said", "told"...
    never runs the rules that need a cue verb).
    """

    def __init__(self, lexicons: dict[str, Lexicon], rules: list[Rule], sources: list[str]):
        self.lexicons = lexicons
        self.rules = sorted(rules, key=lambda r: (-r.priority, r.id))
        self.sources = sources
        self.by_id = {rule.id: rule for rule in self.rules}
        # Prefilter: every distinct trigger-word set gets a bit and every distinct
        # `contains` set of substrings an index. A word maps to the bits of the word
        # sets it belongs to; a rule is a candidate when all of its word bits are set,
        # and runs when one string of each of its substring sets occurs too (tested
        # only for candidates, at most once per statement).
        word_sets: list[frozenset[str]] = []
        substring_sets: list[tuple[str, ...]] = []
        self._all_candidates: list[Candidate] = []
        for rule in self.rules:
            words, substrings = 0, []
            for key in prefilter_keys(rule, self.lexicons):
                if isinstance(key, tuple):
                    substrings.append(index_in(substring_sets, key))
                else:
                    words |= 1 << index_in(word_sets, key)
            self._all_candidates.append(Candidate(rule, words, tuple(substrings)))
        self._substring_tests = [any_substring(key) for key in substring_sets]
        self._word_bits: dict[str, int] = {}
        for bit, word_set in enumerate(word_sets):
            for word in word_set:
                # Statements are not lower-cased (that costs a copy per statement):
                # each trigger is indexed as written, Capitalised and UPPER CASE.
                for variant in {word, word.lower(), word.capitalize(), word.upper()}:
                    self._word_bits[variant] = self._word_bits.get(variant, 0) | (1 << bit)
        self._trigger_words = frozenset(self._word_bits)
        self._candidate_memo: dict[int, tuple[list[Rule], list[Candidate]]] = {}
        self.hash = self._hash()

    # -- loading -----------------------------------------------------------
    @classmethod
    def for_dirs(cls, rule_dirs: Iterable[str | Path] = ()) -> RuleSet:
        """The shared built-in rules, or the built-ins with the user's rule
        directories on top (`--rules DIR`) loaded afresh."""
        rule_dirs = list(rule_dirs)
        return cls.load(rule_dirs) if rule_dirs else cls.builtin()

    @classmethod
    def builtin(cls) -> RuleSet:
        """The built-in rules alone, loaded once per process and shared.

        Compiling them takes a second or two; the labeller, the checks and
        the score each need them, and the shipped files cannot change while a
        process runs. `load()` always loads afresh.
        """
        return _builtin_ruleset()

    @classmethod
    def load(cls, extra_dirs: Iterable[str | Path] = ()) -> RuleSet:
        """Load the built-in rules, then each extra directory (same id/name overrides)."""
        documents: list[tuple[str, Any]] = []
        sources = ["built-in"]
        for path, text in builtin_rule_files():
            documents.append((path, parse_yaml(path, text)))
        for directory in extra_dirs:
            folder = Path(directory)
            if not folder.is_dir():
                raise RuleLoadError(f"{directory}: rules directory does not exist")
            sources.append(str(folder))
            files = [
                file
                for file in sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml"))
                if not NOT_LABEL_RULES.intersection(file.relative_to(folder).parts[:-1])
            ]
            if not files:
                raise RuleLoadError(f"{directory}: no .yaml rule or lexicon files found")
            for file in files:
                try:
                    text = file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as err:
                    raise RuleLoadError(f"{file}: cannot read ({err})") from err
                documents.append((str(file), parse_yaml(str(file), text)))
        lexicons: dict[str, Lexicon] = {}
        raw_rules: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for path, data in documents:
            if isinstance(data, dict) and "lexicon" in data:
                lexicon = parse_lexicon(path, data)
                lexicons[lexicon.name] = lexicon
            elif isinstance(data, dict) and "rules" in data:
                if set(data) - {"rules", "description"}:
                    extra = sorted(set(data) - {"rules", "description"})[0]
                    raise RuleLoadError(f"{path}: unknown top-level key {extra!r}")
                if not isinstance(data["rules"], list) or not data["rules"]:
                    raise RuleLoadError(f"{path}: 'rules' must be a non-empty list")
                for position, item in enumerate(data["rules"]):
                    key = f"rules[{position}]"
                    if not isinstance(item, dict):
                        raise RuleLoadError(f"{path}: {key} must be a mapping")
                    rule_id = item.get("id")
                    if not isinstance(rule_id, str) or not rule_id:
                        raise RuleLoadError(f"{path}: {key}.id is missing")
                    raw_rules[rule_id] = (path, key, item)
            elif data is None:
                raise RuleLoadError(f"{path}: file is empty")
            else:
                raise RuleLoadError(f"{path}: expected a 'rules' list or a 'lexicon' name")
        compile_lexicons(lexicons)
        rules = [parse_rule(path, key, item, lexicons) for path, key, item in raw_rules.values()]
        return cls(lexicons, rules, sources)

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.lexicons):
            digest.update(f"{name}={self.lexicons[name].regex}\n".encode())
        for rule in self.rules:
            prefilter = f"{rule.requires}|{sorted(rule.triggers)}|{rule.contains}|{rule.anchor}"
            meaning = (
                f"{rule.case_insensitive}|{rule.outlet_role}|{rule.skip_in_quotes}"
                f"|{rule.source_named_in_article}|{rule.not_named_in_article}"
                f"|{rule.unless_sourced}"
            )
            digest.update(
                f"{rule.id}|{rule.labels}|{rule.priority}|{rule.expanded}|{prefilter}|{meaning}\n".encode()
            )
        return digest.hexdigest()[:16]

    # -- matching ----------------------------------------------------------
    def fire(
        self,
        text: str,
        words: Iterable[str] | None = None,
        exhaustive: bool = False,
        spans: bool = False,
    ) -> list[RuleMatch]:
        """Every rule that matches `text`, highest priority first.

        `exhaustive=True` tries every rule, skipping the prefilter: the result must
        be the same (a prefilter only saves time); the tests check that it is.
        `spans=True` keeps where each group matched (`RuleMatch.spans`).
        """
        if " ," in text:
            # "Ruiz , the mayor, said": some feeds put a space before commas. Read
            # as ", " (the same length, so match offsets still index `text`).
            text = text.replace(" ,", ", ")
        rules = self.rules if exhaustive else self._candidates(text, words)
        matches = []
        anchors: list[int] | None = None
        name_anchors: list[int] | None = None
        for rule in rules:
            if rule.anchor == "clause":
                if anchors is None:
                    anchors = clause_starts(text)
                found = first_match_at(rule.regex, text, anchors)  # type: ignore[arg-type]
            elif rule.anchor == "name":
                if name_anchors is None:
                    if anchors is None:
                        anchors = clause_starts(text)
                    name_anchors = [p for p in anchors if NAME_START.match(text, p)]
                found = first_match_at(rule.regex, text, name_anchors)  # type: ignore[arg-type]
            elif rule.anchor == "start":
                found = rule.regex.match(text)  # type: ignore[union-attr]
            else:
                found = rule.regex.search(text)  # type: ignore[union-attr]
            if found:
                groups = {k: v for k, v in found.groupdict().items() if v}
                where = {k: found.span(k) for k in groups} if spans else None
                matches.append(RuleMatch(rule, found.start(), found.end(), groups, where))
        return matches

    def fire_with_outlets(self, text: str, outlets: Iterable[str]) -> list[RuleMatch]:
        """`fire(text)`, reading each of `outlets` (names found in `text`) as a known outlet.

        The names are masked with a letter the `outlet` lexicon matches, of the same
        length, so match offsets index `text`; captured groups are read from `text`.
        """
        masked = text
        for name in sorted(outlets, key=len, reverse=True):
            masked = masked.replace(name, ARTICLE_OUTLET_MARK * len(name))
        if masked == text:
            return self.fire(text)
        words = [*WORD.findall(text), ARTICLE_OUTLET_MARK]
        return [
            RuleMatch(m.rule, m.start, m.end, original_groups(m, text))
            for m in self.fire(masked, words, spans=True)
        ]

    # Word combinations seen are remembered, up to a bound (memory stays flat on
    # any corpus; the common combinations come early).
    CANDIDATE_MEMO_SIZE = 50_000

    def _candidates(self, text: str, words: Iterable[str] | None) -> list[Rule]:
        """The rules whose required words and substrings all occur in `text`, in order."""
        if words is None:
            words = WORD.findall(text)
        present = 0
        for word in self._trigger_words.intersection(words):  # any iterable of words
            present |= self._word_bits[word]
        entry = self._candidate_memo.get(present)
        if entry is None:
            entry = self._word_candidates(present)
            if len(self._candidate_memo) < self.CANDIDATE_MEMO_SIZE:
                self._candidate_memo[present] = entry
        rules, screened = entry
        if not screened:
            return rules
        found: dict[int, bool] = {}
        passing = []
        for candidate in screened:
            for n in candidate.substrings:
                hit = found.get(n)
                if hit is None:
                    hit = found[n] = self._substring_tests[n](text) is not None
                if not hit:
                    break
            else:
                passing.append(candidate.rule)
        return passing

    def _word_candidates(self, present: int) -> tuple[list[Rule], list[Candidate]]:
        """The rules whose word sets are all present, in priority order, and the same
        as candidates still to be screened by substrings (empty when none needs it)."""
        picked = [c for c in self._all_candidates if c.words & present == c.words]
        screened = picked if any(c.substrings for c in picked) else []
        return [c.rule for c in picked], screened

    def fired_ids(self, text: str) -> list[str]:
        return [match.rule.id for match in self.fire(text)]


@functools.cache
def _builtin_ruleset() -> RuleSet:
    return RuleSet.load()


class Candidate(NamedTuple):
    """A rule as the prefilter sees it: the bits of the word sets it needs and the
    substring sets (by index) it needs. Candidates are kept in priority order."""

    rule: Rule
    words: int
    substrings: tuple[int, ...]


def index_in(keys: list[Any], key: Any) -> int:
    """The position of `key` in `keys`, appended first if it is new."""
    if key not in keys:
        keys.append(key)
    return keys.index(key)


def fired_key(ruleset: RuleSet) -> tuple[str, str]:
    """The `ArticleAudit.memo` key of the labeller's rule matches, by statement index.

    Keyed by the rules hash: a stage running other rules must fire its own.
    """
    return ("fired", ruleset.hash)


def prefilter_keys(
    rule: Rule, lexicons: dict[str, Lexicon]
) -> list[frozenset[str] | tuple[str, ...]]:
    """What must occur for the rule to match: word sets (one word of each) and substrings."""
    keys: list[frozenset[str] | tuple[str, ...]] = [
        lexicons[name].trigger_words for name in rule.requires
    ]
    if rule.triggers:
        keys.append(rule.triggers)
    if rule.contains:
        keys.append(rule.contains)
    return keys


def any_substring(strings: Iterable[str]) -> Callable[[str], object]:
    """A test for "one of these strings occurs in the text" (always true for none)."""
    strings = list(strings)
    if not strings:
        return lambda text: True
    return re.compile("|".join(map(re.escape, strings))).search


def clause_starts(text: str) -> list[int]:
    """Positions where a clause-anchored rule may start matching."""
    starts = [0]
    leading = LEADING_CLAUSE_WORD.match(text)
    if leading:
        starts.append(leading.end())
    opening = OPENING_PHRASE.match(text)
    if opening:
        starts.extend(m.start() for m in CAPITALISED_WORD.finditer(text, 1, opening.end()))
    for opener in CLAUSE_OPENER.finditer(text):
        starts.append(opener.end())
        # ", though he said": the conjunction after the comma opens the clause too
        conjunction = LEADING_CLAUSE_WORD.match(text, opener.end())
        if conjunction:
            starts.append(conjunction.end())
    return starts


def first_match_at(regex: re.Pattern[str], text: str, positions: list[int]) -> re.Match[str] | None:
    for position in positions:
        found = regex.match(text, position)
        if found:
            return found
    return None


# -- parsing helpers -------------------------------------------------------
def builtin_yaml_files(skip: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
    """(path relative to rules/, text) of every built-in YAML file, top folders in `skip` left out.

    Installed, they are the package `auditor.rules`; run from a source checkout
    without installing (or with the checkout shadowing the install), they are
    the `rules/` folder beside the package.
    """
    try:
        root: Any = resources.files("auditor.rules")
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "rules"
    found: list[tuple[str, str]] = []

    def walk(node: Any, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir() and not child.name.startswith("__"):
                if prefix == "" and child.name in skip:
                    continue
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith((".yaml", ".yml")):
                found.append((prefix + child.name, child.read_text(encoding="utf-8")))

    if root.is_dir():
        walk(root, "")
    return found


def builtin_rule_files() -> list[tuple[str, str]]:
    """(display path, text) of every built-in label rule and lexicon YAML file."""
    found = [(f"rules/{path}", text) for path, text in builtin_yaml_files(NOT_LABEL_RULES)]
    if not found:
        raise RuleLoadError("rules/: the built-in rule files are missing from the installation")
    return found


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last value, so a rule with two `no_match:` lists would
    silently lose the first one's examples.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(path: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None)
        detail = f": {problem}" if problem and "twice" in str(problem) else ""
        raise RuleLoadError(f"{path}: not valid YAML{where}{detail}") from err


def parse_lexicon(path: str, data: dict[str, Any]) -> Lexicon:
    unknown = set(data) - LEXICON_KEYS
    if unknown:
        raise RuleLoadError(f"{path}: unknown key {sorted(unknown)[0]!r} in lexicon")
    name = data["lexicon"]
    if not isinstance(name, str) or not REFERENCE.fullmatch("{" + name + "}"):
        raise RuleLoadError(f"{path}: lexicon name must be lower_snake_case, got {name!r}")
    entries, pattern = data.get("entries"), data.get("pattern")
    if (entries is None) == (pattern is None):
        raise RuleLoadError(f"{path}: lexicon {name!r} needs exactly one of 'entries' or 'pattern'")
    if entries is not None and (not isinstance(entries, list) or not entries):
        raise RuleLoadError(
            f"{path}: entries of lexicon {name!r} must be a non-empty list of phrases"
        )
    for position, entry in enumerate(entries or []):
        if not isinstance(entry, str) or not entry.strip():
            hint = (
                " (YAML reads yes/no/on/off/true/false as booleans: quote it)"
                if isinstance(entry, bool)
                else ""
            )
            raise RuleLoadError(
                f"{path}: entries[{position}] of lexicon {name!r} is {entry!r}, not a phrase{hint}"
            )
        if '"' in entry:
            # `is not "true"` in a YAML list is the text with the quote marks: the
            # phrase would never match. Quote the whole entry instead.
            raise RuleLoadError(
                f"{path}: entries[{position}] of lexicon {name!r} is {entry!r}: a quote mark"
                " inside an entry is matched literally; quote the whole entry instead"
            )
    if pattern is not None and not isinstance(pattern, str):
        raise RuleLoadError(f"{path}: pattern of lexicon {name!r} must be a string")
    return Lexicon(
        name=name,
        description=str(data.get("description", "")),
        file=path,
        entries=[str(e).strip() for e in entries or []],
        pattern=pattern.strip() if pattern else None,
        case_sensitive=bool(data.get("case_sensitive", True)),
        trigger_words=declared_triggers(path, name, data.get("triggers"), pattern is not None),
        trigger_references=tuple(
            m.group(1)
            for t in data.get("triggers") or []
            if isinstance(t, str) and (m := REFERENCE.fullmatch(t))
        ),
    )


def declared_triggers(path: str, name: str, triggers: Any, is_pattern: bool) -> frozenset[str]:
    """A pattern lexicon's `triggers`: words one of which occurs wherever it matches.

    They let rules write `triggers: ["{name}"]` for a pattern lexicon as for a
    phrase lexicon (whose trigger words come from its entries). A trigger written
    `{name}` stands for that lexicon's trigger words; `compile_lexicons` adds them.
    """
    if triggers is None:
        return frozenset()
    if not is_pattern:
        raise RuleLoadError(f"{path}: lexicon {name!r} has entries; 'triggers' is for patterns")
    if not isinstance(triggers, list) or not triggers:
        raise RuleLoadError(f"{path}: triggers of lexicon {name!r} must be a non-empty list")
    for trigger in triggers:
        if not isinstance(trigger, str) or not (
            WORD.fullmatch(trigger) or REFERENCE.fullmatch(trigger)
        ):
            raise RuleLoadError(
                f"{path}: trigger {trigger!r} of lexicon {name!r} is not one word "
                "(letters, digits, _) or a {lexicon} reference"
            )
    return frozenset(t for t in triggers if WORD.fullmatch(t))


SPACE = " "  # trie token standing for any run of whitespace


def case_variants(phrases: Iterable[str]) -> list[str]:
    """Each phrase as written in running text, in a headline and in capitals."""
    variants = set()
    for phrase in phrases:
        capitalised = phrase[:1].upper() + phrase[1:]
        variants.update({phrase, phrase.lower(), capitalised, phrase.title(), phrase.upper()})
    return sorted(variants)


def trie_regex(phrases: Iterable[str]) -> str:
    """One regex matching any of `phrases`, factored as a prefix trie.

    Python's `re` tries the branches of an alternation one by one, so a
    200-phrase lexicon costs 200 attempts at every position tried;
    "sa(?:id|ys|y(?:ing)?)" costs a few. At every branch point longer
    continuations are tried before stopping, like a longest-first alternation.
    """
    root: dict[str, dict] = {}
    for phrase in phrases:
        node = root
        for token in tokens_of(phrase):
            node = node.setdefault(token, {})
        node[""] = {}  # end of a phrase
    return trie_node_regex(root)


def tokens_of(phrase: str) -> list[str]:
    tokens: list[str] = []
    for position, part in enumerate(phrase.split()):
        if position:
            tokens.append(SPACE)
        tokens.extend(part)
    return tokens


def token_regex(token: str) -> str:
    """A trie token as regex: a space is any whitespace, an apostrophe either kind."""
    if token == SPACE:
        return r"\s+"
    if token in "'’":
        return "['’]"
    return re.escape(token)


def trie_node_regex(node: dict[str, dict]) -> str:
    ends_here = "" in node
    branches = [
        token_regex(token) + trie_node_regex(child)
        for token, child in sorted(node.items())
        if token != ""
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        return f"(?:{body})?"
    return body


def compile_lexicons(lexicons: dict[str, Lexicon]) -> None:
    """Expand every lexicon to a regex fragment, resolving references between them."""
    resolving: list[str] = []

    def resolve(name: str, path: str) -> str:
        lexicon = lexicons.get(name)
        if lexicon is None:
            raise RuleLoadError(f"{path}: unknown lexicon {{{name}}}")
        if lexicon.regex:
            return lexicon.regex
        if name in resolving:
            raise RuleLoadError(f"{lexicon.file}: lexicon {name!r} refers to itself")
        resolving.append(name)
        if lexicon.pattern is not None:
            body = REFERENCE.sub(lambda m: resolve(m.group(1), lexicon.file), lexicon.pattern)
        else:
            unique = sorted(set(lexicon.entries), key=lambda e: (-len(e), e))
            written = unique if lexicon.case_sensitive else case_variants(unique)
            body = trie_regex(written)
            lexicon.trigger_words = frozenset(
                trigger_word(entry) for entry in unique if WORD.search(entry)
            )
            if name == ARTICLE_OUTLET_LEXICON:
                body = f"{body}|(?:[Tt]he\\s+)?{ARTICLE_OUTLET_MARK}+"
                lexicon.trigger_words |= {ARTICLE_OUTLET_MARK}
        # A phrase list that ignores case is compiled as the ways it is written
        # (lower, Capitalised, Title, UPPER) rather than with (?i:): re's
        # case-insensitive matching is several times slower on large tries.
        ignore_case = lexicon.pattern is not None and not lexicon.case_sensitive
        lexicon.regex = f"{'(?i:' if ignore_case else '(?:'}{body})"
        try:
            re.compile(lexicon.regex)
        except re.error as err:
            raise RuleLoadError(
                f"{lexicon.file}: pattern of lexicon {name!r} is invalid: {err}"
            ) from err
        resolving.pop()
        return lexicon.regex

    for name, lexicon in lexicons.items():
        resolve(name, lexicon.file)
    for name, lexicon in lexicons.items():
        lexicon.trigger_words = referenced_triggers(name, lexicons, [])


def referenced_triggers(name: str, lexicons: dict[str, Lexicon], seen: list[str]) -> frozenset[str]:
    """A lexicon's trigger words with its `{name}` triggers expanded."""
    lexicon = lexicons[name]
    if name in seen:
        raise RuleLoadError(f"{lexicon.file}: triggers of lexicon {name!r} refer to themselves")
    words = set(lexicon.trigger_words)
    for reference in lexicon.trigger_references:
        if reference not in lexicons:
            raise RuleLoadError(
                f"{lexicon.file}: triggers refer to unknown lexicon {{{reference}}}"
            )
        found = referenced_triggers(reference, lexicons, [*seen, name])
        if not found:
            raise RuleLoadError(
                f"{lexicon.file}: triggers refer to {{{reference}}}, which has no trigger words"
            )
        words |= found
    return frozenset(words)


def parse_examples(
    where: str, examples: Any, unit: str = "sentence"
) -> tuple[list[str], list[str]]:
    """A rule's `examples: {match: [...], no_match: [...]}`, each a non-empty list.

    Shared by every kind of rule file (labels, provenance signals, checks).
    """
    if not isinstance(examples, dict) or set(examples) - {"match", "no_match"}:
        raise RuleLoadError(f"{where}: examples must be a mapping with 'match' and 'no_match'")
    found = []
    for kind in ("match", "no_match"):
        values = examples.get(kind)
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise RuleLoadError(f"{where}: examples.{kind} needs at least one {unit}")
        found.append(values)
    return found[0], found[1]


def expand_triggers(where: str, triggers: list[str], lexicons: dict[str, Lexicon]) -> set[str]:
    """Trigger words, with `{name}` standing for a lexicon's trigger words (a phrase
    lexicon's, from its entries, or a pattern lexicon's declared `triggers`)."""
    words: set[str] = set()
    for trigger in triggers:
        reference = REFERENCE.fullmatch(trigger)
        if reference is None:
            if not WORD.fullmatch(trigger):
                # the prefilter compares whole words: "op-ed" is the words "op" and "ed"
                raise RuleLoadError(
                    f"{where}: trigger {trigger!r} is not one word (letters, digits, _); "
                    "use one of its words, or `contains` for a phrase"
                )
            words.add(trigger)
            continue
        name = reference.group(1)
        if name not in lexicons or not lexicons[name].trigger_words:
            raise RuleLoadError(
                f"{where}: triggers refer to {trigger}, not a phrase lexicon "
                "or a pattern lexicon with triggers"
            )
        words |= lexicons[name].trigger_words
    return words


def bool_key(item: dict[str, Any], key: str, where: str) -> bool:
    """A rule's optional true/false key (false when absent), or a RuleLoadError."""
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise RuleLoadError(f"{where}: '{key}' must be true or false")
    return value


def parse_rule(path: str, key: str, item: dict[str, Any], lexicons: dict[str, Lexicon]) -> Rule:
    """Validate one rule mapping and compile its pattern."""
    rule_id = item["id"]
    where = f"{path}: {key} ({rule_id})"
    unknown = set(item) - RULE_KEYS
    if unknown:
        raise RuleLoadError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for required in ("label", "description", "pattern", "examples"):
        if not item.get(required):
            raise RuleLoadError(f"{where}: '{required}' is missing")
    labels = item["label"] if isinstance(item["label"], list) else [item["label"]]
    for label in labels:
        if label not in RULE_LABELS:
            raise RuleLoadError(f"{where}: label {label!r} is not one of {sorted(RULE_LABELS)}")
    match_examples, no_match_examples = parse_examples(where, item["examples"])
    requires = item.get("requires", [])
    if not isinstance(requires, list):
        raise RuleLoadError(f"{where}: 'requires' must be a list of lexicon names")
    for name in requires:
        if name not in lexicons:
            raise RuleLoadError(f"{where}: requires unknown lexicon {{{name}}}")
        if not lexicons[name].trigger_words:
            raise RuleLoadError(
                f"{where}: requires {{{name}}}, a pattern lexicon without triggers; list phrase "
                "lexicons or pattern lexicons with triggers"
            )
    priority = item.get("priority", 50)
    if not isinstance(priority, int):
        raise RuleLoadError(f"{where}: 'priority' must be an integer")
    outlet_role = item.get("outlet_role")
    if outlet_role is not None and outlet_role not in OUTLET_ROLES:
        raise RuleLoadError(f"{where}: outlet_role must be one of {sorted(OUTLET_ROLES)}")
    triggers = item.get("triggers", [])
    if not isinstance(triggers, list) or not all(isinstance(t, str) and t for t in triggers):
        raise RuleLoadError(f"{where}: 'triggers' must be a list of words")
    triggers = expand_triggers(where, triggers, lexicons)
    contains = item.get("contains", [])
    if not isinstance(contains, list) or not all(isinstance(c, str) and c for c in contains):
        raise RuleLoadError(f"{where}: 'contains' must be a list of non-empty strings")
    spaced = next((c for c in contains if any(ch.isspace() for ch in c)), None)
    if spaced is not None:
        # text breaks lines and uses no-break spaces where a pattern's \s+ matches
        raise RuleLoadError(f"{where}: 'contains' entry {spaced!r} has a space; use one word of it")
    anchor = item.get("anchor")
    if anchor is not None and anchor not in ANCHORS:
        raise RuleLoadError(f"{where}: anchor must be one of {sorted(ANCHORS)}")
    if anchor is None and str(item["pattern"]).lstrip().startswith("^"):
        anchor = "start"  # a pattern anchored at ^ needs one match() attempt, not a search
    skip_in_quotes = bool_key(item, "skip_in_quotes", where)
    source_named_in_article = bool_key(item, "source_named_in_article", where)
    not_named_in_article = bool_key(item, "not_named_in_article", where)
    if source_named_in_article and not_named_in_article:
        raise RuleLoadError(
            f"{where}: 'source_named_in_article' and 'not_named_in_article' exclude each other"
        )
    unless_sourced = bool_key(item, "unless_sourced", where)
    flags = item.get("flags", [])
    if flags not in ([], ["ignorecase"]):
        raise RuleLoadError(f"{where}: 'flags' may only be [ignorecase]")
    pattern = str(item["pattern"]).strip()
    for name in REFERENCE.findall(pattern):
        if name not in lexicons:
            raise RuleLoadError(f"{where}: pattern refers to unknown lexicon {{{name}}}")
    expanded = REFERENCE.sub(lambda m: lexicons[m.group(1)].regex, pattern)
    for name in requires:  # a prefilter on a lexicon the pattern does not use drops matches
        words_in_pattern = all(w.lower() in pattern.lower() for w in lexicons[name].trigger_words)
        if lexicons[name].regex not in expanded and not words_in_pattern:
            raise RuleLoadError(f"{where}: requires {{{name}}}, which the pattern does not use")
    try:
        regex = re.compile(expanded, re.IGNORECASE if flags else 0)
    except re.error as err:
        raise RuleLoadError(f"{where}: pattern is not a valid regex: {err}") from err
    return Rule(
        id=rule_id,
        labels=labels,
        description=str(item["description"]).strip(),
        pattern=pattern,
        file=path,
        priority=priority,
        requires=requires,
        match_examples=match_examples,
        no_match_examples=no_match_examples,
        outlet_role=outlet_role,
        triggers=frozenset(triggers),
        contains=tuple(contains),
        anchor=anchor,
        skip_in_quotes=skip_in_quotes,
        source_named_in_article=source_named_in_article,
        not_named_in_article=not_named_in_article,
        unless_sourced=unless_sourced,
        case_insensitive=bool(flags),
        regex=regex,
        expanded=expanded,
    )


# -- rule tests ------------------------------------------------------------
@dataclass
class ExampleFailure:
    """A rule example that did not behave as the rule file says."""

    rule_id: str
    file: str
    kind: str
    sentence: str
    fired: list[str]

    def describe(self) -> str:
        expectation = (
            "should match but did not" if self.kind == "match" else "should not match but did"
        )
        fired = ", ".join(self.fired) or "none"
        return (
            f"{self.file}: {self.rule_id} {expectation}:\n"
            f"    {self.sentence}\n    rules that fired: {fired}"
        )


def rule_examples(rules: Iterable[Any]) -> Iterator[tuple[Any, str, str]]:
    """(rule, "match" or "no_match", sentence) for every example of every rule."""
    for rule in rules:
        for sentence in rule.match_examples:
            yield rule, "match", sentence
        for sentence in rule.no_match_examples:
            yield rule, "no_match", sentence


def run_examples(ruleset: RuleSet) -> tuple[int, list[ExampleFailure]]:
    """Run every rule's own examples; return (examples run, failures)."""
    run, failures = 0, []
    for rule, kind, sentence in rule_examples(ruleset.rules):
        run += 1
        fired = ruleset.fired_ids(sentence)
        if (rule.id in fired) != (kind == "match"):
            failures.append(ExampleFailure(rule.id, rule.file, kind, sentence, fired))
    return run, failures
