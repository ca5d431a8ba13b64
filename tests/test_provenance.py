"""Single-article provenance: the rules in rules/provenance/, credits, own reporting, suspicion."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import RuleLoadError
from auditor.model import Document
from auditor.provenance import (
    RULE_KINDS,
    ProvenanceRules,
    parse_provenance_file,
    run_provenance_examples,
)
from auditor.ruleset import RuleSet
from conftest import SEEDS

SEED_000 = SEEDS / "000_f37875985f527884.txt"
SEED_001 = SEEDS / "001_12b50f974c36efa9.txt"
PROVENANCE_KEYS = {
    "own_outlet",
    "credited_outlets",
    "own_reporting",
    "derivative_suspect",
    "reason",
}


@pytest.fixture(scope="module")
def rules(auditor) -> ProvenanceRules:
    return auditor.provenance_rules


def provenance_of(auditor, text: str, **metadata: str) -> dict:
    return auditor.audit(
        Document(name="t", text=text, metadata=metadata), readability=False
    ).provenance


# -- the rule files ------------------------------------------------------------
def test_every_provenance_rule_passes_its_own_examples(rules):
    run, failures = run_provenance_examples(rules)
    assert run >= 2 * len(rules.rules)
    assert failures == [], "\n".join(f.describe() for f in failures)


def test_every_provenance_rule_has_a_kind_and_both_kinds_of_example(rules):
    assert {rule.kind for rule in rules.rules} == set(RULE_KINDS)
    for rule in rules.rules:
        assert rule.match_examples and rule.no_match_examples, rule.id


def test_a_failing_example_is_reported(rules):
    rule = rules.rules[0]
    rule.no_match_examples.append(rule.match_examples[0])
    try:
        _, failures = run_provenance_examples(rules)
    finally:
        rule.no_match_examples.pop()
    assert [(f.rule_id, f.kind) for f in failures] == [(rule.id, "no_match")]
    assert "should not match" in failures[0].describe()


GOOD_RULE = {
    "id": "credit.test",
    "kind": "credit",
    "description": "d",
    "pattern": r"per (?P<outlet>{outlet})",
    "examples": {"match": ["per CNN"], "no_match": ["per person"]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "guess"}, "kind 'guess' is not one of"),
        ({"pattern": "per {nope}"}, "unknown lexicon {nope}"),
        ({"pattern": "per (CNN"}, "not a valid regex"),
        ({"pattern": "per CNN"}, "must capture (?P<outlet>"),
        ({"examples": {"match": ["x"]}}, "examples.no_match needs"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"description": ""}, "'description' is missing"),
        ({"triggers": "per"}, "'triggers' must be a list of words"),
    ],
)
def test_malformed_provenance_rules_name_file_and_key(auditor, change, message):
    item = {**GOOD_RULE, **change}
    with pytest.raises(RuleLoadError) as error:
        parse_provenance_file("bad.yaml", {"rules": [item]}, auditor.ruleset.lexicons)
    assert str(error.value).startswith("bad.yaml: rules[0] (credit.test)")
    assert message in str(error.value)


def test_a_broken_provenance_file_in_a_rules_directory_is_a_load_error(tmp_path):
    folder = tmp_path / "provenance"
    folder.mkdir()
    (folder / "broken.yaml").write_text("rules:\n  - id: x\n    kind: credit\n", encoding="utf-8")
    with pytest.raises(RuleLoadError, match=r"broken\.yaml: rules\[0\] \(x\): 'description'"):
        ProvenanceRules.load(RuleSet.load(), [tmp_path])


def test_the_label_rule_loader_skips_the_provenance_folder(tmp_path):
    (tmp_path / "provenance").mkdir()
    (tmp_path / "provenance" / "p.yaml").write_text("rules: [1]\n", encoding="utf-8")
    (tmp_path / "extra.yaml").write_text("lexicon: extra_words\nentries: [x]\n", encoding="utf-8")
    assert "extra_words" in RuleSet.load([tmp_path]).lexicons


# -- the seeds -----------------------------------------------------------------
def test_seed_000_is_the_posts_own_exclusive(auditor):
    provenance = auditor.audit_path(str(SEED_000)).provenance
    assert set(provenance) == PROVENANCE_KEYS
    assert provenance["own_outlet"] == "The Post"
    assert provenance["credited_outlets"] == []
    markers = [m["marker"] for m in provenance["own_reporting"]]
    assert "Exclusive" in markers and "The Post has learned" in markers
    assert provenance["derivative_suspect"] is False


def test_seed_001_credits_the_new_york_post_and_is_suspect(auditor):
    provenance = auditor.audit_path(str(SEED_001)).provenance
    assert provenance["own_outlet"] is None
    [credited] = provenance["credited_outlets"]
    assert credited["outlet"] == "The New York Post"
    assert "According to a report by The New York Post" in credited["phrases"]
    assert "spoke with The Post" in credited["phrases"]
    assert credited["statements"] == [2]
    assert provenance["own_reporting"] == []
    assert provenance["derivative_suspect"] is True
    assert "The New York Post" in provenance["reason"] and "lead" in provenance["reason"]


# -- own outlet versus another outlet --------------------------------------------
def test_told_the_own_outlet_is_own_reporting_not_a_credit(auditor):
    text = "Officials weighed the plan.\n\nThe senator told The Post that she would vote no."
    own = provenance_of(auditor, text, outlet="New York Post")
    assert own["credited_outlets"] == []
    assert own["own_reporting"] == [{"marker": "told The Post", "statement": 1}]
    other = provenance_of(auditor, text, outlet="CNN")
    assert [c["outlet"] for c in other["credited_outlets"]] == ["The Post"]
    assert other["own_reporting"] == []


@pytest.mark.parametrize(
    ("furniture", "own"),
    [
        ("By Sarah Quint, Harbor Tribune Staff Writer\n\n", "Harbor Tribune"),
        ("By Sarah Quint | Harbor Tribune\n\n", None),  # no title, not a known outlet
        ("By Li Wei, Associated Press\n\n", "Associated Press"),
        ("By Li Wei, Ana Ortega\n\n", None),  # two writers
        ("", None),
    ],
)
def test_a_byline_names_the_articles_own_outlet(auditor, furniture, own):
    text = f"Cranes Fail\n\n{furniture}Two port employees told the Harbor Tribune it shook.\n"
    audit = auditor.audit(Document("x.txt", text), readability=False)
    assert audit.provenance["own_outlet"] == own
    credited = "outlet" in audit.body_statements[0].labels
    assert credited == (own != "Harbor Tribune")


def test_a_datelines_wire_is_the_articles_own_outlet(auditor):
    text = "Cranes Fail\n\nKOROVSK (AP) — A worker told the AP that the crane shook.\n"
    audit = auditor.audit(Document("x.txt", text), readability=False)
    assert audit.provenance["own_outlet"] == "AP"
    assert audit.body_statements[0].labels == ["anonymous"]
    assert audit.provenance["credited_outlets"] == []


def test_told_the_own_web_site_is_own_reporting_as_the_labeller_decides(auditor):
    text = (
        "Officials weighed the plan.\n\nA spokeswoman told FOXBusiness.com that the plan was dead."
    )
    metadata = {"outlet": "Valley", "url": "https://www.foxbusiness.com/politics/a.html"}
    document = Document("x.json", text, metadata=metadata)
    audit = auditor.audit(document, readability=False)
    assert audit.provenance["credited_outlets"] == []
    assert "outlet" not in audit.body_statements[1].labels
    elsewhere = auditor.audit(Document("x.json", text, metadata={"outlet": "Valley"}))
    assert [c["outlet"] for c in elsewhere.provenance["credited_outlets"]] == ["FOXBusiness.com"]


def test_a_credit_in_passing_is_not_suspect(auditor):
    body = "\n\n".join(f"Officials said the plan number {i} was on track." for i in range(10))
    provenance = provenance_of(auditor, body + "\n\nThe plan was first reported by Axios.")
    assert provenance["credited_outlets"][0]["outlet"] == "Axios"
    assert provenance["derivative_suspect"] is False
    assert "in passing" in provenance["reason"]


def test_no_credit_no_suspicion(auditor):
    provenance = provenance_of(auditor, "The mayor said the bridge would reopen on Monday.")
    assert provenance["credited_outlets"] == [] and provenance["derivative_suspect"] is False
    assert provenance["reason"] == "credits no other outlet"


# -- output ----------------------------------------------------------------------
def test_score_prints_the_provenance_block_in_table_and_json():
    runner = CliRunner()
    table = runner.invoke(app, ["score", str(SEED_001)])
    assert table.exit_code == 0, table.output
    assert "provenance:" in table.stdout
    assert "derivative suspect: yes" in table.stdout
    assert "“According to a report by The New York Post”" in table.stdout
    data = json.loads(runner.invoke(app, ["score", str(SEED_000), "-f", "json"]).stdout)
    assert data["provenance"]["own_outlet"] == "The Post"
    markdown = runner.invoke(app, ["score", str(SEED_000), "-f", "markdown"]).stdout
    assert "own-reporting markers:" in markdown


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from([*"abcXYZ .,“”\"'\n—|:", "Post ", "told ", "CNN ", "has learned "]),
        min_size=1,
        max_size=80,
    ).map("".join)
)
def test_provenance_of_odd_text_keeps_its_shape(auditor, text):
    if not text.strip():
        return
    provenance = provenance_of(auditor, text)
    assert set(provenance) == PROVENANCE_KEYS
    assert isinstance(provenance["derivative_suspect"], bool)
    for entry in provenance["credited_outlets"]:
        assert entry["outlet"] and entry["phrases"] and entry["statements"]
