"""The prefilter (requires, triggers, contains) saves time and never changes a result."""

from __future__ import annotations

import gzip
import json
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.ruleset import RuleMatch, RuleSet, rule_examples
from auditor.segment import SegmentLexicons, segment

RULESET = RuleSet.load()
SEGMENT_LEXICONS = SegmentLexicons.from_ruleset(RULESET)


def fired(text: str, exhaustive: bool) -> list[tuple[str, int, int, dict[str, str]]]:
    matches: list[RuleMatch] = RULESET.fire(text, exhaustive=exhaustive)
    return [(m.rule.id, m.start, m.end, m.groups) for m in matches]


def assert_prefilter_exact(sentences: list[str]) -> None:
    for sentence in sentences:
        assert fired(sentence, False) == fired(sentence, True), sentence


def test_prefilter_is_exact_on_every_rule_example():
    assert_prefilter_exact([sentence for _, _, sentence in rule_examples(RULESET.rules)])


def test_prefilter_is_exact_on_the_seeds(auditor):
    from conftest import SEEDS

    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert_prefilter_exact([s.text for s in segment(text, SEGMENT_LEXICONS) if s.is_statement])


def test_prefilter_is_exact_on_real_news(shared_data):
    sentences = []
    for path in sorted(shared_data.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in islice(handle, 0, 600, 30):  # 20 articles from each file
                text = json.loads(line)["text"]
                sentences += [s.text for s in segment(text, SEGMENT_LEXICONS) if s.is_statement]
    assert len(sentences) > 1000
    assert_prefilter_exact(sentences)


# Words the prefilters look for, in every case, mixed with punctuation they test for.
TRIGGERS = sorted({w for rule in RULESET.rules for w in rule.triggers})
PIECES = [
    *TRIGGERS,
    "Smith", "the official", "officials", "Reuters", "The Post", "a spokesperson",
    "’s", "'s", ":", ",", "—", "--", "“", "”", '"', ".", "according to", "report",
    "CNN", "on", "to", "with", "in phone calls with", "e-mail", "statement", "a text message",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=14),
    st.sampled_from(["", " "]),
    st.sampled_from([" ", "\u00a0", "\n", "  "]),
)
def test_prefilter_is_exact_on_generated_sentences(pieces, glue, space):
    """Words the prefilters look for, joined by any whitespace (no-break spaces, wrapped lines)."""
    sentence = space.join(pieces).replace(space + ",", glue + ",")
    for variant in (sentence, sentence.upper(), sentence.capitalize()):
        assert_prefilter_exact([variant])


def test_contains_must_be_a_list_of_strings(tmp_path):
    import pytest

    from auditor.errors import RuleLoadError

    rule = """
rules:
  - id: named.colon-test
    label: named
    description: test
    contains: ":"
    pattern: '^Zorblax:'
    examples:
      match: ["Zorblax: yes."]
      no_match: [Zorblax yes.]
"""
    (tmp_path / "x.yaml").write_text(rule, encoding="utf-8")
    with pytest.raises(RuleLoadError, match="contains"):
        RuleSet.load([tmp_path])
    (tmp_path / "x.yaml").write_text(rule.replace('contains: ":"', 'contains: [":"]'))
    ruleset = RuleSet.load([tmp_path])
    assert "named.colon-test" in ruleset.fired_ids("Zorblax: yes.")
    assert "named.colon-test" not in ruleset.fired_ids("Zorblax yes.")


def test_the_candidate_memo_stays_bounded_and_exact_when_full():
    ruleset = RuleSet.load()
    ruleset.CANDIDATE_MEMO_SIZE = 3  # full after three word combinations
    sentences = [sentence for _, _, sentence in rule_examples(ruleset.rules)]
    for sentence in sentences:
        found = [m.rule.id for m in ruleset.fire(sentence)]
        assert found == [m.rule.id for m in ruleset.fire(sentence, exhaustive=True)], sentence
    assert len(ruleset._candidate_memo) == 3
