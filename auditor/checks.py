"""Editorial checks: newsroom sourcing standards as data, run on a labelled article.

Checks live in `rules/checks/*.yaml` (packaged as `auditor.rules.checks`):

    checks:
      - id: anon.no-reason
        level: warning                 # info | warning | error
        message: Anonymous source ("{attribution}") with no stated reason.
        why: AP, NYT and SPJ standards: say why anonymity was granted.
        detect: statement              # statement | metadata | aggregate | suppression
        when:                          # a mapping, or a list of mappings (any holds)
          labels: [anonymous]
          not_nearby: "{anonymity_reason}"
        examples:
          match: ["<article text the check must flag>"]
          no_match: ["<article text it must not flag>"]

`detect` says how a check finds problems:

- `statement`: every body statement is tested against `when`, a conjunction of
  conditions (see `CONDITION_KEYS`); patterns are regexes that may name a label
  engine lexicon as `{name}`. One finding per matching statement.
- `metadata`: `when: {missing_metadata: [author]}`; one finding per article.
- `aggregate`: whole-article checks written in Python, keyed by id in
  `AGGREGATES`; their tunable numbers and patterns are the check's `params`.
- `suppression`: reported by the suppression engine (`suppress.no-reason`,
  `suppress.unused`).

An example is an article text (one starting with `---` is read as Markdown with
front matter); `run_check_examples` audits it and runs every check on it, and the
check must (match) or must not (no_match) report a finding. A malformed check file
is a `RuleLoadError` naming the file and key; nothing is skipped.

Inline suppression: `<!-- auditor-ignore ID[, ID]: reason -->`. On a line of its
own it covers the findings of the next block of non-blank lines; after text on a
line it covers the block it is in. A suppression without a reason suppresses
nothing and is reported (`suppress.no-reason`); one that suppresses nothing is
reported too (`suppress.unused`).
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import hashlib
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import RuleLoadError
from .model import SOURCE_LABELS, ArticleAudit, Statement
from .ruleset import (
    REFERENCE,
    RuleMatch,
    RuleSet,
    any_substring,
    fired_key,
    parse_examples,
    parse_yaml,
)

LEVELS = ("info", "warning", "error")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
CHECK_KEYS = {"id", "level", "message", "why", "detect", "when", "params", "examples", "help"}
DETECTS = {"statement", "metadata", "aggregate", "suppression"}
CONDITION_KEYS = {
    "labels",  # the statement has all of these labels
    "not_labels",  # ... and none of these
    "rules",  # one of these rule ids fired (globs allowed: hedge.*)
    "not_rules",  # none of these fired
    "source",  # regex the statement's source phrase matches
    "not_source",  # regex it must not match
    "text",  # regex the statement text matches
    "contains",  # one of these strings occurs in the text (any case): a cheap test before `text`
    "not_text",  # regex it must not match
    "quote",  # true: has a direct quote; false: has none
    "inherited",  # true/false: the source was carried over from a neighbour
    "not_nearby",  # regex found neither in its paragraph nor the statements beside it
    "missing_metadata",  # (metadata checks) these metadata fields are absent
}
PATTERN_KEYS = {"source", "not_source", "text", "not_text", "not_nearby"}
LIST_KEYS = {"labels", "not_labels", "rules", "not_rules", "missing_metadata", "contains"}
BOOL_KEYS = {"quote", "inherited"}
MESSAGE_FIELDS = {
    "attribution",
    "source",
    "cue",
    "excerpt",
    "outlet",
    "count",
    "total",
    "share",
    "threshold",
    "field",
    "detail",
    "rule",
}
SUPPRESSION_IDS = ("suppress.no-reason", "suppress.unused")
SPACES = re.compile(r"\s+")


# -- findings ----------------------------------------------------------------
@dataclass
class Finding:
    """One problem a check found, at a place in a file."""

    rule_id: str
    level: str
    message: str
    path: str
    line: int
    column: int
    statement: int | None = None
    # Text the finding is about, for baseline fingerprints (not part of to_dict).
    snippet: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "level": self.level,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "statement": self.statement,
        }

    @property
    def fingerprint(self) -> str:
        """Stable across moved lines: the check id and the text it is about."""
        basis = f"{self.rule_id}\0{SPACES.sub(' ', self.snippet or self.message).strip()}"
        return hashlib.sha256(basis.encode()).hexdigest()[:16]


def at_or_above(level: str, threshold: str) -> bool:
    return LEVEL_RANK[level] >= LEVEL_RANK[threshold]


# -- check definitions -------------------------------------------------------
@dataclass
class Condition:
    """A conjunction of statement tests (see CONDITION_KEYS), patterns compiled.

    The tests run for every statement of every article, so they are turned once
    into a list of small predicates, cheapest (labels) first.
    """

    tests: dict[str, Any]
    _predicates: list[Callable[[Statement], bool]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._predicates = statement_predicates(self.tests)

    def holds(self, ctx: ArticleContext, statement: Statement, nearby: bool = True) -> bool:
        """Does `statement` pass every test (`nearby=False` skips `not_nearby`)?"""
        for predicate in self._predicates:
            if not predicate(statement):
                return False
        return not (nearby and "not_nearby" in self.tests and self.nearby_match(ctx, statement))

    def nearby_match(self, ctx: ArticleContext, statement: Statement) -> bool:
        pattern = self.tests.get("not_nearby")
        return bool(pattern and pattern.search(ctx.nearby_text(statement)))


def statement_predicates(t: dict[str, Any]) -> list[Callable[[Statement], bool]]:
    """The tests of a condition as predicates on one statement (not_nearby aside)."""
    checks: list[Callable[[Statement], bool]] = []
    labels, not_labels = tuple(t.get("labels", ())), tuple(t.get("not_labels", ()))
    if labels:
        checks.append(lambda s: all(label in s.labels for label in labels))
    if not_labels:
        checks.append(lambda s: not any(label in s.labels for label in not_labels))
    if "rules" in t:
        wanted = rule_globs(t["rules"])
        checks.append(lambda s: any(wanted(rule) for rule in s.rules))
    if "not_rules" in t:
        unwanted = rule_globs(t["not_rules"])
        checks.append(lambda s: not any(unwanted(rule) for rule in s.rules))
    if "quote" in t:
        quote = t["quote"]
        checks.append(lambda s: bool(s.quote) == quote)
    if "inherited" in t:
        inherited = t["inherited"]
        checks.append(lambda s: s.inherited == inherited)
    if "source" in t:
        source = t["source"]
        checks.append(lambda s: bool(source.search(s.source or "")))
    if "not_source" in t:
        not_source = t["not_source"]
        checks.append(lambda s: not (s.source and not_source.search(s.source)))
    if "contains" in t:
        occurs = any_lowered(tuple(t["contains"]))
        checks.append(lambda s: bool(occurs(s.text.lower())))
    if "text" in t:
        text = t["text"]
        checks.append(lambda s: bool(text.search(s.text)))
    if "not_text" in t:
        not_text = t["not_text"]
        checks.append(lambda s: not not_text.search(s.text))
    return checks


def rule_globs(patterns: list[str]) -> Callable[[str], Any]:
    """A matcher for rule ids against globs ("hedge.*"), compiled once; [] matches nothing."""
    if not patterns:
        return lambda rule_id: False
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


@dataclass
class Check:
    """One editorial check: what it flags, how serious, why, and its own examples."""

    id: str
    level: str
    message: str
    why: str
    detect: str
    file: str
    conditions: list[Condition] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    match_examples: list[str] = field(default_factory=list)
    no_match_examples: list[str] = field(default_factory=list)
    help: str = ""

    def render(self, **values: Any) -> str:
        """The message with its `{fields}` filled (missing ones left empty)."""
        return string.Formatter().vformat(self.message, (), _Blank(values)).strip()

    def statement_matches(self, ctx: ArticleContext, statement: Statement) -> bool:
        return any(condition.holds(ctx, statement) for condition in self.conditions)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


# -- loading -----------------------------------------------------------------
def builtin_check_files() -> list[tuple[str, str]]:
    """(display path, text) of each built-in check file (checkout fallback as ruleset)."""
    try:
        root: Any = resources.files("auditor.rules.checks")
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "rules" / "checks"
    files = sorted(
        (c for c in root.iterdir() if c.name.endswith((".yaml", ".yml"))), key=lambda c: c.name
    )
    if not files:
        raise RuleLoadError("rules/checks/: the built-in check files are missing")
    return [(f"rules/checks/{c.name}", c.read_text(encoding="utf-8")) for c in files]


def load_checks(ruleset: RuleSet, extra_dirs: Iterable[str | Path] = ()) -> list[Check]:
    """Built-in checks, then each extra directory's (a check with the same id replaces)."""
    sources = builtin_check_files()
    for directory in extra_dirs:
        folder = Path(directory)
        if not folder.is_dir():
            raise RuleLoadError(f"{directory}: checks directory does not exist")
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
        if not files:
            raise RuleLoadError(f"{directory}: no .yaml check files found")
        for file in files:
            try:
                sources.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as err:
                raise RuleLoadError(f"{file}: cannot read ({err})") from err
    checks: dict[str, Check] = {}
    for path, text in sources:
        for check in parse_check_file(path, parse_yaml(path, text), ruleset):
            checks[check.id] = check
    missing = [i for i in SUPPRESSION_IDS if i not in checks]
    if missing:
        raise RuleLoadError(f"rules/checks/: the built-in check {missing[0]!r} is missing")
    return list(checks.values())


def parse_check_file(path: str, data: Any, ruleset: RuleSet) -> list[Check]:
    if data is None:
        raise RuleLoadError(f"{path}: file is empty")
    if not isinstance(data, dict) or "checks" not in data:
        raise RuleLoadError(f"{path}: expected a 'checks' list")
    extra = set(data) - {"checks", "description"}
    if extra:
        raise RuleLoadError(f"{path}: unknown top-level key {sorted(extra)[0]!r}")
    if not isinstance(data["checks"], list) or not data["checks"]:
        raise RuleLoadError(f"{path}: 'checks' must be a non-empty list")
    return [
        parse_check(path, f"checks[{n}]", item, ruleset) for n, item in enumerate(data["checks"])
    ]


def parse_check(path: str, key: str, item: Any, ruleset: RuleSet) -> Check:
    """Validate one check mapping; every error names the file, position and key."""
    if not isinstance(item, dict):
        raise RuleLoadError(f"{path}: {key} must be a mapping")
    check_id = item.get("id")
    if not isinstance(check_id, str) or not re.fullmatch(
        r"[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+", check_id
    ):
        raise RuleLoadError(f"{path}: {key}.id must be a dotted id like 'anon.no-reason'")
    where = f"{path}: {key} ({check_id})"
    unknown = set(item) - CHECK_KEYS
    if unknown:
        raise RuleLoadError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    for required in ("level", "message", "why", "detect", "examples"):
        if not item.get(required):
            raise RuleLoadError(f"{where}: '{required}' is missing")
    if item["level"] not in LEVELS:
        raise RuleLoadError(f"{where}: level must be one of {', '.join(LEVELS)}")
    detect = item["detect"]
    if detect not in DETECTS:
        raise RuleLoadError(f"{where}: detect must be one of {', '.join(sorted(DETECTS))}")
    message = str(item["message"]).strip()
    check_message_fields(where, message)
    conditions = parse_conditions(where, item.get("when"), ruleset, detect)
    params = parse_params(where, check_id, detect, item.get("params"), ruleset)
    match, no_match = parse_examples(where, item["examples"], unit="article text")
    return Check(
        id=check_id,
        level=item["level"],
        message=message,
        why=str(item["why"]).strip(),
        detect=detect,
        file=path,
        conditions=conditions,
        params=params,
        match_examples=match,
        no_match_examples=no_match,
        help=str(item.get("help", "")).strip(),
    )


def check_message_fields(where: str, message: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(message) if name}
    except ValueError as err:
        raise RuleLoadError(f"{where}: message is not a valid template ({err})") from err
    unknown = {name.split(".")[0].split("[")[0] for name in names} - MESSAGE_FIELDS
    if unknown:
        raise RuleLoadError(
            f"{where}: message field {{{sorted(unknown)[0]}}} is not one of "
            f"{', '.join(sorted(MESSAGE_FIELDS))}"
        )


def compile_pattern(where: str, pattern: Any, ruleset: RuleSet) -> re.Pattern[str]:
    """A check regex with `{lexicon}` references expanded from the label engine."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise RuleLoadError(f"{where}: must be a non-empty regex string")
    for name in REFERENCE.findall(pattern):
        if name not in ruleset.lexicons:
            raise RuleLoadError(f"{where}: refers to unknown lexicon {{{name}}}")
    expanded = REFERENCE.sub(lambda m: ruleset.lexicons[m.group(1)].regex, pattern.strip())
    try:
        return re.compile(expanded)
    except re.error as err:
        raise RuleLoadError(f"{where}: not a valid regex ({err})") from err


def parse_conditions(where: str, when: Any, ruleset: RuleSet, detect: str) -> list[Condition]:
    needs_when = detect in ("statement", "metadata")
    if when is None:
        if needs_when:
            raise RuleLoadError(f"{where}: 'when' is missing (needed by detect: {detect})")
        return []
    if not needs_when:
        raise RuleLoadError(f"{where}: 'when' is only for detect: statement or metadata")
    blocks = when if isinstance(when, list) else [when]
    conditions = []
    for n, block in enumerate(blocks):
        at = f"{where}: when[{n}]" if isinstance(when, list) else f"{where}: when"
        if not isinstance(block, dict) or not block:
            raise RuleLoadError(f"{at} must be a non-empty mapping of conditions")
        tests: dict[str, Any] = {}
        for key, value in block.items():
            if key not in CONDITION_KEYS:
                raise RuleLoadError(f"{at}: unknown condition {key!r}")
            if (key == "missing_metadata") != (detect == "metadata"):
                raise RuleLoadError(f"{at}: condition {key!r} does not apply to detect: {detect}")
            if key in PATTERN_KEYS:
                tests[key] = compile_pattern(f"{at}.{key}", value, ruleset)
            elif key in LIST_KEYS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise RuleLoadError(f"{at}.{key} must be a list of strings")
                tests[key] = value
            elif not isinstance(value, bool):
                raise RuleLoadError(f"{at}.{key} must be true or false")
            else:
                tests[key] = value
        conditions.append(Condition(tests))
    return conditions


def parse_params(
    where: str, check_id: str, detect: str, params: Any, ruleset: RuleSet
) -> dict[str, Any]:
    """Parameters of an aggregate check: each aggregate declares the ones it reads."""
    if detect != "aggregate":
        if params is not None:
            raise RuleLoadError(f"{where}: 'params' is only for detect: aggregate")
        return {}
    if check_id not in AGGREGATES:
        known = ", ".join(sorted(AGGREGATES))
        raise RuleLoadError(f"{where}: no aggregate check is implemented for this id ({known})")
    params = params or {}
    if not isinstance(params, dict):
        raise RuleLoadError(f"{where}: 'params' must be a mapping")
    declared = AGGREGATE_PARAMS[check_id]
    result: dict[str, Any] = {}
    for name, default in declared.items():
        if name not in params and default is None:
            raise RuleLoadError(f"{where}: params.{name} is missing")
        value = params.get(name, default)
        if name.endswith("_pattern"):
            value = compile_pattern(f"{where}: params.{name}", value, ruleset)
        elif isinstance(default, float | int) and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise RuleLoadError(f"{where}: params.{name} must be a number")
        elif isinstance(default, list) and not isinstance(value, list):
            raise RuleLoadError(f"{where}: params.{name} must be a list")
        elif name.endswith("_screen") and not all(isinstance(v, str) and v for v in value):
            raise RuleLoadError(f"{where}: params.{name} must be a list of non-empty strings")
        elif name.endswith("_level") and value not in LEVELS:
            raise RuleLoadError(f"{where}: params.{name} must be one of {', '.join(LEVELS)}")
        result[name] = value
    unknown = set(params) - set(declared)
    if unknown:
        raise RuleLoadError(f"{where}: unknown param {sorted(unknown)[0]!r}")
    return result


# -- configuration -------------------------------------------------------------
@dataclass
class CheckConfig:
    """Which checks run and how: built from `[tool.auditor]` by auditor.config."""

    ruleset: RuleSet
    checks: list[Check]
    disabled: frozenset[str] = frozenset()
    levels: dict[str, str] = field(default_factory=dict)
    anon_share_max: float | None = None  # overrides anon.share-high's params.max_share

    @classmethod
    def default(cls) -> CheckConfig:
        return _default_config()

    @property
    def by_id(self) -> dict[str, Check]:
        return {check.id: check for check in self.checks}

    def active(self) -> list[Check]:
        return [c for c in self.checks if c.id not in self.disabled]

    def level_of(self, check: Check) -> str:
        return self.levels.get(check.id, check.level)


@functools.cache
def _default_config() -> CheckConfig:
    ruleset = RuleSet.builtin()
    return CheckConfig(ruleset, load_checks(ruleset))


# -- locating statements -------------------------------------------------------
class Locator:
    """Line and column (1-based, in characters) of offsets or statements in a file.

    For text read straight from the file (.txt, .md) offsets map to lines directly.
    For extracted text (HTML, JSON) the statement is searched in the raw file; when
    it cannot be found the finding is placed at line 1.
    """

    def __init__(self, raw: str, offsets_are_raw: bool):
        self.raw = raw
        self.offsets_are_raw = offsets_are_raw
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def statement(self, statement: Statement) -> tuple[int, int]:
        if self.offsets_are_raw:
            return self.position(statement.start)
        words = statement.text.split()[:6]
        if not words:
            return 1, 1
        pattern = r"\s+".join(re.escape(w) for w in words)
        found = re.search(pattern, self.raw)
        return self.position(found.start()) if found else (1, 1)


# -- per-article context -------------------------------------------------------
class ArticleContext:
    """What the checks of one article share: body, paragraphs, locations, rules."""

    def __init__(self, audit: ArticleAudit, ruleset: RuleSet, raw_text: str | None = None):
        self.audit = audit
        self.ruleset = ruleset
        self.path = audit.document.name
        self.body = audit.body_statements
        self.position = {s.index: n for n, s in enumerate(self.body)}
        self.by_index = {s.index: s for s in audit.statements}
        paragraphs: dict[int, list[str]] = {}
        for statement in self.body:
            paragraphs.setdefault(statement.paragraph, []).append(statement.text)
        self.paragraph_text = {p: " ".join(texts) for p, texts in paragraphs.items()}
        # Without the raw file (records of a batch), lines are counted in the text itself.
        offsets_are_raw = audit.document.text_source == "file" or raw_text is None
        self.raw = audit.document.text if offsets_are_raw else raw_text
        self.locator = Locator(self.raw, offsets_are_raw=offsets_are_raw)
        self._attributions: dict[int, tuple[str, str]] = audit.memo.setdefault(
            ("attributions", ruleset.hash), {}
        )
        self._fired: dict[int, list[RuleMatch]] = audit.memo.get(fired_key(ruleset), {})

    def nearby_text(self, statement: Statement) -> str:
        """The statement's paragraph and the body statements just before and after it."""
        n = self.position[statement.index]
        beside = [self.body[i].text for i in (n - 1, n + 1) if 0 <= i < len(self.body)]
        return " ".join([self.paragraph_text[statement.paragraph], *beside])

    def first_line(self) -> tuple[int, int, int | None]:
        """Where article-level findings go: the first segment that is not a comment."""
        for statement in self.audit.statements:
            if statement.reason != "comment":
                line, column = self.locator.statement(statement)
                return line, column, None
        return 1, 1, None

    def finding(
        self, check: Check, level: str, statement: Statement | None, **values: Any
    ) -> Finding:
        if statement is None:
            line, column, index = self.first_line()
            snippet = ""
        else:
            line, column = self.locator.statement(statement)
            index, snippet = statement.index, statement.text
            values.setdefault("excerpt", excerpt(statement.text))
        return Finding(
            check.id, level, check.render(**values), self.path, line, column, index, snippet
        )

    def attribution(self, statement: Statement) -> tuple[str, str]:
        """(source phrase, cue) of the statement's anonymous attribution.

        A statement credited to an outlet keeps the outlet as its `source`; the
        unnamed people behind it are found by firing the rules again (once per
        statement: several checks ask).
        """
        known = self._attributions.get(statement.index)
        if known is None:
            known = self._attributions[statement.index] = self._find_attribution(statement)
        return known

    def _find_attribution(self, statement: Statement) -> tuple[str, str]:
        matches = self._fired.get(statement.index)
        if matches is None:  # not kept by the labeller, or labelled with other rules
            matches = self.ruleset.fire(statement.text)
        anonymous = [m for m in matches if "anonymous" in m.rule.labels]
        for match in anonymous:
            source = match.groups.get("source") or match.groups.get("source2")
            if source:
                cue = match.groups.get("cue") or match.groups.get("cue2") or ""
                return source.strip(), cue.strip()
        for match in anonymous:
            if match.rule.outlet_role == "own" and match.groups.get("outlet"):
                # "…, The Post has learned": the people the outlet does not name
                return f"unnamed sources of {match.groups['outlet'].strip()}", ""
        return (statement.source or "an unnamed source"), (statement.cue or "")


def excerpt(text: str, width: int = 60) -> str:
    text = SPACES.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def has_source(statement: Statement) -> bool:
    return any(label in SOURCE_LABELS for label in statement.labels)


# -- statement and metadata checks ------------------------------------------------
def run_statement_check(check: Check, ctx: ArticleContext, level: str) -> list[Finding]:
    findings = []
    for statement in ctx.body:
        if check.statement_matches(ctx, statement):
            source, cue = ctx.attribution(statement)
            findings.append(
                ctx.finding(
                    check,
                    level,
                    statement,
                    attribution=f"{source} {cue}".strip(),
                    source=source,
                    cue=cue,
                )
            )
    return findings


def run_metadata_check(check: Check, ctx: ArticleContext, level: str) -> list[Finding]:
    metadata = ctx.audit.document.metadata
    findings = []
    for condition in check.conditions:
        for name in condition.tests.get("missing_metadata", ()):
            if not str(metadata.get(name) or "").strip():
                findings.append(ctx.finding(check, level, None, field=name))
    return findings


# -- aggregate checks (Python, keyed by id) ----------------------------------------
Aggregate = Callable[[Check, "ArticleContext", CheckConfig, str], list[Finding]]

BACK_REFERENCE = re.compile(r"^(?:this|that|these|those|the\s+same)\b", re.IGNORECASE)


def anonymous_attributions(ctx: ArticleContext) -> list[Statement]:
    """Statements that introduce an anonymous source of their own.

    Inherited labels and back-references ("this person said") are the same
    source again, so they are left out.
    """
    return [
        s
        for s in ctx.body
        if "anonymous" in s.labels
        and not s.inherited
        and not BACK_REFERENCE.match(ctx.attribution(s)[0])
    ]


def single_source_lede(
    check: Check, ctx: ArticleContext, config: CheckConfig, level: str
) -> list[Finding]:
    """The lede (first `paragraphs` body paragraphs) rests on one singular anonymous source.

    Corroboration is judged inside the lede: any named or document source there,
    or a second anonymous source, corroborates. A plural source ("officials",
    "three people") is more than one source.
    """
    paragraphs = sorted({s.paragraph for s in ctx.body})[: int(check.params["paragraphs"])]
    lede = [s for s in ctx.body if s.paragraph in paragraphs and has_source(s)]
    if not lede or any(label in s.labels for s in lede for label in ("named", "document")):
        return []
    anonymous = [s for s in anonymous_attributions(ctx) if s in lede]
    phrases = {SPACES.sub(" ", ctx.attribution(s)[0]).lower() for s in anonymous}
    if len(phrases) != 1:
        return []
    (phrase,) = phrases
    if check.params["plural_pattern"].search(phrase):
        return []
    source, cue = ctx.attribution(anonymous[0])
    return [ctx.finding(check, level, anonymous[0], source=source, cue=cue, attribution=source)]


def anonymous_share(
    check: Check, ctx: ArticleContext, config: CheckConfig, level: str
) -> list[Finding]:
    """Anonymous statements over attributed statements above the limit, or no named source."""
    attributed = [s for s in ctx.body if has_source(s)]
    anonymous = [s for s in attributed if "anonymous" in s.labels]
    if not anonymous:
        return []
    limit = config.anon_share_max
    if limit is None:
        limit = float(check.params["max_share"])
    share = len(anonymous) / len(attributed)
    named = any("named" in s.labels for s in attributed)
    if share <= limit and named:
        return []
    detail = (
        f"{share:.0%} of attributed statements are anonymous, above the limit of {limit:.0%}"
        if share > limit
        else "no statement is attributed to a named source"
    )
    values = {
        "count": len(anonymous),
        "total": len(attributed),
        "share": f"{share:.0%}",
        "threshold": f"{limit:.0%}",
        "detail": detail,
    }
    return [ctx.finding(check, level, anonymous[0], **values)]


def allegations(ctx: ArticleContext, params: dict[str, Any]) -> list[Statement]:
    """Body statements with allegation language (the score asks too: computed once).

    `allegation_screen`, when given, lists lower-case strings of which one must
    occur for `allegation_pattern` to be tried: a cheap prefilter, like a rule's
    `contains` (the tests check it never changes the result on real news).
    """
    pattern, screen = params["allegation_pattern"], tuple(params.get("allegation_screen") or ())
    key = ("allegations", pattern.pattern, screen)
    found = ctx.audit.memo.get(key)
    if found is None:
        passes = any_lowered(screen)
        found = ctx.audit.memo[key] = [
            s for s in ctx.body if passes(s.text.lower()) and pattern.search(s.text)
        ]
    return found


@functools.cache
def any_lowered(strings: tuple[str, ...]) -> Callable[[str], object]:
    """`any_substring` for lower-cased text, compiled once per list of strings."""
    return any_substring(item.lower() for item in strings)


def replies(ctx: ArticleContext, labels: list[str]) -> list[Statement]:
    return [s for s in ctx.body if any(label in s.labels for label in labels)]


def missing_reply(
    check: Check, ctx: ArticleContext, config: CheckConfig, level: str
) -> list[Finding]:
    """Allegation language and no denial or no-comment line anywhere in the article."""
    if replies(ctx, check.params["reply_labels"]):
        return []
    accused = allegations(ctx, check.params)
    if not accused:
        return []
    return [ctx.finding(check, level, accused[0], count=len(accused))]


def credited_outlets(ctx: ArticleContext) -> list[tuple[str, list[Statement]]]:
    """(outlet, statements credited to it): from `audit.provenance` when present,
    else from the statements labelled `outlet` (grouped by their source)."""
    provenance = ctx.audit.provenance
    if provenance and provenance.get("credited_outlets"):
        result = []
        for entry in provenance["credited_outlets"]:
            statements = [ctx.by_index[i] for i in entry.get("statements", []) if i in ctx.by_index]
            result.append((str(entry.get("outlet")), statements))
        return result
    groups: dict[str, list[Statement]] = {}
    for statement in ctx.body:
        if "outlet" in statement.labels and statement.source:
            key = re.sub(r"^the\s+", "", statement.source, flags=re.IGNORECASE)
            groups.setdefault(key, []).append(statement)
    return [(statements[0].source or name, statements) for name, statements in groups.items()]


def credits_outlet(
    check: Check, ctx: ArticleContext, config: CheckConfig, level: str
) -> list[Finding]:
    """Each credited outlet once; escalated when it supplies most attributed statements."""
    attributed = sum(1 for s in ctx.body if has_source(s))
    findings = []
    for outlet, statements in credited_outlets(ctx):
        share = len(statements) / attributed if attributed else 0.0
        escalated = share > float(check.params["escalate_share"])
        this_level = level
        if escalated and at_or_above(check.params["escalate_level"], level):
            this_level = check.params["escalate_level"]
        detail = "most of the article's sourcing" if escalated else "part of the article's sourcing"
        at = statements[0] if statements else None
        findings.append(
            ctx.finding(
                check,
                this_level,
                at,
                outlet=outlet,
                count=len(statements),
                total=attributed,
                share=f"{share:.0%}",
                detail=detail,
            )
        )
    return findings


AGGREGATES: dict[str, Aggregate] = {
    "anon.single-source-lede": single_source_lede,
    "anon.share-high": anonymous_share,
    "reply.missing": missing_reply,
    "deriv.credits-outlet": credits_outlet,
}
# The params each aggregate reads, with defaults (None: required in the YAML).
AGGREGATE_PARAMS: dict[str, dict[str, Any]] = {
    "anon.single-source-lede": {"paragraphs": 2, "plural_pattern": None},
    "anon.share-high": {"max_share": 0.5},
    "reply.missing": {
        "allegation_pattern": None,
        "allegation_screen": [],
        "reply_labels": ["denial", "no_comment"],
    },
    "deriv.credits-outlet": {"escalate_share": 0.5, "escalate_level": "warning"},
}


# -- suppressions ---------------------------------------------------------------
SUPPRESSION = re.compile(r"<!--\s*auditor-ignore\b(?P<body>.*?)-->", re.DOTALL)
SUPPRESSION_BODY = re.compile(
    r"\s*(?P<ids>[\w.\-]+(?:\s*,\s*[\w.\-]+)*)?\s*(?::(?P<reason>.*))?", re.DOTALL
)


@dataclass
class Suppression:
    """An `auditor-ignore` comment: which checks, why, and the lines it covers."""

    ids: list[str]
    reason: str
    line: int
    column: int
    first: int  # first and last line covered
    last: int
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        return finding.rule_id in self.ids and self.first <= finding.line <= self.last


def find_suppressions(raw: str) -> list[Suppression]:
    lines = raw.split("\n")
    locator = Locator(raw, offsets_are_raw=True)
    found = []
    for match in SUPPRESSION.finditer(raw):
        body = SUPPRESSION_BODY.fullmatch(match.group("body"))
        ids = re.split(r"\s*,\s*", body.group("ids")) if body and body.group("ids") else []
        reason = (body.group("reason") or "").strip() if body else ""
        line, column = locator.position(match.start())
        end_line, _ = locator.position(match.end())
        before = lines[line - 1][: column - 1]
        after = lines[end_line - 1][locator.position(match.end())[1] - 1 :]
        alone = not before.strip() and not after.strip()
        first, last = block_after(lines, end_line) if alone else block_around(lines, line)
        found.append(Suppression(ids, reason, line, column, first, last))
    return found


def block_after(lines: list[str], line: int) -> tuple[int, int]:
    """The next block of non-blank lines after `line` (1-based, inclusive)."""
    n = line  # index of the following line
    while n < len(lines) and not lines[n].strip():
        n += 1
    first = n + 1
    while n < len(lines) and lines[n].strip():
        n += 1
    return first, max(first, n)


def block_around(lines: list[str], line: int) -> tuple[int, int]:
    first = line
    while first > 1 and lines[first - 2].strip():
        first -= 1
    last = line
    while last < len(lines) and lines[last].strip():
        last += 1
    return first, last


def apply_suppressions(
    findings: list[Finding], ctx: ArticleContext, config: CheckConfig
) -> list[Finding]:
    """Drop suppressed findings; report suppressions without a reason or without effect."""
    suppressions = find_suppressions(ctx.raw)
    if not suppressions:
        return findings
    kept = []
    for finding in findings:
        cover = next((s for s in suppressions if s.reason and s.covers(finding)), None)
        if cover is None:
            kept.append(finding)
        else:
            cover.used = True
    checks = config.by_id
    for suppression in suppressions:
        if not suppression.reason:
            kept.extend(suppression_finding(ctx, config, "suppress.no-reason", suppression))
        elif not suppression.used:
            kept.extend(suppression_finding(ctx, config, "suppress.unused", suppression, checks))
    return kept


def suppression_finding(
    ctx: ArticleContext,
    config: CheckConfig,
    check_id: str,
    suppression: Suppression,
    known: dict[str, Check] | None = None,
) -> list[Finding]:
    check = config.by_id[check_id]
    if check.id in config.disabled:
        return []
    named = ", ".join(suppression.ids) or "(no check id)"
    unknown = [i for i in suppression.ids if known is not None and i not in known]
    detail = (
        f"names no known check ({', '.join(unknown)})"
        if unknown or not suppression.ids
        else "matches no finding on the lines it covers"
    )
    message = check.render(rule=named, detail=detail)
    snippet = f"auditor-ignore {named}: {suppression.reason}"
    return [
        Finding(
            check.id,
            config.level_of(check),
            message,
            ctx.path,
            suppression.line,
            suppression.column,
            None,
            snippet,
        )
    ]


# -- running -------------------------------------------------------------------
def run_checks(
    audit: ArticleAudit, config: CheckConfig | None = None, raw_text: str | None = None
) -> list[Finding]:
    """Every active check on one audited article, suppressions applied, in file order.

    `raw_text` is the file as read, needed only for HTML and JSON inputs (whose
    statement offsets index extracted text) to place findings and read comments.
    """
    config = config or CheckConfig.default()
    ctx = ArticleContext(audit, config.ruleset, raw_text)
    findings: list[Finding] = []
    for check in config.active():
        level = config.level_of(check)
        if check.detect == "statement":
            findings += run_statement_check(check, ctx, level)
        elif check.detect == "metadata":
            findings += run_metadata_check(check, ctx, level)
        elif check.detect == "aggregate":
            findings += AGGREGATES[check.id](check, ctx, config, level)
    findings = apply_suppressions(findings, ctx, config)
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule_id))


# -- examples ---------------------------------------------------------------------
@dataclass
class CheckExampleFailure:
    """A check example that did not behave as its file says."""

    check_id: str
    file: str
    kind: str
    text: str
    reported: list[str]

    def describe(self) -> str:
        expectation = "should be flagged but was not" if self.kind == "match" else "was flagged"
        reported = ", ".join(self.reported) or "none"
        text = excerpt(self.text, 100)
        return f"{self.file}: {self.check_id} {expectation}:\n    {text}\n    reported: {reported}"


def example_document(text: str, number: int):
    """An example as a Document: Markdown (front matter) when it starts with `---`."""
    from .ingest import parse_bytes

    suffix = ".md" if text.startswith("---") else ".txt"
    return parse_bytes(text.encode("utf-8"), name=f"example-{number}{suffix}", suffix=suffix)


def run_check_examples(
    config: CheckConfig | None = None,
) -> tuple[int, list[CheckExampleFailure]]:
    """Audit every check's examples and run all checks on them: (run, failures)."""
    from .pipeline import Auditor

    loaded = config or CheckConfig.default()
    # Examples run with every check on and at its own level, whatever the settings.
    config = CheckConfig(loaded.ruleset, loaded.checks)
    auditor = Auditor(config.ruleset)
    run, failures = 0, []
    for check in config.checks:
        for kind, texts in (("match", check.match_examples), ("no_match", check.no_match_examples)):
            for text in texts:
                run += 1
                audit = auditor.audit(example_document(text, run), readability=False)
                reported = sorted({f.rule_id for f in run_checks(audit, config)})
                if (check.id in reported) != (kind == "match"):
                    failures.append(CheckExampleFailure(check.id, check.file, kind, text, reported))
    return run, failures
