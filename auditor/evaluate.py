"""Evaluation: measure the engine's labels against hand-labelled data.

Two kinds of gold data, one kind of report:

- **PolNeAR** (`polnear/{train,dev}.jsonl.gz`): the "attributed" figure of
  `../shared/data/README.md`. Gold spans are the cue and content spans of
  `Attribution` relations whose source is present and is not a first- or
  second-person pronoun. Articles with several annotators use the **union** of
  their spans (`combine="union"`, the default) or, with `combine="majority"`,
  only the characters at least half of the annotators cover. A statement of
  the engine is attributed in gold when at least half of its non-space
  characters lie inside gold spans, and attributed by the engine when it
  carries a source label (anonymous, named, document, outlet). Skipped
  segments are not counted.
- **Statement label files**: JSONL rows `{"doc", "start", "end", "labels"}`
  (other keys such as "part" or "text_hash" are allowed; only "part" is
  used). `doc` is a file path (relative to the working directory or to the
  label file) or an article id from `news/*.jsonl.gz`; offsets index
  `Document.text`. Each gold row is matched to the engine statement
  (`kind == "statement"`) that overlaps it by the most characters (the
  earliest on a tie). A row no engine statement overlaps (the engine skipped
  the text) is scored as predicted `[]`: a miss for every gold label. Only
  gold rows are scored; engine statements nobody labelled are ignored.

Per label: precision, recall, F1 and support; plus exact-label-set accuracy
(gold set == engine set). `headline_figures` flattens a report into the
numbers the regression guard compares with `eval/baseline.json`.
"""

from __future__ import annotations

import datetime
import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

from .errors import AuditorError, InputError
from .ingest import document_from_record, read_document
from .model import LABELS, SOURCE_LABELS, Document, Statement
from .pipeline import Auditor

ATTRIBUTED_LABELS = frozenset(SOURCE_LABELS)
PERSONAL_PRONOUNS = frozenset({"i", "we", "you", "us", "me", "my", "our", "your"})
COMBINE_MODES = ("union", "majority")
POLNEAR_SPLITS = ("train", "dev")
TOLERANCE = 0.01
MISS_TEXT_WIDTH = 300

# Words dropped from the front of a cue before taking its head word
# ("has also said" -> "said"), and inflections folded into one family.
CUE_PREFIX_WORDS = frozenset(
    {
        *("has", "have", "had", "is", "was", "were", "are", "be", "been", "being"),
        *("will", "would", "could", "can", "may", "might", "should", "did", "does", "do"),
        *("also", "not", "never", "just", "then", "later", "previously", "publicly"),
        *("repeatedly", "recently", "reportedly", "once", "again", "further", "still"),
        *("even", "first", "already"),
    }
)
CUE_FAMILIES = {
    "said": ("say", "says", "said", "saying"),
    "told": ("tell", "tells", "told", "telling"),
    "added": ("add", "adds", "added", "adding"),
    "wrote": ("write", "writes", "wrote", "writing", "written"),
    "noted": ("note", "notes", "noted", "noting"),
    "called": ("call", "calls", "called", "calling"),
    "showed": ("show", "shows", "showed", "shown", "showing"),
    "argued": ("argue", "argues", "argued", "arguing"),
    "asked": ("ask", "asks", "asked", "asking"),
    "reported": ("report", "reports", "reported", "reporting"),
    "denied": ("deny", "denies", "denied", "denying"),
    "declined": ("decline", "declines", "declined", "declining"),
    "suggested": ("suggest", "suggests", "suggested", "suggesting"),
    "believes": ("believe", "believes", "believed", "believing"),
    "thinks": ("think", "thinks", "thought", "thinking"),
    "wants": ("want", "wants", "wanted", "wanting"),
    "found": ("find", "finds", "found", "finding"),
    "claimed": ("claim", "claims", "claimed", "claiming"),
    "described": ("describe", "describes", "described", "describing"),
    "announced": ("announce", "announces", "announced", "announcing"),
    "tweeted": ("tweet", "tweets", "tweeted", "tweeting"),
    "cited": ("cite", "cites", "cited", "citing"),
    "knows": ("know", "knows", "knew", "known", "knowing"),
}
CUE_FAMILY_OF = {form: family for family, forms in CUE_FAMILIES.items() for form in forms}
ID_FIELD = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"')


# -- counting ---------------------------------------------------------------
@dataclass
class Counts:
    """True positives, false positives and false negatives of one yes/no decision."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: bool, predicted: bool) -> None:
        if gold and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif gold:
            self.fn += 1

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "predicted": self.predicted,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


# -- reading ----------------------------------------------------------------
def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) for each non-blank line of a .jsonl or .jsonl.gz file."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(f"{path}:{number}: not valid JSON ({err.msg})") from err
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise InputError(f"{path}: cannot read ({err})") from err


def default_data_dir() -> Path:
    """`../shared/data` beside the working directory, else beside the checkout."""
    candidates = [
        Path.cwd().parent / "shared" / "data",
        Path(__file__).resolve().parent.parent.parent / "shared" / "data",
    ]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def polnear_path(split_or_path: str, data_dir: Path) -> Path:
    """`dev`/`train` name a split under `data_dir/polnear`; anything else is a file path."""
    if split_or_path in POLNEAR_SPLITS:
        path = data_dir / "polnear" / f"{split_or_path}.jsonl.gz"
        if not path.is_file():
            raise InputError(f"PolNeAR {split_or_path} split not found at {path} (see --data)")
        return path
    return Path(split_or_path)


# -- PolNeAR ----------------------------------------------------------------
@dataclass
class PolnearResult:
    """The attributed figure on one PolNeAR file, with the material to find misses."""

    name: str
    combine: str
    articles: int = 0
    statements: int = 0
    counts: Counts = field(default_factory=Counts)
    gold_cues: Counter[str] = field(default_factory=Counter)
    found_cues: Counter[str] = field(default_factory=Counter)
    false_positive_cues: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def cue_rows(self) -> list[dict[str, Any]]:
        """Recall per gold cue family, most frequent first."""
        rows = []
        for cue, gold in self.gold_cues.most_common():
            found = self.found_cues[cue]
            rows.append(
                {
                    "cue": cue,
                    "gold": gold,
                    "found": found,
                    "missed": gold - found,
                    "recall": round(found / gold, 4),
                }
            )
        return sorted(rows, key=lambda row: (-row["gold"], row["cue"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "combine": self.combine,
            "articles": self.articles,
            "statements": self.statements,
            "attributed": self.counts.to_dict(),
            "by_gold_cue": self.cue_rows(),
            "false_positives_by_engine_cue": [
                {"cue": cue, "count": count}
                for cue, count in sorted(
                    self.false_positive_cues.items(), key=lambda item: (-item[1], item[0])
                )
            ],
        }


@dataclass(frozen=True)
class Relation:
    """A gold attribution that counts: who annotated it, its cue and its spans."""

    annotator: str
    cue: str
    spans: tuple[tuple[int, int], ...]


def is_personal_pronoun(source_text: str) -> bool:
    return source_text.strip().lower() in PERSONAL_PRONOUNS


def gold_relations(article: dict[str, Any]) -> list[Relation]:
    """The relations whose cue and content spans are gold (see the module docstring)."""
    relations = []
    for attribution in article.get("attributions") or []:
        source = attribution.get("source")
        if attribution.get("type") != "Attribution" or not source:
            continue
        if is_personal_pronoun(source.get("text") or ""):
            continue
        spans: list[tuple[int, int]] = []
        for part in ("cue", "content"):
            if attribution.get(part):
                spans.extend((int(a), int(b)) for a, b in attribution[part]["spans"])
        cue = (attribution.get("cue") or {}).get("text") or ""
        relations.append(Relation(str(attribution.get("annotator")), cue, tuple(spans)))
    return relations


def gold_mask(
    text: str, article: dict[str, Any], relations: list[Relation], combine: str
) -> bytearray:
    """1 for each character of `text` inside gold spans, else 0.

    `union`: inside any annotator's spans. `majority`: inside the spans of at
    least half of the article's annotators (the same as union with one).
    """
    if combine not in COMBINE_MODES:
        raise AuditorError(f"unknown combine mode {combine!r} (use {', '.join(COMBINE_MODES)})")
    annotators = {str(a.get("annotator")) for a in article.get("attributions") or []}
    needed = 1 if combine == "union" else max(1, math.ceil(len(annotators) / 2))
    if needed == 1:
        return covered(len(text), relations)
    votes = [0] * len(text)
    for annotator in {relation.annotator for relation in relations}:
        mask = covered(len(text), [r for r in relations if r.annotator == annotator])
        for i, inside in enumerate(mask):
            votes[i] += inside
    return bytearray(1 if count >= needed else 0 for count in votes)


def covered(length: int, relations: Iterable[Relation]) -> bytearray:
    """1 for each of `length` characters inside any span of `relations`."""
    mask = bytearray(length)
    for relation in relations:
        for start, end in relation.spans:
            start, end = max(0, start), min(length, end)
            if end > start:
                mask[start:end] = b"\x01" * (end - start)
    return mask


def gold_share(text: str, mask: bytearray, start: int, end: int) -> float:
    """The share of the non-space characters of text[start:end] inside the gold mask."""
    inside = total = 0
    for i in range(start, end):
        if not text[i].isspace():
            total += 1
            inside += mask[i]
    return inside / total if total else 0.0


def cue_family(cue: str | None) -> str:
    """A cue's head word, folded into its family: "has also said" -> "said"."""
    words = re.findall(r"[\w’']+|[^\w\s]+", (cue or "").lower())
    if words[:2] == ["according", "to"]:
        return "according to"
    while len(words) > 1 and words[0] in CUE_PREFIX_WORDS:
        words = words[1:]
    if not words:
        return "(none)"
    return CUE_FAMILY_OF.get(words[0], words[0])


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Characters two half-open ranges share."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def gold_cue_for(start: int, end: int, relations: Sequence[Relation]) -> str:
    """The cue family of the gold relation whose spans overlap [start, end) most."""
    best, best_cue = 0, "(none)"
    for relation in relations:
        shared = sum(overlap(start, end, a, b) for a, b in relation.spans)
        if shared > best:
            best, best_cue = shared, cue_family(relation.cue)
    return best_cue


def engine_cue(statement: Statement) -> str:
    """The engine's cue family, or the first rule when the label carries no cue."""
    if statement.cue:
        return cue_family(statement.cue)
    return f"[{statement.rules[0]}]" if statement.rules else "(none)"


def is_attributed(labels: Iterable[str]) -> bool:
    return not ATTRIBUTED_LABELS.isdisjoint(labels)


def evaluate_polnear(
    articles: Iterable[dict[str, Any]], auditor: Auditor, name: str, combine: str = "union"
) -> PolnearResult:
    """Score the engine's statements of every article against the gold spans."""
    result = PolnearResult(name=name, combine=combine)
    for article in articles:
        text = article.get("text") or ""
        article_id = str(article.get("article"))
        result.articles += 1
        if not text.strip():
            continue
        relations = gold_relations(article)
        mask = gold_mask(text, article, relations, combine)
        for statement in auditor.statements(Document(name=article_id, text=text)):
            if not statement.is_statement:
                continue
            result.statements += 1
            share = gold_share(text, mask, statement.start, statement.end)
            gold, predicted = share >= 0.5, is_attributed(statement.labels)
            result.counts.add(gold, predicted)
            if gold:
                cue = gold_cue_for(statement.start, statement.end, relations)
                result.gold_cues[cue] += 1
                result.found_cues[cue] += predicted
            elif predicted:
                result.false_positive_cues[engine_cue(statement)] += 1
            if gold != predicted:
                result.misses.append(
                    {
                        "kind": "false_negative" if gold else "false_positive",
                        "data": name,
                        "article": article_id,
                        "start": statement.start,
                        "end": statement.end,
                        "gold_share": round(share, 3),
                        "gold_cue": gold_cue_for(statement.start, statement.end, relations),
                        "labels": statement.labels,
                        "cue": statement.cue,
                        "source": statement.source,
                        "rules": statement.rules,
                        "text": statement.text,
                    }
                )
    return result


def load_polnear(path: Path) -> list[dict[str, Any]]:
    articles = []
    for number, article in read_jsonl(path):
        if not isinstance(article, dict) or not isinstance(article.get("text"), str):
            raise InputError(f"{path}:{number}: not a PolNeAR article (needs a 'text' string)")
        articles.append(article)
    return articles


# -- statement label files ----------------------------------------------------
@dataclass(frozen=True)
class GoldRow:
    """One hand-labelled statement: where it is and the labels it should get."""

    file: str
    line: int
    doc: str
    start: int
    end: int
    labels: frozenset[str]
    part: str
    # page furniture or a caption the segmenter once passed as a statement:
    # skipping it is right too
    furniture: bool = False


def parse_row(row: Any, file: Path, line: int) -> GoldRow:
    """Validate one label-file row; unknown keys are ignored."""
    where = f"{file}:{line}"
    if not isinstance(row, dict):
        raise InputError(f"{where}: a row must be a JSON object")
    missing = [key for key in ("doc", "start", "end", "labels") if key not in row]
    if missing:
        raise InputError(f"{where}: missing key(s) {', '.join(missing)}")
    doc, start, end, labels = row["doc"], row["start"], row["end"], row["labels"]
    if not isinstance(doc, str) or not doc:
        raise InputError(f"{where}: 'doc' must be an article id or a file path")
    if type(start) is not int or type(end) is not int or not 0 <= start < end:
        raise InputError(f"{where}: 'start' and 'end' must be integers with 0 <= start < end")
    if not isinstance(labels, list) or not labels:
        raise InputError(f"{where}: 'labels' must be a non-empty list")
    unknown = sorted({str(label) for label in labels} - set(LABELS))
    if unknown:
        known = ", ".join(LABELS)
        raise InputError(f"{where}: unknown label(s) {', '.join(unknown)} (use {known})")
    if "unattributed" in labels and len(set(labels)) > 1:
        raise InputError(f"{where}: 'unattributed' cannot be combined with other labels")
    furniture = row.get("furniture", False)
    if not isinstance(furniture, bool) or (furniture and labels != ["unattributed"]):
        raise InputError(
            f"{where}: 'furniture' must be true or false, and true only with"
            ' the labels ["unattributed"]'
        )
    part = row.get("part")
    return GoldRow(
        file=str(file),
        line=line,
        doc=doc,
        start=start,
        end=end,
        labels=frozenset(labels),
        part=str(part) if part else file.name.split(".")[0],
        furniture=furniture,
    )


def load_label_file(path: Path) -> list[GoldRow]:
    """The rows of a statement label file; its "part" defaults to the file's stem."""
    rows = [parse_row(row, path, line) for line, row in read_jsonl(path)]
    if not rows:
        raise InputError(f"{path}: no labelled rows")
    return rows


def doc_path(doc: str, label_file: str) -> Path | None:
    """`doc` as an existing file, relative to the working directory or the label file."""
    for base in (Path.cwd(), Path(label_file).parent):
        path = base / doc
        if path.is_file():
            return path
    return None


def load_news_records(ids: set[str], news_dir: Path) -> dict[str, dict[str, Any]]:
    """One pass over news/*.jsonl.gz, keeping only the records with the wanted ids.

    The id is read from the raw line first, so only wanted lines are parsed;
    files whose name prefixes a wanted id ("bbc" for "bbc_business_001") are
    read first, and reading stops once every id is found.
    """
    if not news_dir.is_dir():
        raise InputError(f"article ids need the news data, not found at {news_dir} (see --data)")
    files = sorted(news_dir.glob("*.jsonl.gz"))
    files.sort(key=lambda f: not any(i.startswith(f.name.split(".")[0] + "_") for i in ids))
    found: dict[str, dict[str, Any]] = {}
    for file in files:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            for line in handle:
                match = ID_FIELD.search(line, 0, 400)
                if match and json.loads(f'"{match.group(1)}"') not in ids:
                    continue
                record = json.loads(line)
                if record.get("id") in ids:
                    found[record["id"]] = record
                    if len(found) == len(ids):
                        return found
    return found


def load_documents(rows: Sequence[GoldRow], news_dir: Path) -> dict[str, Document]:
    """Every document the rows point to, by `doc`: files read, article ids looked up."""
    documents: dict[str, Document] = {}
    wanted: dict[str, GoldRow] = {}
    for row in rows:
        if row.doc in documents or row.doc in wanted:
            continue
        path = doc_path(row.doc, row.file)
        if path is not None:
            documents[row.doc] = read_document(str(path))
        else:
            wanted[row.doc] = row
    if wanted:
        records = load_news_records(set(wanted), news_dir)
        for doc, row in wanted.items():
            if doc not in records:
                raise InputError(
                    f"{row.file}:{row.line}: doc {doc!r} is neither a file nor an article id "
                    f"in {news_dir}"
                )
            documents[doc] = document_from_record(records[doc], name=doc)
    for row in rows:
        length = len(documents[row.doc].text)
        if row.end > length:
            raise InputError(
                f"{row.file}:{row.line}: end {row.end} is past the end of {row.doc} "
                f"({length} characters)"
            )
    return documents


def best_statement(start: int, end: int, statements: Sequence[Statement]) -> Statement | None:
    """The statement (kind "statement") sharing the most characters with [start, end).

    Ties go to the earliest; None when no statement overlaps at all.
    """
    best, best_shared = None, 0
    for statement in statements:
        if not statement.is_statement:
            continue
        shared = overlap(start, end, statement.start, statement.end)
        if shared > best_shared:
            best, best_shared = statement, shared
    return best


@dataclass
class LabelResult:
    """Per-label and exact-set figures of one part of a statement label set."""

    part: str
    rows: int = 0
    exact: int = 0
    unmatched: int = 0
    per_label: dict[str, Counts] = field(default_factory=lambda: {x: Counts() for x in LABELS})
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.rows if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "rows": self.rows,
            "exact_accuracy": round(self.exact_accuracy, 4),
            "exact": self.exact,
            "unmatched": self.unmatched,
            "labels": {label: counts.to_dict() for label, counts in self.per_label.items()},
        }


def evaluate_labels(
    rows: Sequence[GoldRow],
    documents: dict[str, Document],
    auditor: Auditor,
    part: str,
    cache: dict[str, list[Statement]] | None = None,
) -> LabelResult:
    """Match each gold row to the engine's statement and count agreements."""
    cache = {} if cache is None else cache
    result = LabelResult(part=part)
    for row in rows:
        if row.doc not in cache:
            cache[row.doc] = auditor.statements(documents[row.doc])
        statement = best_statement(row.start, row.end, cache[row.doc])
        predicted = frozenset(statement.labels) if statement is not None else frozenset()
        if statement is None and row.furniture:
            predicted = row.labels  # skipped furniture: as right as labelling it
        result.rows += 1
        result.unmatched += statement is None and not row.furniture
        result.exact += predicted == row.labels
        for label in LABELS:
            result.per_label[label].add(label in row.labels, label in predicted)
        if predicted != row.labels:
            text = documents[row.doc].text[row.start : row.end]
            result.misses.append(
                {
                    "kind": "label_mismatch",
                    "part": part,
                    "file": row.file,
                    "line": row.line,
                    "doc": row.doc,
                    "start": row.start,
                    "end": row.end,
                    "gold": sorted(row.labels),
                    "predicted": sorted(predicted),
                    "missing": sorted(row.labels - predicted),
                    "extra": sorted(predicted - row.labels),
                    "engine_start": statement.start if statement else None,
                    "engine_end": statement.end if statement else None,
                    "cue": statement.cue if statement else None,
                    "source": statement.source if statement else None,
                    "rules": statement.rules if statement else [],
                    "text": text[:MISS_TEXT_WIDTH],
                }
            )
    return result


def evaluate_label_files(
    paths: Sequence[Path],
    auditor: Auditor,
    news_dir: Path,
    part: str | None = None,
) -> list[LabelResult]:
    """One result per part (the rows' "part", else the file stem), plus "all" if several."""
    rows = [row for path in paths for row in load_label_file(path)]
    if part is not None:
        rows = [row for row in rows if row.part == part]
        if not rows:
            raise InputError(f"no labelled rows with part {part!r} in {', '.join(map(str, paths))}")
    documents = load_documents(rows, news_dir)
    cache: dict[str, list[Statement]] = {}
    parts = sorted({row.part for row in rows})
    results = [
        evaluate_labels([r for r in rows if r.part == name], documents, auditor, name, cache)
        for name in parts
    ]
    if len(parts) > 1:
        everything = evaluate_labels(rows, documents, auditor, "all", cache)
        everything.misses = []  # already reported under their own parts
        results.append(everything)
    return results


# -- the report, headline figures and the baseline ---------------------------
@dataclass
class Report:
    polnear: list[PolnearResult] = field(default_factory=list)
    labels: list[LabelResult] = field(default_factory=list)

    @property
    def misses(self) -> list[dict[str, Any]]:
        return [m for r in self.polnear for m in r.misses] + [
            m for r in self.labels for m in r.misses
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "polnear": [r.to_dict() for r in self.polnear],
            "label_sets": [r.to_dict() for r in self.labels],
            "headline": headline_figures(self),
        }


def run_evaluation(
    label_files: list[Path],
    polnear: list[str],
    part: str | None,
    combine: str,
    data_dir: Path,
    auditor: Auditor,
) -> Report:
    """Evaluate every input: PolNeAR files first, then the statement label files."""
    report = Report()
    for split in polnear:
        path = polnear_path(split, data_dir)
        report.polnear.append(evaluate_polnear(load_polnear(path), auditor, split, combine))
    if label_files:
        report.labels = evaluate_label_files(label_files, auditor, data_dir / "news", part)
    return report


def baseline_inputs(
    label_files: list[Path], polnear: list[str], part: str | None, combine: str, baseline: Path
) -> dict[str, Any]:
    """The inputs, with file paths relative to the baseline's directory where possible."""
    return {
        "label_files": [relative_to(path, baseline.parent) for path in label_files],
        "polnear": [
            split if split in POLNEAR_SPLITS else relative_to(Path(split), baseline.parent)
            for split in polnear
        ],
        "part": part,
        "combine": combine,
    }


def inputs_from_baseline(
    baseline: dict[str, Any], path: Path
) -> tuple[list[Path], list[str], str | None, str]:
    """The label files, PolNeAR inputs, part and combine mode a baseline was made with."""
    inputs = baseline.get("inputs") or {}
    base = path.parent
    label_files = [base / name for name in inputs.get("label_files") or []]
    polnear = [
        split if split in POLNEAR_SPLITS else str(base / split)
        for split in inputs.get("polnear") or []
    ]
    if not label_files and not polnear:
        raise InputError(f"{path}: the baseline records no inputs; give them on the command line")
    return label_files, polnear, inputs.get("part"), inputs.get("combine") or "union"


def relative_to(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def headline_figures(report: Report) -> dict[str, float]:
    """The figures the regression guard watches, flat: "polnear/dev/attributed/f1" → 0.91.

    PolNeAR attributed precision, recall and F1 per file; per part of the label
    sets, the F1 of every label with gold support and the exact-set accuracy.
    """
    figures: dict[str, float] = {}
    for result in report.polnear:
        for name in ("precision", "recall", "f1"):
            figures[f"polnear/{result.name}/attributed/{name}"] = round(
                getattr(result.counts, name), 4
            )
    for result in report.labels:
        for label, counts in result.per_label.items():
            if counts.support:
                figures[f"labels/{result.part}/{label}/f1"] = round(counts.f1, 4)
        figures[f"labels/{result.part}/exact_accuracy"] = round(result.exact_accuracy, 4)
    return figures


def drops(
    current: dict[str, float], recorded: dict[str, float], tolerance: float = TOLERANCE
) -> list[str]:
    """Each recorded figure that fell more than `tolerance` (or is no longer produced)."""
    problems = []
    for key, before in sorted(recorded.items()):
        now = current.get(key)
        if now is None:
            problems.append(f"{key}: recorded {before:.4f}, not produced any more")
        elif now < before - tolerance - 1e-9:
            problems.append(f"{key}: {now:.4f}, down from {before:.4f} (tolerance {tolerance})")
    return problems


def recorded_for(report: Report, recorded: dict[str, float]) -> dict[str, float]:
    """The recorded figures about the inputs this report evaluated."""
    prefixes = tuple(f"polnear/{result.name}/" for result in report.polnear)
    if report.labels:
        prefixes += ("labels/",)
    return {key: value for key, value in recorded.items() if key.startswith(prefixes)}


def baseline_record(report: Report, command: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": datetime.date.today().isoformat(),
        "command": command,
        "inputs": inputs,
        "tolerance": TOLERANCE,
        "figures": headline_figures(report),
    }


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"{path}: no such baseline file") from err
    except json.JSONDecodeError as err:
        raise InputError(f"{path}: not valid JSON ({err.msg})") from err
    if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
        raise InputError(f"{path}: a baseline needs a 'figures' object")
    return data


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    try:
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    except OSError as err:
        raise InputError(f"{path}: cannot write ({err.strerror or err})") from err
    return count


# -- rendering -----------------------------------------------------------------
def render_report(report: Report, fmt: str = "table", top: int = 15) -> str:
    """The report as text tables (`table`, `markdown`) or JSON."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2)
    tablefmt = "github" if fmt == "markdown" else "simple"
    blocks = []
    if report.polnear:
        blocks.append(render_polnear(report.polnear, tablefmt))
        for result in report.polnear:
            blocks.append(render_cues(result, tablefmt, top))
    for result in report.labels:
        blocks.append(render_labels(result, tablefmt))
    return "\n\n".join(blocks)


def gap(tablefmt: str) -> str:
    """Between a title and its table: a blank line in Markdown, so the table renders."""
    return "\n\n" if tablefmt == "github" else "\n"


def aligned_table(rows: list[list[Any]], headers: list[str], tablefmt: str) -> str:
    """A table with figures kept as formatted ("1.000", not "1") and right-aligned."""
    colalign = ("left",) + ("right",) * (len(headers) - 1)
    return tabulate(
        rows, headers=headers, tablefmt=tablefmt, disable_numparse=True, colalign=colalign
    )


def render_polnear(results: Sequence[PolnearResult], tablefmt: str) -> str:
    rows = [
        [
            r.name,
            r.combine,
            r.articles,
            r.statements,
            r.counts.support,
            r.counts.predicted,
            r.counts.tp,
            r.counts.fp,
            r.counts.fn,
            f"{r.counts.precision:.3f}",
            f"{r.counts.recall:.3f}",
            f"{r.counts.f1:.3f}",
        ]
        for r in results
    ]
    headers = ["PolNeAR", "combine", "articles", "statements", "gold attributed"]
    headers += ["engine attributed", "TP", "FP", "FN", "precision", "recall", "F1"]
    return (
        "PolNeAR attributed statements"
        + gap(tablefmt)
        + aligned_table(rows, headers=headers, tablefmt=tablefmt)
    )


def render_cues(result: PolnearResult, tablefmt: str, top: int) -> str:
    cue_rows = result.cue_rows()
    recall = [
        [row["cue"], row["gold"], row["found"], row["missed"], f"{row['recall']:.3f}"]
        for row in cue_rows
    ]
    fps = result.false_positive_cues.most_common()
    recall_table = aligned_table(
        recall[:top], headers=["gold cue", "gold", "found", "missed", "recall"], tablefmt=tablefmt
    )
    fp_table = aligned_table(
        fps[:top], headers=["engine cue", "false positives"], tablefmt=tablefmt
    )
    more = f"{gap(tablefmt)}(top {top} of {len(recall)} cues; --top N or --format json for all)"
    return (
        f"PolNeAR {result.name}: recall by gold cue{gap(tablefmt)}{recall_table}"
        + (more if len(recall) > top else "")
        + f"\n\nPolNeAR {result.name}: false positives by engine cue{gap(tablefmt)}{fp_table}"
    )


def render_labels(result: LabelResult, tablefmt: str) -> str:
    rows = [
        [
            label,
            f"{counts.precision:.3f}",
            f"{counts.recall:.3f}",
            f"{counts.f1:.3f}",
            counts.support,
            counts.predicted,
        ]
        for label, counts in result.per_label.items()
    ]
    table = aligned_table(
        rows,
        headers=["label", "precision", "recall", "F1", "support", "predicted"],
        tablefmt=tablefmt,
    )
    return (
        f"Statement labels, part {result.part!r}: {result.rows} statements{gap(tablefmt)}"
        f"{table}{gap(tablefmt)}"
        f"exact label-set accuracy: {result.exact_accuracy:.3f} ({result.exact}/{result.rows}); "
        f"gold statements with no engine statement: {result.unmatched}"
    )
