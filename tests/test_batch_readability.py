"""The cheap readability (score.Readability) is textstat's, number for number.

Compared with textstat itself, which `score.readability_scores` called before
it adopted the cheap version.
"""

from __future__ import annotations

import gzip
import json

import textstat
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.score import Readability, readability_scores
from conftest import SEEDS

READABILITY = Readability()


def textstat_scores(text: str) -> dict[str, float | None]:
    if not text.strip():
        return {"flesch_reading_ease": None, "flesch_kincaid_grade": None}
    return {
        "flesch_reading_ease": round(float(textstat.flesch_reading_ease(text)), 1),
        "flesch_kincaid_grade": round(float(textstat.flesch_kincaid_grade(text)), 1),
    }


WORDS = ["the", "mayor", "said", "it's", "don't", "'quoted'", "re-election", "U.S.", "3.5%"]
WORDS += ["anonymity", "extraordinarily", "Qatar's", "café", "naïve", "—", "“Yes,”", "o'clock"]
WORDS += ["Mr.", "...", "?!", "Zyxwv", "supercalifragilistic", "ok", "a", "I", "’s"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(min_size=1, max_size=12), max_size=60))
def test_same_as_textstat_on_generated_text(words):
    text = " ".join(words)
    assert READABILITY.scores(text) == textstat_scores(text)


def test_same_as_the_summary_readability():
    text = "The mayor said the budget would pass. “It’s done,” she said. Officials disagreed."
    assert READABILITY.scores(text) == readability_scores(text) == textstat_scores(text)


def test_same_as_textstat_on_the_seeds():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert READABILITY.scores(text) == textstat_scores(text), path.name


def test_same_as_textstat_on_real_articles(shared_data):
    with gzip.open(shared_data / "polnear.jsonl.gz", "rt", encoding="utf-8") as handle:
        for number, line in zip(range(200), handle, strict=False):
            text = json.loads(line)["text"]
            assert READABILITY.scores(text) == textstat_scores(text), number


def test_empty_text_has_no_scores():
    assert READABILITY.scores("  \n") == readability_scores("  \n") == textstat_scores("  \n")
