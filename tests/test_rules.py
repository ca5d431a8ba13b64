"""Every rule is tested by its own examples; malformed rule data is a load error."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auditor.errors import RuleLoadError
from auditor.ruleset import RuleSet, rule_examples, run_examples

RULESET = RuleSet.load()
EXAMPLES = [
    pytest.param(rule.id, kind, sentence, id=f"{rule.id}:{kind}:{n}")
    for n, (rule, kind, sentence) in enumerate(rule_examples(RULESET.rules))
]


@pytest.mark.parametrize(("rule_id", "kind", "sentence"), EXAMPLES)
def test_rule_example(rule_id, kind, sentence):
    fired = RULESET.fired_ids(sentence)
    assert (rule_id in fired) == (kind == "match"), f"fired: {fired}"


def test_every_rule_has_both_kinds_of_example():
    for rule in RULESET.rules:
        assert rule.match_examples and rule.no_match_examples, rule.id


def test_examples_runner_reports_nothing_on_the_built_in_rules():
    run, failures = run_examples(RULESET)
    assert run == len(EXAMPLES) and failures == []


RULE = """
rules:
  - id: named.test-rule
    label: named
    description: test
    pattern: 'Zorblax {cue_verb}'
    examples:
      match: [Zorblax said so.]
      no_match: [Nobody said so.]
"""


def write(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_user_rules_directory_adds_rules(tmp_path):
    ruleset = RuleSet.load([write(tmp_path, RULE)])
    assert "named.test-rule" in ruleset.fired_ids("Zorblax said so.")


def test_same_id_overrides_a_built_in(tmp_path):
    override = RULE.replace("named.test-rule", "named.name-cue")
    ruleset = RuleSet.load([write(tmp_path, override)])
    assert ruleset.by_id["named.name-cue"].pattern == "Zorblax {cue_verb}"
    assert "named.name-cue" not in ruleset.fired_ids("Rubio said so.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [\n  - id: x\n", "not valid YAML"),
        (RULE.replace("{cue_verb}", "{no_such_lexicon}"), "unknown lexicon {no_such_lexicon}"),
        (
            RULE.replace("      no_match: [Nobody said so.]\n", ""),
            "examples.no_match needs at least one",
        ),
        (
            RULE.replace(
                "    examples:\n      match: [Zorblax said so.]\n"
                "      no_match: [Nobody said so.]\n",
                "",
            ),
            "'examples' is missing",
        ),
        (RULE.replace("label: named", "label: famous"), "label 'famous' is not one of"),
        (
            RULE.replace("description: test", "description: test\n    colour: red"),
            "unknown key 'colour'",
        ),
        (RULE.replace("'Zorblax {cue_verb}'", "'Zorblax ('"), "not a valid regex"),
        (
            RULE.replace("    pattern:", "    requires: [nope]\n    pattern:"),
            "requires unknown lexicon",
        ),
        (
            RULE.replace("description: test", "description: test\n    skip_in_quotes: yes please"),
            "'skip_in_quotes' must be true or false",
        ),
        (
            RULE.replace("description: test", "description: test\n    source_named_in_article: 1"),
            "'source_named_in_article' must be true or false",
        ),
        (
            RULE.replace("description: test", "description: test\n    not_named_in_article: no!"),
            "'not_named_in_article' must be true or false",
        ),
        (
            RULE.replace(
                "description: test",
                "description: test\n    source_named_in_article: true"
                "\n    not_named_in_article: true",
            ),
            "exclude each other",
        ),
        (
            RULE.replace("description: test", "description: test\n    unless_sourced: maybe"),
            "'unless_sourced' must be true or false",
        ),
        ("", "file is empty"),
        ("just: text\n", "expected a 'rules' list or a 'lexicon' name"),
        ("lexicon: Bad-Name\nentries: [a]\n", "lower_snake_case"),
        ("lexicon: thing\nentries: []\n", "non-empty list"),
    ],
)
def test_malformed_rule_files_are_load_errors_naming_file_and_key(tmp_path, text, message):
    folder = write(tmp_path, text)
    with pytest.raises(RuleLoadError) as error:
        RuleSet.load([folder])
    assert message in str(error.value)
    assert "extra.yaml" in str(error.value)


def test_missing_or_empty_rules_directory_is_an_error(tmp_path):
    with pytest.raises(RuleLoadError, match="does not exist"):
        RuleSet.load([tmp_path / "nowhere"])
    with pytest.raises(RuleLoadError, match=r"no \.yaml"):
        RuleSet.load([tmp_path])


def test_yaml_booleans_in_triggers_are_caught(tmp_path):
    text = RULE.replace("    pattern:", "    triggers: [true]\n    pattern:")
    with pytest.raises(RuleLoadError, match="triggers"):
        RuleSet.load([write(tmp_path, text)])


def test_rules_hash_changes_with_the_rules(tmp_path):
    assert RuleSet.load().hash == RULESET.hash
    assert RuleSet.load([write(tmp_path, RULE)]).hash != RULESET.hash


def test_yaml_boolean_lexicon_entries_are_caught(tmp_path):
    with pytest.raises(RuleLoadError, match=r"entries\[1\].*quote it"):
        RuleSet.load([write(tmp_path, "lexicon: thing\nentries: [maybe, No]\n")])


def test_a_quote_mark_inside_a_lexicon_entry_is_a_load_error(tmp_path):
    # YAML keeps the marks of `briefed "on"`, so the phrase could never match
    with pytest.raises(RuleLoadError, match=r"entries\[1\].*quote the whole entry"):
        RuleSet.load([write(tmp_path, 'lexicon: thing\nentries: [maybe, briefed "on"]\n')])


@pytest.mark.parametrize(
    "sentence",
    [
        "The deal collapsed, as first reported by ProPublica.",
        "THE DEAL COLLAPSED, AS FIRST REPORTED BY PROPUBLICA.",
        "the deal collapsed, as first reported by ProPublica.",
    ],
)
def test_prefilter_matches_trigger_words_in_any_case(sentence):
    assert "outlet.reported" in RULESET.fired_ids(sentence) or sentence.isupper()
    if not sentence.isupper():
        return
    # upper-case text still passes the prefilter; the case-sensitive pattern decides
    words = {"REPORTED", "PROPUBLICA"}
    assert words & RULESET._trigger_words


def test_requiring_a_lexicon_the_pattern_does_not_use_is_a_load_error(tmp_path):
    """Such a prefilter would skip sentences the pattern matches."""
    text = RULE.replace("    pattern:", "    requires: [outlet]\n    pattern:")
    with pytest.raises(RuleLoadError, match=r"requires \{outlet\}, which the pattern does not use"):
        RuleSet.load([write(tmp_path, text)])


def test_rules_hash_covers_flags_and_outlet_role(tmp_path):
    base = RuleSet.load([write(tmp_path, RULE)]).hash
    flagged = RULE.replace("    pattern:", "    flags: [ignorecase]\n    pattern:")
    assert RuleSet.load([write(tmp_path, flagged)]).hash != base
    role = RULE.replace("    pattern:", "    outlet_role: credited\n    pattern:")
    assert RuleSet.load([write(tmp_path, role)]).hash != base


def test_a_trigger_that_is_not_one_word_is_a_load_error(tmp_path):
    text = RULE.replace("    pattern:", "    triggers: [op-ed]\n    pattern:")
    with pytest.raises(RuleLoadError, match="trigger 'op-ed' is not one word"):
        RuleSet.load([write(tmp_path, text)])


def test_a_pattern_lexicon_with_triggers_can_be_a_rules_trigger(tmp_path):
    lexicon = "lexicon: zorb_word\ntriggers: [Zorblax, Zorbly]\npattern: 'Zorbl(?:ax|y)'\n"
    rule = RULE.replace("'Zorblax {cue_verb}'", "'{zorb_word} {cue_verb}'").replace(
        "    pattern:", '    triggers: ["{zorb_word}"]\n    pattern:'
    )
    write(tmp_path, lexicon, "zorb.yaml")
    ruleset = RuleSet.load([write(tmp_path, rule)])
    assert ruleset.by_id["named.test-rule"].triggers == {"Zorblax", "Zorbly"}
    assert "named.test-rule" in ruleset.fired_ids("Zorbly said so.")


def test_a_pattern_lexicons_triggers_may_name_other_lexicons(tmp_path):
    """`triggers: ["{name}"]` in a lexicon adds that lexicon's words; a rule may
    then `require` the pattern lexicon, and the prefilter stays exact."""
    write(tmp_path, "lexicon: zorb_name\nentries: [Zorblax, Quux Zorbly]\n", "name.yaml")
    lexicon = (
        "lexicon: zorb_word\ntriggers: [Blip, '{zorb_name}']\npattern: '(?:{zorb_name}|Blip)'\n"
    )
    write(tmp_path, lexicon, "zorb.yaml")
    rule = RULE.replace("'Zorblax {cue_verb}'", "'{zorb_word} {cue_verb}'").replace(
        "    pattern:", "    requires: [zorb_word]\n    pattern:"
    )
    ruleset = RuleSet.load([write(tmp_path, rule)])
    assert ruleset.lexicons["zorb_word"].trigger_words == {"Blip", "Zorblax", "Zorbly"}
    for sentence in ("Quux Zorbly said so.", "Blip said so.", "Zorblax said so."):
        assert "named.test-rule" in ruleset.fired_ids(sentence)
        assert ruleset.fire(sentence) == ruleset.fire(sentence, exhaustive=True)


@pytest.mark.parametrize(
    ("lexicon", "message"),
    [
        ("lexicon: zorb_word\ntriggers: ['{nowhere}']\npattern: 'Zorbl'\n", "unknown lexicon"),
        ("lexicon: zorb_word\ntriggers: ['{zorb_word}']\npattern: 'Zorbl'\n", "themselves"),
        ("lexicon: zorb_word\ntriggers: ['{who_clause}']\npattern: 'Zorbl'\n", "no trigger words"),
    ],
)
def test_lexicon_trigger_references_are_checked_at_load(tmp_path, lexicon, message):
    write(tmp_path, lexicon, "zorb.yaml")
    with pytest.raises(RuleLoadError, match=message):
        RuleSet.load([write(tmp_path, RULE)])


def test_requiring_a_pattern_lexicon_without_triggers_is_a_load_error(tmp_path):
    write(tmp_path, "lexicon: zorb_word\npattern: 'Zorbl(?:ax|y)'\n", "zorb.yaml")
    rule = RULE.replace("'Zorblax {cue_verb}'", "'{zorb_word} {cue_verb}'").replace(
        "    pattern:", "    requires: [zorb_word]\n    pattern:"
    )
    with pytest.raises(RuleLoadError, match="pattern lexicon without triggers"):
        RuleSet.load([write(tmp_path, rule)])


@pytest.mark.parametrize(
    ("lexicon", "message"),
    [
        ("lexicon: zorb_word\npattern: 'Zorbl(?:ax|y)'\n", "not a phrase lexicon or a pattern"),
        ("lexicon: zorb_word\ntriggers: [op-ed]\npattern: 'Zorbl'\n", "is not one word"),
        ("lexicon: zorb_word\ntriggers: [Zorblax]\nentries: [Zorblax]\n", "is for patterns"),
    ],
)
def test_lexicon_triggers_are_checked_at_load(tmp_path, lexicon, message):
    rule = RULE.replace("    pattern:", '    triggers: ["{zorb_word}"]\n    pattern:')
    write(tmp_path, lexicon, "zorb.yaml")
    with pytest.raises(RuleLoadError, match=message):
        RuleSet.load([write(tmp_path, rule)])


def test_a_key_given_twice_is_a_load_error_not_a_silent_overwrite(tmp_path):
    text = RULE.replace("    pattern:", "    description: again\n    pattern:")
    with pytest.raises(RuleLoadError, match="given twice"):
        RuleSet.load([write(tmp_path, text)])


def test_a_contains_entry_with_a_space_is_a_load_error(tmp_path):
    text = RULE.replace("    pattern:", "    contains: [' by ']\n    pattern:")
    with pytest.raises(RuleLoadError, match="has a space"):
        RuleSet.load([write(tmp_path, text)])


@pytest.mark.parametrize(
    "sentence",
    [
        "-".join(["Ab"] * 25) + " returned to Ab: “No.”",
        "The " + "-".join(["LAX", "JFK", "ORD", "ATL"] * 6) + " loop failed, she said.",
        "R-" * 30 + "A, she said.",
        "Officials who" + " " * 800 + "x",
        "Police" + " " * 3000 + "Police" + " " * 3000 + ": ",
    ],
)
def test_long_runs_do_not_make_the_rules_backtrack(sentence):
    """A guard against a hang, not a speed test. Before proper names took their
    words possessively, the hyphenated runs took 1-6 s (their split points
    multiply); before the "who" clause and the participle rule took spaces
    possessively, the runs of spaces took 7 s and 1.6 s. Now each takes a few
    milliseconds."""
    start = time.perf_counter()
    RULESET.fire(sentence, exhaustive=True)
    assert time.perf_counter() - start < 1.0


def test_a_space_before_a_comma_reads_as_a_comma_and_offsets_still_index_the_text():
    """Some feeds write "Ruiz , the mayor, said"; the rules see ", " in its place."""
    sentence = "Dana Ruiz , the mayor of Dayton, said the bridge would close."
    matches = RULESET.fire(sentence)
    assert "named.name-cue" in [m.rule.id for m in matches]
    for match in matches:
        assert 0 <= match.start <= match.end <= len(sentence)
    assert RULESET.fire(sentence) == RULESET.fire(sentence, exhaustive=True)


def test_fire_with_outlets_reads_a_name_as_an_outlet_and_keeps_the_text():
    sentence = "Two aides told Blue Kestrel she had quit."
    assert "outlet.told" not in RULESET.fired_ids(sentence)
    matches = RULESET.fire_with_outlets(sentence, ["Blue Kestrel"])
    told = next(m for m in matches if m.rule.id == "outlet.told")
    assert told.groups["outlet"] == "Blue Kestrel"
    assert sentence[told.start : told.end].endswith("Blue Kestrel")
