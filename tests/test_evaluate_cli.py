"""`auditor eval` end to end on small synthetic articles written for these tests."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from conftest import REPO

ARTICLE = (
    "Jane Smith said the bridge would close in May.\n\n"
    "The river rose two feet overnight.\n\n"
    '"That is untrue," a senior official said.\n\n'
    "The State Department did not immediately respond to a request for comment.\n"
)
SENTENCES = [
    "Jane Smith said the bridge would close in May.",
    "The river rose two feet overnight.",
    '"That is untrue," a senior official said.',
    "The State Department did not immediately respond to a request for comment.",
]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["eval", *args])


def where(sentence: str) -> tuple[int, int]:
    start = ARTICLE.index(sentence)
    return start, start + len(sentence)


def gold_row(sentence: str, labels: list[str], **extra) -> dict:
    start, end = where(sentence)
    return {"doc": "article.txt", "start": start, "end": end, "labels": labels, **extra}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def label_files(tmp_path: Path) -> tuple[Path, Path]:
    """tune.jsonl agrees with the engine; heldout.jsonl has one deliberate disagreement."""
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    tune = write_jsonl(
        tmp_path / "tune.jsonl",
        [
            gold_row(SENTENCES[0], ["named"], text_hash="ignored"),
            gold_row(SENTENCES[1], ["unattributed"]),
            gold_row(SENTENCES[2], ["anonymous", "denial"]),
            gold_row(SENTENCES[3], ["named", "no_comment"]),
        ],
    )
    heldout = write_jsonl(
        tmp_path / "heldout.jsonl",
        [gold_row(SENTENCES[0], ["named"]), gold_row(SENTENCES[2], ["anonymous"])],
    )
    return tune, heldout


def span(sentence: str, piece: str) -> dict:
    start = ARTICLE.index(sentence) + sentence.index(piece)
    return {"spans": [[start, start + len(piece)]], "text": piece}


def attribution(
    sentence: str, source: str, cue: str, content: str, source_text: str | None = None
) -> dict:
    """A PolNeAR relation; `source_text` overrides the source's text (e.g. a pronoun)."""
    return {
        "annotator": "a1",
        "event": "E1",
        "type": "Attribution",
        "source": span(sentence, source) | ({"text": source_text} if source_text else {}),
        "cue": span(sentence, cue),
        "content": span(sentence, content),
    }


@pytest.fixture
def polnear_file(tmp_path: Path) -> Path:
    """Two attributed statements in gold; one relation has a first-person source."""
    article = {
        "article": "synthetic_article",
        "text": ARTICLE,
        "attributions": [
            attribution(SENTENCES[0], "Jane Smith", "said", "the bridge would close in May"),
            # first-person source: not gold, so "The river rose" stays unattributed
            attribution(SENTENCES[1], "The river", "rose", "two feet overnight", source_text="We"),
            attribution(SENTENCES[2], "a senior official", "said", '"That is untrue,"'),
        ],
    }
    path = tmp_path / "polnear.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(article) + "\n")
    return path


def test_label_files_give_figures_per_part_and_for_all(label_files):
    result = run(*map(str, label_files), "--format", "json")
    assert result.exit_code == 0, result.output
    parts = {s["part"]: s for s in json.loads(result.stdout)["label_sets"]}
    assert sorted(parts) == ["all", "heldout", "tune"]
    assert parts["tune"]["exact_accuracy"] == 1.0
    heldout = parts["heldout"]
    assert (heldout["rows"], heldout["exact"], heldout["exact_accuracy"]) == (2, 1, 0.5)
    assert heldout["labels"]["denial"]["fp"] == 1
    assert heldout["labels"]["named"]["f1"] == 1.0
    assert parts["all"]["rows"] == 6


def test_part_option_keeps_one_part_and_the_table_names_it(label_files):
    result = run(*map(str, label_files), "--part", "heldout")
    assert result.exit_code == 0, result.output
    assert "part 'heldout': 2 statements" in result.stdout
    assert "part 'tune'" not in result.stdout
    assert "exact label-set accuracy: 0.500 (1/2)" in result.stdout


def test_misses_are_written_where_the_user_asks(label_files, tmp_path):
    misses = tmp_path / "out" / "misses.jsonl"
    misses.parent.mkdir()
    result = run(*map(str, label_files), "--misses", str(misses))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in misses.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    assert rows[0]["extra"] == ["denial"] and rows[0]["gold"] == ["anonymous"]
    assert rows[0]["text"] == SENTENCES[2] and rows[0]["part"] == "heldout"
    assert "wrote 1 misses" in result.stderr


def test_polnear_attributed_figure_and_cue_breakdown(polnear_file):
    result = run("--polnear", str(polnear_file), "--format", "json")
    assert result.exit_code == 0, result.output
    [figure] = json.loads(result.stdout)["polnear"]
    attributed = figure["attributed"]
    # gold: Jane Smith and the official (the "We" relation does not count);
    # the engine also attributes the State Department's no-comment line
    assert (attributed["tp"], attributed["fp"], attributed["fn"]) == (2, 1, 0)
    assert attributed["f1"] == 0.8
    assert figure["by_gold_cue"] == [
        {"cue": "said", "gold": 2, "found": 2, "missed": 0, "recall": 1.0}
    ]
    assert figure["false_positives_by_engine_cue"][0]["count"] == 1


def test_polnear_table_shows_the_breakdowns(polnear_file):
    result = run("-p", str(polnear_file), "--combine", "majority")
    assert result.exit_code == 0, result.output
    assert "PolNeAR attributed statements" in result.stdout
    assert "recall by gold cue" in result.stdout
    assert "false positives by engine cue" in result.stdout
    assert "majority" in result.stdout and "0.800" in result.stdout


def test_baseline_is_written_then_checked_and_a_drop_exits_1(label_files, polnear_file, tmp_path):
    baseline = tmp_path / "baseline.json"
    inputs = [*map(str, label_files), "--polnear", str(polnear_file)]
    written = run(*inputs, "--write-baseline", str(baseline))
    assert written.exit_code == 0, written.output
    record = json.loads(baseline.read_text(encoding="utf-8"))
    assert record["command"].startswith("auditor eval ")
    assert "--write-baseline" in record["command"] and record["date"]
    assert record["inputs"]["label_files"] == ["tune.jsonl", "heldout.jsonl"]
    assert record["figures"]["labels/heldout/exact_accuracy"] == 0.5

    # with no inputs, --check-baseline re-runs what the baseline recorded
    assert run("--check-baseline", str(baseline)).exit_code == 0

    record["figures"]["labels/heldout/exact_accuracy"] = (
        0.52  # a drop of 0.02: beyond the tolerance
    )
    baseline.write_text(json.dumps(record), encoding="utf-8")
    dropped = run("--check-baseline", str(baseline))
    assert dropped.exit_code == 1
    assert "labels/heldout/exact_accuracy: 0.5000, down from 0.5200" in dropped.stderr

    record["figures"]["labels/heldout/exact_accuracy"] = 0.505  # within 0.01: fine
    baseline.write_text(json.dumps(record), encoding="utf-8")
    assert run("--check-baseline", str(baseline)).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to evaluate"),
        (("--polnear", "missing.jsonl.gz"), "missing.jsonl.gz: no such file"),
        (("--polnear", "dev", "--data", "/nonexistent"), "PolNeAR dev split not found"),
        (("{heldout}", "--part", "test"), "no labelled rows with part 'test'"),
        (("{bad}",), "bad.jsonl:1: unknown label(s) rumour"),
        (("{heldout}", "--check-baseline", "missing-baseline.json"), "no such baseline file"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(label_files, tmp_path, args, message):
    bad = write_jsonl(tmp_path / "bad.jsonl", [gold_row(SENTENCES[0], ["rumour"])])
    names = {"heldout": str(label_files[1]), "bad": str(bad)}
    result = run(*(arg.format(**names) for arg in args))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_python_m_auditor_eval_reports_errors_without_traceback(tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "auditor", "eval", str(missing)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 2
    assert "nowhere.jsonl: no such file" in result.stderr
    assert "Traceback" not in result.stderr
