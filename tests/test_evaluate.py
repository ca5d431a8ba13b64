"""The evaluation machinery on small synthetic data: metrics, gold spans, alignment.

The engine is replaced by a stub returning fixed statements, so these tests say
what the scoring does whatever the rules label.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.evaluate import (
    Counts,
    GoldRow,
    PolnearResult,
    Report,
    best_statement,
    cue_family,
    drops,
    evaluate_label_files,
    evaluate_labels,
    evaluate_polnear,
    gold_mask,
    gold_relations,
    gold_share,
    headline_figures,
    load_documents,
    load_label_file,
    load_news_records,
    overlap,
    parse_row,
    recorded_for,
    render_report,
)
from auditor.model import Document, Statement

TEXT = "Ann Lee said the dam held. The river rose. We said nothing. Rain fell."
#       0         1         2         3         4         5         6
#       0123456789012345678901234567890123456789012345678901234567890123456789


def statement(start: int, end: int, labels: list[str], **fields) -> Statement:
    return Statement(index=0, start=start, end=end, text=TEXT[start:end], labels=labels, **fields)


class StubAuditor:
    """Returns the same statements for any document, as the real `Auditor.statements` would."""

    def __init__(self, statements: list[Statement]):
        self._statements = statements
        self.calls = 0

    def statements(self, document: Document) -> list[Statement]:
        self.calls += 1
        return self._statements


def span(start: int, end: int) -> dict:
    return {"spans": [[start, end]], "text": TEXT[start:end]}


def relation(source, cue, content, annotator="a1", kind="Attribution") -> dict:
    return {
        "annotator": annotator,
        "event": "E1",
        "type": kind,
        "source": span(*source) if source else None,
        "cue": span(*cue) if cue else None,
        "content": span(*content) if content else None,
    }


# -- counts -----------------------------------------------------------------
def test_counts_give_precision_recall_f1():
    counts = Counts()
    for gold, predicted in [(1, 1), (1, 1), (1, 0), (0, 1), (0, 0)]:
        counts.add(bool(gold), bool(predicted))
    assert (counts.tp, counts.fp, counts.fn) == (2, 1, 1)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(2 / 3)
    assert counts.f1 == pytest.approx(2 / 3)
    assert (counts.support, counts.predicted) == (3, 3)


def test_counts_with_nothing_to_count_are_zero_not_an_error():
    assert (Counts().precision, Counts().recall, Counts().f1) == (0.0, 0.0, 0.0)


# -- PolNeAR gold -------------------------------------------------------------
@pytest.mark.parametrize(
    ("cue", "family"),
    [
        ("said", "said"),
        ("has also said", "said"),
        ("Says", "said"),
        ("told", "told"),
        ("According to", "according to"),
        ("said in a statement", "said"),
        (":", ":"),
        ("―", "―"),
        ("warned", "warned"),
        ("", "(none)"),
        (None, "(none)"),
    ],
)
def test_cue_family_takes_the_head_word_and_folds_inflections(cue, family):
    assert cue_family(cue) == family


def test_gold_relations_need_a_source_that_is_not_a_first_or_second_person_pronoun():
    article = {
        "text": TEXT,
        "attributions": [
            relation((0, 7), (8, 12), (13, 25)),  # Ann Lee said ...
            relation((43, 45), (46, 50), (51, 58)),  # We said nothing: first person
            relation(None, (46, 50), (27, 42), kind="Attribution-no-source"),
            relation(None, (46, 50), (27, 42)),  # Attribution without a source
        ],
    }
    relations = gold_relations(article)
    assert [r.cue for r in relations] == ["said"]
    assert relations[0].spans == ((8, 12), (13, 25))  # the cue and content, not the source


def test_gold_mask_unions_annotators_or_takes_the_majority():
    article = {
        "text": TEXT,
        "attributions": [
            relation((0, 7), (8, 12), (13, 25), annotator="a1"),
            relation((0, 7), (8, 12), (13, 25), annotator="a2"),
            relation((0, 7), (8, 12), (27, 42), annotator="a3"),
        ],
    }
    relations = gold_relations(article)
    union = gold_mask(TEXT, article, relations, "union")
    majority = gold_mask(TEXT, article, relations, "majority")
    assert union[30] == 1 and majority[30] == 0  # only a3 covers "The river rose."
    assert union[15] == majority[15] == 1  # all three cover "the dam held"
    assert union[3] == 0  # the source itself is not gold


def test_gold_share_counts_non_space_characters():
    mask = bytearray(len(TEXT))
    mask[0:3] = b"\x01\x01\x01"  # "Ann"
    # "Ann Lee" has six non-space characters, three inside
    assert gold_share(TEXT, mask, 0, 7) == pytest.approx(0.5)
    assert gold_share(TEXT, mask, 3, 4) == 0.0  # only a space


def test_evaluate_polnear_counts_statements_and_breaks_down_by_cue():
    article = {
        "article": "synthetic_1",
        "text": TEXT,
        "attributions": [
            relation((0, 7), (8, 12), (13, 25)),  # "Ann Lee said the dam held."
            relation((0, 7), (8, 12), (27, 41)),  # "The river rose" (no full stop: 14/15)
        ],
    }
    statements = [
        statement(0, 26, ["named"], cue="said"),  # gold, found
        statement(27, 42, ["unattributed"]),  # gold, missed
        statement(43, 59, ["named"], cue="says"),  # false positive
        statement(60, 70, ["named"], rules=["inherit.carry-forward"]),  # false positive
        Statement(index=4, start=60, end=70, text=TEXT[60:70], kind="skip", reason="furniture"),
    ]
    result = evaluate_polnear([article], StubAuditor(statements), "synthetic")
    assert (result.counts.tp, result.counts.fp, result.counts.fn) == (1, 2, 1)
    assert result.statements == 4  # the skip is not counted
    assert result.cue_rows() == [{"cue": "said", "gold": 2, "found": 1, "missed": 1, "recall": 0.5}]
    assert result.false_positive_cues == {"said": 1, "[inherit.carry-forward]": 1}
    kinds = [(m["kind"], m["start"]) for m in result.misses]
    assert kinds == [("false_negative", 27), ("false_positive", 43), ("false_positive", 60)]
    assert result.misses[0]["gold_cue"] == "said" and result.misses[0]["text"] == "The river rose."


def test_an_empty_article_counts_but_has_no_statements():
    result = evaluate_polnear([{"article": "x", "text": " ", "attributions": []}], None, "x")
    assert result.articles == 1 and result.statements == 0


# -- alignment ----------------------------------------------------------------
ranges = st.tuples(st.integers(0, 60), st.integers(1, 20)).map(lambda r: (r[0], r[0] + r[1]))


@given(gold=ranges, spans=st.lists(st.tuples(ranges, st.booleans()), max_size=8))
def test_best_statement_shares_the_most_characters(gold, spans):
    statements = [
        Statement(index=i, start=a, end=b, text="x", kind="statement" if real else "skip")
        for i, ((a, b), real) in enumerate(spans)
    ]
    best = best_statement(*gold, statements)
    shared = [overlap(*gold, s.start, s.end) for s in statements if s.is_statement]
    if best is None:
        assert not any(shared)  # nothing overlaps: the engine predicted nothing here
    else:
        assert best.is_statement
        best_shared = overlap(*gold, best.start, best.end)
        assert best_shared == max(shared) > 0
        # ties go to the earliest statement in document order
        first = next(
            s
            for s in statements
            if s.is_statement and overlap(*gold, s.start, s.end) == best_shared
        )
        assert best is first


@given(a=ranges, b=ranges)
def test_overlap_is_symmetric_and_bounded(a, b):
    assert overlap(*a, *b) == overlap(*b, *a)
    assert 0 <= overlap(*a, *b) <= min(a[1] - a[0], b[1] - b[0])


def test_best_statement_prefers_the_larger_overlap_when_a_gold_span_straddles_two():
    statements = [statement(0, 26, ["named"]), statement(27, 42, ["unattributed"])]
    assert best_statement(20, 40, statements).start == 27  # 13 characters against 6


# -- statement label files ------------------------------------------------------
def row(**fields) -> dict:
    return {"doc": "d.txt", "start": 0, "end": 26, "labels": ["named"], **fields}


def test_parse_row_ignores_unknown_keys_and_takes_the_part_from_the_row_or_file(tmp_path):
    file = tmp_path / "heldout.jsonl"
    assert parse_row(row(text_hash="abc"), file, 3).part == "heldout"
    assert parse_row(row(part="tune"), file, 3).part == "tune"
    assert parse_row(row(), file, 3).labels == frozenset({"named"})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"doc": "d.txt", "start": 0, "end": 5}, "missing key(s) labels"),
        (row(start=9, end=9), "0 <= start < end"),
        (row(start="0"), "0 <= start < end"),
        (row(labels=[]), "non-empty list"),
        (row(labels=["named", "rumour"]), "unknown label(s) rumour"),
        (row(labels=["unattributed", "named"]), "cannot be combined"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_parse_row_rejects_malformed_rows_naming_file_and_line(tmp_path, bad, message):
    with pytest.raises(InputError, match=r"gold\.jsonl:7: ") as err:
        parse_row(bad, tmp_path / "gold.jsonl", 7)
    assert message in str(err.value)


def test_load_label_file_reports_bad_json_with_its_line(tmp_path):
    file = tmp_path / "gold.jsonl"
    file.write_text(json.dumps(row()) + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold\.jsonl:3: not valid JSON"):
        load_label_file(file)


def gold(start: int, end: int, labels: list[str], part: str = "p") -> GoldRow:
    return GoldRow("gold.jsonl", 1, "doc", start, end, frozenset(labels), part)


def test_evaluate_labels_scores_each_gold_row_against_its_best_statement():
    statements = [
        statement(0, 26, ["named"]),
        statement(27, 42, ["named"]),
        statement(43, 59, ["anonymous", "denial"]),
    ]
    rows = [
        gold(0, 26, ["named"]),  # exact
        gold(27, 42, ["unattributed"]),  # wrong: named predicted
        gold(43, 59, ["anonymous"]),  # denial extra
        gold(60, 70, ["unattributed"]),  # no engine statement: predicted nothing
    ]
    documents = {"doc": Document(name="doc", text=TEXT)}
    stub = StubAuditor(statements)
    result = evaluate_labels(rows, documents, stub, "p")
    assert stub.calls == 1  # one document, segmented once
    assert (result.rows, result.exact, result.unmatched) == (4, 1, 1)
    assert result.exact_accuracy == 0.25
    named = result.per_label["named"]
    assert (named.tp, named.fp, named.fn) == (1, 1, 0)
    unattributed = result.per_label["unattributed"]
    assert (unattributed.tp, unattributed.fp, unattributed.fn) == (0, 0, 2)
    assert result.per_label["denial"].fp == 1 and result.per_label["denial"].support == 0
    unmatched = result.misses[-1]
    assert unmatched["predicted"] == [] and unmatched["missing"] == ["unattributed"]
    assert unmatched["engine_start"] is None and unmatched["text"] == "Rain fell."


def test_skipped_furniture_rows_count_as_right_and_labelled_ones_are_scored():
    statements = [statement(0, 26, ["named"]), statement(27, 42, ["named"])]
    rows = [
        GoldRow("gold.jsonl", 1, "doc", 27, 42, frozenset({"unattributed"}), "p", True),
        GoldRow("gold.jsonl", 2, "doc", 60, 70, frozenset({"unattributed"}), "p", True),
    ]
    documents = {"doc": Document(name="doc", text=TEXT)}
    result = evaluate_labels(rows, documents, StubAuditor(statements), "p")
    # the first is passed as a statement and labelled wrongly; the second is skipped
    assert (result.rows, result.exact, result.unmatched) == (2, 1, 0)
    unattributed = result.per_label["unattributed"]
    assert (unattributed.tp, unattributed.fn) == (1, 1)


def test_furniture_rows_must_be_unattributed(tmp_path):
    assert parse_row(
        row(labels=["unattributed"], furniture=True), tmp_path / "g.jsonl", 1
    ).furniture
    with pytest.raises(InputError, match="'furniture' must be true or false"):
        parse_row(row(furniture=True), tmp_path / "g.jsonl", 1)
    with pytest.raises(InputError, match="'furniture' must be true or false"):
        parse_row(row(labels=["unattributed"], furniture="yes"), tmp_path / "g.jsonl", 1)


def write_news(directory: Path, name: str, records: list[dict]) -> None:
    with gzip.open(directory / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


def test_load_news_records_keeps_only_the_requested_ids(tmp_path):
    write_news(
        tmp_path, "alpha", [{"id": "alpha_1", "text": "One."}, {"id": "alpha_2", "text": "Two."}]
    )
    write_news(tmp_path, "beta", [{"id": "beta_1", "text": "Three.", "outlet": "Beta"}])
    records = load_news_records({"alpha_2", "beta_1"}, tmp_path)
    assert sorted(records) == ["alpha_2", "beta_1"]
    assert records["beta_1"]["outlet"] == "Beta"


def test_load_documents_reads_paths_and_ids_and_checks_offsets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    news = tmp_path / "news"
    news.mkdir()
    write_news(news, "alpha", [{"id": "alpha_1", "text": TEXT, "outlet": "Alpha Times"}])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "article.txt").write_text("A short text.", encoding="utf-8")
    label_file = str(tmp_path / "sub" / "gold.jsonl")
    rows = [
        GoldRow(label_file, 1, "alpha_1", 0, 26, frozenset({"named"}), "p"),
        GoldRow(label_file, 2, "article.txt", 0, 13, frozenset({"unattributed"}), "p"),
    ]
    documents = load_documents(rows, news)
    assert documents["alpha_1"].metadata["outlet"] == "Alpha Times"  # own outlet known
    assert documents["article.txt"].text == "A short text."  # relative to the label file
    with pytest.raises(InputError, match="neither a file nor an article id"):
        load_documents([GoldRow(label_file, 3, "alpha_9", 0, 1, frozenset({"named"}), "p")], news)
    with pytest.raises(InputError, match="past the end"):
        load_documents(
            [GoldRow(label_file, 4, "article.txt", 0, 99, frozenset({"named"}), "p")], news
        )


def test_evaluate_label_files_reports_each_part_and_all(tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    file = tmp_path / "gold.jsonl"
    lines = [
        {"doc": "doc.txt", "start": 0, "end": 26, "labels": ["named"], "part": "tune"},
        {"doc": "doc.txt", "start": 27, "end": 42, "labels": ["unattributed"], "part": "heldout"},
    ]
    file.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    stub = StubAuditor([statement(0, 26, ["named"]), statement(27, 42, ["named"])])
    results = evaluate_label_files([file], stub, tmp_path / "news")
    assert [(r.part, r.rows, r.exact) for r in results] == [
        ("heldout", 1, 0),
        ("tune", 1, 1),
        ("all", 2, 1),
    ]
    only = evaluate_label_files([file], stub, tmp_path / "news", part="tune")
    assert [r.part for r in only] == ["tune"]
    with pytest.raises(InputError, match="no labelled rows with part 'test'"):
        evaluate_label_files([file], stub, tmp_path / "news", part="test")


# -- headline figures and the baseline ----------------------------------------------
def small_report() -> Report:
    polnear = PolnearResult(name="dev", combine="union", counts=Counts(tp=8, fp=2, fn=2))
    labels = evaluate_labels(
        [gold(0, 26, ["named"], "heldout")],
        {"doc": Document(name="doc", text=TEXT)},
        StubAuditor([statement(0, 26, ["named"])]),
        "heldout",
    )
    return Report(polnear=[polnear], labels=[labels])


def test_headline_figures_are_flat_and_cover_supported_labels_only():
    figures = headline_figures(small_report())
    assert figures == {
        "polnear/dev/attributed/precision": 0.8,
        "polnear/dev/attributed/recall": 0.8,
        "polnear/dev/attributed/f1": 0.8,
        "labels/heldout/named/f1": 1.0,
        "labels/heldout/exact_accuracy": 1.0,
    }


def test_drops_flags_falls_beyond_the_tolerance_and_missing_figures():
    recorded = {"a": 0.90, "b": 0.90, "c": 0.90, "gone": 0.5}
    current = {"a": 0.89, "b": 0.8899, "c": 0.95}
    problems = drops(current, recorded, tolerance=0.01)
    assert [p.split(":")[0] for p in problems] == ["b", "gone"]


def test_recorded_for_keeps_figures_about_what_was_evaluated():
    recorded = {
        "polnear/dev/attributed/f1": 0.7,
        "polnear/train/attributed/f1": 0.7,
        "labels/heldout/exact_accuracy": 0.9,
    }
    only_dev = Report(polnear=[PolnearResult(name="dev", combine="union")])
    assert recorded_for(only_dev, recorded) == {"polnear/dev/attributed/f1": 0.7}


def test_render_report_as_table_and_json():
    report = small_report()
    table = render_report(report, "table")
    assert "PolNeAR attributed statements" in table and "0.800" in table
    assert "exact label-set accuracy: 1.000 (1/1)" in table
    data = json.loads(render_report(report, "json"))
    assert data["polnear"][0]["attributed"]["f1"] == 0.8
    assert data["label_sets"][0]["labels"]["named"]["support"] == 1
    assert data["headline"]["labels/heldout/exact_accuracy"] == 1.0
    assert "| label" in render_report(report, "markdown")
