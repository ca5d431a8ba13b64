"""Regression guard: the headline figures may not drop below those recorded in the repo.

`eval/baseline.json` records the figures, the date and the command that produced
them (`auditor eval ... --write-baseline eval/baseline.json`). These tests re-run
the same evaluation and fail when any recorded figure falls by more than the
tolerance (0.01). They skip, saying why, without ../shared/ or the dev set files.
After a deliberate change (new dev rows, better rules), regenerate the baseline
with the command it records.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evaluate import (
    Report,
    drops,
    evaluate_label_files,
    headline_figures,
    inputs_from_baseline,
    read_baseline,
    recorded_for,
    run_evaluation,
)
from auditor.pipeline import Auditor
from conftest import REPO, SHARED

BASELINE = REPO / "eval" / "baseline.json"
DEV_DIR = REPO / "eval" / "dev"
DATA = SHARED / "data"


@pytest.fixture(scope="module")
def baseline() -> dict:
    return read_baseline(BASELINE)


@pytest.fixture(scope="module")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA} (needs ../shared/ beside the repo)")
    return DATA


def check(report: Report, baseline: dict) -> None:
    recorded = recorded_for(report, baseline["figures"])
    assert recorded, "the baseline records no figures for this evaluation"
    problems = drops(headline_figures(report), recorded, baseline.get("tolerance", 0.01))
    assert not problems, (
        "headline figures dropped below eval/baseline.json:\n  "
        + "\n  ".join(problems)
        + f"\n(if the change is deliberate, regenerate: {baseline['command']})"
    )


def test_baseline_records_date_command_and_figures(baseline):
    assert baseline["date"] and baseline["command"].startswith("auditor eval ")
    assert "--write-baseline eval/baseline.json" in baseline["command"]
    assert all(0.0 <= value <= 1.0 for value in baseline["figures"].values())


def test_polnear_figures_hold(baseline, data_dir, auditor: Auditor):
    _, polnear, _, combine = inputs_from_baseline(baseline, BASELINE)
    if not polnear:
        pytest.skip("eval/baseline.json records no PolNeAR figures")
    report = run_evaluation([], polnear, None, combine, data_dir, auditor)
    check(report, baseline)


def test_dev_set_figures_hold(baseline, data_dir, auditor: Auditor):
    label_files, _, part, _ = inputs_from_baseline(baseline, BASELINE)
    if not label_files:
        present = sorted(p.name for p in DEV_DIR.glob("*.jsonl"))
        if present:
            pytest.skip(
                f"eval/dev/ has {', '.join(present)} but eval/baseline.json records no figures "
                "for them; regenerate it (see eval/README.md)"
            )
        pytest.skip("the development set (eval/dev/*.jsonl) is not labelled yet")
    missing = [str(path) for path in label_files if not path.is_file()]
    if missing:
        pytest.skip(f"dev set file(s) recorded in the baseline not found: {', '.join(missing)}")
    report = Report(labels=evaluate_label_files(label_files, auditor, data_dir / "news", part))
    check(report, baseline)
